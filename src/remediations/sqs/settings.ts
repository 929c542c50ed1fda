import { z } from "zod";
import { kmsKeyArnSetting } from "../kms-key.ts";
import { replaceExistingKmsKey } from "../shared-settings.ts";

/**
 * sqs-encryption. SSE-SQS by default: it needs no key and no key policy, so every service that
 * sends to the queue keeps working. A KMS key is account-specific: it has no default.
 */
export const sqsEncryptionSettings = z.object({
  /** Full KMS key ARN for SSE-KMS on queues; unset: SSE-SQS (SqsManagedSseEnabled). */
  sqsKmsKeyArn: kmsKeyArnSetting.optional(),
  replaceExistingKmsKey,
});
