import { z } from "zod";
import { kmsKeyArnSetting } from "../kms-key.ts";
import { replaceExistingKmsKey } from "../shared-settings.ts";

/** ebs-default-encryption. */
export const ebsDefaultEncryptionSettings = z.object({
  /**
   * Full KMS key ARN to make the region's default EBS key when Vigil turns encryption by default
   * on; unset: the region's default key stays as it is (aws/ebs unless someone chose another).
   */
  ebsKmsKeyArn: kmsKeyArnSetting.optional(),
  replaceExistingKmsKey,
});
