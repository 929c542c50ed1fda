import { KMSClient } from "@aws-sdk/client-kms";
import {
  DeleteBucketEncryptionCommand,
  EncryptionType,
  GetBucketEncryptionCommand,
  PutBucketEncryptionCommand,
  type PutBucketEncryptionCommandInput,
  type S3Client,
  ServerSideEncryption,
  type ServerSideEncryptionConfiguration,
  type ServerSideEncryptionRule,
} from "@aws-sdk/client-s3";
import { z } from "zod";
import { InputError } from "../../domain/errors.ts";
import type { Finding } from "../../domain/finding.ts";
import { canonicalJson } from "../../domain/iam-policy.ts";
import type { PlannedChange, VerifyResult } from "../../domain/remediation-plan.ts";
import { serviceClient } from "../clients.ts";
import { defineRemediation } from "../define.ts";
import {
  assertUsableKey,
  existingKmsKeyDecision,
  KMS_KEY_CHECK_ACTIONS,
  type KmsKeyArn,
  parseKmsKeyArn,
} from "../kms-key.ts";
import { awsErrorName, plain, readBucketTags } from "./s3-reads.ts";
import { defaultEncryptionSettings } from "./settings.ts";

/**
 * Enforces the configured default encryption on a bucket.
 *
 * Since 2023 every bucket has SSE-S3 (AES256) by default, so "re-applying encryption" means
 * enforcing the configured algorithm:
 *   - settings "AES256": a bucket with no configuration gets AES256; AES256 stays as is.
 *   - settings "aws:kms": a bucket with no configuration or AES256 gets SSE-KMS with the configured
 *     full key ARN and the S3 Bucket Key on.
 * It NEVER downgrades: a bucket already on aws:kms or aws:kms:dsse keeps its key (no change) unless
 * s3ReplaceExistingKmsKey is on, in which case only the key is swapped (algorithm kept). One
 * exception is allowed: a bucket on aws:kms with the Bucket Key off gets the Bucket Key turned on,
 * keeping its own key. That lowers KMS calls and cost, but note that with a Bucket Key the KMS
 * encryption context becomes the bucket ARN instead of the object ARN, which matters to key or IAM
 * policies conditioned on kms:EncryptionContext (the plan says so).
 *
 * A KMS key must be a full key ARN in the bucket's region: an alias would resolve in the caller's
 * account, and a key in another region cannot encrypt the bucket's objects (uploads would fail).
 */
export const S3_DEFAULT_ENCRYPTION = "s3-default-encryption";

const KMS_ALGORITHMS = new Set(["aws:kms", "aws:kms:dsse"]);
const ENCRYPTION_NOT_FOUND = "ServerSideEncryptionConfigurationNotFoundError";

export { type KmsKeyArn, parseKmsKeyArn };

export type EncryptionTarget = { algorithm: "AES256" } | { algorithm: "aws:kms"; key: KmsKeyArn };

/** Validates the settings for a bucket in `bucketRegion`; throws clear configuration errors. */
export function encryptionTarget(
  settings: z.output<typeof defaultEncryptionSettings>,
  bucketRegion: string,
): EncryptionTarget {
  if (settings.s3EncryptionAlgorithm === "AES256") return { algorithm: "AES256" };
  if (settings.s3EncryptionAlgorithm !== "aws:kms") {
    throw new Error(
      `s3EncryptionAlgorithm must be "AES256" or "aws:kms", got "${String(settings.s3EncryptionAlgorithm)}"`,
    );
  }
  if (!settings.s3KmsKeyArn) {
    throw new Error('s3EncryptionAlgorithm is "aws:kms" but s3KmsKeyArn is not set');
  }
  const key = parseKmsKeyArn(settings.s3KmsKeyArn);
  if (key.region !== bucketRegion) {
    throw new InputError(
      `s3KmsKeyArn is in ${key.region} but the bucket is in ${bucketRegion}: S3 needs a KMS key in the bucket's region`,
    );
  }
  return { algorithm: "aws:kms", key };
}

export interface EncryptionDecision {
  /** The rule to put, or undefined when nothing changes. */
  rule?: ServerSideEncryptionRule;
  summary: string;
  reason: string;
}

