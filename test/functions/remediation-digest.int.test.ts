/**
 * The event path's hourly remediation digest read back from SNS on moto: a compliance-change event
 * through the real handler and wiring (notify mode: journaled in S3, not sent), then the digest
 * function, run twice at once, sends one message, read through an SQS queue subscribed to the
 * topic. The account-hour marker is a real S3 conditional write. Only the Config rule catalogue is
 * moto's; nothing is mocked.
 */
import { ConfigServiceClient } from "@aws-sdk/client-config-service";
import { CreateKeyCommand, KMSClient } from "@aws-sdk/client-kms";
import { CreateBucketCommand, GetObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { SNSClient } from "@aws-sdk/client-sns";
import { SQSClient } from "@aws-sdk/client-sqs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import * as onConfig from "../../functions/on-config-compliance-change.ts";
import * as digestFunction from "../../functions/remediation-digest.ts";
import { putManagedConfigRules, withRuleArn } from "../../sandbox/config-rules.ts";
import { createJournalMacKey } from "../../sandbox/journal-mac-key.ts";
import { createTopicWithQueue, readSnsMessages } from "../../sandbox/sns-readback.ts";
import { createEventDigestDeps } from "../../src/wiring/event-digest.ts";
import { createRemediationDeps } from "../../src/wiring/remediation.ts";
import { motoClientConfig, motoEndpoint, resetMoto } from "../support/moto.ts";
import { recordingLogger, sample, testConfig } from "../usecases/fakes.ts";

const endpoint = motoEndpoint();
const JOURNAL = "vigil-journal";
const ACCOUNT = "123456789012";

describe.skipIf(!endpoint)("the event path's hourly remediation digest on SNS (moto)", () => {
  const config = motoClientConfig(endpoint as string);
  const s3 = new S3Client(config);
  const sns = new SNSClient(config);
  const sqs = new SQSClient(config);

  beforeEach(async () => {
    await resetMoto(endpoint as string);
  });
  afterEach(() => {
    onConfig.setRemediationApp(undefined);
    digestFunction.setDigestDeps(undefined);
  });

  it("the handler only journals a notify outcome; the digest sends it once per account-hour", async () => {
    await s3.send(new CreateBucketCommand({ Bucket: JOURNAL }));
    await new S3Client({ ...config, region: "eu-west-1" }).send(
      new CreateBucketCommand({
        Bucket: "acme-raw-landing-prod",
        CreateBucketConfiguration: { LocationConstraint: "eu-west-1" },
      }),
    );
    const ruleArns = await putManagedConfigRules(
      new ConfigServiceClient({ ...config, region: "eu-west-1" }),
    );
    const { topicArn, queueUrl } = await createTopicWithQueue(sns, sqs, "vigil-alerts");
    const macKey = await createJournalMacKey(new KMSClient(config));
    const key = await new KMSClient({ ...config, region: "eu-west-1" }).send(
      new CreateKeyCommand({}),
    );
    const env = {
      AWS_ENDPOINT_URL: endpoint as string,
      AWS_REGION: "us-east-1",
      VIGIL_JOURNAL_BUCKET: JOURNAL,
      VIGIL_JOURNAL_MAC_KEY: macKey,
      VIGIL_TOPIC_ARN: topicArn,
    };
    const logger = recordingLogger();
    const app = await createRemediationDeps({
      env,
      // alerting defaults: digest mode.
      loadConfig: async () =>
        testConfig({
          defaultMode: "notify",
          settings: { s3EncryptionAlgorithm: "aws:kms", s3KmsKeyArn: key.KeyMetadata?.Arn },
        }),
      logger,
      homeAccount: ACCOUNT,
    });
    onConfig.setRemediationApp(app);

    const result = await onConfig.handler(
      withRuleArn(sample("config-s3-encryption-noncompliant"), ruleArns),
    );
    expect(result).toMatchObject({ ok: true, outcome: "notified" });
    const journalId = (result as { journalId: string }).journalId;
    // Journaled, not sent: it waits for the hour's digest.
    expect(await readSnsMessages(sqs, queueUrl)).toEqual([]);

    const deps = await createEventDigestDeps({ env, logger: digestFunction.logger });
    digestFunction.setDigestDeps(deps);
    const hour = (await app.runner.journal.get(journalId))?.time.slice(0, 13) as string;
    // Two runs at once (a retry overlapping a manual run): one digest.
    const [first, second] = await Promise.all([
      digestFunction.handler({ hour }),
      digestFunction.handler({ hour }),
    ]);
    const runs = [first, second].map((r) => r.accounts?.[0]);
    expect(runs.filter((a) => a?.sent)).toEqual([{ account: ACCOUNT, outcomes: 1, sent: true }]);
    expect(runs.filter((a) => a?.alreadySent)).toHaveLength(1);

    const messages = await readSnsMessages(sqs, queueUrl);
    expect(messages).toHaveLength(1);
    const [digest] = messages;
    expect(digest?.Subject).toBe(
      `[Vigil WARNING] ${ACCOUNT} us-east-1 remediation digest: 1 notified`,
    );
    expect(digest?.Message).toContain(
      `${hour}:00 UTC hour's compliance and Access Analyzer events`,
    );
    expect(digest?.Message).toContain(`vigil journal show ${journalId}`);
    expect(digest?.Message).toContain("arn:aws:s3:::acme-raw-landing-prod");
    expect(digest?.MessageAttributes?.event).toMatchObject({ Value: "digest" });

    const marker = await s3.send(
      new GetObjectCommand({
        Bucket: JOURNAL,
        Key: `alerts/remediation-digests/${ACCOUNT}/${hour}`,
      }),
    );
    expect(marker.ContentType).toBe("application/json");
  });
});
