/**
 * The fault-injection matrix: each row runs a real handler, with the real wiring, registry, S3
 * journal (conditional-write claims), SNS, PagerDuty notifier and alert dead-letter queue, against
 * moto_server, while the FaultInjector makes chosen AWS calls fail inside the SDK's retry loop.
 * CloudWatch and Config, whose reads moto cannot produce, are mocked with aws-sdk-client-mock;
 * PagerDuty is a fake `fetch`.
 *
 * Each remediation row has two phases: (1) the event delivered with the faults on, retried the way
 * Lambda retries an asynchronous invocation (up to 3 attempts, then the onFailure destination);
 * (2) the faults cleared and the same event delivered again (EventBridge at-least-once, or a redrive
 * from the failure queue). For every row the matrix measures: runs completed, journal records,
 * alerts expected (every journal record the design says to tell about, every anomaly) against
 * alerts delivered (SNS, PagerDuty, the dead-letter queue, or the full text logged at ERROR when
 * nothing else took it), attempts per AWS call, and changes made to the resource.
 *
 * Shared by test/resilience/fault-matrix.int.test.ts and bench/resilience.ts (no Vitest import).
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { AccessAnalyzerClient, ListAnalyzersCommand } from "@aws-sdk/client-accessanalyzer";
import {
  CloudWatchClient,
  GetMetricDataCommand,
  type GetMetricDataCommandInput,
  ListMetricsCommand,
  type ListMetricsCommandInput,
} from "@aws-sdk/client-cloudwatch";
import {
  ConfigServiceClient,
  DescribeConfigRulesCommand,
  GetComplianceDetailsByConfigRuleCommand,
} from "@aws-sdk/client-config-service";
import {
  AttachRolePolicyCommand,
  CreatePolicyCommand,
  CreateRoleCommand,
  DeleteRoleCommand,
  IAMClient,
} from "@aws-sdk/client-iam";
import { CreateKeyCommand, KMSClient } from "@aws-sdk/client-kms";
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  GetBucketEncryptionCommand,
  PutBucketEncryptionCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { CreateSecretCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { SNSClient } from "@aws-sdk/client-sns";
import { CreateQueueCommand, ReceiveMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { mockClient } from "aws-sdk-client-mock";
import * as detectFunction from "../../functions/detect.ts";
import * as reconcileFunction from "../../functions/reconcile.ts";
import { createTopicWithQueue, readSnsMessages } from "../../sandbox/sns-readback.ts";
import { awsClientConfig } from "../../src/adapters/aws-clients.ts";
import { CloudWatchMetricSource } from "../../src/adapters/cloudwatch-metric-source.ts";
import { S3Journal } from "../../src/adapters/s3-journal.ts";
import { setSettings } from "../../src/config/detection-config.ts";
import { loadConfigFile, parseConfigText } from "../../src/config/load.ts";
import { parseRemediationConfig } from "../../src/config/remediation-config.ts";
import { rearmQuietPeriods } from "../../src/domain/detection.ts";
import type { JournalRecord } from "../../src/domain/journal-record.ts";
import { metricsPerCall } from "../../src/domain/metric-batching.ts";
import { shouldNotify } from "../../src/domain/remediation-notification.ts";
import { accessAnalyzerFindingEventSchema } from "../../src/events/access-analyzer-finding.ts";
import { configComplianceChangeEventSchema } from "../../src/events/config-compliance-change.ts";
import type { Remediation } from "../../src/ports/remediation.ts";
import { quarantinePolicyDefinition } from "../../src/remediations/iam/iam-role-quarantine.ts";
import { remediations as registry } from "../../src/remediations/registry.ts";
import { intakeAccessAnalyzerEvent } from "../../src/usecases/intake-access-analyzer.ts";
import { intakeConfigEvent } from "../../src/usecases/intake-config.ts";
import { createAlerting } from "../../src/wiring/alerting.ts";
import {
  createRemediationDeps,
  type RemediationHandlerResult,
  remediationEventHandler,
} from "../../src/wiring/remediation.ts";
import { awsOwnedConfigRules } from "./fake-aws.ts";
import {
  type Attempt,
  type Fault,
  FaultInjector,
  sdkError,
  throttling,
  timeout,
} from "./fault-injector.ts";
import { loadSample } from "./generators.ts";
import { KIND_SCENARIOS, type KindScenario, kindScenario } from "./kind-scenarios.ts";
import { captureLogs, type LogCapture } from "./log-capture.ts";

export const ACCOUNT = "123456789012"; // moto's default account
const HOME_REGION = "us-east-1";
const BUCKET_REGION = "eu-west-1";
const JOURNAL = "vigil-journal";
const TARGET_BUCKET = "acme-raw-landing-prod";
const ROLE = "etl-cross-account-reader";
const POLICY_ROLE = "etl-runner";
/** The SSE-KMS key, created in moto by setupAccount (the plan checks it with kms:DescribeKey). */
let KMS_KEY = "";
const PD_SECRET = "vigil/pagerduty";
const PD_KEY = "R0ut1ngKeyR0ut1ngKeyR0ut1ngKey12";
/** Lambda retries an asynchronous invocation twice, then sends the event to onFailure (serverless.yml). */
export const LAMBDA_ASYNC_ATTEMPTS = 3;
/** A run taking longer than this counts as hung (Lambda's own timeout is 60 s for these functions). */
const RUN_DEADLINE_MS = 30_000;
/** The SDK's attempts per call (awsClientConfig) and the metric source's own retries. */
export const SDK_MAX_ATTEMPTS = awsClientConfig({}).maxAttempts;
export const METRIC_SOURCE_ATTEMPTS = 1 + 5;
const PAGERDUTY_ATTEMPTS = 4;

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
const ADMIN_POLICY = JSON.stringify({
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }],
});

// ---- rows --------------------------------------------------------------------------------------

export type Scenario =
  | "s3-encryption"
  | "role-quarantine"
  | "policy-detach"
  | "detect"
  | "reconcile"
  /** A KIND_SCENARIOS entry, by its remediation's name. */
  | `kind:${string}`;

/** The remediation each hand-written scenario drives (the kind scenarios name theirs). */
const SCENARIO_REMEDIATIONS: Partial<Record<Scenario, string>> = {
  "s3-encryption": "s3-default-encryption",
  "role-quarantine": "iam-role-quarantine",
  "policy-detach": "iam-risky-policy",
};

function kindOf(scenario: Scenario): KindScenario | undefined {
  return scenario.startsWith("kind:") ? kindScenario(scenario.slice("kind:".length)) : undefined;
}
type PagerDutyMode = "ok" | "429" | "500" | "timeout" | "not configured";

