import {
  CreateTableCommand,
  DynamoDBClient,
  GetResourcePolicyCommand,
  PutResourcePolicyCommand,
} from "@aws-sdk/client-dynamodb";
import { describe, expect, it } from "vitest";
import { dynamodbResourcePolicy } from "../../../src/remediations/dynamodb/dynamodb-resource-policy.ts";
import { motoEndpoint, TEST_ACCOUNT } from "../../support/moto.ts";
import { PARTNER, resourcePolicySuite, statement } from "../resource-policy/harness.ts";
import { changeAt } from "../support.ts";

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
      more({ seed, context, findingFor }) {
        it.each([
          ["write", true],
          ["delete", false],
        ])(
          "a policy changed between apply's read and its %s is refused by DynamoDB (ExpectedRevisionId), not overwritten",
          async (what, keepsOwn) => {
            const { TableDescription } = await seed.send(
              new CreateTableCommand({
                TableName: `orders-raced-${what}`,
                AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }],
                KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }],
                BillingMode: "PAY_PER_REQUEST",
              }),
            );
            const arn = TableDescription?.TableArn ?? "";
            const policy = (...statements: object[]) =>
              JSON.stringify({ Version: "2012-10-17", Statement: statements });
            await seed.send(
              new PutResourcePolicyCommand({
                ResourceArn: arn,
                Policy: policy(
                  statement("Public", "*", "dynamodb:GetItem", arn),
                  ...(keepsOwn
                    ? [
                        statement(
                          "Own",
                          { AWS: `arn:aws:iam::${TEST_ACCOUNT}:root` },
                          "dynamodb:*",
                          arn,
                        ),
                      ]
                    : []),
                ),
              }),
            );
            const ctx = context();
            const plan = await dynamodbResourcePolicy.plan(ctx, findingFor(arn));
            // Someone else writes right after Vigil's re-read, before its write lands.
            const theirs = policy(
              statement("Theirs", { AWS: `arn:aws:iam::${TEST_ACCOUNT}:root` }, "dynamodb:*", arn),
            );
            let raced = false;
            const client = ctx.client?.(DynamoDBClient) as DynamoDBClient;
            client.middlewareStack.add(
              (next, context) => async (args) => {
                if (
                  !raced &&
                  /^(Put|Delete)ResourcePolicyCommand$/.test(context.commandName ?? "")
                ) {
                  raced = true;
                  await new Promise((resolve) => setTimeout(resolve, 5)); // a later revision id
                  await seed.send(
                    new PutResourcePolicyCommand({ ResourceArn: arn, Policy: theirs }),
                  );
                }
                return next(args);
              },
              { step: "initialize", name: `concurrentWriter-${what}` },
            );
            await expect(dynamodbResourcePolicy.apply(ctx, plan, changeAt(plan))).rejects.toThrow(
              /changed since Vigil read it; not overwritten/,
            );
            expect(raced).toBe(true);
            const { Policy } = await seed.send(new GetResourcePolicyCommand({ ResourceArn: arn }));
            expect(JSON.parse(Policy ?? "null")).toEqual(JSON.parse(theirs));
          },
        );
      },
    },
    "dynamodb:GetItem",
  );
});
