import { z } from "zod";
import { kmsKeyArnSetting } from "../kms-key.ts";
import { replaceExistingKmsKey } from "../shared-settings.ts";

/** dynamodb-encryption. */
export const dynamodbEncryptionSettings = z.object({
  /** Full KMS key ARN for tables; unset: the AWS managed key aws/dynamodb. */
  dynamodbKmsKeyArn: kmsKeyArnSetting.optional(),
  replaceExistingKmsKey,
});