export interface MatrixRow {
  name: string;
  scenario: Scenario;
  faults?: Fault[];
  pagerDuty?: PagerDutyMode;
  /** Runs between the remediation's plan and its first apply (state changed under Vigil's feet). */
  betweenPlanAndApply?: "delete bucket" | "delete role";
  /** Detection: which GetMetricData batch fails, how, and how often. */
  metricBatchFault?: { batchWith: string; error: () => Error; attempts: number | "all" };
  /** Detection: the first attempt of every batch is throttled. */
  throttleEveryBatchOnce?: boolean;
  listMetricsThrottled?: boolean;
  configThrottled?: boolean;
  expect: {
    /** Phase 1: "transient" = every attempt threw for Lambda to retry; else the outcome returned. */
    first: string;
    /** Phase 2 (faults cleared, same event again); detection rows have none. */
    second?: string;
    /** Successful changes to the resource over both phases. */
    changes?: number;
    /** false when the fault is the journal itself: nothing can be recorded, so nothing is changed. */
    journaled?: boolean;
    /** Detection: metrics reported as not evaluated. */
    metricsNotEvaluated?: number;
    /**
     * Most attempts one AWS call got in one run: the SDK's maxAttempts for transient errors, the
     * metric source's 1 + 5 for GetMetricData, 1 for errors a retry cannot fix.
     */
    attemptsPerCall: number;
  };
}

const REPO_CONFIG_PATH = fileURLToPath(new URL("../../vigil.config.yaml", import.meta.url));
const s3Target = (input: Record<string, unknown>) => input.Bucket === TARGET_BUCKET;
const s3Journal = (input: Record<string, unknown>) => input.Bucket === JOURNAL;
const everyService = ["S3", "IAM", "SNS", "SQS", "Secrets Manager"];

/**
 * Metrics in one GetMetricData batch with the shipped egress settings: 100,800 datapoints / (the
 * window's periods + the episode look-back, sustainedPeriods + rearmQuietPeriods, + the evaluated
 * period). Read from vigil.config.yaml so a change of defaults does not break the matrix.
 */
const METRICS_PER_BATCH = (() => {
  const config = parseConfigText(readFileSync(REPO_CONFIG_PATH, "utf8"), REPO_CONFIG_PATH);
  const set = config.detection.metricSets.find((s) => s.name === "egress");
  if (!set) throw new Error("vigil.config.yaml has no egress metric set");
  const settings = setSettings(config.detection, set);
  const window = Math.round((settings.windowDays * 86_400) / settings.periodSeconds);
  return metricsPerCall(window + settings.sustainedPeriods + rearmQuietPeriods(settings) + 1);
})();

