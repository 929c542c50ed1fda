import { z } from "zod";
import { stripExternalAccounts, trustedAccounts, trustedIpRanges } from "../shared-settings.ts";

/**
 * The settings every resource-policy remediation (SQS, SNS, KMS, Secrets Manager…) reads: the
 * same keys, and the same schema instances, as the S3 bucket-policy remediation's, so one
 * `stripExternalAccounts` decides for every policy Vigil rewrites.
 */
export const resourcePolicySettings = z.object({
  trustedAccounts,
  stripExternalAccounts,
  trustedIpRanges,
});
