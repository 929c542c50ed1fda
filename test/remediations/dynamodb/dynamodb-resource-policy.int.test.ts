import {
  CreateTableCommand,
  DynamoDBClient,
  GetResourcePolicyCommand,
  PutResourcePolicyCommand,
} from "@aws-sdk/client-dynamodb";
import { describe } from "vitest";
import { dynamodbResourcePolicy } from "../../../src/remediations/dynamodb/dynamodb-resource-policy.ts";
import { motoEndpoint, TEST_ACCOUNT } from "../../support/moto.ts";
import { PARTNER, resourcePolicySuite } from "../resource-policy/harness.ts";

const endpoint = motoEndpoint();

// moto 5.2.1 serves table resource policies only (a stream ARN is looked up as a table), so the
// stream's ARN shape is covered by the intake tests, not here.
describe.skipIf(!endpoint)("dynamodb-resource-policy (table)", () => {
  resourcePolicySuite(
    endpoint as string,
    {
      remediation: dynamodbResourcePolicy,
      resourceType: "AWS::DynamoDB::Table",
      Client: DynamoDBClient,
      prefix: "dynamodb",
      async create(dynamodb, name) {
        const { TableDescription } = await dynamodb.send(
          new CreateTableCommand({
            TableName: `orders-${name}`,
            AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }],
            KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }],
            BillingMode: "PAY_PER_REQUEST",
          }),
        );
        return TableDescription?.TableArn ?? "";
      },
      async policyOf(dynamodb, arn) {
        try {
          const { Policy } = await dynamodb.send(
            new GetResourcePolicyCommand({ ResourceArn: arn }),
          );
          return Policy || null;
        } catch (error) {
          if ((error as Error).name === "PolicyNotFoundException") return null;
          throw error;
        }
      },
      async setPolicy(dynamodb, arn, policy) {
        await dynamodb.send(
          new PutResourcePolicyCommand({ ResourceArn: arn, Policy: JSON.stringify(policy) }),
        );
      },
      foreignArn: (arn) => arn.replace(`:${TEST_ACCOUNT}:`, `:${PARTNER}:`),
      whenEmptied: "deleted",
    },
    "dynamodb:GetItem",
  );
});