export const MATRIX: MatrixRow[] = [
  {
    name: "throttling on every call to the bucket (S3 SlowDown)",
    scenario: "s3-encryption",
    faults: [{ label: "SlowDown", service: "S3", when: s3Target, error: throttling("S3") }],
    expect: {
      first: "transient",
      second: "applied",
      changes: 1,
      attemptsPerCall: SDK_MAX_ATTEMPTS,
    },
  },
  {
    name: "throttling on every call to the journal bucket",
    scenario: "s3-encryption",
    faults: [{ label: "SlowDown", service: "S3", when: s3Journal, error: throttling("S3") }],
    expect: {
      first: "transient",
      second: "applied",
      changes: 1,
      journaled: false,
      attemptsPerCall: SDK_MAX_ATTEMPTS,
    },
  },
  {
    name: "throttling on every IAM call (role quarantine)",
    scenario: "role-quarantine",
    faults: [{ label: "Throttling", service: "IAM", error: throttling("IAM") }],
    expect: {
      first: "transient",
      second: "applied",
      changes: 1,
      attemptsPerCall: SDK_MAX_ATTEMPTS,
    },
  },
  {
    name: "throttling on every call of every service",
    scenario: "s3-encryption",
    faults: everyService.map((service) => ({
      label: `${service} throttled`,
      service,
      error: throttling(service),
    })),
    expect: {
      first: "transient",
      second: "applied",
      changes: 1,
      journaled: false,
      attemptsPerCall: SDK_MAX_ATTEMPTS,
    },
  },
  {
    name: "timeouts on every call to the bucket (TimeoutError)",
    scenario: "s3-encryption",
    faults: [{ label: "TimeoutError", service: "S3", when: s3Target, error: timeout }],
    expect: {
      first: "transient",
      second: "applied",
      changes: 1,
      attemptsPerCall: SDK_MAX_ATTEMPTS,
    },
  },
  {
    name: "AccessDenied on read (GetBucketEncryption)",
    scenario: "s3-encryption",
    faults: [
      {
        label: "AccessDenied",
        service: "S3",
        command: /^GetBucketEncryption$/,
        error: () => sdkError("AccessDenied", 403),
      },
    ],
    expect: { first: "failed", second: "applied", changes: 1, attemptsPerCall: 1 },
  },
  {
    name: "AccessDenied on write (PutBucketEncryption)",
    scenario: "s3-encryption",
    faults: [
      {
        label: "AccessDenied",
        service: "S3",
        command: /^PutBucketEncryption$/,
        error: () => sdkError("AccessDenied", 403),
      },
    ],
    expect: { first: "failed", second: "applied", changes: 1, attemptsPerCall: 1 },
  },
  {
    name: "AccessDenied on write (DetachRolePolicy)",
    scenario: "policy-detach",
    faults: [
      {
        label: "AccessDenied",
        service: "IAM",
        command: /^DetachRolePolicy$/,
        error: () => sdkError("AccessDenied", 403),
      },
    ],
    expect: { first: "failed", second: "applied", changes: 1, attemptsPerCall: 1 },
  },
  {
    name: "NoSuchBucket between plan and apply",
    scenario: "s3-encryption",
    betweenPlanAndApply: "delete bucket",
    expect: { first: "failed", second: "failed", changes: 0, attemptsPerCall: 1 },
  },
  {
    name: "NoSuchEntity between plan and apply (role deleted)",
    scenario: "role-quarantine",
    betweenPlanAndApply: "delete role",
    expect: { first: "failed", second: "failed", changes: 0, attemptsPerCall: 1 },
  },
  {
    name: "KMS key disabled (KMS.DisabledException from PutBucketEncryption)",
    scenario: "s3-encryption",
    faults: [
      {
        label: "KMS.DisabledException",
        service: "S3",
        command: /^PutBucketEncryption$/,
        error: () => sdkError("KMS.DisabledException", 400),
      },
    ],
    expect: { first: "failed", second: "applied", changes: 1, attemptsPerCall: 1 },
  },
  {
    name: "KMS key missing (KMS.NotFoundException from PutBucketEncryption)",
    scenario: "s3-encryption",
    faults: [
      {
        label: "KMS.NotFoundException",
        service: "S3",
        command: /^PutBucketEncryption$/,
        error: () => sdkError("KMS.NotFoundException", 400),
      },
    ],
    expect: { first: "failed", second: "applied", changes: 1, attemptsPerCall: 1 },
  },
  {
    name: "SNS publish failing (PagerDuty still pages)",
    scenario: "s3-encryption",
    faults: [
      {
        label: "AuthorizationError",
        service: "SNS",
        command: /^Publish$/,
        error: () => sdkError("AuthorizationError", 403),
      },
    ],
    expect: { first: "applied", second: "duplicate", changes: 1, attemptsPerCall: 1 },
  },
  {
    name: "SNS publish failing, no PagerDuty (alert kept in the ERROR log)",
    scenario: "s3-encryption",
    pagerDuty: "not configured",
    faults: [
      {
        label: "KMSAccessDenied",
        service: "SNS",
        command: /^Publish$/,
        error: () => sdkError("KMSAccessDenied", 400),
      },
    ],
    expect: { first: "applied", second: "duplicate", changes: 1, attemptsPerCall: 1 },
  },
  {
    name: "PagerDuty 429 on every attempt",
    scenario: "s3-encryption",
    pagerDuty: "429",
    expect: { first: "applied", second: "duplicate", changes: 1, attemptsPerCall: 1 },
  },
  {
    name: "PagerDuty 500 on every attempt",
    scenario: "role-quarantine",
    pagerDuty: "500",
    expect: { first: "applied", second: "duplicate", changes: 1, attemptsPerCall: 1 },
  },
  {
    name: "PagerDuty timeout on every attempt",
    scenario: "policy-detach",
    pagerDuty: "timeout",
    expect: { first: "applied", second: "duplicate", changes: 1, attemptsPerCall: 1 },
  },
  {
    name: "PagerDuty down and SNS failing (dead-letter queue keeps it)",
    scenario: "s3-encryption",
    pagerDuty: "500",
    faults: [
      {
        label: "Throttling",
        service: "SNS",
        command: /^Publish$/,
        error: throttling("SNS"),
      },
    ],
    expect: {
      first: "applied",
      second: "duplicate",
      changes: 1,
      attemptsPerCall: SDK_MAX_ATTEMPTS,
    },
  },
  {
    name: "PagerDuty down and the dead-letter queue failing (SNS keeps it)",
    scenario: "s3-encryption",
    pagerDuty: "500",
    faults: [
      {
        label: "AccessDenied",
        service: "SQS",
        command: /^SendMessageBatch$/,
        error: () => sdkError("AccessDenied", 403),
      },
    ],
    expect: { first: "applied", second: "duplicate", changes: 1, attemptsPerCall: 1 },
  },
  {
    name: "one GetMetricData batch AccessDenied among 5",
    scenario: "detect",
    metricBatchFault: {
      batchWith: "bucket-300",
      error: () => sdkError("AccessDenied", 403),
      attempts: "all",
    },
    expect: { first: "partial", metricsNotEvaluated: METRICS_PER_BATCH, attemptsPerCall: 1 },
  },
  {
    name: "one GetMetricData batch throttled on every attempt among 5",
    scenario: "detect",
    metricBatchFault: { batchWith: "bucket-300", error: throttling("CloudWatch"), attempts: "all" },
    expect: {
      first: "partial",
      metricsNotEvaluated: METRICS_PER_BATCH,
      attemptsPerCall: METRIC_SOURCE_ATTEMPTS,
    },
  },
  {
    name: "every GetMetricData batch throttled once (recovers)",
    scenario: "detect",
    throttleEveryBatchOnce: true,
    expect: { first: "ok", metricsNotEvaluated: 0, attemptsPerCall: 2 },
  },
  {
    name: "ListMetrics throttled on every call",
    scenario: "detect",
    listMetricsThrottled: true,
    expect: { first: "partial", metricsNotEvaluated: 0, attemptsPerCall: METRIC_SOURCE_ATTEMPTS },
  },
  {
    name: "SNS publish failing during detection (PagerDuty still pages)",
    scenario: "detect",
    faults: [
      {
        label: "Throttling",
        service: "SNS",
        command: /^Publish$/,
        error: throttling("SNS"),
      },
    ],
    expect: { first: "partial", metricsNotEvaluated: 0, attemptsPerCall: SDK_MAX_ATTEMPTS },
  },
  {
    name: "Config throttled listing rules (reconcile)",
    scenario: "reconcile",
    configThrottled: true,
    expect: { first: "transient", changes: 0, attemptsPerCall: 0 },
  },
  ...KIND_SCENARIOS.flatMap(kindRows),
];

/**
 * Every kind's two rows: its service throttled on every call to the resource (Lambda's retries
 * exhausted, the redelivery applies), and AccessDenied on its write (reported as failed, nothing
 * half-applied; the redelivery applies).
 */
function kindRows(kind: KindScenario): MatrixRow[] {
  const scenario: Scenario = `kind:${kind.remediation}`;
  return [
    {
      name: `throttling on every ${kind.service} call to the resource (${kind.remediation})`,
      scenario,
      faults: [
        {
          label: `${kind.service} throttled`,
          service: kind.service,
          when: kind.target,
          error: throttling(kind.service),
        },
      ],
      expect: {
        first: "transient",
        second: "applied",
        changes: 1,
        attemptsPerCall: SDK_MAX_ATTEMPTS,
      },
    },
    {
      name: `AccessDenied on write (${kind.write.source}) (${kind.remediation})`,
      scenario,
      faults: [
        {
          label: "AccessDenied",
          service: kind.service,
          command: kind.write,
          when: kind.target,
          error: () => sdkError("AccessDenied", 403),
        },
      ],
      expect: { first: "failed", second: "applied", changes: 1, attemptsPerCall: 1 },
    },
  ];
}

/** The registered remediations the matrix injects faults into. */
export function faultCoveredRemediations(rows = MATRIX): string[] {
  const names = rows.flatMap((row) => {
    const name = kindOf(row.scenario)?.remediation ?? SCENARIO_REMEDIATIONS[row.scenario];
    return name && row.faults?.length ? [name] : [];
  });
  return [...new Set(names)].sort();
}

