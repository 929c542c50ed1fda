import {
  GetTopicAttributesCommand,
  ListTagsForResourceCommand,
  SetTopicAttributesCommand,
  SNSClient,
} from "@aws-sdk/client-sns";
import { serviceClient } from "../clients.ts";
import { defineEncryptionRemediation, type EncryptionState } from "../encryption-at-rest.ts";
import { configuredKey } from "../kms-key.ts";
import { SNS_MANAGED_KEY, snsEncryptionSettings } from "./settings.ts";

/**
 * Server-side encryption of an SNS topic with KMS: the configured key (snsKmsKeyId), by default the
 * AWS managed key alias/aws/sns. A topic already on a KMS key keeps it.
 *
 * AWS services that publish to a topic (CloudWatch alarms, EventBridge, S3 notifications…) cannot
 * use alias/aws/sns: its key policy is AWS's and grants them nothing, so their messages would be
 * dropped without an error anyone sees. A topic whose policy lets a service principal publish is
 * therefore left as is with the managed key, and the alert says which key to configure instead.
 */
export const SNS_ENCRYPTION = "sns-encryption";

const sns = (ctx: Parameters<typeof serviceClient>[0]) =>
  serviceClient(ctx, SNS_ENCRYPTION, SNSClient);

async function attributes(ctx: Parameters<typeof serviceClient>[0], topicArn: string) {
  const { Attributes = {} } = await sns(ctx).send(
    new GetTopicAttributesCommand({ TopicArn: topicArn }),
  );
  return Attributes;
}

/** Service principals a topic policy lets in ("cloudwatch.amazonaws.com"…). */
export function servicePrincipals(policy: string | undefined): string[] {
  if (!policy) return [];
  let document: { Statement?: unknown };
  try {
    document = JSON.parse(policy) as { Statement?: unknown };
  } catch {
    return [];
  }
  const statements = Array.isArray(document.Statement) ? document.Statement : [document.Statement];
  const services = new Set<string>();
  for (const statement of statements as { Effect?: string; Principal?: unknown }[]) {
    if (statement?.Effect !== "Allow") continue;
    const principal = statement.Principal as { Service?: string | string[] } | undefined;
    const named = principal?.Service;
    for (const service of Array.isArray(named) ? named : named ? [named] : []) {
      services.add(service);
    }
  }
  return [...services].sort();
}

export const snsEncryption = defineEncryptionRemediation({
  name: SNS_ENCRYPTION,
  description:
    "Turns on SSE-KMS for an SNS topic with the configured key (default alias/aws/sns, refused for topics AWS services publish to); never downgrades or replaces a topic's own KMS key.",
  kind: "sns-encryption",
  resourceType: "AWS::SNS::Topic",
  noun: "topic",
  settings: snsEncryptionSettings,
  permissions: {
    plan: ["sns:GetTopicAttributes", "sns:ListTagsForResource"],
    apply: ["sns:GetTopicAttributes", "sns:SetTopicAttributes"],
    verify: ["sns:GetTopicAttributes"],
    undo: ["sns:GetTopicAttributes", "sns:SetTopicAttributes"],
  },
  writeAction: "sns:SetTopicAttributes",

  goal(settings, finding) {
    if (settings.snsKmsKeyId === SNS_MANAGED_KEY) {
      return {
        mode: "kms",
        key: SNS_MANAGED_KEY,
        label: `the AWS managed key ${SNS_MANAGED_KEY}`,
      };
    }
    const key = configuredKey(settings.snsKmsKeyId, "snsKmsKeyId", finding.region);
    return {
      mode: "kms",
      key: key.arn,
      label: `KMS key ${key.arn}`,
      check: { setting: "snsKmsKeyId", region: finding.region },
    };
  },

  caveat(goal) {
    return goal.mode === "kms" && goal.key !== SNS_MANAGED_KEY
      ? "AWS services that publish to the topic need kms:GenerateDataKey and kms:Decrypt on the key in its key policy."
      : undefined;
  },

  async refuse(ctx, topicArn, goal) {
    if (goal.mode !== "kms" || goal.key !== SNS_MANAGED_KEY) return undefined;
    const services = servicePrincipals((await attributes(ctx, topicArn)).Policy);
    if (services.length === 0) return undefined;
    return `the topic's policy lets ${services.join(", ")} publish, and AWS services cannot use the AWS managed key ${SNS_MANAGED_KEY}: their messages would be dropped. Configure snsKmsKeyId with a customer managed key whose policy allows them`;
  },

  async locate(_ctx, finding) {
    return finding.resourceArn;
  },

  async read(ctx, topicArn): Promise<EncryptionState> {
    const key = (await attributes(ctx, topicArn)).KmsMasterKeyId;
    return key ? { mode: "kms", key } : { mode: "none" };
  },

  async tags(ctx, topicArn) {
    const { Tags = [] } = await sns(ctx).send(
      new ListTagsForResourceCommand({ ResourceArn: topicArn }),
    );
    return Object.fromEntries(Tags.map((tag) => [tag.Key ?? "", tag.Value ?? ""]));
  },

  async write(ctx, topicArn, to) {
    // An empty key turns SSE off (undo of a topic that had none).
    await sns(ctx).send(
      new SetTopicAttributesCommand({
        TopicArn: topicArn,
        AttributeName: "KmsMasterKeyId",
        AttributeValue: to.mode === "kms" ? to.key : "",
      }),
    );
  },
});
