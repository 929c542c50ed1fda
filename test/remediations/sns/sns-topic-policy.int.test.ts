import {
  CreateTopicCommand,
  GetTopicAttributesCommand,
  SetTopicAttributesCommand,
  SNSClient,
} from "@aws-sdk/client-sns";
import { describe, expect } from "vitest";
import { snsTopicPolicy } from "../../../src/remediations/sns/sns-topic-policy.ts";
import { motoEndpoint, TEST_ACCOUNT } from "../../support/moto.ts";
import { PARTNER, resourcePolicySuite } from "../resource-policy/harness.ts";

const endpoint = motoEndpoint();

describe.skipIf(!endpoint)("sns-topic-policy", () => {
  resourcePolicySuite(
    endpoint as string,
    {
      remediation: snsTopicPolicy,
      resourceType: "AWS::SNS::Topic",
      Client: SNSClient,
      prefix: "sns",
      async create(sns, name) {
        const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: name }));
        return TopicArn ?? "";
      },
      async policyOf(sns, arn) {
        const { Attributes } = await sns.send(new GetTopicAttributesCommand({ TopicArn: arn }));
        return Attributes?.Policy || null;
      },
      async setPolicy(sns, arn, policy) {
        await sns.send(
          new SetTopicAttributesCommand({
            TopicArn: arn,
            AttributeName: "Policy",
            AttributeValue: JSON.stringify(policy),
          }),
        );
      },
      foreignArn: (arn) => arn.replace(`:${TEST_ACCOUNT}:`, `:${PARTNER}:`),
      // A topic always has a policy: the owner-only default replaces the last statement.
      whenEmptied: (policy) => {
        const statements = JSON.parse(policy ?? "{}").Statement;
        expect(statements).toHaveLength(1);
        expect(statements[0].Condition).toEqual({
          StringEquals: { "AWS:SourceOwner": TEST_ACCOUNT },
        });
      },
    },
    "sns:Publish",
  );
});
