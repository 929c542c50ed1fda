import { z } from "zod";
import { cloudTrailEncryptionSettings } from "./cloudtrail/settings.ts";
import { dynamodbEncryptionSettings } from "./dynamodb/settings.ts";
import { ebsDefaultEncryptionSettings } from "./ec2/settings.ts";
import {
  riskyPolicySettings,
  roleQuarantineSettings,
  unusedAccessSettings,
} from "./iam/settings.ts";
import { kinesisEncryptionSettings } from "./kinesis/settings.ts";
import { lambdaFunctionPolicySettings } from "./lambda/settings.ts";
import { resourcePolicySettings } from "./resource-policy/settings.ts";
import { blockPublicAccessSettings, defaultEncryptionSettings } from "./s3/settings.ts";
import { sharingSettings } from "./sharing/settings.ts";
import { snsEncryptionSettings } from "./sns/settings.ts";
import { sqsEncryptionSettings } from "./sqs/settings.ts";

/**
 * `remediation.settings`: the settings every remediation declares (defineRemediation's `settings`),
 * composed under their own flat keys. Zod only: config loads this in every function, the
 * remediations (and their SDK clients) only where they run. A new remediation adds its schema
 * to SCHEMAS; the registry test checks each registered remediation's schema is here.
 */
export const REMEDIATION_SETTINGS_SCHEMAS = [
  defaultEncryptionSettings,
  blockPublicAccessSettings,
  riskyPolicySettings,
  roleQuarantineSettings,
  unusedAccessSettings,
  resourcePolicySettings,
  sharingSettings,
  sqsEncryptionSettings,
  snsEncryptionSettings,
  ebsDefaultEncryptionSettings,
  lambdaFunctionPolicySettings,
  kinesisEncryptionSettings,
  cloudTrailEncryptionSettings,
  dynamodbEncryptionSettings,
] as const;

/** Fails when two schemas declare one key differently: a shared key shares its schema instance. */
export function sharedKeyConflicts(schemas: readonly z.ZodObject[]): string[] {
  const seen = new Map<string, z.ZodType>();
  const conflicts: string[] = [];
  for (const schema of schemas) {
    for (const [key, field] of Object.entries(schema.shape)) {
      const earlier = seen.get(key);
      if (earlier && earlier !== field) conflicts.push(key);
      seen.set(key, field);
    }
  }
  return conflicts;
}

const conflicts = sharedKeyConflicts(REMEDIATION_SETTINGS_SCHEMAS);
if (conflicts.length > 0) {
  throw new Error(`remediation settings declared twice with different schemas: ${conflicts}`);
}

export const remediationSettingsSchema = z
  .strictObject({
    ...defaultEncryptionSettings.shape,
    ...blockPublicAccessSettings.shape,
    ...riskyPolicySettings.shape,
    ...roleQuarantineSettings.shape,
    ...resourcePolicySettings.shape,
    ...sharingSettings.shape,
    ...sqsEncryptionSettings.shape,
    ...snsEncryptionSettings.shape,
    ...ebsDefaultEncryptionSettings.shape,
    ...lambdaFunctionPolicySettings.shape,
    ...kinesisEncryptionSettings.shape,
    ...cloudTrailEncryptionSettings.shape,
    ...dynamodbEncryptionSettings.shape,
  })
  // Each remediation's own cross-field rules (e.g. aws:kms needs a key), once its fields parsed.
  .superRefine((settings, ctx) => {
    for (const schema of REMEDIATION_SETTINGS_SCHEMAS) {
      const result = schema.safeParse(settings);
      if (!result.success) for (const issue of result.error.issues) ctx.addIssue({ ...issue });
    }
  });

export type RemediationSettings = z.output<typeof remediationSettingsSchema>;

function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object") {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

/** Every setting at its default (conservative: AES256, never replace keys, never touch intentional public). */
export const DEFAULT_REMEDIATION_SETTINGS: Readonly<RemediationSettings> = deepFreeze(
  remediationSettingsSchema.parse({}),
);