function describeRule(rule: ServerSideEncryptionRule | undefined): string {
  const defaults = rule?.ApplyServerSideEncryptionByDefault;
  if (!defaults?.SSEAlgorithm) return "no default encryption";
  const key = defaults.KMSMasterKeyID ? ` with key ${defaults.KMSMasterKeyID}` : "";
  const bucketKey = KMS_ALGORITHMS.has(defaults.SSEAlgorithm)
    ? `, bucket key ${rule?.BucketKeyEnabled ? "on" : "off"}`
    : "";
  return `${defaults.SSEAlgorithm}${key}${bucketKey}`;
}

function sameKey(existing: string | undefined, target: KmsKeyArn): boolean {
  return existing === target.arn || existing === target.keyId;
}

/**
 * Pure decision: what (if anything) to put, given the bucket's current rule. Keeps every other field
 * of the current rule (e.g. BlockedEncryptionTypes) as it is.
 */
export function decideEncryption(
  bucket: string,
  current: ServerSideEncryptionRule | undefined,
  target: EncryptionTarget,
  replaceExistingKmsKey: boolean,
): EncryptionDecision {
  const algorithm = current?.ApplyServerSideEncryptionByDefault?.SSEAlgorithm;
  const currentKey = current?.ApplyServerSideEncryptionByDefault?.KMSMasterKeyID;
  const was = describeRule(current);

  if (algorithm !== undefined && KMS_ALGORITHMS.has(algorithm)) {
    const keyLabel = currentKey ?? "the AWS managed key aws/s3";
    const existing = existingKmsKeyDecision({
      noun: "bucket",
      target: target.algorithm === "aws:kms" ? target.key.arn : undefined,
      targetLabel: target.algorithm,
      isTarget: target.algorithm === "aws:kms" && sameKey(currentKey, target.key),
      replaceExisting: replaceExistingKmsKey,
      setting: "s3ReplaceExistingKmsKey",
    });
    if (!existing.keep && target.algorithm === "aws:kms") {
      const rule: ServerSideEncryptionRule = {
        ...current,
        ApplyServerSideEncryptionByDefault: {
          SSEAlgorithm: algorithm as "aws:kms",
          KMSMasterKeyID: target.key.arn,
        },
        // S3 Bucket Keys are not supported with DSSE-KMS.
        ...(algorithm === "aws:kms" ? { BucketKeyEnabled: true } : {}),
      };
      return {
        rule,
        summary: `replace the KMS key of bucket ${bucket} with ${target.key.arn} (was ${was})`,
        reason: `Bucket already uses ${algorithm} with ${keyLabel}; s3ReplaceExistingKmsKey is on, so only the key is replaced (algorithm kept). Objects already written stay encrypted with the old key, which must stay enabled.`,
      };
    }
    if (algorithm === "aws:kms" && current?.BucketKeyEnabled !== true) {
      return {
        rule: { ...current, BucketKeyEnabled: true },
        summary: `turn the S3 Bucket Key on for bucket ${bucket}, keeping its KMS key (${keyLabel})`,
        reason: `Bucket already uses SSE-KMS with ${keyLabel}; Vigil keeps the key and only turns the S3 Bucket Key on (fewer KMS requests). Note: with a Bucket Key the KMS encryption context is the bucket ARN, not the object ARN.`,
      };
    }
    return {
      summary: `bucket ${bucket} already uses ${was}: no change`,
      reason: `Bucket already encrypted with ${algorithm} (${keyLabel}); ${existing.keep ? existing.why : ""}.`,
    };
  }

  if (algorithm !== undefined && algorithm !== "AES256") {
    return {
      summary: `bucket ${bucket} uses unknown algorithm ${algorithm}: no change`,
      reason: `Default encryption algorithm ${algorithm} is not one Vigil knows; left alone for a person to review.`,
    };
  }

  if (target.algorithm === "AES256") {
    if (algorithm === "AES256") {
      return {
        summary: `bucket ${bucket} already uses AES256: no change`,
        reason: "Bucket already uses SSE-S3 (AES256), the configured algorithm.",
      };
    }
    return {
      rule: { ...current, ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" } },
      summary: `set default encryption of bucket ${bucket} to AES256 (was ${was})`,
      reason: "Bucket has no default encryption; the configured algorithm is SSE-S3 (AES256).",
    };
  }

  return {
    rule: {
      ...current,
      ApplyServerSideEncryptionByDefault: {
        SSEAlgorithm: "aws:kms",
        KMSMasterKeyID: target.key.arn,
      },
      BucketKeyEnabled: true,
    },
    summary: `set default encryption of bucket ${bucket} to SSE-KMS with key ${target.key.arn}, bucket key on (was ${was})`,
    reason: `Bucket uses ${was}; the configured algorithm is SSE-KMS with key ${target.key.arn}.`,
  };
}

// ---- AWS reads -------------------------------------------------------------------------------

async function readEncryption(
  s3: S3Client,
  bucket: string,
  owner: string,
): Promise<ServerSideEncryptionConfiguration | null> {
  try {
    const output = await s3.send(
      new GetBucketEncryptionCommand({ Bucket: bucket, ExpectedBucketOwner: owner }),
    );
    return output.ServerSideEncryptionConfiguration
      ? plain(output.ServerSideEncryptionConfiguration)
      : null;
  } catch (error) {
    if (awsErrorName(error) === ENCRYPTION_NOT_FOUND) return null;
    throw error;
  }
}

/** Compares what matters in two configurations (a missing BucketKeyEnabled means off). */
function normalised(config: ServerSideEncryptionConfiguration | null | undefined): string {
  const rules = (config?.Rules ?? []).map((rule) => ({
    algorithm: rule.ApplyServerSideEncryptionByDefault?.SSEAlgorithm ?? null,
    key: rule.ApplyServerSideEncryptionByDefault?.KMSMasterKeyID ?? null,
    bucketKey: rule.BucketKeyEnabled === true,
    blocked: rule.BlockedEncryptionTypes ?? null,
  }));
  return canonicalJson(rules.filter((rule) => rule.algorithm !== null || rule.blocked !== null));
}

function sameConfiguration(
  a: ServerSideEncryptionConfiguration | null | undefined,
  b: ServerSideEncryptionConfiguration | null | undefined,
): boolean {
  return normalised(a) === normalised(b);
}

/** On real S3, deleting the configuration leaves the SSE-S3 default in place. */
function isS3Default(config: ServerSideEncryptionConfiguration | null): boolean {
  return sameConfiguration(config, {
    Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" } }],
  });
}

function describeConfiguration(config: ServerSideEncryptionConfiguration | null): string {
  return describeRule(config?.Rules?.[0]);
}

/** The bucket's encryption configuration as planning read it (null: none), for undo. */
const encryptionBefore = z.object({
  bucket: z.string().min(1),
  encryption: z
    .looseObject({
      Rules: z.array(
        z.looseObject({
          ApplyServerSideEncryptionByDefault: z
            .looseObject({
              SSEAlgorithm: z.enum(ServerSideEncryption),
              KMSMasterKeyID: z.string().optional(),
            })
            .optional(),
          BucketKeyEnabled: z.boolean().optional(),
          BlockedEncryptionTypes: z
            .looseObject({ EncryptionType: z.array(z.enum(EncryptionType)).optional() })
            .optional(),
        }),
      ),
    })
    .nullable(),
}) satisfies z.ZodType<{ bucket: string; encryption: ServerSideEncryptionConfiguration | null }>;

function targetConfiguration(change: PlannedChange): ServerSideEncryptionConfiguration | undefined {
  return (change.params as unknown as PutBucketEncryptionCommandInput)
    .ServerSideEncryptionConfiguration;
}

export const s3DefaultEncryption = defineRemediation({
  name: S3_DEFAULT_ENCRYPTION,
  description:
    "Enforces the configured default encryption (AES256, or SSE-KMS with a full key ARN and the S3 Bucket Key on); never downgrades or replaces a bucket's own KMS key.",
  handles(finding: Finding): boolean {
    return finding.kind === "s3-encryption" && finding.resourceType === "AWS::S3::Bucket";
  },
  settings: defaultEncryptionSettings,
  before: encryptionBefore,
  permissions: {
    plan: ["s3:GetEncryptionConfiguration", "s3:GetBucketTagging", ...KMS_KEY_CHECK_ACTIONS],
    apply: ["s3:GetEncryptionConfiguration", "s3:PutEncryptionConfiguration"],
    verify: ["s3:GetEncryptionConfiguration"],
    // DeleteBucketEncryption is authorised by s3:PutEncryptionConfiguration.
    undo: ["s3:PutEncryptionConfiguration", "s3:GetEncryptionConfiguration"],
  },

  async plan(ctx, finding) {
    // Configuration errors first: a wrong key must fail before anything is read or changed.
    const target = encryptionTarget(ctx.settings, finding.region);
    const bucket = finding.resourceName;
    const [encryption, tags] = await Promise.all([
      readEncryption(ctx.s3, bucket, finding.account),
      readBucketTags(ctx.s3, bucket, finding.account),
    ]);
    const decision = decideEncryption(
      bucket,
      encryption?.Rules?.[0],
      target,
      ctx.settings.s3ReplaceExistingKmsKey,
    );
    // A plan that puts the configured key on the bucket first checks, through the finding's
    // account (kms:DescribeKey), that the key exists, is Enabled, symmetric and in the bucket's
    // region: a missing or disabled key would make every write to the bucket fail.
    if (
      target.algorithm === "aws:kms" &&
      decision.rule?.ApplyServerSideEncryptionByDefault?.KMSMasterKeyID === target.key.arn
    ) {
      await assertUsableKey(
        serviceClient(ctx, S3_DEFAULT_ENCRYPTION, KMSClient),
        target.key,
        "s3KmsKeyArn",
      );
    }
    const changes: PlannedChange[] = decision.rule
      ? [
          {
            action: "s3:PutEncryptionConfiguration",
            description: decision.summary,
            params: plain({
              Bucket: bucket,
              ExpectedBucketOwner: finding.account,
              ServerSideEncryptionConfiguration: { Rules: [decision.rule] },
            }),
          },
        ]
      : [];
    return {
      remediation: S3_DEFAULT_ENCRYPTION,
      finding,
      summary: decision.summary,
      changes,
      before: { bucket, encryption },
      tags,
      reason: decision.reason,
    };
  },

  async apply(ctx, plan, change): Promise<void> {
    if (change.action !== "s3:PutEncryptionConfiguration") {
      throw new Error(`${S3_DEFAULT_ENCRYPTION} cannot apply action ${change.action}`);
    }
    const { bucket, encryption: previous } = plan.before;
    const current = await readEncryption(ctx.s3, bucket, plan.finding.account);
    if (sameConfiguration(current, targetConfiguration(change))) return; // already applied
    // Refuse to overwrite a configuration someone changed since planning (it could now be KMS).
    if (!sameConfiguration(current, previous)) {
      throw new Error(
        `default encryption of bucket ${bucket} changed since planning (was ${describeConfiguration(previous)}, now ${describeConfiguration(current)}); plan again`,
      );
    }
    await ctx.s3.send(
      new PutBucketEncryptionCommand(change.params as unknown as PutBucketEncryptionCommandInput),
    );
  },

  async verify(ctx, plan): Promise<VerifyResult> {
    const { bucket } = plan.before;
    const current = await readEncryption(ctx.s3, bucket, plan.finding.account);
    const last = plan.changes.at(-1);
    if (!last) {
      return {
        ok: true,
        after: { encryption: current },
        detail: `nothing was planned; bucket ${bucket} uses ${describeConfiguration(current)}`,
      };
    }
    const ok = sameConfiguration(current, targetConfiguration(last));
    return {
      ok,
      after: { encryption: current },
      detail: ok
        ? `bucket ${bucket} now uses ${describeConfiguration(current)}`
        : `bucket ${bucket} uses ${describeConfiguration(current)}, expected ${describeConfiguration(targetConfiguration(last) ?? null)}`,
    };
  },

  async undo(ctx, plan, applied): Promise<VerifyResult> {
    const { bucket, encryption: previous } = plan.before;
    const owner = plan.finding.account;
    for (const change of [...applied].reverse()) {
      if (change.action !== "s3:PutEncryptionConfiguration") {
        throw new Error(`${S3_DEFAULT_ENCRYPTION} cannot undo action ${change.action}`);
      }
      if (previous === null) {
        await ctx.s3.send(
          new DeleteBucketEncryptionCommand({ Bucket: bucket, ExpectedBucketOwner: owner }),
        );
      } else {
        await ctx.s3.send(
          new PutBucketEncryptionCommand({
            Bucket: bucket,
            ExpectedBucketOwner: owner,
            ServerSideEncryptionConfiguration: previous,
          }),
        );
      }
    }
    const current = await readEncryption(ctx.s3, bucket, owner);
    const ok =
      previous === null
        ? current === null || isS3Default(current)
        : sameConfiguration(current, previous);
    return {
      ok,
      after: { encryption: current },
      detail: ok
        ? `bucket ${bucket} restored to ${describeConfiguration(previous)}`
        : `bucket ${bucket} uses ${describeConfiguration(current)}, expected ${describeConfiguration(previous)}`,
    };
  },
});
