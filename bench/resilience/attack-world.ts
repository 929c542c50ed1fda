/**
 * A small Vigil deployment against moto_server for replaying attacks: the real wiring (S3 journal
 * sealed with a KMS HMAC key, real remediations, the CLI's undo) with an in-memory notifier so an
 * attack can check who was told. Shared by test/security/ and bench/resilience.ts (no Vitest import).
 */
import { createHash } from "node:crypto";
import { ConfigServiceClient } from "@aws-sdk/client-config-service";
import {
  CreatePolicyCommand,
  CreateUserCommand,
  IAMClient,
  ListAttachedUserPoliciesCommand,
} from "@aws-sdk/client-iam";
import { KMSClient } from "@aws-sdk/client-kms";
import {
  CreateBucketCommand,
  GetObjectCommand,
  PutBucketPolicyCommand,
  PutObjectCommand,
  PutPublicAccessBlockCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { putManagedConfigRules } from "../../sandbox/config-rules.ts";
import { createJournalMacKey } from "../../sandbox/journal-mac-key.ts";
import { MemoryNotifier } from "../../src/adapters/sns-notifier.ts";
import { runUndoCommand } from "../../src/cli/remediate.ts";
import {
  parseRemediationConfig,
  type RemediationConfigInput,
} from "../../src/config/remediation-config.ts";
import type { JournalRecord } from "../../src/domain/journal-record.ts";
import type { AccessAnalyzerFindingEvent } from "../../src/events/access-analyzer-finding.ts";
import type { ConfigComplianceChangeEvent } from "../../src/events/config-compliance-change.ts";
import { quarantinePolicyDefinition } from "../../src/remediations/iam/iam-role-quarantine.ts";
import { handleIntakeResult } from "../../src/usecases/handle-intake-result.ts";
import { type IntakeResult, isIgnored } from "../../src/usecases/intake.ts";
import { intakeAccessAnalyzerEvent } from "../../src/usecases/intake-access-analyzer.ts";
import { intakeConfigEvent } from "../../src/usecases/intake-config.ts";
import { remediateFinding } from "../../src/usecases/remediate-finding.ts";
import type { RemediationOutcome } from "../../src/usecases/remediation-deps.ts";
import { createRemediationDeps, type RemediationApp } from "../../src/wiring/remediation.ts";

export const ACCOUNT = "123456789012"; // moto's default account
export const REGION = "us-east-1";
export const JOURNAL = "vigil-journal";
export const T0 = Date.parse("2026-11-20T10:00:00Z");

export interface World {
  endpoint: string;
  s3: S3Client;
  iam: IAMClient;
  kms: KMSClient;
  app: RemediationApp;
  notifier: MemoryNotifier;
  /** Moves the clock the runner and undo see. */
  advance(ms: number): void;
  /** One event (Config or Access Analyzer) through intake and the runner, as the functions do. */
  handle(event: object): Promise<RemediationOutcome | { outcome: "ignored"; reason: string }>;
  /** `vigil undo` against this world: exit code and what it printed. */
  undo(
    id: string,
    extra?: { force?: boolean; reason?: string },
  ): Promise<{ code: number; text: string }>;
  record(id: string): Promise<JournalRecord>;
  /** Writes an object into the journal bucket as someone with s3:PutObject on it could. */
  plant(key: string, body: unknown): Promise<void>;
}

export function clientConfig(endpoint: string) {
  return {
    endpoint,
    region: REGION,
    credentials: { accessKeyId: "testing", secretAccessKey: "testing" },
    forcePathStyle: true,
    disableRequestCompression: true,
  };
}

async function resetMoto(endpoint: string): Promise<void> {
  const response = await fetch(`${endpoint}/moto-api/reset`, { method: "POST" });
  if (!response.ok) throw new Error(`moto reset failed: HTTP ${response.status}`);
}

export async function createWorld(
  endpoint: string,
  config: RemediationConfigInput = { defaultMode: "enforce" },
  options: { quarantinePolicy?: boolean } = {},
): Promise<World> {
  await resetMoto(endpoint);
  const s3 = new S3Client(clientConfig(endpoint));
  const iam = new IAMClient(clientConfig(endpoint));
  const kms = new KMSClient(clientConfig(endpoint));
  await s3.send(new CreateBucketCommand({ Bucket: JOURNAL }));
  // What the stack creates in every account: the deny-all policy quarantine attaches.
  if (options.quarantinePolicy !== false) {
    await iam.send(new CreatePolicyCommand(quarantinePolicyDefinition()));
  }
  await putManagedConfigRules(new ConfigServiceClient(clientConfig(endpoint)));
  const macKey = await createJournalMacKey(kms);
  const notifier = new MemoryNotifier();
  let now = T0;
  let ids = 0;
  const logs = { info() {}, warn() {}, error() {}, debug() {} };
  const app = await createRemediationDeps({
    env: {
      AWS_ENDPOINT_URL: endpoint,
      AWS_REGION: REGION,
      VIGIL_JOURNAL_BUCKET: JOURNAL,
      VIGIL_JOURNAL_MAC_KEY: macKey,
    },
    loadConfig: async () => parseRemediationConfig(config),
    logger: logs as never,
    homeAccount: ACCOUNT,
    overrides: {
      notifier,
      clock: () => now,
      newJournalId: (t) =>
        `${new Date(t)
          .toISOString()
          .replace(/[-:]/g, "")
          .replace(/\.\d+Z$/, "Z")}-${String(++ids).padStart(8, "0")}`,
    },
  });
  const world: World = {
    endpoint,
    s3,
    iam,
    kms,
    app,
    notifier,
    advance(ms) {
      now += ms;
    },
    async handle(event) {
      const raw = event as { source?: string };
      const deps = app.intakeDeps();
      const intake: IntakeResult =
        raw.source === "aws.access-analyzer"
          ? await intakeAccessAnalyzerEvent(deps, event as AccessAnalyzerFindingEvent)
          : await intakeConfigEvent(deps, event as ConfigComplianceChangeEvent);
      if (isIgnored(intake)) {
        await handleIntakeResult(app.runner, intake); // refusals page, as in the handlers
        return { outcome: "ignored", reason: intake.reason };
      }
      return remediateFinding(app.runner, intake);
    },
    async undo(id, extra = {}) {
      const lines: string[] = [];
      const code = await runUndoCommand(
        { id, yes: true, ...extra },
        { out: (l) => lines.push(l), err: (l) => lines.push(l) },
        async () => app,
      );
      return { code, text: lines.join("\n") };
    },
    async record(id) {
      const object = await s3.send(
        new GetObjectCommand({ Bucket: JOURNAL, Key: `records/${id}.json` }),
      );
      return JSON.parse((await object.Body?.transformToString()) ?? "{}") as JournalRecord;
    },
    async plant(key, body) {
      await s3.send(
        new PutObjectCommand({ Bucket: JOURNAL, Key: key, Body: JSON.stringify(body) }),
      );
    },
  };
  return world;
}

export const claimObjectKey = (key: string) =>
  `claims/${createHash("sha256").update(key).digest("hex")}.json`;

/** A Config compliance-change event (NON_COMPLIANT) for one resource. */
export function configEvent(
  rule: string,
  resourceType: string,
  resourceId: string,
  recordedAt = "2026-11-20T09:15:03.801Z",
): ConfigComplianceChangeEvent {
  return {
    version: "0",
    id: `evt-${createHash("sha256")
      .update(rule + resourceId + recordedAt)
      .digest("hex")
      .slice(0, 12)}`,
    "detail-type": "Config Rules Compliance Change",
    source: "aws.config",
    account: ACCOUNT,
    time: recordedAt,
    region: REGION,
    resources: [],
    detail: {
      resourceId,
      awsRegion: REGION,
      awsAccountId: ACCOUNT,
      configRuleName: rule,
      messageType: "ComplianceChangeNotification",
      newEvaluationResult: { complianceType: "NON_COMPLIANT", resultRecordedTime: recordedAt },
      resourceType,
    },
  } as unknown as ConfigComplianceChangeEvent;
}

/** An Access Analyzer finding event: a role assumable by `principal`, or a public bucket. */
export function analyzerEvent(
  resource: string,
  principal: Record<string, string>,
  options: { isPublic?: boolean; id?: string } = {},
): AccessAnalyzerFindingEvent {
  const isBucket = resource.includes(":s3:::");
  return {
    version: "0",
    id: `evt-${createHash("sha256").update(resource).digest("hex").slice(0, 12)}`,
    "detail-type": "Access Analyzer Finding",
    source: "aws.access-analyzer",
    account: ACCOUNT,
    time: "2026-11-20T09:15:04Z",
    region: REGION,
    resources: [],
    detail: {
      version: "1.0",
      id: options.id ?? createHash("sha256").update(`aa${resource}`).digest("hex").slice(0, 32),
      status: "ACTIVE",
      resourceType: isBucket ? "AWS::S3::Bucket" : "AWS::IAM::Role",
      resource,
      createdAt: "2026-11-20T09:14:00Z",
      analyzedAt: "2026-11-20T09:15:00Z",
      updatedAt: "2026-11-20T09:15:00Z",
      accountId: ACCOUNT,
      region: REGION,
      principal,
      action: isBucket ? ["s3:GetObject"] : ["sts:AssumeRole"],
      condition: {},
      isPublic: options.isPublic ?? false,
      isDeleted: false,
    },
  } as unknown as AccessAnalyzerFindingEvent;
}

export function publicReadPolicy(bucket: string): string {
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

/** A bucket with Block Public Access off and a public-read policy. */
export async function publicBucket(world: World, bucket: string): Promise<void> {
  await world.s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await world.s3.send(
    new PutPublicAccessBlockCommand({
      Bucket: bucket,
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: false,
        IgnorePublicAcls: false,
        BlockPublicPolicy: false,
        RestrictPublicBuckets: false,
      },
    }),
  );
  await world.s3.send(
    new PutBucketPolicyCommand({ Bucket: bucket, Policy: publicReadPolicy(bucket) }),
  );
}

/** moto loads no AWS managed policies: a customer-managed admin policy stands in for them. */
export const ADMIN = `arn:aws:iam::${ACCOUNT}:policy/acme-admin`;
export const ADMIN_DOCUMENT = JSON.stringify({
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }],
});

export async function attachedTo(world: World, userName: string): Promise<string[]> {
  const output = await world.iam.send(new ListAttachedUserPoliciesCommand({ UserName: userName }));
  return (output.AttachedPolicies ?? []).map((p) => p.PolicyArn ?? "");
}

export async function user(world: World, name: string): Promise<void> {
  await world.iam.send(new CreateUserCommand({ UserName: name }));
}
