import { readFileSync } from "node:fs";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigServiceClient } from "@aws-sdk/client-config-service";
import {
  CreateSnapshotCommand,
  CreateVolumeCommand,
  DescribeSnapshotAttributeCommand,
  EC2Client,
  ModifySnapshotAttributeCommand,
} from "@aws-sdk/client-ec2";
import {
  AttachRolePolicyCommand,
  CreatePolicyCommand,
  CreateRoleCommand,
  IAMClient,
  ListAttachedRolePoliciesCommand,
} from "@aws-sdk/client-iam";
import {
  CreateKeyCommand,
  GetKeyPolicyCommand,
  KMSClient,
  PutKeyPolicyCommand,
} from "@aws-sdk/client-kms";
import {
  CreateBucketCommand,
  GetBucketEncryptionCommand,
  GetPublicAccessBlockCommand,
  PutBucketEncryptionCommand,
  PutBucketPolicyCommand,
  PutBucketWebsiteCommand,
  PutPublicAccessBlockCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { SNSClient } from "@aws-sdk/client-sns";
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  SetQueueAttributesCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import { stringify as toYaml } from "yaml";
import * as onAccessAnalyzer from "../functions/on-access-analyzer-finding.ts";
import * as onConfig from "../functions/on-config-compliance-change.ts";
import * as remediationDigest from "../functions/remediation-digest.ts";
import { awsClientConfig } from "../src/adapters/aws-clients.ts";
import type { CliIo } from "../src/cli/io.ts";
import { runUndoCommand } from "../src/cli/remediate.ts";
import { defaultRunbookUrl, packageRepository } from "../src/deploy/runbook-url.ts";
import { quarantinePolicyDefinition } from "../src/remediations/iam/iam-role-quarantine.ts";
import type { RemediationHandlerResult } from "../src/wiring/remediation.ts";
import { putManagedConfigRules, withRuleArn } from "./config-rules.ts";
import { createJournalMacKey } from "./journal-mac-key.ts";
import { createTopicWithQueue, readSnsMessages } from "./sns-readback.ts";

const ACCOUNT = "123456789012"; // moto's account, and the samples'
const REGION = "eu-west-1"; // the samples' region
const LAMBDA_CONTEXT = {
  invokedFunctionArn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:vigil-sandbox`,
};
const TRUST_EXTERNAL = JSON.stringify({
  Version: "2012-10-17",
  Statement: [
    {
      Effect: "Allow",
      Principal: { AWS: "arn:aws:iam::444455556666:root" },
      Action: "sts:AssumeRole",
    },
  ],
});

type SampleEvent = { id: string; detail: Record<string, unknown> } & Record<string, unknown>;

/** Config rule ARNs of the sandbox account: events carry their rule's. */
let ruleArns = new Map<string, string>();
/** acme-partner-share's central exemption expiry (set in setup, shown in a step's title). */
let until = "";

function sample(name: string): SampleEvent {
  const url = new URL(`../test/fixtures/events/${name}.json`, import.meta.url);
  return withRuleArn(JSON.parse(readFileSync(url, "utf8")) as SampleEvent, ruleArns);
}

function publicReadPolicy(bucket: string): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "PublicRead",
        Effect: "Allow",
        Principal: "*",
        Action: "s3:GetObject",
        Resource: `arn:aws:s3:::${bucket}/*`,
      },
    ],
  });
}

/** An Access Analyzer "bucket readable by *" finding for another bucket, from the sample. */
function publicBucketFinding(bucket: string, id: string): SampleEvent {
  const event = sample("access-analyzer-s3-public");
  event.id = `sandbox-${id}`;
  event.detail = { ...event.detail, id, resource: `arn:aws:s3:::${bucket}` };
  return event;
}

/** The Sids of a resource policy, for the before/after lines. */
function statementIds(policy: string | undefined): string {
  if (!policy) return "no policy";
  const statements = (JSON.parse(policy) as { Statement: { Sid?: string }[] }).Statement;
  return `statements [${statements.map((statement) => statement.Sid ?? "?").join(", ")}]`;
}

interface Step {
  title: string;
  expected: string;
  run: () => Promise<RemediationHandlerResult>;
  state: () => Promise<string>;
}

export interface RemediationSandboxResult {
  ok: boolean;
  outcomes: Record<string, string | undefined>;
  snsSubjects: string[];
}

/**
 * The remediation half of `npm start`: seeds non-compliant resources in moto, feeds the sample
 * events through the real handlers (config loaded from a file, S3 journal, SNS), shows the state
 * read back before and after, and undoes one change.
 */
export async function runRemediationSandbox(
  endpoint: string,
  io: CliIo,
): Promise<RemediationSandboxResult> {
  const env = { ...process.env, AWS_ENDPOINT_URL: endpoint, AWS_REGION: REGION };
  const startedHour = new Date().toISOString().slice(0, 13);
  const clientConfig = awsClientConfig(env);
  const s3 = new S3Client(clientConfig);
  const iam = new IAMClient(clientConfig);
  const sns = new SNSClient(clientConfig);
  const sqs = new SQSClient(clientConfig);

  const createBucket = (Bucket: string) =>
    s3.send(
      new CreateBucketCommand({
        Bucket,
        CreateBucketConfiguration: { LocationConstraint: REGION },
      }),
    );
  const openUp = async (Bucket: string) => {
    await s3.send(
      new PutPublicAccessBlockCommand({
        Bucket,
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: false,
          IgnorePublicAcls: false,
          BlockPublicPolicy: false,
          RestrictPublicBuckets: false,
        },
      }),
    );
    await s3.send(new PutBucketPolicyCommand({ Bucket, Policy: publicReadPolicy(Bucket) }));
  };

  // Vigil's own resources: journal bucket, alerts topic read back through SQS, a config file.
  const journalBucket = "vigil-sandbox-journal";
  await createBucket(journalBucket);
  const { topicArn, queueUrl } = await createTopicWithQueue(sns, sqs, "vigil-remediation-alerts");
  const dir = await mkdtemp(join(tmpdir(), "vigil-sandbox-"));
  const configPath = join(dir, "vigil.config.yaml");
  // The SSE-KMS key the config names, created first: the plan checks it with kms:DescribeKey.
  const s3KmsKeyArn = (
    await new KMSClient(clientConfig).send(
      new CreateKeyCommand({ Description: "acme S3 default encryption" }),
    )
  ).KeyMetadata?.Arn;
  // acme-partner-share is exempted centrally (an owner's own tag would not count: issue 14).
  until = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);
  await writeFile(
    configPath,
    toYaml({
      detection: { metricSets: [{ name: "egress", builtin: "egress" }] },
      // As a deployed stack has it: the runbook link absolute (src/deploy/runbook-url.ts).
      alerting: { runbookUrl: defaultRunbookUrl(packageRepository()) },
      remediation: {
        defaultMode: "enforce",
        settings: {
          s3EncryptionAlgorithm: "aws:kms",
          s3KmsKeyArn,
          // The KMS scene: a key shared with an account nobody listed in trustedAccounts.
          stripExternalAccounts: true,
        },
        exemptions: {
          list: [
            {
              resource: "arn:aws:s3:::acme-partner-share",
              reason: "partner data room",
              approver: "security (SEC-1234)",
              until,
            },
          ],
        },
      },
    }),
  );
  // Journal records are sealed with a KMS HMAC key, as in the deployed stack (undo checks it).
  const journalMacKey = await createJournalMacKey(new KMSClient(clientConfig));
  // The managed rules the demo's events come from (Vigil acts on AWS-owned rules only).
  // (The IAM samples are us-east-1's, where IAM's Config rules evaluate.)
  ruleArns = new Map([
    ...(await putManagedConfigRules(new ConfigServiceClient(clientConfig))),
    ...(await putManagedConfigRules(
      new ConfigServiceClient({ ...clientConfig, region: "us-east-1" }),
    )),
  ]);
  Object.assign(process.env, {
    AWS_ENDPOINT_URL: endpoint,
    AWS_REGION: REGION,
    VIGIL_CONFIG: configPath,
    VIGIL_JOURNAL_BUCKET: journalBucket,
    VIGIL_JOURNAL_MAC_KEY: journalMacKey,
    VIGIL_TOPIC_ARN: topicArn,
  });
  onConfig.setRemediationApp(undefined);
  onAccessAnalyzer.setRemediationApp(undefined);

  // The non-compliant demo account.
  await createBucket("acme-raw-landing-prod");
  await s3.send(
    new PutBucketEncryptionCommand({
      Bucket: "acme-raw-landing-prod",
      ServerSideEncryptionConfiguration: {
        Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" } }],
      },
    }),
  );
  await createBucket("acme-curated-exports");
  await openUp("acme-curated-exports");
  await createBucket("acme-partner-share");
  await openUp("acme-partner-share");
  await createBucket("acme-www");
  await openUp("acme-www");
  await s3.send(
    new PutBucketWebsiteCommand({
      Bucket: "acme-www",
      WebsiteConfiguration: { IndexDocument: { Suffix: "index.html" } },
    }),
  );
  const admin = await iam.send(
    new CreatePolicyCommand({
      PolicyName: "AdministratorAccess",
      PolicyDocument: JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }],
      }),
    }),
  );
  await iam.send(
    new CreateRoleCommand({ RoleName: "etl-runner", AssumeRolePolicyDocument: TRUST_EXTERNAL }),
  );
  await iam.send(
    new AttachRolePolicyCommand({ RoleName: "etl-runner", PolicyArn: admin.Policy?.Arn }),
  );
  await iam.send(
    new CreateRoleCommand({
      RoleName: "etl-cross-account-reader",
      AssumeRolePolicyDocument: TRUST_EXTERNAL,
    }),
  );
  // What Vigil's stack creates in every account: the deny-all policy quarantine attaches.
  await iam.send(new CreatePolicyCommand(quarantinePolicyDefinition()));

  // A queue anyone may send to, and a key another account may decrypt with (resource policies).
  const queueArn = `arn:aws:sqs:${REGION}:${ACCOUNT}:acme-ingest-events`;
  const { QueueUrl: ingestQueue } = await sqs.send(
    new CreateQueueCommand({ QueueName: "acme-ingest-events" }),
  );
  const ownAndPublic = (action: string, resource: string, outsider: unknown) =>
    JSON.stringify({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "OwnAccount",
          Effect: "Allow",
          Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
          Action: action === "kms:Decrypt" ? "kms:*" : action,
          Resource: resource,
        },
        {
          Sid: "Outsider",
          Effect: "Allow",
          Principal: outsider,
          Action: action,
          Resource: resource,
        },
      ],
    });
  await sqs.send(
    new SetQueueAttributesCommand({
      QueueUrl: ingestQueue,
      Attributes: { Policy: ownAndPublic("sqs:SendMessage", queueArn, "*") },
    }),
  );
  const kms = new KMSClient(clientConfig);
  const keyArn = (await kms.send(new CreateKeyCommand({ Description: "acme exports" }))).KeyMetadata
    ?.Arn;
  await kms.send(
    new PutKeyPolicyCommand({
      KeyId: keyArn,
      PolicyName: "default",
      Policy: ownAndPublic("kms:Decrypt", "*", { AWS: "arn:aws:iam::444455556666:root" }),
    }),
  );
  const queuePolicy = async () =>
    `acme-ingest-events queue policy ${statementIds(
      (
        await sqs.send(
          new GetQueueAttributesCommand({ QueueUrl: ingestQueue, AttributeNames: ["Policy"] }),
        )
      ).Attributes?.Policy,
    )}`;
  const keyPolicy = async () =>
    `key policy ${statementIds(
      (await kms.send(new GetKeyPolicyCommand({ KeyId: keyArn, PolicyName: "default" }))).Policy,
    )}`;
  const keyFinding = sample("access-analyzer-kms-external");
  keyFinding.detail.resource = keyArn;

  // An EBS snapshot anyone may create a volume from (createVolumePermission group "all").
  const ec2 = new EC2Client(clientConfig);
  const volume = await ec2.send(
    new CreateVolumeCommand({ AvailabilityZone: `${REGION}a`, Size: 1 }),
  );
  const snapshotId = (
    await ec2.send(
      new CreateSnapshotCommand({ VolumeId: volume.VolumeId, Description: "acme exports" }),
    )
  ).SnapshotId as string;
  await ec2.send(
    new ModifySnapshotAttributeCommand({
      SnapshotId: snapshotId,
      Attribute: "createVolumePermission",
      OperationType: "add",
      GroupNames: ["all"],
    }),
  );
  const snapshotSharing = async () => {
    const { CreateVolumePermissions = [] } = await ec2.send(
      new DescribeSnapshotAttributeCommand({
        SnapshotId: snapshotId,
        Attribute: "createVolumePermission",
      }),
    );
    const shares = CreateVolumePermissions.map((p) => p.Group ?? p.UserId ?? "?");
    return `snapshot shared with [${shares.join(", ")}]`;
  };
  const snapshotFinding = sample("access-analyzer-ebs-snapshot-public");
  snapshotFinding.detail.resource = `arn:aws:ec2:${REGION}:${ACCOUNT}:snapshot/${snapshotId}`;

  const encryption = async () => {
    const rule = (
      await s3.send(new GetBucketEncryptionCommand({ Bucket: "acme-raw-landing-prod" }))
    ).ServerSideEncryptionConfiguration?.Rules?.[0];
    const d = rule?.ApplyServerSideEncryptionByDefault;
    return `${d?.SSEAlgorithm}${d?.KMSMasterKeyID ? ` key …${d.KMSMasterKeyID.slice(-12)}` : ""}${rule?.BucketKeyEnabled ? ", bucket key on" : ""}`;
  };
  const blockFlags = async (Bucket: string) => {
    const c = (await s3.send(new GetPublicAccessBlockCommand({ Bucket })))
      .PublicAccessBlockConfiguration;
    const on = [
      c?.BlockPublicAcls,
      c?.IgnorePublicAcls,
      c?.BlockPublicPolicy,
      c?.RestrictPublicBuckets,
    ].filter(Boolean).length;
    return `public access block ${on}/4 flags on`;
  };
  const attachedToRunner = async () => {
    const attached = await iam.send(
      new ListAttachedRolePoliciesCommand({ RoleName: "etl-runner" }),
    );
    return `etl-runner managed policies: [${(attached.AttachedPolicies ?? []).map((p) => p.PolicyName).join(", ")}]`;
  };
  const attachedToReader = async () => {
    const attached = await iam.send(
      new ListAttachedRolePoliciesCommand({ RoleName: "etl-cross-account-reader" }),
    );
    return `etl-cross-account-reader managed policies: [${(attached.AttachedPolicies ?? []).map((p) => p.PolicyName).join(", ")}]`;
  };

  const adminPolicyEvent = sample("config-iam-admin-policy-noncompliant");
  adminPolicyEvent.detail.resourceId = admin.Policy?.PolicyId; // Config names the policy by its unique id
  const steps: Step[] = [
    {
      title:
        "Config: s3-bucket-server-side-encryption-enabled on acme-raw-landing-prod (downgraded to SSE-S3)",
      expected: "applied",
      run: () => onConfig.handler(sample("config-s3-encryption-noncompliant"), LAMBDA_CONTEXT),
      state: encryption,
    },
    {
      title: "Config: s3-bucket-level-public-access-prohibited on acme-curated-exports",
      expected: "applied",
      run: () => onConfig.handler(sample("config-s3-public-access-noncompliant"), LAMBDA_CONTEXT),
      state: () => blockFlags("acme-curated-exports"),
    },
    {
      title: `Access Analyzer: acme-partner-share readable by * (exempted centrally until ${until})`,
      expected: "exempt",
      run: () =>
        onAccessAnalyzer.handler(
          publicBucketFinding("acme-partner-share", "sandbox-partner-share"),
          LAMBDA_CONTEXT,
        ),
      state: () => blockFlags("acme-partner-share"),
    },
    {
      title: "Access Analyzer: acme-www readable by * (static website: public on purpose)",
      expected: "intentionally-public",
      run: () =>
        onAccessAnalyzer.handler(publicBucketFinding("acme-www", "sandbox-www"), LAMBDA_CONTEXT),
      state: () => blockFlags("acme-www"),
    },
    {
      title:
        "Config: iam-policy-no-statements-with-admin-access on AdministratorAccess (by policy id)",
      expected: "applied",
      run: () => onConfig.handler(adminPolicyEvent, LAMBDA_CONTEXT),
      state: attachedToRunner,
    },
    {
      title: "Access Analyzer: role etl-cross-account-reader assumable by account 444455556666",
      expected: "applied",
      run: () =>
        onAccessAnalyzer.handler(sample("access-analyzer-iam-role-external"), LAMBDA_CONTEXT),
      state: attachedToReader,
    },
    {
      title: "Access Analyzer: queue acme-ingest-events accepts messages from *",
      expected: "applied",
      run: () => onAccessAnalyzer.handler(sample("access-analyzer-sqs-public"), LAMBDA_CONTEXT),
      state: queuePolicy,
    },
    {
      title: "Access Analyzer: KMS key decryptable by account 444455556666 (stripExternalAccounts)",
      expected: "applied",
      run: () => onAccessAnalyzer.handler(keyFinding, LAMBDA_CONTEXT),
      state: keyPolicy,
    },
    {
      title: "Access Analyzer: EBS snapshot restorable by everyone (createVolumePermission all)",
      expected: "applied",
      run: () => onAccessAnalyzer.handler(snapshotFinding, LAMBDA_CONTEXT),
      state: snapshotSharing,
    },
    {
      title: "Access Analyzer: ARCHIVED finding",
      expected: "ignored",
      run: () => onAccessAnalyzer.handler(sample("access-analyzer-archived"), LAMBDA_CONTEXT),
      state: async () => "nothing to read",
    },
  ];

  const outcomes: Record<string, string | undefined> = {};
  let ok = true;
  let encryptionJournalId: string | undefined;
  io.out("");
  io.out("Remediation: sample events through the real handlers (mode enforce, S3 journal, SNS)");
  for (const [index, step] of steps.entries()) {
    const before = await step.state().catch((e: Error) => `(${e.name})`);
    const result = await step.run();
    const after = await step.state().catch((e: Error) => `(${e.name})`);
    const outcome = "outcome" in result ? result.outcome : `rejected: ${result.error}`;
    outcomes[step.title] = outcome;
    if (index === 0 && "journalId" in result) encryptionJournalId = result.journalId;
    const matches = outcome === step.expected;
    ok &&= matches;
    io.out(`  ${matches ? "✓" : "✗"} ${step.title}`);
    io.out(`      outcome: ${outcome} — ${"reason" in result ? result.reason : ""}`);
    io.out(`      before: ${before}`);
    io.out(`      after:  ${after}`);
  }

  // Redelivery: EventBridge delivers at least once.
  const again = await onConfig.handler(sample("config-s3-encryption-noncompliant"), LAMBDA_CONTEXT);
  const againOutcome = "outcome" in again ? again.outcome : "rejected";
  io.out(
    `  ${againOutcome === "duplicate" ? "✓" : "✗"} same encryption event delivered again: ${againOutcome} — ${"reason" in again ? again.reason : ""}`,
  );
  ok &&= againOutcome === "duplicate";

  if (encryptionJournalId) {
    io.out("");
    // What an operator types: look first (the preview changes nothing), then undo without the
    // question (no terminal here).
    const lines: string[] = [];
    const sink = { out: (l: string) => lines.push(l), err: (l: string) => lines.push(l) };
    io.out(`Undo preview: vigil undo ${encryptionJournalId} --dry-run`);
    const previewCode = await runUndoCommand(
      { id: encryptionJournalId, configPath, dryRun: true },
      sink,
    );
    for (const line of lines.splice(0)) io.out(`  ${line}`);
    io.out(`Undo: vigil undo ${encryptionJournalId} --yes`);
    const code = await runUndoCommand({ id: encryptionJournalId, configPath, yes: true }, sink);
    for (const line of lines) io.out(`  ${line}`);
    const restored = await encryption();
    io.out(`  acme-raw-landing-prod encryption is back to: ${restored}`);
    ok &&= previewCode === 0 && code === 0 && restored === "AES256";
  } else {
    ok = false;
  }

  // In digest mode the event handlers only journaled what pages nobody (exempt, intentionally
  // public): the hourly digest function (5 past every hour when deployed) sends it, run here for
  // the hour(s) the scenes ran in.
  io.out("");
  remediationDigest.setDigestDeps(undefined);
  for (const hour of new Set([startedHour, new Date().toISOString().slice(0, 13)])) {
    const digest = await remediationDigest.handler({ hour });
    const sent = digest.accounts?.filter((a) => a.sent) ?? [];
    io.out(
      `Hourly remediation digest for ${hour}:00 UTC: ${digest.outcomes ?? 0} outcome(s), ${sent.length} digest(s) sent`,
    );
    ok &&= digest.ok;
  }
  remediationDigest.setDigestDeps(undefined);

  const messages = await readSnsMessages(sqs, queueUrl);
  io.out("");
  io.out(`What reached SNS: ${messages.length} message(s)`);
  for (const message of messages) io.out(`  ${message.Subject}`);
  onConfig.setRemediationApp(undefined);
  onAccessAnalyzer.setRemediationApp(undefined);
  return { ok, outcomes, snsSubjects: messages.map((m) => m.Subject ?? "") };
}
