import { z } from "zod";
import { kmsKeyArnSetting } from "../kms-key.ts";
import { replaceExistingKmsKey } from "../shared-settings.ts";

/** The AWS managed key of Kinesis Data Streams: producers and consumers need no key policy change. */
export const KINESIS_MANAGED_KEY = "alias/aws/kinesis";

/** kinesis-encryption. */
export const kinesisEncryptionSettings = z.object({
  /** Full KMS key ARN for streams, or the AWS managed key alias/aws/kinesis (default). */
  kinesisKmsKeyId: z
    .union([kmsKeyArnSetting, z.literal(KINESIS_MANAGED_KEY)])
    .default(KINESIS_MANAGED_KEY),
  replaceExistingKmsKey,
});
