import { z } from "zod";
import type { FindingKind } from "../domain/finding.ts";
import { parseExemptionUntil, REMEDIATION_MODES } from "../domain/guards.ts";
import { awsAccountId as accountId, awsRegion as region } from "../events/aws-fields.ts";
import { remediationSettingsSchema } from "../remediations/settings.ts";
import { ConfigError, describeZodError } from "./errors.ts";

/** Unused-access kinds: notify unless `modes` names the kind (a defaultMode of enforce does not). */
export const UNUSED_ACCESS_KINDS = [
  "iam-unused-access-key",
  "iam-unused-password",
  "iam-unused-role",
  "iam-unused-permission",
] as const satisfies readonly FindingKind[];

export const FINDING_KINDS = [
  "s3-encryption",
  "s3-public-access",
  "iam-risky-policy",
  "iam-external-trust",
  "ebs-snapshot-sharing",
  "rds-snapshot-sharing",
  "sqs-encryption",
  "sns-encryption",
  "ebs-default-encryption",
  "kinesis-encryption",
  ...UNUSED_ACCESS_KINDS,
  "cloudtrail-encryption",
  "dynamodb-encryption",
] as const satisfies readonly FindingKind[];

/** AWS managed Config rules Vigil understands out of the box. Config's `ruleKinds` adds to these. */
export const DEFAULT_RULE_KINDS: Readonly<Record<string, FindingKind>> = {
  "s3-bucket-server-side-encryption-enabled": "s3-encryption",
  "s3-default-encryption-kms": "s3-encryption",
  "s3-bucket-level-public-access-prohibited": "s3-public-access",
  "s3-bucket-public-read-prohibited": "s3-public-access",
  "s3-bucket-public-write-prohibited": "s3-public-access",
  "iam-policy-no-statements-with-admin-access": "iam-risky-policy",
  "iam-user-no-policies-check": "iam-risky-policy",
  "iam-no-inline-policy-check": "iam-risky-policy",
  // ebs-snapshot-public-restorable-check is not here: it evaluates the account, not a snapshot
  // (periodic, no resource type), so it names nothing to remediate; Access Analyzer does.
  "rds-snapshots-public-prohibited": "rds-snapshot-sharing",
  "sns-encrypted-kms": "sns-encryption",
  "ec2-ebs-encryption-by-default": "ebs-default-encryption",
  "kinesis-stream-encrypted": "kinesis-encryption",
  "cloud-trail-encryption-enabled": "cloudtrail-encryption",
  "dynamodb-table-encrypted-kms": "dynamodb-encryption",
};

/**
 * AWS managed Config rules by source identifier (DescribeConfigRules Source.SourceIdentifier, for
 * rules whose Source.Owner is AWS). Security Hub, conformance packs and Control Tower deploy these
 * under generated names (securityhub-s3-bucket-public-read-prohibited-a1b2c3,
 * s3-bucket-public-read-prohibited-conformance-pack-x9y8z7, AWSControlTower_AWS-GR_S3_…): the
 * identifier says which rule it is. Exact names and globs in `ruleKinds` still come first.
 */
export const MANAGED_RULE_KINDS: Readonly<Record<string, FindingKind>> = {
  S3_BUCKET_SERVER_SIDE_ENCRYPTION_ENABLED: "s3-encryption",
  S3_DEFAULT_ENCRYPTION_KMS: "s3-encryption",
  S3_BUCKET_LEVEL_PUBLIC_ACCESS_PROHIBITED: "s3-public-access",
  S3_BUCKET_PUBLIC_READ_PROHIBITED: "s3-public-access",
  S3_BUCKET_PUBLIC_WRITE_PROHIBITED: "s3-public-access",
  IAM_POLICY_NO_STATEMENTS_WITH_ADMIN_ACCESS: "iam-risky-policy",
  IAM_USER_NO_POLICIES_CHECK: "iam-risky-policy",
  IAM_NO_INLINE_POLICY_CHECK: "iam-risky-policy",
  // Resource policies (AWS Config developer guide: "…-no-public-access"). No managed rule checks
  // a Secrets Manager resource policy: Access Analyzer findings only.
  SQS_QUEUE_NO_PUBLIC_ACCESS: "sqs-queue-policy",
  SNS_TOPIC_NO_PUBLIC_ACCESS: "sns-topic-policy",
  KMS_KEY_POLICY_NO_PUBLIC_ACCESS: "kms-key-policy",
  LAMBDA_FUNCTION_PUBLIC_ACCESS_PROHIBITED: "lambda-function-policy",
  RDS_SNAPSHOTS_PUBLIC_PROHIBITED: "rds-snapshot-sharing",
  // Encryption beyond S3. No AWS managed rule checks SQS encryption (Security Hub's SQS.1 is its
  // own Lambda rule): map it in ruleKinds and trust it in trustedConfigRules.
  SNS_ENCRYPTED_KMS: "sns-encryption",
  EC2_EBS_ENCRYPTION_BY_DEFAULT: "ebs-default-encryption",
  KINESIS_STREAM_ENCRYPTED: "kinesis-encryption",
  CLOUD_TRAIL_ENCRYPTION_ENABLED: "cloudtrail-encryption",
  DYNAMODB_TABLE_ENCRYPTED_KMS: "dynamodb-encryption",
};

