import { z } from "zod";
import { kmsKeyArnSetting } from "../kms-key.ts";
import { replaceExistingKmsKey } from "../shared-settings.ts";

/**
 * cloudtrail-encryption. No default: CloudTrail has no AWS managed key, and a key whose policy
 * does not let cloudtrail.amazonaws.com use it (kms:GenerateDataKey*, kms:DescribeKey) stops log
 * delivery. Unset: people are told.
 */
export const cloudTrailEncryptionSettings = z.object({
  /** Full KMS key ARN for trails' log files (its key policy must allow CloudTrail). */
  cloudTrailKmsKeyArn: kmsKeyArnSetting.optional(),
  replaceExistingKmsKey,
});
