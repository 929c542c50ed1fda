import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  SetQueueAttributesCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import { describe } from "vitest";
import { sqsQueuePolicy } from "../../../src/remediations/sqs/sqs-queue-policy.ts";
import { motoEndpoint, TEST_ACCOUNT } from "../../support/moto.ts";
import { PARTNER, resourcePolicySuite } from "../resource-policy/harness.ts";

const endpoint = motoEndpoint();

async function urlOf(sqs: SQSClient, arn: string): Promise<string> {
  const name = arn.split(":").at(-1) ?? "";
  const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: name }));
  return QueueUrl ?? "";
}

describe.skipIf(!endpoint)("sqs-queue-policy", () => {
  resourcePolicySuite(
    endpoint as string,
    {
      remediation: sqsQueuePolicy,
      resourceType: "AWS::SQS::Queue",
      Client: SQSClient,
      prefix: "sqs",
      async create(sqs, name) {
        await sqs.send(new CreateQueueCommand({ QueueName: name }));
        return `arn:aws:sqs:us-east-1:${TEST_ACCOUNT}:${name}`;
      },
      async policyOf(sqs, arn) {
        const { Attributes } = await sqs.send(
          new GetQueueAttributesCommand({
            QueueUrl: await urlOf(sqs, arn),
            AttributeNames: ["Policy"],
          }),
        );
        return Attributes?.Policy || null;
      },
      async setPolicy(sqs, arn, policy) {
        await sqs.send(
          new SetQueueAttributesCommand({
            QueueUrl: await urlOf(sqs, arn),
            Attributes: { Policy: JSON.stringify(policy) },
          }),
        );
      },
      foreignArn: (arn) => arn.replace(`:${TEST_ACCOUNT}:`, `:${PARTNER}:`),
      whenEmptied: "deleted",
    },
    "sqs:SendMessage",
  );
});