/**
 * Rule-name families AWS services generate when they deploy the managed rules above. The event
 * pattern lets them through (besides the configured names) so that the function can look the
 * rule up by its source identifier.
 */
export const GENERATED_RULE_NAME_PATTERNS: ReadonlyArray<Record<string, string>> = [
  { prefix: "securityhub-" },
  { prefix: "AWSControlTower_" },
  { wildcard: "*-conformance-pack-*" },
];

/**
 * Principals Vigil never changes whatever the configuration says: its own roles (it must not
 * quarantine itself), service-linked roles and IAM Identity Center roles (AWS manages them).
 */
export const ALWAYS_PROTECTED_PRINCIPALS = [
  // Vigil's own roles by their exact generated names (vigil-<stage>-<function>), not a bare
  // "vigil-*" prefix that anyone could give a role to shelter it.
  ...[
    "detect",
    "detectFanout",
    "detectWorker",
    "onConfigComplianceChange",
    "onAccessAnalyzerFinding",
    "reconcile",
    "operator",
  ].map((fn) => `arn:*:iam::*:role/vigil-*-${fn}`),
  "arn:*:iam::*:role/VigilRemediationRole",
  "arn:*:iam::*:role/VigilDetectionRole",
  "arn:*:iam::*:role/aws-service-role/*",
  "arn:*:iam::*:role/aws-reserved/*",
] as const;

/** Protected in every configuration; `protectedPrincipals` adds to these. */
export const DEFAULT_PROTECTED_PRINCIPALS = [
  "arn:*:iam::*:role/BreakGlass*",
  "arn:*:iam::*:role/OrganizationAccountAccessRole",
] as const;

const modeSchema = z.enum(REMEDIATION_MODES);
const kindSchema = z.enum(FINDING_KINDS);

/**
 * One central exemption (remediation.exemptions.list, or one parameter under exemptions.ssmPath):
 * who approved what, why, until when. The expiry's distance is checked when it is used.
 */
export const centralExemptionSchema = z
  .object({
    resource: z.string().startsWith("arn:", 'must be a resource ARN (glob) starting with "arn:"'),
    reason: z.string().trim().min(1),
    approver: z.string().trim().min(1),
    until: z
      .string()
      .refine(
        (value) => parseExemptionUntil(value) !== undefined,
        "must be an ISO date (YYYY-MM-DD) or date-time with a zone",
      ),
  })
  .strict();

