import { randomBytes } from "node:crypto";
/**
 * Test doubles for the remediation runner: fake remediations that record every call, a recording
 * logger, fixed clocks and sample events. Shared by usecases/, functions/ and cli/ tests.
 */
import { readFileSync } from "node:fs";
import { IAMClient } from "@aws-sdk/client-iam";
import { S3Client } from "@aws-sdk/client-s3";
import { vi } from "vitest";
import { HmacRecordSeal } from "../../src/adapters/hmac-record-seal.ts";
import { MemoryJournal } from "../../src/adapters/memory-journal.ts";
import { MemoryNotifier } from "../../src/adapters/sns-notifier.ts";
import {
  parseRemediationConfig,
  type RemediationConfigInput,
} from "../../src/config/remediation-config.ts";
import type { Finding, FindingKind } from "../../src/domain/finding.ts";
import type { JournalRecord } from "../../src/domain/journal-record.ts";
import type {
  PlannedChange,
  RemediationPlan,
  VerifyResult,
} from "../../src/domain/remediation-plan.ts";
import type { ConfigRule, ConfigRuleDirectory } from "../../src/ports/config-rules.ts";
import type { Remediation, RemediationContext } from "../../src/ports/remediation.ts";
import type { RemediationDeps } from "../../src/usecases/remediation-deps.ts";

export const ACCOUNT = "123456789012";
export const NOW = Date.parse("2026-11-20T10:00:00Z");

export type SampleName =
  | "access-analyzer-archived"
  | "access-analyzer-error-finding"
  | "access-analyzer-iam-role-external"
  | "access-analyzer-s3-public"
  // Resource-policy findings: the documented Access Analyzer finding shape, one per resource type.
  | "access-analyzer-sqs-public"
  | "access-analyzer-sns-public"
  | "access-analyzer-kms-external"
  | "access-analyzer-secret-public"
  | "access-analyzer-lambda-public"
  | "access-analyzer-ecr-public"
  | "access-analyzer-efs-public"
  | "access-analyzer-dynamodb-external"
  // An S3 bucket finding whose only source is an access point (its policy grants the access).
  | "access-analyzer-s3-access-point-public"
  | "access-analyzer-s3-directory-bucket-external"
  | "config-iam-admin-policy-noncompliant"
  | "config-iam-user-policies-noncompliant"
  | "config-s3-encryption-compliant-again"
  | "config-s3-encryption-noncompliant"
  | "config-s3-encryption-not-applicable"
  | "config-s3-public-access-noncompliant"
  | "config-rds-snapshot-public-noncompliant"
  | "access-analyzer-ebs-snapshot-public"
  | "access-analyzer-rds-snapshot-public"
  | "access-analyzer-rds-cluster-snapshot-external"
  | "config-sqs-encryption-noncompliant"
  | "config-sns-encryption-noncompliant"
  | "config-ebs-default-encryption-noncompliant"
  | "config-kinesis-encryption-noncompliant"
  | "access-analyzer-unused-access-key"
  | "access-analyzer-unused-password"
  | "access-analyzer-unused-archived"
  | "config-cloudtrail-encryption-noncompliant"
  | "config-dynamodb-encryption-noncompliant"
  // Verbatim samples from AWS documentation (IAM User Guide, "Monitoring IAM Access Analyzer with
  // Amazon EventBridge"): the shapes AWS sends, other accounts and regions than the tests' own.
  | "aws-doc-access-analyzer-finding"
  | "aws-doc-access-analyzer-error-finding"
  | "aws-doc-internal-access-finding"
  | "aws-doc-unused-access-finding"
  | "aws-doc-access-preview-state-change";

/** A fresh copy of a sample event from test/fixtures/events (copied from the shared samples). */
export function sample(name: SampleName): Record<string, unknown> & {
  id: string;
  detail: Record<string, unknown>;
} {
  return JSON.parse(
    readFileSync(new URL(`../fixtures/events/${name}.json`, import.meta.url), "utf8"),
  );
}

