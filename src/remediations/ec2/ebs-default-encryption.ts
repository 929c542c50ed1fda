import {
  DisableEbsEncryptionByDefaultCommand,
  EC2Client,
  EnableEbsEncryptionByDefaultCommand,
  GetEbsDefaultKmsKeyIdCommand,
  GetEbsEncryptionByDefaultCommand,
  ModifyEbsDefaultKmsKeyIdCommand,
  ResetEbsDefaultKmsKeyIdCommand,
} from "@aws-sdk/client-ec2";
import { serviceClient } from "../clients.ts";
import { defineEncryptionRemediation, type EncryptionState } from "../encryption-at-rest.ts";
import { configuredKey } from "../kms-key.ts";
import { ebsDefaultEncryptionSettings } from "./settings.ts";

/**
 * EBS encryption by default, an account's setting per region (Config evaluates it as
 * AWS::::Account). "service" is on with the AWS managed key aws/ebs, "kms" on with a customer key
 * as the region's default. It only changes volumes and snapshot copies created from now on.
 *
 * Undo turns it off again only while it is still what Vigil set (the shared rule of
 * encryption-at-rest.ts). Not restored: a customer default key that was set while encryption by
 * default was off and that ebsKmsKeyArn replaced (the state "off" records no key).
 */
export const EBS_DEFAULT_ENCRYPTION = "ebs-default-encryption";

const AWS_MANAGED_EBS_KEY = "alias/aws/ebs";

const ec2 = (ctx: Parameters<typeof serviceClient>[0]) =>
  serviceClient(ctx, EBS_DEFAULT_ENCRYPTION, EC2Client);

export const ebsDefaultEncryption = defineEncryptionRemediation({
  name: EBS_DEFAULT_ENCRYPTION,
  description:
    "Turns EBS encryption by default on in the finding's region, optionally with a configured default KMS key (checked with DescribeKey); never replaces a customer default key; undo turns it off only while still as Vigil set it.",
  kind: "ebs-default-encryption",
  resourceType: "AWS::::Account",
  noun: "account (EBS encryption by default)",
  settings: ebsDefaultEncryptionSettings,
  permissions: {
    plan: ["ec2:GetEbsEncryptionByDefault", "ec2:GetEbsDefaultKmsKeyId"],
    apply: [
      "ec2:GetEbsEncryptionByDefault",
      "ec2:GetEbsDefaultKmsKeyId",
      "ec2:ModifyEbsDefaultKmsKeyId",
      "ec2:EnableEbsEncryptionByDefault",
    ],
    verify: ["ec2:GetEbsEncryptionByDefault", "ec2:GetEbsDefaultKmsKeyId"],
    undo: [
      "ec2:GetEbsEncryptionByDefault",
      "ec2:GetEbsDefaultKmsKeyId",
      "ec2:DisableEbsEncryptionByDefault",
      "ec2:ResetEbsDefaultKmsKeyId",
      "ec2:ModifyEbsDefaultKmsKeyId",
    ],
  },
  writeAction: "ec2:EnableEbsEncryptionByDefault",

  goal(settings, finding) {
    if (!settings.ebsKmsKeyArn) {
      return { mode: "service", label: "the AWS managed key aws/ebs" };
    }
    const key = configuredKey(settings.ebsKmsKeyArn, "ebsKmsKeyArn", finding.region);
    return {
      mode: "kms",
      key: key.arn,
      label: `KMS key ${key.arn}`,
      check: { setting: "ebsKmsKeyArn", region: finding.region },
    };
  },

  caveat() {
    return "Only volumes and snapshot copies created from now on are encrypted; instance types without EBS encryption support can no longer be launched in this region.";
  },

  async locate(_ctx, finding) {
    return finding.region;
  },

  async read(ctx): Promise<EncryptionState> {
    const client = ec2(ctx);
    const [{ EbsEncryptionByDefault }, { KmsKeyId }] = await Promise.all([
      client.send(new GetEbsEncryptionByDefaultCommand({})),
      client.send(new GetEbsDefaultKmsKeyIdCommand({})),
    ]);
    if (!EbsEncryptionByDefault) return { mode: "none" };
    return !KmsKeyId || KmsKeyId === AWS_MANAGED_EBS_KEY
      ? { mode: "service" }
      : { mode: "kms", key: KmsKeyId };
  },

  async write(ctx, _region, to, from) {
    const client = ec2(ctx);
    if (to.mode === "none") {
      await client.send(new DisableEbsEncryptionByDefaultCommand({}));
      return;
    }
    // The default key first, so that no volume is created with the wrong one in between.
    if (to.mode === "kms")
      await client.send(new ModifyEbsDefaultKmsKeyIdCommand({ KmsKeyId: to.key }));
    else if (from.mode === "kms") await client.send(new ResetEbsDefaultKmsKeyIdCommand({}));
    if (from.mode === "none") await client.send(new EnableEbsEncryptionByDefaultCommand({}));
  },
});