// ---- results -----------------------------------------------------------------------------------

export interface RowResult {
  name: string;
  scenario: Scenario;
  /** AWS error responses, PagerDuty failures and mocked CloudWatch/Config errors thrown. */
  faultsInjected: number;
  /** Handler invocations (Lambda attempts over both phases). */
  runs: number;
  /** Invocations that returned, or threw for Lambda to retry, within the deadline. */
  runsCompleted: number;
  /** Phase 1 attempts that threw and were retried; the last one goes to the failure queue. */
  lambdaAttempts: number;
  toFailureQueue: boolean;
  outcomes: string[];
  /** Journal records written for the event, by outcome. */
  journal: string[];
  alertsExpected: number;
  alertsDelivered: number;
  alertsLost: number;
  /** Where the alerts went: sns, pagerduty, dead-letter queue, error log. */
  channels: Record<string, number>;
  /** Most attempts one AWS call took in one invocation (SDK retries or the metric source's). */
  maxAttemptsPerCall: number;
  /** Calls to the (fake) PagerDuty Events API, accepted or not. */
  pagerDutyAttempts: number;
  changes: number;
  /** Expectations not met: empty when the row passes. */
  problems: string[];
}

// ---- the run -----------------------------------------------------------------------------------

export interface Clients {
  s3: S3Client;
  s3Eu: S3Client;
  iam: IAMClient;
  sns: SNSClient;
  sqs: SQSClient;
  secrets: SecretsManagerClient;
}

export function clientsFor(endpoint: string): Clients {
  const base = {
    endpoint,
    region: HOME_REGION,
    credentials: { accessKeyId: "testing", secretAccessKey: "testing" },
    forcePathStyle: true,
  };
  return {
    s3: new S3Client(base),
    s3Eu: new S3Client({ ...base, region: BUCKET_REGION }),
    iam: new IAMClient(base),
    sns: new SNSClient(base),
    sqs: new SQSClient(base),
    secrets: new SecretsManagerClient(base),
  };
}

/** A PagerDuty Events API that answers as told; records what it accepted. */
function fakePagerDuty(mode: PagerDutyMode) {
  const accepted: unknown[] = [];
  let failures = 0;
  const send = (async (_url: unknown, init?: { body?: unknown }) => {
    const body = JSON.parse(String(init?.body ?? "{}")) as { dedup_key?: string };
    if (mode === "ok" || mode === "not configured") {
      accepted.push(body);
      return new Response(JSON.stringify({ status: "success", dedup_key: body.dedup_key }), {
        status: 202,
      });
    }
    failures += 1;
    if (mode === "429") {
      return new Response('{"status":"throttle event"}', {
        status: 429,
        headers: { "retry-after": "0" },
      });
    }
    if (mode === "500") return new Response("upstream error", { status: 500 });
    throw Object.assign(new Error("The operation was aborted due to timeout"), {
      name: "TimeoutError",
    });
  }) as typeof fetch;
  return {
    fetch: send,
    accepted,
    failures: () => failures,
    heal() {
      mode = "ok";
    },
  };
}

export async function setupAccount(c: Clients, endpoint: string, scenario: Scenario) {
  const response = await fetch(`${endpoint}/moto-api/reset`, { method: "POST" });
  if (!response.ok) throw new Error(`moto reset failed: HTTP ${response.status}`);
  const kms = new KMSClient({
    endpoint,
    region: BUCKET_REGION,
    credentials: { accessKeyId: "testing", secretAccessKey: "testing" },
  });
  KMS_KEY = (await kms.send(new CreateKeyCommand({}))).KeyMetadata?.Arn ?? "";
  await c.s3.send(new CreateBucketCommand({ Bucket: JOURNAL }));
  const topic = await createTopicWithQueue(c.sns, c.sqs, "vigil-alerts");
  const dlq = await c.sqs.send(new CreateQueueCommand({ QueueName: "vigil-alert-dlq" }));
  await c.secrets.send(new CreateSecretCommand({ Name: PD_SECRET, SecretString: PD_KEY }));
  let event: Record<string, unknown> & { id: string; detail: Record<string, unknown> };
  const kind = kindOf(scenario);
  if (kind) {
    event = loadSample(kind.sample) as typeof event;
    await kind.setup(endpoint, event);
  } else if (scenario === "s3-encryption") {
    await c.s3Eu.send(
      new CreateBucketCommand({
        Bucket: TARGET_BUCKET,
        CreateBucketConfiguration: { LocationConstraint: BUCKET_REGION },
      }),
    );
    await c.s3Eu.send(
      new PutBucketEncryptionCommand({
        Bucket: TARGET_BUCKET,
        ServerSideEncryptionConfiguration: {
          Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" } }],
        },
      }),
    );
    event = loadSample("config-s3-encryption-noncompliant") as typeof event;
  } else if (scenario === "role-quarantine") {
    await c.iam.send(new CreatePolicyCommand(quarantinePolicyDefinition()));
    await c.iam.send(
      new CreateRoleCommand({ RoleName: ROLE, AssumeRolePolicyDocument: TRUST_EXTERNAL }),
    );
    event = loadSample("access-analyzer-iam-role-external") as typeof event;
  } else {
    const created = await c.iam.send(
      new CreatePolicyCommand({ PolicyName: "too-broad", PolicyDocument: ADMIN_POLICY }),
    );
    await c.iam.send(
      new CreateRoleCommand({ RoleName: POLICY_ROLE, AssumeRolePolicyDocument: TRUST_EXTERNAL }),
    );
    await c.iam.send(
      new AttachRolePolicyCommand({ RoleName: POLICY_ROLE, PolicyArn: created.Policy?.Arn }),
    );
    event = loadSample("config-iam-admin-policy-noncompliant") as typeof event;
    event.detail.resourceId = created.Policy?.PolicyId;
  }
  return {
    topicArn: topic.topicArn,
    readbackUrl: topic.queueUrl,
    dlqUrl: dlq.QueueUrl as string,
    event,
  };
}

/** Enforce, SSE-KMS with a key in the bucket's region: the sample events all need a change. */
export function matrixRemediationConfig() {
  return parseRemediationConfig({
    defaultMode: "enforce",
    settings: {
      s3EncryptionAlgorithm: "aws:kms",
      s3KmsKeyArn: KMS_KEY,
      cloudTrailKmsKeyArn: KMS_KEY,
      // moto has no service-last-accessed API (its 500s are retried by the SDK); the evidence is
      // optional and tested with mocks in test/remediations/iam/last-accessed.test.ts.
      riskyPolicyLastUsedWaitSeconds: 0,
    },
    // No AWS managed rule checks SQS encryption: mapped by name, as a deployment would.
    ruleKinds: { "securityhub-sqs-queue-encrypted-*": "sqs-encryption" },
  });
}

