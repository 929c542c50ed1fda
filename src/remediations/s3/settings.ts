import { z } from "zod";
import { stripExternalAccounts, trustedAccounts, trustedIpRanges } from "../shared-settings.ts";

// The S3 remediations' settings: their own module (zod only) so that config can compose them
// without loading the remediations and the S3 client into functions that never remediate.

/** s3-default-encryption. SSE-S3 by default: a KMS key ARN is account-specific, it has no default. */
export const defaultEncryptionSettings = z
  .object({
    /** Algorithm to enforce when a bucket has none or SSE-S3: "AES256" or "aws:kms". */
    s3EncryptionAlgorithm: z.enum(["AES256", "aws:kms"]).default("AES256"),
    /** Full KMS key ARN (not an alias: aliases resolve in the caller's account). Required for aws:kms. */
    s3KmsKeyArn: z
      .string()
      .regex(
        /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/,
        "must be a full KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>), not an alias",
      )
      .optional(),
    /** Replace an existing KMS key with s3KmsKeyArn. Off by default: never touch a bucket's own key. */
    s3ReplaceExistingKmsKey: z.boolean().default(false),
  })
  .refine((s) => s.s3EncryptionAlgorithm !== "aws:kms" || s.s3KmsKeyArn !== undefined, {
    message: 's3KmsKeyArn is required when s3EncryptionAlgorithm is "aws:kms"',
    path: ["s3KmsKeyArn"],
  });

/** s3-block-public-access. */
export const blockPublicAccessSettings = z.object({
  /** Also strip public ACL grants (AllUsers / AuthenticatedUsers). */
  s3RemovePublicAclGrants: z.boolean().default(true),
  /** Also strip bucket-policy statements granting "*" or unknown external accounts. */
  s3RemovePublicPolicyStatements: z.boolean().default(true),
  trustedAccounts,
  stripExternalAccounts,
  trustedIpRanges,
  /** Change intentionally public buckets (website hosting, CloudFront origin) anyway. */
  s3RemediateIntentionallyPublic: z.boolean().default(false),
});
