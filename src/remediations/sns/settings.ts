import { z } from "zod";
import { kmsKeyArnSetting } from "../kms-key.ts";
import { replaceExistingKmsKey } from "../shared-settings.ts";

/** The AWS managed key of SNS: no key policy of one's own, so AWS services cannot publish with it. */
export const SNS_MANAGED_KEY = "alias/aws/sns";

/** sns-encryption. */
export const snsEncryptionSettings = z.object({
  /** Full KMS key ARN for topics, or the AWS managed key alias/aws/sns (default). */
  snsKmsKeyId: z.union([kmsKeyArnSetting, z.literal(SNS_MANAGED_KEY)]).default(SNS_MANAGED_KEY),
  replaceExistingKmsKey,
});