/** A fresh instance of the function that takes this event (one per Lambda container). */
export function handlerFor(event: Record<string, unknown>) {
  return event.source === "aws.access-analyzer"
    ? remediationEventHandler({
        serviceName: "vigil-on-access-analyzer-finding",
        schema: accessAnalyzerFindingEventSchema,
        intake: intakeAccessAnalyzerEvent,
      })
    : remediationEventHandler({
        serviceName: "vigil-on-config-compliance-change",
        schema: configComplianceChangeEventSchema,
        intake: intakeConfigEvent,
      });
}

/** Successful calls that changed the scenario's resource. */
export function changesOf(scenario: Scenario, attempts: Attempt[]): number {
  return attempts.filter((a) => {
    if (!a.ok) return false;
    const kind = kindOf(scenario);
    if (kind) return kind.write.test(a.command) && kind.target(a.input);
    if (scenario === "s3-encryption")
      return a.command === "PutBucketEncryption" && s3Target(a.input);
    if (scenario === "role-quarantine")
      return a.command === "AttachRolePolicy" && a.input.RoleName === ROLE;
    if (scenario === "policy-detach") return /^Detach(Role|User|Group)Policy$/.test(a.command);
    return false;
  }).length;
}

interface Invocation {
  result?: unknown;
  error?: Error;
  completed: boolean;
}

async function invoke(run: () => Promise<unknown>): Promise<Invocation> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const hung = new Promise<"hung">((resolve) => {
    timer = setTimeout(() => resolve("hung"), RUN_DEADLINE_MS);
  });
  try {
    const result = await Promise.race([run(), hung]);
    if (result === "hung") return { completed: false };
    return { result, completed: true };
  } catch (error) {
    return { error: error as Error, completed: true };
  } finally {
    clearTimeout(timer);
  }
}

/** Lambda's asynchronous invocation: retried while it throws, at most LAMBDA_ASYNC_ATTEMPTS times. */
async function invokeLikeLambda(injector: FaultInjector, run: () => Promise<unknown>) {
  const invocations: Invocation[] = [];
  for (let attempt = 0; attempt < LAMBDA_ASYNC_ATTEMPTS; attempt++) {
    injector.invocation += 1;
    const invocation = await invoke(run);
    invocations.push(invocation);
    if (!invocation.error) break;
  }
  const last = invocations.at(-1);
  return { invocations, toFailureQueue: last?.error !== undefined };
}

function outcomeOf(invocation: Invocation): string {
  if (!invocation.completed) return "hung";
  if (invocation.error) return "transient";
  const result = invocation.result as RemediationHandlerResult & { partialFailure?: boolean };
  if ("outcome" in result) return result.outcome;
  if ("partialFailure" in result) return result.partialFailure ? "partial" : "ok";
  return `not handled: ${(result as { error?: string }).error ?? "?"}`;
}

/** The journal's records of one event, as readers assemble them (steps put back). */
export async function journalRecords(s3: S3Client, eventId: string): Promise<JournalRecord[]> {
  const records: JournalRecord[] = [];
  for await (const record of new S3Journal(s3, JOURNAL).list(0)) {
    if (record.eventId === eventId) records.push(record);
  }
  return records.sort((a, b) => a.time.localeCompare(b.time) || a.id.localeCompare(b.id));
}

async function drain(sqs: SQSClient, queueUrl: string): Promise<string[]> {
  const bodies: string[] = [];
  for (;;) {
    const batch = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
      }),
    );
    if (!batch.Messages?.length) return bodies;
    bodies.push(...batch.Messages.map((m) => m.Body ?? ""));
  }
}

interface Deliveries {
  sns: string[];
  pagerduty: string[];
  dlq: string[];
  log: string[];
}

/** Which channels carried text naming `key`; an alert is delivered if any did. */
function channelsFor(key: string, deliveries: Deliveries): string[] {
  return (Object.keys(deliveries) as Array<keyof Deliveries>).filter((channel) =>
    deliveries[channel].some((text) => text.includes(key)),
  );
}

const REPO_CONFIG = REPO_CONFIG_PATH;
const DETECT_NOW = Date.parse("2026-11-24T08:15:00Z");
const EVALUATED = Date.parse("2026-11-24T07:00:00Z");
const HOUR = 3_600_000;
const BUCKETS = Array.from({ length: 600 }, (_, i) => `bucket-${String(i).padStart(3, "0")}`);
const BURSTS = ["bucket-005", "bucket-150", "bucket-420"];

function bucketOf(query: {
  MetricStat?:
    | {
        Metric?:
          | {
              Dimensions?:
                | Array<{ Name?: string | undefined; Value?: string | undefined }>
                | undefined;
            }
          | undefined;
      }
    | undefined;
}) {
  return query.MetricStat?.Metric?.Dimensions?.find((d) => d.Name === "BucketName")?.Value ?? "";
}

/** Opens the matrix on a moto_server: installs the injector and the CloudWatch/Config mocks. */
export class FaultMatrix {
  private readonly injector = new FaultInjector();
  private readonly clients: Clients;
  private readonly cloudwatch = mockClient(CloudWatchClient);
  private readonly config = mockClient(ConfigServiceClient);
  // moto has no Access Analyzer: the sweep finds no analyzer.
  private readonly accessAnalyzer = mockClient(AccessAnalyzerClient);
  private readonly random = Math.random;

  constructor(private readonly endpoint: string) {
    this.clients = clientsFor(endpoint);
    this.injector.install();
    this.accessAnalyzer.on(ListAnalyzersCommand).resolves({ analyzers: [] });
    // The SDK's backoff is random × 2^attempt: zero makes retries immediate, their number unchanged.
    Math.random = () => 0;
  }

  close(): void {
    Math.random = this.random;
    this.injector.uninstall();
    this.cloudwatch.restore();
    this.config.restore();
    this.accessAnalyzer.restore();
  }

  async run(row: MatrixRow): Promise<RowResult> {
    return row.scenario === "detect" ? this.runDetect(row) : this.runRemediation(row);
  }

