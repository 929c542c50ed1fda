import { IAMClient } from "@aws-sdk/client-iam";
import {
  GetFunctionUrlConfigCommand,
  GetPolicyCommand,
  LambdaClient,
  ListTagsCommand,
  RemovePermissionCommand,
  ResourceNotFoundException,
} from "@aws-sdk/client-lambda";
import { S3Client } from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, describe, expect, it } from "vitest";
import { lambdaFunctionPolicy } from "../../../src/remediations/lambda/lambda-function-policy.ts";
import {
  isPublicUrlGrant,
  permissionInput,
  sameLambdaPolicy,
} from "../../../src/remediations/lambda/lambda-permissions.ts";
import { TEST_ACCOUNT, TEST_REGION } from "../../support/moto.ts";
import { makeFinding, TEST_SETTINGS } from "../support.ts";

const FN = "arn:aws:lambda:us-east-2:123456789012:function:my-function";

// Statements as Lambda's GetPolicy returns them (Lambda developer guide, "Viewing resource-based
// IAM policies in Lambda" and "Control access to Lambda function URLs").
const SNS = {
  Sid: "sns",
  Effect: "Allow",
  Principal: { Service: "sns.amazonaws.com" },
  Action: "lambda:InvokeFunction",
  Resource: FN,
  Condition: {
    StringEquals: { "AWS:SourceAccount": "123456789012" },
    ArnLike: { "AWS:SourceArn": "arn:aws:sns:us-east-2:123456789012:my-topic" },
  },
};
const ACCOUNT = {
  Sid: "xaccount",
  Effect: "Allow",
  Principal: { AWS: "arn:aws:iam::111122223333:root" },
  Action: "lambda:GetFunction",
  Resource: FN,
};
const ORG = {
  Sid: "org",
  Effect: "Allow",
  Principal: "*",
  Action: "lambda:InvokeFunction",
  Resource: FN,
  Condition: { StringEquals: { "aws:PrincipalOrgID": "o-a1b2c3d4e5" } },
};
const URL_GRANT = {
  Sid: "FunctionURLAllowPublicAccess",
  Effect: "Allow",
  Principal: "*",
  Action: "lambda:InvokeFunctionUrl",
  Resource: FN,
  Condition: { StringEquals: { "lambda:FunctionUrlAuthType": "NONE" } },
};
const URL_INVOKE = {
  Sid: "FunctionURLInvokeAllowPublicAccess",
  Effect: "Allow",
  Principal: "*",
  Action: "lambda:InvokeFunction",
  Resource: FN,
  Condition: { Bool: { "lambda:InvokedViaFunctionUrl": "true" } },
};

describe("permissionInput: the AddPermission request that re-creates a statement", () => {
  it.each([
    [
      "service with source account and ARN",
      SNS,
      {
        StatementId: "sns",
        Action: "lambda:InvokeFunction",
        Principal: "sns.amazonaws.com",
        SourceAccount: "123456789012",
        SourceArn: "arn:aws:sns:us-east-2:123456789012:my-topic",
      },
    ],
    [
      "another account (root ARN → account id)",
      ACCOUNT,
      { StatementId: "xaccount", Action: "lambda:GetFunction", Principal: "111122223333" },
    ],
    [
      "everyone in an organisation",
      ORG,
      {
        StatementId: "org",
        Action: "lambda:InvokeFunction",
        Principal: "*",
        PrincipalOrgID: "o-a1b2c3d4e5",
      },
    ],
    [
      "a function URL's public grant",
      URL_GRANT,
      {
        StatementId: "FunctionURLAllowPublicAccess",
        Action: "lambda:InvokeFunctionUrl",
        Principal: "*",
        FunctionUrlAuthType: "NONE",
      },
    ],
    [
      "a function URL's invoke grant",
      URL_INVOKE,
      {
        StatementId: "FunctionURLInvokeAllowPublicAccess",
        Action: "lambda:InvokeFunction",
        Principal: "*",
        InvokedViaFunctionUrl: true,
      },
    ],
  ])("%s", (_name, statement, expected) => {
    expect(permissionInput(statement)).toEqual(expected);
  });

  it.each([
    ["no Sid", { ...ACCOUNT, Sid: undefined }, /no Sid/],
    ["a Deny", { ...ACCOUNT, Effect: "Deny" }, /not an Allow/],
    [
      "two actions",
      { ...ACCOUNT, Action: ["lambda:GetFunction", "lambda:InvokeFunction"] },
      /one action/,
    ],
    [
      "two principals",
      { ...ACCOUNT, Principal: { AWS: ["111122223333", "444455556666"] } },
      /one principal/,
    ],
    [
      "a condition AddPermission has no parameter for",
      { ...ORG, Condition: { IpAddress: { "aws:SourceIp": "203.0.113.0/24" } } },
      /condition AddPermission cannot express/,
    ],
    [
      "a known key plus an unknown one",
      { ...SNS, Condition: { ...SNS.Condition, StringLike: { "aws:UserAgent": "x*" } } },
      /condition AddPermission cannot express/,
    ],
  ])("refuses %s", (_name, statement, problem) => {
    const input = permissionInput(statement);
    expect("problem" in input ? input.problem : "").toMatch(problem);
  });
});

