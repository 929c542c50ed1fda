import {
  GetTopicAttributesCommand,
  ListTagsForResourceCommand,
  SetTopicAttributesCommand,
  SNSClient,
} from "@aws-sdk/client-sns";
import {
  checkedResource,
  defineResourcePolicyRemediation,
} from "../resource-policy/define-resource-policy-remediation.ts";

/**
 * Removes public (and, with stripExternalAccounts, external-account) statements from an SNS topic
 * policy. A topic always has a policy: when no statement remains, AWS's default policy (the
 * owner's account only, by AWS:SourceOwner) is written.
 */
export const SNS_TOPIC_POLICY = "sns-topic-policy";

const DEFAULT_TOPIC_ACTIONS = [
  "SNS:GetTopicAttributes",
  "SNS:SetTopicAttributes",
  "SNS:AddPermission",
  "SNS:RemovePermission",
  "SNS:DeleteTopic",
  "SNS:Subscribe",
  "SNS:ListSubscriptionsByTopic",
  "SNS:Publish",
];

/** The policy SNS gives a new topic. */
export function defaultTopicPolicy(topicArn: string, account: string): string {
  return JSON.stringify({
    Version: "2008-10-17",
    Id: "__default_policy_ID",
    Statement: [
      {
        Sid: "__default_statement_ID",
        Effect: "Allow",
        Principal: { AWS: "*" },
        Action: DEFAULT_TOPIC_ACTIONS,
        Resource: topicArn,
        Condition: { StringEquals: { "AWS:SourceOwner": account } },
      },
    ],
  });
}

export const snsTopicPolicy = defineResourcePolicyRemediation({
  name: SNS_TOPIC_POLICY,
  description:
    "Removes statements granting anyone (or, with stripExternalAccounts, outside accounts) from an SNS topic policy; writes the owner-only default policy when nothing remains.",
  kind: "sns-topic-policy",
  resourceTypes: ["AWS::SNS::Topic"],
  noun: "topic policy",
  actions: {
    read: ["sns:GetTopicAttributes"],
    readTags: ["sns:ListTagsForResource"],
    write: ["sns:SetTopicAttributes"],
  },
  store: {
    Client: SNSClient,
    locate(finding) {
      const { arn, name } = checkedResource(finding);
      return { id: arn, name };
    },
    async readTags(sns, topic) {
      const { Tags } = await sns.send(new ListTagsForResourceCommand({ ResourceArn: topic.id }));
      return Object.fromEntries((Tags ?? []).map((tag) => [tag.Key ?? "", tag.Value ?? ""]));
    },
    async read(sns, topic) {
      const { Attributes } = await sns.send(new GetTopicAttributesCommand({ TopicArn: topic.id }));
      return Attributes?.Policy || null;
    },
    async write(sns, topic, policy) {
      await sns.send(
        new SetTopicAttributesCommand({
          TopicArn: topic.id,
          AttributeName: "Policy",
          AttributeValue: policy,
        }),
      );
    },
    emptyPolicy: (finding, topic) => defaultTopicPolicy(topic.id, finding.account),
  },
});