  private env(setup: { topicArn: string; dlqUrl: string }, pagerDuty: PagerDutyMode) {
    return {
      AWS_ENDPOINT_URL: this.endpoint,
      AWS_REGION: HOME_REGION,
      AWS_ACCESS_KEY_ID: "testing",
      AWS_SECRET_ACCESS_KEY: "testing",
      VIGIL_JOURNAL_BUCKET: JOURNAL,
      VIGIL_TOPIC_ARN: setup.topicArn,
      VIGIL_ALERT_DLQ_URL: setup.dlqUrl,
      ...(pagerDuty === "not configured" ? {} : { VIGIL_PAGERDUTY_SECRET: PD_SECRET }),
    };
  }

  private async deliveries(
    setup: { readbackUrl: string; dlqUrl: string },
    pd: ReturnType<typeof fakePagerDuty>,
    logs: LogCapture,
  ): Promise<Deliveries> {
    const sns = await readSnsMessages(this.clients.sqs, setup.readbackUrl);
    return {
      sns: sns.map((m) => `${m.Subject ?? ""}\n${m.Message}`),
      pagerduty: pd.accepted.map((e) => JSON.stringify(e)),
      dlq: await drain(this.clients.sqs, setup.dlqUrl),
      log: logs.lines
        .filter((l) => l.message === "alert delivered nowhere a person reads: full text follows")
        .map((l) => `${String(l.attributes.subject)}\n${String(l.attributes.body)}`),
    };
  }

  private async runRemediation(row: MatrixRow): Promise<RowResult> {
    const { injector, clients } = this;
    injector.active = false;
    injector.reset();
    this.config.reset();
    this.config.on(DescribeConfigRulesCommand).resolves(awsOwnedConfigRules());
    const scenario = row.scenario === "reconcile" ? "s3-encryption" : row.scenario;
    const setup = await setupAccount(clients, this.endpoint, scenario);
    injector.standIns = kindOf(scenario)?.standIns?.() ?? [];
    const pagerDutyMode = row.pagerDuty ?? "ok";
    const pd = fakePagerDuty(pagerDutyMode);
    const env = this.env(setup, pagerDutyMode);

    const handler = row.scenario === "reconcile" ? undefined : handlerFor(setup.event);
    const logger = handler?.logger ?? reconcileFunction.logger;
    const logs = captureLogs(logger);
    try {
      const alerting = createAlerting({
        env,
        topicArn: setup.topicArn,
        clientConfig: awsClientConfig(env),
        logger,
        fetch: pd.fetch,
        sleep: async () => {},
      });
      let hooked = false;
      const hook = async () => {
        if (hooked || !row.betweenPlanAndApply) return;
        hooked = true;
        injector.active = false;
        if (row.betweenPlanAndApply === "delete bucket") {
          await clients.s3Eu.send(new DeleteBucketCommand({ Bucket: TARGET_BUCKET }));
        } else {
          await clients.iam.send(new DeleteRoleCommand({ RoleName: ROLE }));
        }
        injector.active = true;
      };
      const remediations: Remediation[] = registry.map((r) => ({
        ...r,
        plan: async (ctx, finding) => {
          const plan = await r.plan(ctx, finding);
          await hook();
          return plan;
        },
      }));
      const app = await createRemediationDeps({
        env,
        loadConfig: async () => matrixRemediationConfig(),
        alerting: alerting.config,
        remediations,
        logger,
        homeAccount: ACCOUNT,
        overrides: { notifier: alerting.notifier },
      });

      let configFaults = 0;
      if (row.configThrottled) {
        this.config.on(DescribeConfigRulesCommand).callsFake(async () => {
          configFaults += 1;
          throw throttling("Config")();
        });
        this.config.on(GetComplianceDetailsByConfigRuleCommand).resolves({ EvaluationResults: [] });
      }
      const run = handler
        ? () => {
            handler.setApp(app);
            return handler.handler(setup.event);
          }
        : () => {
            reconcileFunction.setRemediationApp(app);
            return reconcileFunction.handler({});
          };

      // Phase 1: faults on, Lambda's retries.
      injector.reset(row.faults ?? []);
      injector.active = true;
      const first = await invokeLikeLambda(injector, run);
      // Phase 2: faults cleared, the same event once more.
      injector.faults = [];
      pd.heal();
      this.config.reset();
      this.config.on(DescribeConfigRulesCommand).resolves(awsOwnedConfigRules());
      const second = row.expect.second
        ? await (async () => {
            injector.invocation += 1;
            return invoke(run);
          })()
        : undefined;
      injector.active = false;
      await alertingFlush(alerting);

      const invocations = [...first.invocations, ...(second ? [second] : [])];
      const records = await journalRecords(clients.s3, setup.event.id);
      const deliveries = await this.deliveries(setup, pd, logs);
      const told = records.filter((r) => shouldNotify(r));
      const channels: Record<string, number> = {};
      let delivered = 0;
      const problems: string[] = [];
      for (const record of told) {
        const via = channelsFor(record.id, deliveries);
        for (const channel of via) channels[channel] = (channels[channel] ?? 0) + 1;
        if (via.length > 0) delivered += 1;
        const copies = deliveries.sns.filter((text) => text.includes(record.id)).length;
        if (copies > 1) problems.push(`journal record ${record.id} was published ${copies} times`);
      }

      const result: RowResult = {
        name: row.name,
        scenario: row.scenario,
        faultsInjected: injector.faultsInjected() + pd.failures() + configFaults,
        runs: invocations.length,
        runsCompleted: invocations.filter((i) => i.completed).length,
        lambdaAttempts: first.invocations.length,
        toFailureQueue: first.toFailureQueue,
        outcomes: invocations.map(outcomeOf),
        journal: records.map((r) => r.outcome),
        alertsExpected: told.length,
        alertsDelivered: delivered,
        alertsLost: told.length - delivered,
        channels,
        maxAttemptsPerCall: injector.maxAttemptsPerCall(),
        pagerDutyAttempts: pd.accepted.length + pd.failures(),
        changes: changesOf(row.scenario, injector.attempts),
        problems,
      };
      this.checkRemediation(row, result, records, first.invocations.length);
      await this.checkResource(row, result);
      return result;
    } finally {
      logs.restore();
      handler?.setApp(undefined);
      reconcileFunction.setRemediationApp(undefined);
    }
  }

