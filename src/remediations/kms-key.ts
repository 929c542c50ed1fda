import { DescribeKeyCommand, type KeyMetadata, type KMSClient } from "@aws-sdk/client-kms";
import { z } from "zod";
import { InputError } from "../domain/errors.ts";

/**
 * KMS keys as every encryption remediation sees them: a configured key is a full key ARN, checked
 * with kms:DescribeKey before anything changes; and a resource already on a KMS key keeps it
 * (never downgraded, never replaced unless the operator asked), the same rule for S3 and the
 * services beyond it.
 */

export interface KmsKeyArn {
  arn: string;
  partition: string;
  region: string;
  account: string;
  /** The key id (UUID, or mrk-… for a multi-Region key). */
  keyId: string;
}

const KMS_KEY_ARN =
  /^arn:(aws(?:-[a-z]+)*):kms:([a-z]{2}(?:-[a-z]+)+-\d+):(\d{12}):key\/([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|mrk-[0-9a-fA-F]{32})$/;

/** A setting holding a full KMS key ARN (the settings schemas of every encryption remediation). */
export const kmsKeyArnSetting = z
  .string()
  .regex(
    /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/,
    "must be a full KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>), not an alias",
  );

/** Parses a full KMS key ARN; throws a configuration error naming `setting` for anything else. */
export function parseKmsKeyArn(value: string, setting = "s3KmsKeyArn"): KmsKeyArn {
  const match = KMS_KEY_ARN.exec(value.trim());
  if (match) {
    const [, partition = "", region = "", account = "", keyId = ""] = match;
    return { arn: value.trim(), partition, region, account, keyId };
  }
  if (value.startsWith("alias/") || /^arn:aws[a-z-]*:kms:[^:]*:[^:]*:alias\//.test(value)) {
    throw new InputError(
      `${setting} "${value}" is a KMS alias: an alias resolves in the caller's account, not the resource's. Configure the full key ARN (arn:aws:kms:<region>:<account>:key/<key-id>).`,
    );
  }
  throw new InputError(
    `${setting} "${value}" is not a full KMS key ARN (expected arn:aws:kms:<region>:<account>:key/<key-id>).`,
  );
}

/** The configured key, parsed, in the resource's region (a key elsewhere cannot encrypt it). */
export function configuredKey(value: string, setting: string, region: string): KmsKeyArn {
  const key = parseKmsKeyArn(value, setting);
  if (key.region !== region) {
    throw new InputError(
      `${setting} is in ${key.region} but the resource is in ${region}: a KMS key only encrypts resources of its own region`,
    );
  }
  return key;
}

export const KMS_KEY_CHECK_ACTIONS = ["kms:DescribeKey"];

/**
 * Fails the plan, with the reason, unless the configured key exists, is Enabled, in the resource's
 * region and a symmetric encryption key: applying a key that is missing, disabled or pending
 * deletion would make the resource unreadable or unwritable.
 */
export async function assertUsableKey(
  kms: KMSClient,
  key: Pick<KmsKeyArn, "arn" | "region">,
  setting: string,
): Promise<void> {
  let metadata: KeyMetadata | undefined;
  try {
    metadata = (await kms.send(new DescribeKeyCommand({ KeyId: key.arn }))).KeyMetadata;
  } catch (error) {
    if ((error as { name?: string }).name === "NotFoundException") {
      throw new InputError(
        `${setting} ${key.arn} does not exist (kms:DescribeKey): nothing changed`,
      );
    }
    throw error;
  }
  const { KeyState, KeyUsage, KeySpec, Arn } = metadata ?? {};
  if (KeyState !== "Enabled") {
    throw new InputError(
      `${setting} ${key.arn} is ${KeyState ?? "in an unknown state"}, not Enabled: nothing changed`,
    );
  }
  if (Arn !== undefined && Arn.split(":")[3] !== key.region) {
    throw new InputError(
      `${setting} ${key.arn} resolves to ${Arn}, in another region: nothing changed`,
    );
  }
  if (
    (KeyUsage !== undefined && KeyUsage !== "ENCRYPT_DECRYPT") ||
    (KeySpec !== undefined && KeySpec !== "SYMMETRIC_DEFAULT")
  ) {
    throw new InputError(
      `${setting} ${key.arn} is a ${KeySpec ?? "?"} ${KeyUsage ?? "?"} key; server-side encryption needs a symmetric ENCRYPT_DECRYPT key: nothing changed`,
    );
  }
}

/** What happens to a resource already encrypted with a KMS key. */
export type ExistingKeyDecision = { keep: true; why: string } | { keep: false };

/**
 * Never downgrade: a resource on a KMS key keeps it, unless the operator turned `setting`
 * (replace existing keys) on and configured a different KMS key. `targetLabel` names what is
 * configured when it is no KMS key at all (AES256, SSE-SQS…).
 */
export function existingKmsKeyDecision(options: {
  noun: string;
  /** Configured KMS key, or undefined when the configured encryption is not KMS. */
  target: string | undefined;
  targetLabel: string;
  /** Whether the resource's key already is the configured one (ids, ARNs and aliases differ). */
  isTarget: boolean;
  replaceExisting: boolean;
  setting: string;
}): ExistingKeyDecision {
  const { noun, target, targetLabel, isTarget, replaceExisting, setting } = options;
  if (target === undefined) {
    return { keep: true, why: `Vigil never downgrades a KMS-encrypted ${noun} to ${targetLabel}` };
  }
  if (replaceExisting && !isTarget) return { keep: false };
  return {
    keep: true,
    why: replaceExisting
      ? "it already uses the configured key"
      : `Vigil never replaces a ${noun}'s own KMS key (${setting} is off)`,
  };
}
