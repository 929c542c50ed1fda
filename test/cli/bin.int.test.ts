/**
 * The `vigil` executable as a script sees it: exit codes for usage errors, --version, and stdout
 * that carries only the command's output (one JSON document with --json) while logs go to stderr.
 */
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { promisify } from "node:util";
import { CloudFormationClient, CreateStackCommand } from "@aws-sdk/client-cloudformation";
import { ConfigServiceClient } from "@aws-sdk/client-config-service";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { CreateTopicCommand, SNSClient, SubscribeCommand } from "@aws-sdk/client-sns";
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from "@aws-sdk/client-sqs";
import { beforeAll, describe, expect, it } from "vitest";
import { putManagedConfigRules } from "../../sandbox/config-rules.ts";
import { S3Journal } from "../../src/adapters/s3-journal.ts";
import { journalIdPrefix } from "../../src/domain/journal-query.ts";
import { motoClientConfig, motoEndpoint, resetMoto } from "../support/moto.ts";
import { journalRecord } from "../usecases/fakes.ts";

const run = promisify(execFile);

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

async function vigil(args: string[], env: Record<string, string> = {}): Promise<Result> {
  try {
    const { stdout, stderr } = await run(
      process.execPath,
      ["--import", "tsx", "bin/vigil.ts", ...args],
      { env: { ...process.env, ...env }, timeout: 60_000 },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe("vigil: exit codes a script can trust", () => {
  it("--version prints the package version and exits 0", async () => {
    const { version } = JSON.parse(readFileSync("package.json", "utf8")) as { version: string };
    const result = await vigil(["--version"]);
    expect(result).toMatchObject({ code: 0, stdout: `${version}\n` });
  });

  it("an unknown option, a missing required option and an unknown command exit 2 with the reason on stderr", async () => {
    const unknownOption = await vigil(["detect", "--bogus"]);
    expect(unknownOption.code).toBe(2);
    expect(unknownOption.stderr).toContain("unknown option '--bogus'");
    expect(unknownOption.stdout).toBe("");
    const missing = await vigil(["tune"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("--budget");
    expect((await vigil(["frobnicate"])).code).toBe(2);
    // Three cold starts of the executable: ~10 s each on the shared machine under load.
  }, 90_000);

  it("--help exits 0", async () => {
    const result = await vigil(["remediate", "--help"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("--event");
  });
});

describe("vigil: logs on stderr, data on stdout", () => {
  const endpoint = motoEndpoint();
  beforeAll(async () => {
    if (!endpoint) return;
    await resetMoto(endpoint);
    const s3 = new S3Client({ ...motoClientConfig(endpoint), region: "eu-west-1" });
    await s3.send(
      new CreateBucketCommand({
        Bucket: "acme-raw-landing-prod",
        CreateBucketConfiguration: { LocationConstraint: "eu-west-1" },
      }),
    );
    await putManagedConfigRules(
      new ConfigServiceClient({ ...motoClientConfig(endpoint), region: "eu-west-1" }),
    );
  });

  it.runIf(endpoint)(
    "remediate --json prints exactly one JSON document; its log lines go to stderr",
    async () => {
      const result = await vigil(
        [
          "remediate",
          "-e",
          "test/fixtures/events/config-s3-encryption-noncompliant.json",
          "--dry-run",
          "--json",
        ],
        {
          AWS_ENDPOINT_URL: endpoint as string,
          AWS_ACCESS_KEY_ID: "testing",
          AWS_SECRET_ACCESS_KEY: "testing",
          AWS_REGION: "eu-west-1",
          POWERTOOLS_LOG_LEVEL: "INFO",
        },
      );
      const document = JSON.parse(result.stdout) as Record<string, unknown>;
      expect(document).toBeTypeOf("object");
      expect(result.stderr).toMatch(/"level": "(INFO|WARN)"/);
    },
  );
});

describe("vigil --stage: names from the deployed stack (moto CloudFormation)", () => {
  const endpoint = motoEndpoint();
  const awsEnv = () => ({
    AWS_ENDPOINT_URL: endpoint as string,
    AWS_ACCESS_KEY_ID: "testing",
    AWS_SECRET_ACCESS_KEY: "testing",
    AWS_REGION: "us-east-1",
  });

  beforeAll(async () => {
    if (!endpoint) return;
    await resetMoto(endpoint);
    const config = motoClientConfig(endpoint);
    const cloudformation = new CloudFormationClient(config);
    await cloudformation.send(
      new CreateStackCommand({
        StackName: "vigil-prod",
        TemplateBody: JSON.stringify({
          Resources: {
            AlertsTopic: {
              Type: "AWS::SNS::Topic",
              Properties: { TopicName: "vigil-prod-alerts" },
            },
            AlertDeadLetterQueue: {
              Type: "AWS::SQS::Queue",
              Properties: { QueueName: "vigil-prod-alert-dlq" },
            },
            JournalBucket: {
              Type: "AWS::S3::Bucket",
              Properties: { BucketName: "vigil-prod-journal" },
            },
            KillSwitchParameter: {
              Type: "AWS::SSM::Parameter",
              Properties: { Name: "/vigil/prod/disabled-accounts", Type: "String", Value: "none" },
            },
          },
          Outputs: {
            AlertsTopicArn: { Value: { Ref: "AlertsTopic" } },
            JournalBucketName: { Value: { Ref: "JournalBucket" } },
            AlertDeadLetterQueueUrl: { Value: { Ref: "AlertDeadLetterQueue" } },
            PagerDutySecretName: { Value: "vigil/pagerduty-routing-key" },
            KillSwitchParameterName: { Value: { Ref: "KillSwitchParameter" } },
            JournalMacKeyArn: {
              Value: "arn:aws:kms:us-east-1:123456789012:key/00000000-0000-0000-0000-000000000000",
            },
            OperatorRoleArn: { Value: "arn:aws:iam::123456789012:role/vigil-prod-operator" },
          },
        }),
      }),
    );
    const sns = new SNSClient(config);
    const sqs = new SQSClient(config);
    const topicArn = (await sns.send(new CreateTopicCommand({ Name: "vigil-prod-alerts" })))
      .TopicArn as string;
    const queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: "oncall-inbox" })))
      .QueueUrl as string;
    const queueArn = (
      await sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ["QueueArn"] }),
      )
    ).Attributes?.QueueArn as string;
    await sns.send(
      new SubscribeCommand({ TopicArn: topicArn, Protocol: "sqs", Endpoint: queueArn }),
    );
  });

  it.runIf(endpoint)(
    "alert test --to sns uses the stage's topic, whatever the laptop's environment says",
    async () => {
      const result = await vigil(["--stage", "prod", "alert", "test", "--to", "sns"], {
        ...awsEnv(),
        VIGIL_TOPIC_ARN: "arn:aws:sns:us-east-1:123456789012:some-laptop-topic",
      });
      expect(result.stderr).toContain("stage prod: names from stack vigil-prod");
      expect(result.stderr).toContain(
        "VIGIL_TOPIC_ARN=arn:aws:sns:us-east-1:123456789012:vigil-prod-alerts",
      );
      expect(result.stdout).toContain("Delivered to 1 confirmed subscription(s): sqs");
      expect(result.code).toBe(0);
    },
  );

  it.runIf(endpoint)(
    "journal list / show read the stage's journal bucket (JournalBucketName output)",
    async () => {
      const s3 = new S3Client({ ...motoClientConfig(endpoint as string), forcePathStyle: true });
      await s3.send(new CreateBucketCommand({ Bucket: "vigil-prod-journal" }));
      const journal = new S3Journal(s3, "vigil-prod-journal");
      const recent = new Date(Date.now() - 3_600_000);
      const id = `${journalIdPrefix(recent.getTime())}-0000beef`;
      await journal.record(journalRecord(id, { time: recent.toISOString() }));
      await journal.record(
        journalRecord("20200101T000000Z-000000aa", { time: "2020-01-01T00:00:00.000Z" }),
      );

      const list = await vigil(["--stage", "prod", "journal", "list", "--json"], awsEnv());
      expect(list.stderr).toContain("VIGIL_JOURNAL_BUCKET=vigil-prod-journal");
      expect(list.code).toBe(0);
      const doc = JSON.parse(list.stdout) as { records: Array<{ id: string }> };
      expect(doc.records.map((r) => r.id)).toEqual([id]);

      const show = await vigil(["--stage", "prod", "journal", "show", id], awsEnv());
      expect(show.code).toBe(0);
      expect(show.stdout).toContain(`${id}  ${recent.toISOString()}`);
      expect(show.stdout).toContain("outcome: applied");

      const undo = await vigil(["--stage", "prod", "undo", id, "--json"], awsEnv());
      expect(undo.code).toBe(2);
      expect(undo.stdout).toBe("");
      expect(undo.stderr).toContain("add --yes to undo, or --dry-run to only look");
    },
    90_000,
  );

  it.runIf(endpoint)("a stage with no stack exits 2 and says so", async () => {
    const result = await vigil(["--stage", "nope", "alert", "test", "--to", "sns"], awsEnv());
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("no stack vigil-nope");
  });
});