  private checkRemediation(
    row: MatrixRow,
    result: RowResult,
    records: JournalRecord[],
    firstAttempts: number,
  ): void {
    const { expect } = row;
    const problems = result.problems;
    if (result.runsCompleted !== result.runs) problems.push("a run hung");
    const firstOutcome = result.outcomes[firstAttempts - 1];
    if (expect.first === "transient") {
      if (firstAttempts !== LAMBDA_ASYNC_ATTEMPTS || !result.toFailureQueue) {
        problems.push(
          `expected every Lambda attempt to throw (${LAMBDA_ASYNC_ATTEMPTS}), got ${result.outcomes.slice(0, firstAttempts).join(", ")}`,
        );
      }
    } else if (firstAttempts !== 1 || firstOutcome !== expect.first) {
      problems.push(
        `first delivery: expected ${expect.first}, got ${result.outcomes.slice(0, firstAttempts).join(", ")}`,
      );
    }
    if (expect.second !== undefined && result.outcomes.at(-1) !== expect.second) {
      problems.push(`second delivery: expected ${expect.second}, got ${result.outcomes.at(-1)}`);
    }
    if (expect.changes !== undefined && result.changes !== expect.changes) {
      problems.push(`expected ${expect.changes} change(s) to the resource, got ${result.changes}`);
    }
    if (result.changes > 1) problems.push(`the resource was changed ${result.changes} times`);
    if (result.alertsLost > 0) problems.push(`${result.alertsLost} alert(s) lost`);
    if (result.maxAttemptsPerCall !== expect.attemptsPerCall) {
      problems.push(
        `expected at most ${expect.attemptsPerCall} attempt(s) per call, got ${result.maxAttemptsPerCall}`,
      );
    }
    if (row.pagerDuty && row.pagerDuty !== "ok" && row.pagerDuty !== "not configured") {
      // One alert to page in phase 1: PagerDuty tried exactly its bound, then gave up to the fallbacks.
      if (result.pagerDutyAttempts !== PAGERDUTY_ATTEMPTS) {
        problems.push(
          `PagerDuty was tried ${result.pagerDutyAttempts} times, expected ${PAGERDUTY_ATTEMPTS}`,
        );
      }
    }
    // Journal: every delivery that reached a decision left a record; transient ones too, unless
    // the journal itself is what failed.
    if (row.scenario !== "reconcile") {
      const decided = result.outcomes.filter((o) => o !== "transient" && o !== "hung").length;
      const finals = records.filter(
        (r) => r.outcome !== "applying" && r.outcome !== "transient-error",
      );
      if (finals.length !== decided) {
        problems.push(
          `expected ${decided} final journal record(s), found ${finals.length}: ${result.journal.join(", ")}`,
        );
      }
      const transientRecords = records.filter((r) => r.outcome === "transient-error").length;
      const transientRuns = result.outcomes.filter((o) => o === "transient").length;
      const expectedTransient = expect.journaled === false ? 0 : transientRuns;
      if (transientRecords !== expectedTransient) {
        problems.push(
          `expected ${expectedTransient} transient-error record(s), found ${transientRecords}`,
        );
      }
    }
  }

  /** Reads the resource back: fixed once when the row says applied, untouched otherwise. */
  private async checkResource(row: MatrixRow, result: RowResult): Promise<void> {
    if (row.scenario !== "s3-encryption" || row.betweenPlanAndApply) return;
    const encryption = await this.clients.s3Eu.send(
      new GetBucketEncryptionCommand({ Bucket: TARGET_BUCKET }),
    );
    const algorithm =
      encryption.ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault
        ?.SSEAlgorithm;
    const fixed = result.outcomes.includes("applied");
    if (fixed !== (algorithm === "aws:kms")) {
      result.problems.push(
        `bucket encryption is ${algorithm} after outcomes ${result.outcomes.join(", ")}`,
      );
    }
  }

