import type { Finding } from "../domain/finding.ts";
import { iamRiskyPolicy } from "./iam-risky-policy.ts";
import { iamRoleQuarantine } from "./iam-role-quarantine.ts";
import { s3BlockPublicAccess } from "./s3-block-public-access.ts";
import { s3DefaultEncryption } from "./s3-default-encryption.ts";
import type { Remediation, RemediationSettings } from "./types.ts";

/** Every remediation Vigil knows. Each FindingKind is handled by exactly one (a test checks). */
export const remediations: readonly Remediation[] = Object.freeze([
  s3DefaultEncryption,
  s3BlockPublicAccess,
  iamRiskyPolicy,
  iamRoleQuarantine,
]);

export function remediationFor(finding: Finding): Remediation | undefined {
  return remediations.find((remediation) => remediation.handles(finding));
}

export function remediationByName(name: string): Remediation | undefined {
  return remediations.find((remediation) => remediation.name === name);
}

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
  s3RemediateIntentionallyPublic: false,
  riskyPolicyNames: Object.freeze([
    "AdministratorAccess",
    "IAMFullAccess",
    "PowerUserAccess",
  ]) as unknown as string[],
  quarantinePolicyName: "vigil-quarantine-deny-all",
});