describe("isPublicUrlGrant", () => {
  it("is the URL's public grants only", () => {
    expect(isPublicUrlGrant(URL_GRANT)).toBe(true);
    expect(isPublicUrlGrant(URL_INVOKE)).toBe(true);
    expect(isPublicUrlGrant({ ...URL_GRANT, Principal: { AWS: "111122223333" } })).toBe(false);
    expect(
      isPublicUrlGrant({
        ...URL_GRANT,
        Condition: { StringEquals: { "lambda:FunctionUrlAuthType": "AWS_IAM" } },
      }),
    ).toBe(false);
    expect(isPublicUrlGrant(ORG)).toBe(false);
  });
});

describe("sameLambdaPolicy", () => {
  const policy = (...statements: object[]) =>
    JSON.stringify({ Version: "2012-10-17", Id: "default", Statement: statements });

  it("ignores statement order (Lambda appends a re-added permission), not content", () => {
    expect(sameLambdaPolicy(policy(SNS, ORG), policy(ORG, SNS))).toBe(true);
    expect(sameLambdaPolicy(policy(SNS, ORG), policy(SNS))).toBe(false);
    expect(sameLambdaPolicy(policy(SNS), policy({ ...SNS, Action: "lambda:GetFunction" }))).toBe(
      false,
    );
    expect(sameLambdaPolicy(null, null)).toBe(true);
    expect(sameLambdaPolicy(policy(SNS), null)).toBe(false);
  });
});

// moto's AddPermission cannot create a statement with a condition AddPermission has no parameter
// for (nor can AWS's); the plan's refusal is checked against a mocked GetPolicy instead.
describe("lambda-function-policy plan (aws-sdk-client-mock: a statement moto cannot create)", () => {
  const lambdaMock = mockClient(LambdaClient);
  afterEach(() => lambdaMock.reset());

  it("refuses to remove a permission undo could not add back, and changes nothing", async () => {
    const odd = {
      ...URL_INVOKE,
      Sid: "odd",
      Condition: { IpAddress: { "aws:SourceIp": "0.0.0.0/0" } },
    };
    lambdaMock.on(GetPolicyCommand).resolves({
      Policy: JSON.stringify({ Version: "2012-10-17", Id: "default", Statement: [odd] }),
    });
    lambdaMock.on(ListTagsCommand).resolves({ Tags: {} });
    lambdaMock
      .on(GetFunctionUrlConfigCommand)
      .rejects(new ResourceNotFoundException({ message: "no URL", $metadata: {} }));
    const client = new LambdaClient({ region: TEST_REGION });
    const plan = await lambdaFunctionPolicy.plan(
      {
        s3: new S3Client({ region: TEST_REGION }),
        iam: new IAMClient({ region: TEST_REGION }),
        settings: TEST_SETTINGS,
        client: <C>() => client as unknown as C,
      },
      makeFinding("lambda-function-policy", "AWS::Lambda::Function", "fn", {
        resourceArn: `arn:aws:lambda:${TEST_REGION}:${TEST_ACCOUNT}:function:fn`,
      }),
    );
    expect(plan.changes).toEqual([]);
    expect(plan.summary).toMatch(/Vigil will not change it: undo could not add back.*odd/);
    expect(lambdaMock.commandCalls(RemovePermissionCommand)).toHaveLength(0);
  });
});