  private async runDetect(row: MatrixRow): Promise<RowResult> {
    const { injector, clients, cloudwatch } = this;
    injector.active = false;
    injector.reset();
    injector.standIns = [];
    cloudwatch.reset();
    const setup = await setupAccount(clients, this.endpoint, "s3-encryption");
    const pd = fakePagerDuty(row.pagerDuty ?? "ok");
    const env = this.env(setup, row.pagerDuty ?? "ok");
    const logs = captureLogs(detectFunction.logger);
    let cloudwatchFaults = 0;
    const callsPerBatch = new Map<string, number>();
    try {
      cloudwatch.on(ListMetricsCommand).callsFake(async (input: ListMetricsCommandInput) => {
        if (row.listMetricsThrottled) {
          cloudwatchFaults += 1;
          const call = `ListMetrics ${input.Namespace}/${input.MetricName}`;
          callsPerBatch.set(call, (callsPerBatch.get(call) ?? 0) + 1);
          throw throttling("CloudWatch")();
        }
        if (input.Namespace !== "AWS/S3" || input.MetricName !== "BytesDownloaded")
          return { Metrics: [] };
        return {
          Metrics: BUCKETS.map((bucket) => ({
            Namespace: "AWS/S3",
            MetricName: "BytesDownloaded",
            Dimensions: [
              { Name: "BucketName", Value: bucket },
              { Name: "FilterId", Value: "EntireBucket" },
            ],
          })),
        };
      });
      cloudwatch.on(GetMetricDataCommand).callsFake(async (input: GetMetricDataCommandInput) => {
        const queries = input.MetricDataQueries ?? [];
        const buckets = queries.map(bucketOf);
        const batch = buckets[0] ?? "";
        const calls = (callsPerBatch.get(batch) ?? 0) + 1;
        callsPerBatch.set(batch, calls);
        const fault = row.metricBatchFault;
        if (
          fault &&
          buckets.includes(fault.batchWith) &&
          (fault.attempts === "all" || calls <= fault.attempts)
        ) {
          cloudwatchFaults += 1;
          throw fault.error();
        }
        if (row.throttleEveryBatchOnce && calls === 1) {
          cloudwatchFaults += 1;
          throw throttling("CloudWatch")();
        }
        const start = (input.StartTime as Date).getTime();
        const end = (input.EndTime as Date).getTime();
        return {
          MetricDataResults: queries.map((query, i) => {
            const timestamps: Date[] = [];
            const values: number[] = [];
            for (let t = start; t < end; t += HOUR) {
              timestamps.push(new Date(t));
              values.push(
                t === EVALUATED && BURSTS.includes(buckets[i] ?? "")
                  ? 50e9
                  : 1e9 + ((t / HOUR) % 7) * 1e7,
              );
            }
            return { Id: query.Id, StatusCode: "Complete", Timestamps: timestamps, Values: values };
          }),
        };
      });
      const config = await loadConfigFile(REPO_CONFIG);
      const clientConfig = awsClientConfig(env);
      const alerting = createAlerting({
        env,
        alerting: config.alerting,
        topicArn: setup.topicArn,
        clientConfig,
        logger: detectFunction.logger,
        fetch: pd.fetch,
        sleep: async () => {},
      });
      detectFunction.setDetectDeps({
        source: new CloudWatchMetricSource(
          new CloudWatchClient({ ...clientConfig, maxAttempts: 1 }),
          {
            logger: detectFunction.logger,
          },
        ),
        notifier: alerting.notifier,
        config: config.detection,
        clock: () => DETECT_NOW,
        region: HOME_REGION,
        account: ACCOUNT,
        logger: detectFunction.logger,
      });

      injector.reset(row.faults ?? []);
      injector.active = true;
      const first = await invokeLikeLambda(injector, () => detectFunction.handler({ force: true }));
      injector.active = false;
      await alertingFlush(alerting);

      const response = first.invocations.at(-1)?.result as
        | Awaited<ReturnType<typeof detectFunction.handler>>
        | undefined;
      const failedBatch = row.metricBatchFault?.batchWith;
      const failedMetrics = failedBatch ? batchOf(failedBatch) : [];
      // What should alert: the bursts whose batch was read (none when discovery failed).
      const expected = row.listMetricsThrottled
        ? []
        : BURSTS.filter((b) => !failedMetrics.includes(b));
      const deliveries = await this.deliveries(setup, pd, logs);
      const channels: Record<string, number> = {};
      let delivered = 0;
      for (const bucket of expected) {
        const via = channelsFor(`"${bucket}"`, deliveries);
        for (const channel of via) channels[channel] = (channels[channel] ?? 0) + 1;
        if (via.length > 0) delivered += 1;
      }
      const notEvaluated = logs.lines.filter((l) => l.message === "metric not evaluated").length;
      const maxCalls = Math.max(0, ...callsPerBatch.values());
      const result: RowResult = {
        name: row.name,
        scenario: row.scenario,
        faultsInjected: injector.faultsInjected() + pd.failures() + cloudwatchFaults,
        runs: first.invocations.length,
        runsCompleted: first.invocations.filter((i) => i.completed).length,
        lambdaAttempts: first.invocations.length,
        toFailureQueue: first.toFailureQueue,
        outcomes: first.invocations.map(outcomeOf),
        journal: logs.lines
          .filter((l) => /^detection run finished/.test(l.message))
          .map((l) => (l.attributes.partialFailure ? "finished with failures" : "finished")),
        alertsExpected: expected.length,
        alertsDelivered: delivered,
        alertsLost: expected.length - delivered,
        channels,
        maxAttemptsPerCall: Math.max(maxCalls, injector.maxAttemptsPerCall()),
        pagerDutyAttempts: pd.accepted.length + pd.failures(),
        changes: 0,
        problems: [],
      };
      const problems = result.problems;
      if (result.runsCompleted !== result.runs) problems.push("a run hung");
      if (result.outcomes.join() !== row.expect.first) {
        problems.push(`expected ${row.expect.first}, got ${result.outcomes.join(", ")}`);
      }
      const anomalies = response?.anomalies?.map((a) => a.metric) ?? [];
      if (anomalies.length !== expected.length) {
        problems.push(
          `expected ${expected.length} anomalies, got ${anomalies.length}: ${anomalies.join("; ")}`,
        );
      }
      if (notEvaluated !== (row.expect.metricsNotEvaluated ?? 0)) {
        problems.push(
          `expected ${row.expect.metricsNotEvaluated} metrics reported not evaluated, got ${notEvaluated}`,
        );
      }
      if (result.journal.length !== 1) problems.push("the run summary was not logged once");
      if (result.alertsLost > 0) problems.push(`${result.alertsLost} alert(s) lost`);
      if (deliveries.sns.length > expected.length) {
        problems.push(`${deliveries.sns.length} SNS messages for ${expected.length} anomalies`);
      }
      if (maxCalls > METRIC_SOURCE_ATTEMPTS)
        problems.push(`a CloudWatch call was made ${maxCalls} times`);
      if (result.maxAttemptsPerCall !== row.expect.attemptsPerCall) {
        problems.push(
          `expected ${row.expect.attemptsPerCall} attempt(s) per call at most, got ${result.maxAttemptsPerCall}`,
        );
      }
      if (pd.accepted.length + pd.failures() > expected.length * PAGERDUTY_ATTEMPTS) {
        problems.push("PagerDuty was called more often than its retry bound allows");
      }
      return result;
    } finally {
      logs.restore();
      detectFunction.setDetectDeps(undefined);
    }
  }
}

/** The metrics sharing a GetMetricData call with `bucket` (138 per call for a 30-day hourly window). */
function batchOf(bucket: string): string[] {
  const index = BUCKETS.indexOf(bucket);
  const size = 138;
  const start = Math.floor(index / size) * size;
  return BUCKETS.slice(start, start + size);
}

/** Dead letters leave in batches after a short linger: wait for them before reading the queue. */
async function alertingFlush(alerting: ReturnType<typeof createAlerting>): Promise<void> {
  await alerting.deadLetter?.flush();
}

export interface MatrixSummary {
  scenarios: number;
  faultsInjected: number;
  runs: number;
  runsCompleted: number;
  alertsExpected: number;
  alertsDelivered: number;
  alertsLost: number;
  changedTwice: number;
  maxAttemptsPerCall: number;
  rowsWithProblems: number;
}

export function summarise(results: RowResult[]): MatrixSummary {
  const sum = (pick: (r: RowResult) => number) => results.reduce((total, r) => total + pick(r), 0);
  return {
    scenarios: results.length,
    faultsInjected: sum((r) => r.faultsInjected),
    runs: sum((r) => r.runs),
    runsCompleted: sum((r) => r.runsCompleted),
    alertsExpected: sum((r) => r.alertsExpected),
    alertsDelivered: sum((r) => r.alertsDelivered),
    alertsLost: sum((r) => r.alertsLost),
    changedTwice: results.filter((r) => r.changes > 1).length,
    maxAttemptsPerCall: Math.max(0, ...results.map((r) => r.maxAttemptsPerCall)),
    rowsWithProblems: results.filter((r) => r.problems.length > 0).length,
  };
}

/** Every row against one moto_server (the bench uses this; the test runs rows one by one). */
export async function runFaultMatrix(endpoint: string, rows = MATRIX): Promise<RowResult[]> {
  const matrix = new FaultMatrix(endpoint);
  try {
    const results: RowResult[] = [];
    for (const row of rows) results.push(await matrix.run(row));
    return results;
  } finally {
    matrix.close();
  }
}
