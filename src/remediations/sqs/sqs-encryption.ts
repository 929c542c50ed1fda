import {
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListQueueTagsCommand,
  SetQueueAttributesCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import { serviceClient } from "../clients.ts";
import { defineEncryptionRemediation, type EncryptionState } from "../encryption-at-rest.ts";
import { configuredKey } from "../kms-key.ts";
import { sqsEncryptionSettings } from "./settings.ts";

/**
 * Server-side encryption of an SQS queue: SSE-SQS (SqsManagedSseEnabled) by default, or SSE-KMS
 * with the configured key (sqsKmsKeyArn). A queue already on a KMS key keeps it.
 */
export const SQS_ENCRYPTION = "sqs-encryption";

const sqs = (ctx: Parameters<typeof serviceClient>[0]) =>
  serviceClient(ctx, SQS_ENCRYPTION, SQSClient);

export const sqsEncryption = defineEncryptionRemediation({
  name: SQS_ENCRYPTION,
  description:
    "Turns on server-side encryption of an SQS queue: SSE-SQS by default, or SSE-KMS with a configured key (checked with DescribeKey); never downgrades or replaces a queue's own KMS key.",
  kind: "sqs-encryption",
  resourceType: "AWS::SQS::Queue",
  noun: "queue",
  settings: sqsEncryptionSettings,
  permissions: {
    plan: ["sqs:GetQueueUrl", "sqs:GetQueueAttributes", "sqs:ListQueueTags"],
    apply: ["sqs:GetQueueAttributes", "sqs:SetQueueAttributes"],
    verify: ["sqs:GetQueueAttributes"],
    undo: ["sqs:GetQueueAttributes", "sqs:SetQueueAttributes"],
  },
  writeAction: "sqs:SetQueueAttributes",

  goal(settings, finding) {
    if (!settings.sqsKmsKeyArn) return { mode: "service", label: "SSE-SQS" };
    const key = configuredKey(settings.sqsKmsKeyArn, "sqsKmsKeyArn", finding.region);
    return {
      mode: "kms",
      key: key.arn,
      label: `SSE-KMS with key ${key.arn}`,
      check: { setting: "sqsKmsKeyArn", region: finding.region },
    };
  },

  caveat(goal) {
    return goal.mode === "kms"
      ? "Services that send to the queue (SNS, S3 notifications, EventBridge) need kms:GenerateDataKey and kms:Decrypt on the key in its key policy, or their messages are lost."
      : undefined;
  },

  async locate(ctx, finding) {
    const { QueueUrl } = await sqs(ctx).send(
      new GetQueueUrlCommand({
        QueueName: finding.resourceName,
        QueueOwnerAWSAccountId: finding.account,
      }),
    );
    if (!QueueUrl) throw new Error(`queue ${finding.resourceName} has no URL`);
    return QueueUrl;
  },

  async read(ctx, queueUrl): Promise<EncryptionState> {
    const { Attributes = {} } = await sqs(ctx).send(
      new GetQueueAttributesCommand({
        QueueUrl: queueUrl,
        AttributeNames: ["KmsMasterKeyId", "SqsManagedSseEnabled"],
      }),
    );
    if (Attributes.KmsMasterKeyId) return { mode: "kms", key: Attributes.KmsMasterKeyId };
    return Attributes.SqsManagedSseEnabled === "true" ? { mode: "service" } : { mode: "none" };
  },

  async tags(ctx, queueUrl) {
    const { Tags } = await sqs(ctx).send(new ListQueueTagsCommand({ QueueUrl: queueUrl }));
    return Tags ?? {};
  },

  async write(ctx, queueUrl, to, from) {
    // One encryption per queue: turning one on turns the other off; an empty key removes SSE-KMS.
    const attributes: Record<string, string> = {};
    if (to.mode === "kms") attributes.KmsMasterKeyId = to.key;
    else if (from.mode === "kms") attributes.KmsMasterKeyId = "";
    if (to.mode === "service") attributes.SqsManagedSseEnabled = "true";
    else if (from.mode === "service") attributes.SqsManagedSseEnabled = "false";
    await sqs(ctx).send(
      new SetQueueAttributesCommand({ QueueUrl: queueUrl, Attributes: attributes }),
    );
  },
});