export function makeFinding(overrides: Partial<Finding> = {}): Finding {
  return {
    id: "finding-1",
    eventId: "event-1",
    source: "config",
    account: ACCOUNT,
    region: "eu-west-1",
    resourceType: "AWS::S3::Bucket",
    resourceId: "acme-raw-landing-prod",
    resourceArn: "arn:aws:s3:::acme-raw-landing-prod",
    resourceName: "acme-raw-landing-prod",
    rule: "s3-bucket-server-side-encryption-enabled",
    kind: "s3-encryption",
    isPublic: false,
    observedAt: "2026-11-20T09:15:03.801Z",
    ...overrides,
  };
}

export interface FakeCall {
  phase: "plan" | "apply" | "verify" | "undo";
  resourceArn: string;
  change?: PlannedChange;
  applied?: PlannedChange[];
}

export interface FakeOptions {
  name?: string;
  kinds?: FindingKind[];
  changes?: PlannedChange[];
  tags?: Record<string, string>;
  intentionallyPublic?: string;
  /** Plan's `declined`: what Vigil will not do (with no changes). */
  declined?: string;
  planError?: unknown;
  /** Error thrown by apply for the change at this index. */
  applyError?: { index: number; error: unknown };
  verify?: Partial<VerifyResult>;
  verifyError?: unknown;
  undo?: Partial<VerifyResult>;
  undoError?: unknown;
}

export type FakeRemediation = Remediation & { calls: FakeCall[] };

export function change(n: number, params: Record<string, unknown> = {}): PlannedChange {
  return {
    action: `s3:FakeAction${n}`,
    description: `fake change ${n}`,
    params: { Bucket: "acme-raw-landing-prod", step: n, ...params },
  };
}

/** A remediation that plans `changes` and records every call instead of touching AWS. */
export function fakeRemediation(options: FakeOptions = {}): FakeRemediation {
  const calls: FakeCall[] = [];
  const kinds = options.kinds ?? ["s3-encryption", "s3-public-access"];
  const changes = options.changes ?? [change(1)];
  return {
    name: options.name ?? "fake-remediation",
    description: "test double",
    calls,
    handles: (finding) => kinds.includes(finding.kind),
    permissions: { plan: [], apply: [], verify: [], undo: [] },
    parseBefore: (plan) => plan.before,
    async plan(_ctx, finding): Promise<RemediationPlan> {
      calls.push({ phase: "plan", resourceArn: finding.resourceArn });
      if (options.planError) throw options.planError;
      return {
        remediation: options.name ?? "fake-remediation",
        finding,
        summary: changes.length > 0 ? `fix ${finding.resourceName}` : "nothing to do",
        changes,
        before: { state: "before" },
        tags: options.tags ?? {},
        ...(options.declined ? { declined: options.declined } : {}),
        ...(options.intentionallyPublic
          ? { intentionallyPublic: options.intentionallyPublic }
          : {}),
        reason: changes.length > 0 ? "it is broken" : "already fine",
      };
    },
    async apply(_ctx, plan, c) {
      calls.push({ phase: "apply", resourceArn: plan.finding.resourceArn, change: c });
      if (options.applyError && plan.changes.indexOf(c) === options.applyError.index) {
        throw options.applyError.error;
      }
    },
    async verify(_ctx, plan) {
      calls.push({ phase: "verify", resourceArn: plan.finding.resourceArn });
      if (options.verifyError) throw options.verifyError;
      return { ok: true, after: { state: "after" }, detail: "looks right", ...options.verify };
    },
    async undo(_ctx, plan, applied) {
      calls.push({ phase: "undo", resourceArn: plan.finding.resourceArn, applied });
      if (options.undoError) throw options.undoError;
      return { ok: true, after: { state: "before" }, detail: "restored", ...options.undo };
    },
  };
}

/** An AWS SDK-shaped error. */
export function awsError(name: string, status: number, extra: Record<string, unknown> = {}) {
  return Object.assign(new Error(`${name} happened`), {
    name,
    $fault: status >= 500 ? "server" : "client",
    $metadata: { httpStatusCode: status },
    ...extra,
  });
}

