import {
  DescribeStreamSummaryCommand,
  KinesisClient,
  ListTagsForStreamCommand,
  StartStreamEncryptionCommand,
  StopStreamEncryptionCommand,
} from "@aws-sdk/client-kinesis";
import { serviceClient } from "../clients.ts";
import { defineEncryptionRemediation, type EncryptionState } from "../encryption-at-rest.ts";
import { configuredKey } from "../kms-key.ts";
import { KINESIS_MANAGED_KEY, kinesisEncryptionSettings } from "./settings.ts";

/**
 * Server-side encryption of a Kinesis data stream (StartStreamEncryption) with the configured key
 * (kinesisKmsKeyId), by default the AWS managed key alias/aws/kinesis. A stream already on a KMS
 * key keeps it. Only records written from now on are encrypted; the stream stays writable while
 * it moves to UPDATING. Undo (StopStreamEncryption) only while the stream is still on exactly the
 * key Vigil set (the shared rule of encryption-at-rest.ts).
 *
 * Calls address the stream by ARN (StreamARN), never by name: the name alone resolves in whatever
 * account and region the client is in.
 */
export const KINESIS_ENCRYPTION = "kinesis-encryption";

const kinesis = (ctx: Parameters<typeof serviceClient>[0]) =>
  serviceClient(ctx, KINESIS_ENCRYPTION, KinesisClient);

export const kinesisEncryption = defineEncryptionRemediation({
  name: KINESIS_ENCRYPTION,
  description:
    "Starts server-side encryption of a Kinesis data stream with the configured key (default alias/aws/kinesis, a configured key checked with DescribeKey); never downgrades or replaces a stream's own KMS key.",
  kind: "kinesis-encryption",
  resourceType: "AWS::Kinesis::Stream",
  noun: "stream",
  settings: kinesisEncryptionSettings,
  permissions: {
    plan: ["kinesis:DescribeStreamSummary", "kinesis:ListTagsForStream"],
    apply: ["kinesis:DescribeStreamSummary", "kinesis:StartStreamEncryption"],
    verify: ["kinesis:DescribeStreamSummary"],
    // StartStreamEncryption: undo of a replaced key puts the stream's own key back.
    undo: [
      "kinesis:DescribeStreamSummary",
      "kinesis:StopStreamEncryption",
      "kinesis:StartStreamEncryption",
    ],
  },
  writeAction: "kinesis:StartStreamEncryption",

  goal(settings, finding) {
    if (settings.kinesisKmsKeyId === KINESIS_MANAGED_KEY) {
      return {
        mode: "kms",
        key: KINESIS_MANAGED_KEY,
        label: `the AWS managed key ${KINESIS_MANAGED_KEY}`,
      };
    }
    const key = configuredKey(settings.kinesisKmsKeyId, "kinesisKmsKeyId", finding.region);
    return {
      mode: "kms",
      key: key.arn,
      label: `KMS key ${key.arn}`,
      check: { setting: "kinesisKmsKeyId", region: finding.region },
    };
  },

  caveat(goal) {
    const who =
      goal.mode === "kms" && goal.key !== KINESIS_MANAGED_KEY
        ? " Producers need kms:GenerateDataKey and consumers kms:Decrypt on the key."
        : "";
    return `Records already in the stream stay unencrypted until they expire.${who}`;
  },

  async locate(_ctx, finding) {
    return finding.resourceArn;
  },

  async read(ctx, streamArn): Promise<EncryptionState> {
    const { StreamDescriptionSummary: summary } = await kinesis(ctx).send(
      new DescribeStreamSummaryCommand({ StreamARN: streamArn }),
    );
    return summary?.EncryptionType === "KMS" && summary.KeyId
      ? { mode: "kms", key: summary.KeyId }
      : { mode: "none" };
  },

  async tags(ctx, streamArn) {
    const tags: Record<string, string> = {};
    let after: string | undefined;
    // At most 50 tags a stream; the loop follows HasMoreTags all the same.
    for (let page = 0; page < 10; page++) {
      const { Tags = [], HasMoreTags } = await kinesis(ctx).send(
        new ListTagsForStreamCommand({
          StreamARN: streamArn,
          ...(after ? { ExclusiveStartTagKey: after } : {}),
        }),
      );
      for (const tag of Tags) tags[tag.Key ?? ""] = tag.Value ?? "";
      after = Tags.at(-1)?.Key;
      if (!HasMoreTags || !after) break;
    }
    return tags;
  },

  async write(ctx, streamArn, to, from) {
    if (to.mode === "kms") {
      await kinesis(ctx).send(
        new StartStreamEncryptionCommand({
          StreamARN: streamArn,
          EncryptionType: "KMS",
          KeyId: to.key,
        }),
      );
      return;
    }
    // Undo of a stream that had none: StopStreamEncryption names the key it is on now.
    if (from.mode !== "kms") return;
    await kinesis(ctx).send(
      new StopStreamEncryptionCommand({
        StreamARN: streamArn,
        EncryptionType: "KMS",
        KeyId: from.key,
      }),
    );
  },
});
