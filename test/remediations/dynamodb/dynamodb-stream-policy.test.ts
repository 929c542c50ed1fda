import {
  DeleteResourcePolicyCommand,
  DynamoDBClient,
  GetResourcePolicyCommand,
  ListTagsOfResourceCommand,
  PutResourcePolicyCommand,
} from "@aws-sdk/client-dynamodb";
import { IAMClient } from "@aws-sdk/client-iam";
import { S3Client } from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, describe, expect, it } from "vitest";
import { dynamodbResourcePolicy } from "../../../src/remediations/dynamodb/dynamodb-resource-policy.ts";
import { TEST_ACCOUNT, TEST_REGION } from "../../support/moto.ts";
import { changeAt, makeFinding, TEST_SETTINGS } from "../support.ts";

const TABLE = `arn:aws:dynamodb:${TEST_REGION}:${TEST_ACCOUNT}:table/orders`;
const STREAM = `${TABLE}/stream/2026-11-20T08:15:30.123`;

// moto 5.2.1 looks a stream ARN up as a table (its last segment), so a stream's policy is mocked.
describe("dynamodb-resource-policy on a stream (aws-sdk-client-mock: moto serves table policies only)", () => {
  const dynamodb = mockClient(DynamoDBClient);
  afterEach(() => dynamodb.reset());
  const context = () => ({
    s3: new S3Client({ region: TEST_REGION }),
    iam: new IAMClient({ region: TEST_REGION }),
    settings: TEST_SETTINGS,
    client: <C>() => new DynamoDBClient({ region: TEST_REGION }) as C,
  });
  const finding = (resourceArn: string) =>
    makeFinding("dynamodb-resource-policy", "AWS::DynamoDB::Stream", "orders", {
      resourceArn,
      resourceId: resourceArn,
    });

  it("addresses the policy by the stream's ARN and reads exemption tags from its table", async () => {
    const policy = JSON.stringify({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "Public",
          Effect: "Allow",
          Principal: "*",
          Action: "dynamodb:GetRecords",
          Resource: STREAM,
        },
      ],
    });
    dynamodb.on(GetResourcePolicyCommand, { ResourceArn: STREAM }).resolves({ Policy: policy });
    dynamodb
      .on(ListTagsOfResourceCommand, { ResourceArn: TABLE })
      .resolves({ Tags: [{ Key: "team", Value: "orders" }] });
    const plan = await dynamodbResourcePolicy.plan(context(), finding(STREAM));
    expect(plan.tags).toEqual({ team: "orders" });
    expect(changeAt(plan).params).toMatchObject({ policy: null });

    await dynamodbResourcePolicy.apply(context(), plan, changeAt(plan));
    expect(
      dynamodb.commandCalls(DeleteResourcePolicyCommand).map((call) => call.args[0].input),
    ).toEqual([{ ResourceArn: STREAM }]);
  });

  it("bad input: a stream of another account or a label that is not a timestamp makes zero calls", async () => {
    for (const bad of [
      STREAM.replace(`:${TEST_ACCOUNT}:`, ":444455556666:"),
      `${TABLE}/stream/../../table/other`,
    ]) {
      await expect(dynamodbResourcePolicy.plan(context(), finding(bad))).rejects.toThrow();
    }
    expect(dynamodb.calls()).toHaveLength(0);
    expect(dynamodb.commandCalls(PutResourcePolicyCommand)).toHaveLength(0);
  });
});
