import { ConfigServiceClient } from "@aws-sdk/client-config-service";
/**
 * End to end against moto: sample events → real handlers → intake → runner → the real registry's
 * remediations → S3 journal (conditional-write claims) → SNS. Only Access Analyzer and Config
 * compliance reads are not involved (moto has neither; the events carry what they would say).
 */
import {
  AttachRolePolicyCommand,
  CreatePolicyCommand,
  CreateRoleCommand,
  IAMClient,
  ListAttachedRolePoliciesCommand,
} from "@aws-sdk/client-iam";
import { CreateKeyCommand, KMSClient } from "@aws-sdk/client-kms";
import {
  CreateBucketCommand,
  GetBucketEncryptionCommand,
  GetPublicAccessBlockCommand,
  PutBucketEncryptionCommand,
  PutPublicAccessBlockCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { SNSClient } from "@aws-sdk/client-sns";
import { SQSClient } from "@aws-sdk/client-sqs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import * as onAccessAnalyzer from "../../functions/on-access-analyzer-finding.ts";
import * as onConfig from "../../functions/on-config-compliance-change.ts";
import { putManagedConfigRules, withRuleArn } from "../../sandbox/config-rules.ts";
import { createJournalMacKey } from "../../sandbox/journal-mac-key.ts";
import { createTopicWithQueue, readSnsMessages } from "../../sandbox/sns-readback.ts";
import { runUndoCommand } from "../../src/cli/remediate.ts";
import { quarantinePolicyDefinition } from "../../src/remediations/iam/iam-role-quarantine.ts";
import { createRemediationDeps, type RemediationApp } from "../../src/wiring/remediation.ts";
import { motoClientConfig, motoEndpoint, resetMoto } from "../support/moto.ts";
import { sample as fixture, recordingLogger, testConfig } from "../usecases/fakes.ts";

const endpoint = motoEndpoint();
const JOURNAL = "vigil-journal";
/** The SSE-KMS key, created in moto (eu-west-1, the sample bucket's region) before each test. */
let KEY_ARN = "";
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

describe.skipIf(!endpoint)("remediation end to end (real registry, moto)", () => {
  const config = motoClientConfig(endpoint as string);
  const s3 = new S3Client(config);
  const s3Eu = new S3Client({ ...config, region: "eu-west-1" });
  const iam = new IAMClient(config);
  const sns = new SNSClient(config);
  const sqs = new SQSClient(config);
  let app: RemediationApp;
  let ruleArns = new Map<string, string>();
  /** A sample event as this account's rule would send it (its configRuleARN). */
  const sample = (name: Parameters<typeof fixture>[0]) => withRuleArn(fixture(name), ruleArns);
  let queueUrl: string;

  const messages = async () => (await readSnsMessages(sqs, queueUrl)).map((m) => m.Subject ?? "");

  beforeEach(async () => {
    await resetMoto(endpoint as string);
    await s3.send(new CreateBucketCommand({ Bucket: JOURNAL }));
    // The samples' rules, AWS-owned, where the samples come from (and the home region).
    ruleArns = new Map([
      ...(await putManagedConfigRules(new ConfigServiceClient({ ...config, region: "eu-west-1" }))),
      ...(await putManagedConfigRules(new ConfigServiceClient(config))),
    ]);
    const topic = await createTopicWithQueue(sns, sqs, "vigil-alerts");
    queueUrl = topic.queueUrl;
    const macKey = await createJournalMacKey(new KMSClient(config));
    const created = await new KMSClient({ ...config, region: "eu-west-1" }).send(
      new CreateKeyCommand({}),
    );
    KEY_ARN = created.KeyMetadata?.Arn ?? "";
    app = await createRemediationDeps({
      env: {
        AWS_ENDPOINT_URL: endpoint as string,
        AWS_REGION: "us-east-1",
        VIGIL_JOURNAL_BUCKET: JOURNAL,
        VIGIL_JOURNAL_MAC_KEY: macKey,
        VIGIL_TOPIC_ARN: topic.topicArn,
      },
      loadConfig: async () =>
        testConfig({
          defaultMode: "enforce",
          settings: { s3EncryptionAlgorithm: "aws:kms", s3KmsKeyArn: KEY_ARN },
        }),
      logger: recordingLogger(),
      homeAccount: "123456789012",
    });
    onConfig.setRemediationApp(app);
    onAccessAnalyzer.setRemediationApp(app);
  });
  afterEach(() => {
    onConfig.setRemediationApp(undefined);
    onAccessAnalyzer.setRemediationApp(undefined);
  });

  async function euBucket(name: string) {
    await s3Eu.send(
      new CreateBucketCommand({
        Bucket: name,
        CreateBucketConfiguration: { LocationConstraint: "eu-west-1" },
      }),
    );
  }

  it("config-s3-encryption-noncompliant: SSE-KMS enforced, journaled in S3, told; redelivery is a duplicate; undo restores", async () => {
    await euBucket("acme-raw-landing-prod");
    await s3Eu.send(
      new PutBucketEncryptionCommand({
        Bucket: "acme-raw-landing-prod",
        ServerSideEncryptionConfiguration: {
          Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" } }],
        },
      }),
    );
    const event = sample("config-s3-encryption-noncompliant");
    const result = await onConfig.handler(event);
    expect(result).toMatchObject({ ok: true, outcome: "applied" });

    const encryption = await s3Eu.send(
      new GetBucketEncryptionCommand({ Bucket: "acme-raw-landing-prod" }),
    );
    expect(encryption.ServerSideEncryptionConfiguration?.Rules?.[0]).toMatchObject({
      ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "aws:kms", KMSMasterKeyID: KEY_ARN },
    });
    const journalId = (result as { journalId: string }).journalId;
    const record = await app.runner.journal.get(journalId);
    expect(record).toMatchObject({
      outcome: "applied",
      remediation: "s3-default-encryption",
      eventId: event.id,
    });
    expect(record?.steps).toEqual([
      expect.objectContaining({ action: "s3:PutEncryptionConfiguration", status: "applied" }),
    ]);
    expect(await messages()).toEqual([
      expect.stringMatching(/^\[Vigil INFO\] fixed: s3-encryption on acme-raw-landing-prod/),
    ]);

    expect(await onConfig.handler(event)).toMatchObject({
      outcome: "duplicate",
      reason: `already handled by journal record ${journalId}`,
    });

    const out: string[] = [];
    const code = await runUndoCommand(
      { id: journalId, yes: true },
      { out: (l) => out.push(l), err: (l) => out.push(l) },
      async () => app,
    );
    expect(code).toBe(0);
    const restored = await s3Eu.send(
      new GetBucketEncryptionCommand({ Bucket: "acme-raw-landing-prod" }),
    );
    expect(
      restored.ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault
        ?.SSEAlgorithm,
    ).toBe("AES256");
    expect(await messages()).toEqual([
      expect.stringMatching(/undone: s3-encryption on acme-raw-landing-prod/),
    ]);
  });

  it("config-s3-public-access-noncompliant and access-analyzer-s3-public: public access blocked once", async () => {
    await euBucket("acme-curated-exports");
    await s3Eu.send(
      new PutPublicAccessBlockCommand({
        Bucket: "acme-curated-exports",
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: false,
          IgnorePublicAcls: false,
          BlockPublicPolicy: false,
          RestrictPublicBuckets: false,
        },
      }),
    );
    expect(await onConfig.handler(sample("config-s3-public-access-noncompliant"))).toMatchObject({
      outcome: "applied",
    });
    const block = await s3Eu.send(
      new GetPublicAccessBlockCommand({ Bucket: "acme-curated-exports" }),
    );
    expect(block.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      IgnorePublicAcls: true,
      BlockPublicPolicy: true,
      RestrictPublicBuckets: true,
    });
    // Access Analyzer reports the same bucket: already blocked, nothing left to change.
    expect(await onAccessAnalyzer.handler(sample("access-analyzer-s3-public"))).toMatchObject({
      outcome: "no-op",
    });
  });

  it("access-analyzer-iam-role-external: role quarantined; a protected role is not", async () => {
    await iam.send(new CreatePolicyCommand(quarantinePolicyDefinition()));
    await iam.send(
      new CreateRoleCommand({
        RoleName: "etl-cross-account-reader",
        AssumeRolePolicyDocument: TRUST_EXTERNAL,
      }),
    );
    expect(
      await onAccessAnalyzer.handler(sample("access-analyzer-iam-role-external")),
    ).toMatchObject({
      outcome: "applied",
    });
    const attached = await iam.send(
      new ListAttachedRolePoliciesCommand({ RoleName: "etl-cross-account-reader" }),
    );
    expect(attached.AttachedPolicies?.map((p) => p.PolicyArn)).toEqual([
      "arn:aws:iam::123456789012:policy/vigil-quarantine/VigilQuarantineDenyAll",
    ]);

    await iam.send(
      new CreateRoleCommand({
        RoleName: "BreakGlassAdmin",
        AssumeRolePolicyDocument: TRUST_EXTERNAL,
      }),
    );
    const breakGlass = sample("access-analyzer-iam-role-external");
    breakGlass.detail.id = "22222222-3333-4444-5555-666666666666";
    breakGlass.detail.resource = "arn:aws:iam::123456789012:role/BreakGlassAdmin";
    expect(await onAccessAnalyzer.handler(breakGlass)).toMatchObject({ outcome: "protected" });
    expect(
      (await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: "BreakGlassAdmin" })))
        .AttachedPolicies,
    ).toEqual([]);
    expect(await messages()).toEqual([
      expect.stringMatching(/fixed: iam-external-trust on etl-cross-account-reader/),
      expect.stringMatching(
        // Issue 14: a protected role assumable from outside pages (was a warning).
        /\[Vigil CRITICAL\] protected principal, not changed: iam-external-trust on BreakGlassAdmin/,
      ),
    ]);
  });

  it("config-iam-admin-policy-noncompliant: the policy id resolves and the policy is detached", async () => {
    const created = await iam.send(
      new CreatePolicyCommand({
        PolicyName: "too-broad",
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
      new AttachRolePolicyCommand({ RoleName: "etl-runner", PolicyArn: created.Policy?.Arn }),
    );
    const event = sample("config-iam-admin-policy-noncompliant");
    event.detail.resourceId = created.Policy?.PolicyId;
    expect(await onConfig.handler(event)).toMatchObject({ outcome: "applied" });
    const attached = await iam.send(
      new ListAttachedRolePoliciesCommand({ RoleName: "etl-runner" }),
    );
    expect(attached.AttachedPolicies).toEqual([]);
  });

  it("config-iam-user-policies-noncompliant for a user that no longer exists: ignored", async () => {
    expect(await onConfig.handler(sample("config-iam-user-policies-noncompliant"))).toMatchObject({
      outcome: "ignored",
      reason: "resource no longer exists (IAM id AIDAEXAMPLEUSERID0001 not found)",
    });
  });

  it("archived, error and compliant-again events change nothing", async () => {
    await euBucket("acme-curated-exports");
    for (const [handler, name] of [
      [onAccessAnalyzer.handler, "access-analyzer-archived"],
      [onAccessAnalyzer.handler, "access-analyzer-error-finding"],
      [onConfig.handler, "config-s3-encryption-compliant-again"],
    ] as const) {
      expect(await handler(sample(name))).toMatchObject({ ok: true, outcome: "ignored" });
    }
    await expect(
      s3Eu.send(new GetPublicAccessBlockCommand({ Bucket: "acme-curated-exports" })),
    ).rejects.toThrow();
    expect(await messages()).toEqual([
      expect.stringMatching(/resolved: access-analyzer on arn:aws:s3:::acme-curated-exports/),
      expect.stringMatching(
        /resolved: s3-bucket-server-side-encryption-enabled on acme-raw-landing-prod/,
      ),
    ]);
  });
});
