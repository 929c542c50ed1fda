import { describe, expect, it } from "vitest";
import { policyResourceOf } from "../../src/domain/policy-resources.ts";

const where = { account: "123456789012", region: "eu-west-1" };

describe("policyResourceOf", () => {
  it("reads the ARN, or the id Config reports (queue URL, key id), as the finding's own resource", () => {
    expect(
      policyResourceOf(
        "AWS::SQS::Queue",
        "https://sqs.eu-west-1.amazonaws.com/123456789012/q.fifo",
        where,
      ),
    ).toEqual({ arn: "arn:aws:sqs:eu-west-1:123456789012:q.fifo", name: "q.fifo" });
    expect(
      policyResourceOf("AWS::KMS::Key", "1234abcd-12ab-34cd-56ef-1234567890ab", where),
    ).toEqual({
      arn: "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
      name: "1234abcd-12ab-34cd-56ef-1234567890ab",
    });
    expect(
      policyResourceOf("AWS::SNS::Topic", "arn:aws:sns:eu-west-1:123456789012:alerts", where),
    ).toEqual({ arn: "arn:aws:sns:eu-west-1:123456789012:alerts", name: "alerts" });
    expect(policyResourceOf("AWS::Lambda::Function", "ingest-webhook", where)).toEqual({
      arn: "arn:aws:lambda:eu-west-1:123456789012:function:ingest-webhook",
      name: "ingest-webhook",
    });
  });

  it.each([
    ["AWS::SQS::Queue", "https://sqs.us-east-1.amazonaws.com/123456789012/q", /region eu-west-1/],
    [
      "AWS::SQS::Queue",
      "https://sqs.eu-west-1.amazonaws.com/999999999999/q",
      /account 123456789012/,
    ],
    ["AWS::SNS::Topic", "arn:aws-cn:sns:eu-west-1:123456789012:t", /partition aws-cn/],
    ["AWS::KMS::Key", "alias/aws/s3", /not a valid AWS::KMS::Key ARN/],
    ["AWS::KMS::Key", "arn:aws:kms:eu-west-1:123456789012:alias/x", /not a valid/],
    [
      "AWS::SecretsManager::Secret",
      "arn:aws:secretsmanager:eu-west-1:123456789012:secret:nosuffix",
      /not a valid/,
    ],
    ["AWS::SecretsManager::Secret", "db-password", /not a valid/],
    [
      "AWS::Lambda::Function",
      "arn:aws:lambda:eu-west-1:123456789012:function:fn:live",
      /not a valid AWS::Lambda::Function ARN/,
    ],
    ["AWS::Lambda::Function", "arn:aws:lambda:eu-west-1:999999999999:function:fn", /account/],
    ["AWS::Lambda::Function", "fn/../other", /not a valid/],
  ] as const)("%s %s → refused", (type, id, problem) => {
    const result = policyResourceOf(type, id, where);
    expect("problem" in result && result.problem).toMatch(problem);
  });
});
