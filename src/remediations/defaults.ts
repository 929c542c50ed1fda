import type { RemediationSettings } from "../ports/remediation.ts";

// Its own module so the config schema can read the defaults without loading every remediation
// (and the S3 and IAM clients) into functions that never remediate (detect, fan-out, workers).
/**
 * Conservative defaults. SSE-S3 (AES256) because a KMS key ARN is account-specific and cannot have
 * a default; set s3EncryptionAlgorithm "aws:kms" together with s3KmsKeyArn to enforce SSE-KMS.
 */
export const DEFAULT_REMEDIATION_SETTINGS: Readonly<RemediationSettings> = Object.freeze({
  s3EncryptionAlgorithm: "AES256",
  s3ReplaceExistingKmsKey: false,
  s3RemovePublicAclGrants: true,
  s3RemovePublicPolicyStatements: true,
  trustedAccounts: Object.freeze([]) as unknown as string[],
  stripExternalAccounts: false,
  trustedIpRanges: Object.freeze([]) as unknown as string[],
  s3RemediateIntentionallyPublic: false,
  riskyPolicyNames: Object.freeze([
    "AdministratorAccess",
    "IAMFullAccess",
    "PowerUserAccess",
  ]) as unknown as string[],
  quarantinePolicyName: "vigil-quarantine-deny-all",
});