export const remediationConfigSchema = z
  .object({
    /** Plan and report everything, change nothing (enforce becomes "would have changed"). */
    dryRun: z.boolean().default(false),
    defaultMode: modeSchema.default("notify"),
    /** Mode per Config rule name or finding kind: { "s3-encryption": "enforce" }. */
    modes: z
      .record(z.string().min(1), modeSchema)
      .default({})
      // Unused-access kinds start at notify whatever defaultMode says: deactivating a key is
      // opted into by naming the kind ({ "iam-unused-access-key": "enforce" }).
      .transform((modes) => ({
        ...Object.fromEntries(UNUSED_ACCESS_KINDS.map((kind) => [kind, "notify" as const])),
        ...modes,
      })),
    /** Empty: every account / region. */
    allowedAccounts: z.array(accountId).default([]),
    allowedRegions: z.array(region).default([]),
    /** Config rule name (or glob, e.g. "securityhub-s3-bucket-public-read-prohibited-*") → kind. */
    ruleKinds: z
      .record(z.string().min(1), kindSchema)
      .default({})
      .transform((custom) => ({ ...DEFAULT_RULE_KINDS, ...custom })),
    /**
     * ARNs of Config rules not owned by AWS (custom Lambda or Guard rules) whose verdicts Vigil may
     * act on. Any other rule counts only when DescribeConfigRules says Source.Owner is AWS.
     */
    trustedConfigRules: z
      .array(
        z
          .string()
          .regex(
            /^arn:aws[a-z-]*:config:[a-z0-9-]+:\d{12}:config-rule\/[\w-]+$/,
            "must be a Config rule ARN (arn:aws:config:<region>:<account>:config-rule/config-rule-<id>)",
          ),
      )
      .default([]),
    exemptionTag: z.string().min(1).max(128).default("vigil:exempt"),
    exemptionUntilTag: z.string().min(1).max(128).default("vigil:exempt-until"),
    /** Exemptions expiring further away than this are refused (fail closed). */
    maxExemptionDays: z.number().int().min(1).max(3660).default(366),
    /**
     * Where exemptions come from (issue 14 item 3). `list`: the central, approved list (the
     * recommended source: an owner cannot add to it). `tags`: whether exemption tags on the
     * resource count — `off` (default: ignored, and people are told someone tried) or `unverified`
     * (anyone who may tag the resource may exempt it: only where an SCP keeps vigil:* tags to
     * the security team).
     */
    exemptions: z
      .object({
        tags: z.enum(["off", "unverified", "verified"]).default("off"),
        /**
         * `tags: verified`: a tag exemption counts only when the last CloudTrail event that set
         * the exemption tags (within CloudTrail's 90 days) was made by one of these principals
         * (ARN globs: the role, e.g. arn:aws:iam::*:role/security-admin, or its sessions,
         * arn:aws:sts::*:assumed-role/security-admin/*).
         */
        tagSetters: z
          .array(z.string().startsWith("arn:", 'must be an ARN pattern starting with "arn:"'))
          .default([]),
        list: z.array(centralExemptionSchema).default([]),
        /**
         * An SSM Parameter Store path (e.g. /vigil/exemptions): every String parameter under it
         * is one more entry of the central list, a JSON object validated like `list`'s entries.
         * Read with ssm:GetParametersByPath on that path only (cached per container, 5 min). An
         * invalid entry is ignored and told once; an unreadable path grants nothing and warns.
         */
        ssmPath: z
          .string()
          .regex(
            /^(\/[A-Za-z0-9_.-]+){1,14}$/,
            "must be an SSM parameter path such as /vigil/exemptions (no trailing slash)",
          )
          .optional(),
      })
      .strict()
      .refine((exemptions) => exemptions.tags !== "verified" || exemptions.tagSetters.length > 0, {
        message:
          "exemptions.tags verified needs exemptions.tagSetters (who may set exemption tags)",
        path: ["tagSetters"],
      })
      .prefault({}),
    /**
     * ARN globs never changed. Adds to DEFAULT_PROTECTED_PRINCIPALS and ALWAYS_PROTECTED_PRINCIPALS:
     * listing your own never drops the defaults (break-glass and organisation access roles).
     */
    protectedPrincipals: z
      .array(z.string().startsWith("arn:", 'must be an ARN pattern starting with "arn:"'))
      .default([])
      .transform((patterns) => [
        ...new Set([...patterns, ...DEFAULT_PROTECTED_PRINCIPALS, ...ALWAYS_PROTECTED_PRINCIPALS]),
      ]),
    /** Per account: more than maxChanges changes in the window → notify instead of enforce. */
    rateLimit: z
      .object({
        maxChanges: z.number().int().min(1).default(10),
        windowMinutes: z.number().int().min(1).max(10_080).default(60),
        /** A plan with more changes than this is applied not at all: people get the plan. */
        maxChangesPerFinding: z.number().int().min(1).max(1000).default(10),
      })
      .strict()
      .prefault({}),
    /** Per resource: changed for more than maxRemediations findings in the window → stop and page. */
    loopBreaker: z
      .object({
        maxRemediations: z.number().int().min(1).default(3),
        windowMinutes: z.number().int().min(1).max(10_080).default(1440),
      })
      .strict()
      .prefault({}),
    /** `vigil undo` refuses records older than this: the world has moved on, restore by hand. */
    undo: z
      .object({ maxAgeDays: z.number().int().min(1).max(366).default(30) })
      .strict()
      .prefault({}),
    /** S3 bucket for the journal; the functions get it from VIGIL_JOURNAL_BUCKET. */
    journalBucket: z.string().min(3).max(63).optional(),
    /** KMS HMAC key (id or ARN) that seals journal records; the functions get VIGIL_JOURNAL_MAC_KEY. */
    journalMacKey: z.string().min(1).max(2048).optional(),
    /** SNS topic; the functions get it from VIGIL_TOPIC_ARN. */
    topicArn: z.string().startsWith("arn:").optional(),
    /** Reconciliation sweep bounds. */
    sweep: z
      .object({
        /** Findings driven through the runner per run (duplicates of handled findings excluded). */
        maxFindingsPerRun: z.number().int().min(1).max(1000).default(50),
        /** Evaluations read per run, whatever their outcome. */
        maxEvaluationsPerRun: z.number().int().min(1).max(10_000).default(500),
      })
      .strict()
      .prefault({}),
    /** What the remediations read, each declaring its own keys (src/remediations/settings.ts). */
    settings: remediationSettingsSchema.prefault({}),
  })
  .strict()
  .superRefine((config, ctx) => {
    // A mistyped key in `modes` would silently fall back to the default mode: refuse it.
    for (const key of Object.keys(config.modes)) {
      const known =
        (FINDING_KINDS as readonly string[]).includes(key) || Object.hasOwn(config.ruleKinds, key);
      if (!known) {
        ctx.addIssue({
          code: "custom",
          path: ["modes", key],
          message: `not a finding kind (${FINDING_KINDS.join(", ")}) nor a rule in ruleKinds`,
        });
      }
    }
  });

export type RemediationConfig = z.infer<typeof remediationConfigSchema>;
export type RemediationConfigInput = z.input<typeof remediationConfigSchema>;
export type { RemediationSettings } from "../remediations/settings.ts";
export { remediationSettingsSchema };

/** Validates the `remediation` section; the error names each bad key path and why. */
export function parseRemediationConfig(input: unknown): RemediationConfig {
  const result = remediationConfigSchema.safeParse(input ?? {});
  if (!result.success) {
    throw new ConfigError(
      `invalid remediation config:\n${describeZodError(result.error, "remediation")}`,
    );
  }
  return result.data;
}