export function recordingLogger() {
  return { info: vi.fn(), warn: vi.fn(), error: vi.fn() };
}
export type RecordingLogger = ReturnType<typeof recordingLogger>;

/** Every log call as { level, message, attributes }. */
export function logLines(logger: RecordingLogger) {
  return (["info", "warn", "error"] as const).flatMap((level) =>
    logger[level].mock.calls.map((args) => ({
      level,
      message: args[0] as string,
      attributes: (args[1] ?? {}) as Record<string, unknown>,
    })),
  );
}

export function testConfig(input: RemediationConfigInput = {}) {
  return parseRemediationConfig(input);
}

export interface TestDeps extends RemediationDeps {
  journal: MemoryJournal;
  notifier: MemoryNotifier;
  logger: RecordingLogger;
  /** Moves the fixed clock. */
  advance(ms: number): void;
}

export function testDeps(
  remediations: Remediation[],
  config: RemediationConfigInput = { defaultMode: "enforce" },
): TestDeps {
  let now = NOW;
  let ids = 0;
  const ctx: RemediationContext = {
    s3: new S3Client({ region: "eu-west-1" }),
    iam: new IAMClient({ region: "us-east-1" }),
    settings: testConfig(config).settings,
  };
  return {
    remediations,
    contextFor: () => ctx,
    journal: new MemoryJournal(),
    seal: testSeal(),
    notifier: new MemoryNotifier(),
    clock: () => now,
    config: testConfig(config),
    logger: recordingLogger(),
    newJournalId: () => `j${++ids}`,
    advance(ms) {
      now += ms;
    },
  };
}

/** Seals records with a random in-memory key, as the KMS seal does with its key. */
export function testSeal(): HmacRecordSeal {
  return new HmacRecordSeal(randomBytes(32), "test");
}

/** A journal record of an applied remediation, for journal tests. */
export function journalRecord(id: string, overrides: Partial<JournalRecord> = {}): JournalRecord {
  const finding = makeFinding();
  return {
    id,
    time: "2026-11-20T10:00:00.000Z",
    findingId: finding.id,
    eventId: finding.eventId,
    resourceArn: finding.resourceArn,
    account: finding.account,
    region: finding.region,
    rule: finding.rule,
    kind: finding.kind,
    finding,
    remediation: "fake",
    mode: "enforce",
    dryRun: false,
    outcome: "applied",
    reason: "r",
    plan: null,
    before: null,
    after: null,
    applied: [change(1)],
    steps: [],
    undoCommand: `vigil undo ${id}`,
    ...overrides,
  };
}

/**
 * A Config rule directory for tests: every rule is AWS-owned (a managed rule under its usual
 * name, with the ARN the event names) unless `rules` says otherwise (null: no such rule).
 * `calls` counts lookups.
 */
export function fakeConfigRules(rules: Record<string, Partial<ConfigRule> | null> = {}) {
  const calls: string[] = [];
  const arnOf = (account: string, region: string, name: string) =>
    `arn:aws:config:${region}:${account}:config-rule/config-rule-${name.length.toString(36)}${name.replace(/[^a-z0-9]/g, "").slice(0, 6)}`;
  const ruleFor = (
    account: string,
    region: string,
    name: string,
    arn = arnOf(account, region, name),
  ): ConfigRule | undefined => {
    const override = Object.hasOwn(rules, name) ? rules[name] : {};
    if (override === null) return undefined;
    return { name, arn, owner: "AWS", state: "ACTIVE", ...override };
  };
  const directory: ConfigRuleDirectory & { calls: string[] } = {
    calls,
    async list(account, region) {
      return Object.keys(rules)
        .map((name) => ruleFor(account, region, name))
        .filter((r): r is ConfigRule => r !== undefined);
    },
    async find(account, region, name, options) {
      calls.push(`${account}/${region}/${name}`);
      return ruleFor(account, region, name, options?.arn);
    },
  };
  return directory;
}
