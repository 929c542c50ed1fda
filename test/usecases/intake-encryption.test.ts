import { describe, expect, it } from "vitest";
import type { RemediationConfigInput } from "../../src/config/remediation-config.ts";
import type { ConfigRule } from "../../src/ports/config-rules.ts";
import { type IntakeDeps, isIgnored } from "../../src/usecases/intake.ts";
import { intakeConfigEvent } from "../../src/usecases/intake-config.ts";
import { fakeConfigRules, recordingLogger, type sample, testConfig } from "./fakes.ts";
import { configEvent, expectFinding } from "./intake-support.ts";

// Encryption beyond S3 (issue 12 item 6): Config's evaluations of queues, topics, streams,
// tables, trails and account-level settings become findings with the resource's own name and ARN.

const unusedIamIds = {
  resolve: async () => {
    throw new Error("a service resource is never resolved as an IAM unique id");
  },
};

function deps(
  config: RemediationConfigInput = {},
  rules: Record<string, Partial<ConfigRule> | null> = {},
): IntakeDeps {
  return {
    config: testConfig(config),
    iamIds: unusedIamIds,
    configRules: fakeConfigRules(rules),
    logger: recordingLogger(),
  };
}

function withResourceId(id: string) {
  return (e: ReturnType<typeof sample>) => {
    e.detail.resourceId = id;
    const result = e.detail.newEvaluationResult as {
      evaluationResultIdentifier: { evaluationResultQualifier: { resourceId: string } };
    };
    result.evaluationResultIdentifier.evaluationResultQualifier.resourceId = id;
  };
}

describe("intake: SQS queue encryption", () => {
  // Security Hub's SQS.1 rule is a Security Hub Lambda, not an AWS managed rule: it is mapped by
  // name and trusted by ARN, like any rule AWS Config does not own.
  const rule = "securityhub-sqs-queue-encrypted-11ce1a73";
  const ruleArn = "arn:aws:config:eu-west-1:123456789012:config-rule/config-rule-a7sq01";
  const config: RemediationConfigInput = {
    ruleKinds: { "securityhub-sqs-queue-encrypted-*": "sqs-encryption" },
    trustedConfigRules: [ruleArn],
  };
  const rules = { [rule]: { owner: "CUSTOM_LAMBDA", arn: ruleArn } };

  it("names the queue by its URL's last segment and builds its ARN", async () => {
    const result = expectFinding(
      await intakeConfigEvent(
        deps(config, rules),
        configEvent("config-sqs-encryption-noncompliant"),
      ),
    );
    expect(result).toMatchObject({
      kind: "sqs-encryption",
      resourceType: "AWS::SQS::Queue",
      resourceName: "acme-orders-ingest",
      resourceArn: "arn:aws:sqs:eu-west-1:123456789012:acme-orders-ingest",
      account: "123456789012",
      region: "eu-west-1",
    });
  });

  it("accepts the queue's ARN too", async () => {
    for (const id of ["arn:aws:sqs:eu-west-1:123456789012:acme-orders-ingest"]) {
      const result = expectFinding(
        await intakeConfigEvent(
          deps(config, rules),
          configEvent("config-sqs-encryption-noncompliant", withResourceId(id)),
        ),
      );
      expect(result.resourceArn).toBe("arn:aws:sqs:eu-west-1:123456789012:acme-orders-ingest");
    }
  });

  it.each([
    [
      "https://sqs.eu-west-1.amazonaws.com/999988887777/acme-orders-ingest",
      /not in the finding's account/,
    ],
    [
      "arn:aws:sqs:us-east-1:123456789012:acme-orders-ingest",
      /not in the finding's region eu-west-1/,
    ],
    ["arn:aws:sns:eu-west-1:123456789012:acme-orders-ingest", /is not a valid AWS::SQS::Queue ARN/],
    // Config names a queue by its URL (or ARN): a bare name is refused, never guessed at.
    ["acme-orders-ingest", /is not a valid AWS::SQS::Queue ARN/],
    ["orders queue", /is not a valid AWS::SQS::Queue ARN/],
  ])("refuses a queue id %s naming another resource", async (id, reason) => {
    const result = await intakeConfigEvent(
      deps(config, rules),
      configEvent("config-sqs-encryption-noncompliant", withResourceId(id)),
    );
    if (!isIgnored(result)) throw new Error("expected the evaluation to be ignored");
    expect(result.reason).toMatch(reason);
  });

  it("acts on the custom rule's verdict only when its ARN is trusted", async () => {
    const result = await intakeConfigEvent(
      deps({ ...config, trustedConfigRules: [] }, rules),
      configEvent("config-sqs-encryption-noncompliant"),
    );
    expect(isIgnored(result) && result.refused).toBeTruthy();
  });
});

describe("intake: SNS topic encryption", () => {
  it("maps Security Hub's generated rule by its managed source identifier SNS_ENCRYPTED_KMS", async () => {
    const rules = {
      "securityhub-sns-encrypted-kms-81d29bd8": { sourceIdentifier: "SNS_ENCRYPTED_KMS" },
    };
    const result = expectFinding(
      await intakeConfigEvent(deps({}, rules), configEvent("config-sns-encryption-noncompliant")),
    );
    expect(result).toMatchObject({
      kind: "sns-encryption",
      resourceType: "AWS::SNS::Topic",
      resourceName: "acme-etl-events",
      resourceArn: "arn:aws:sns:eu-west-1:123456789012:acme-etl-events",
    });
  });
});

describe("intake: EBS encryption by default (account-level)", () => {
  it("turns the account evaluation into a per-region finding", async () => {
    const result = expectFinding(
      await intakeConfigEvent(deps(), configEvent("config-ebs-default-encryption-noncompliant")),
    );
    expect(result).toMatchObject({
      kind: "ebs-default-encryption",
      resourceType: "AWS::::Account",
      resourceName: "123456789012",
      resourceArn: "arn:aws:ec2:eu-west-1:123456789012:ebs-encryption-by-default",
    });
  });

  it("refuses an account evaluation naming another account", async () => {
    const result = await intakeConfigEvent(
      deps(),
      configEvent("config-ebs-default-encryption-noncompliant", withResourceId("999988887777")),
    );
    expect(isIgnored(result) && result.reason).toMatch(/not the finding's account/);
  });

  it("still skips other account-level rules", async () => {
    const result = await intakeConfigEvent(
      deps({ ruleKinds: { "iam-password-policy": "s3-encryption" } }),
      configEvent("config-ebs-default-encryption-noncompliant", (e) => {
        e.detail.configRuleName = "iam-password-policy";
      }),
    );
    expect(isIgnored(result) && result.reason).toMatch(/account-level/);
  });
});

describe("intake: Kinesis stream encryption", () => {
  const rules = {
    "kinesis-stream-encrypted-conformance-pack-q4w7e1r2": {
      sourceIdentifier: "KINESIS_STREAM_ENCRYPTED",
    },
  };

  it("maps a conformance pack's rule by its managed source identifier KINESIS_STREAM_ENCRYPTED", async () => {
    const result = expectFinding(
      await intakeConfigEvent(
        deps({}, rules),
        configEvent("config-kinesis-encryption-noncompliant"),
      ),
    );
    expect(result).toMatchObject({
      kind: "kinesis-encryption",
      resourceType: "AWS::Kinesis::Stream",
      resourceName: "acme-clickstream",
      resourceArn: "arn:aws:kinesis:eu-west-1:123456789012:stream/acme-clickstream",
    });
  });

  it("maps the rule under its default name without asking Config", async () => {
    const result = expectFinding(
      await intakeConfigEvent(
        deps(),
        configEvent("config-kinesis-encryption-noncompliant", (e) => {
          e.detail.configRuleName = "kinesis-stream-encrypted";
        }),
      ),
    );
    expect(result.kind).toBe("kinesis-encryption");
  });

  it("refuses a stream ARN of another account", async () => {
    const result = await intakeConfigEvent(
      deps({}, rules),
      configEvent(
        "config-kinesis-encryption-noncompliant",
        withResourceId("arn:aws:kinesis:eu-west-1:999988887777:stream/acme-clickstream"),
      ),
    );
    expect(isIgnored(result) && result.reason).toMatch(/not in the finding's account/);
  });
});

describe("intake: DynamoDB table encryption", () => {
  it("maps Security Hub's generated rule by its managed source identifier DYNAMODB_TABLE_ENCRYPTED_KMS", async () => {
    const rules = {
      "securityhub-dynamodb-table-encrypted-kms-5c0e9a71": {
        sourceIdentifier: "DYNAMODB_TABLE_ENCRYPTED_KMS",
      },
    };
    const result = expectFinding(
      await intakeConfigEvent(
        deps({}, rules),
        configEvent("config-dynamodb-encryption-noncompliant"),
      ),
    );
    expect(result).toMatchObject({
      kind: "dynamodb-encryption",
      resourceType: "AWS::DynamoDB::Table",
      resourceName: "acme-orders",
      resourceArn: "arn:aws:dynamodb:eu-west-1:123456789012:table/acme-orders",
    });
  });

  it("keeps the kind per rule: another rule on a table maps to its own kind, or none", async () => {
    const result = await intakeConfigEvent(
      deps(),
      configEvent("config-dynamodb-encryption-noncompliant", (e) => {
        e.detail.configRuleName = "dynamodb-pitr-enabled";
      }),
    );
    expect(isIgnored(result) && result.reason).toMatch(/not mapped to a finding kind/);
  });
});

describe("intake: CloudTrail trail encryption", () => {
  it("maps the rule under its default name without asking Config", async () => {
    const result = expectFinding(
      await intakeConfigEvent(deps(), configEvent("config-cloudtrail-encryption-noncompliant")),
    );
    expect(result).toMatchObject({
      kind: "cloudtrail-encryption",
      resourceType: "AWS::CloudTrail::Trail",
      resourceName: "acme-management-events",
      resourceArn: "arn:aws:cloudtrail:eu-west-1:123456789012:trail/acme-management-events",
    });
  });

  it("maps Security Hub's generated rule by its managed source identifier CLOUD_TRAIL_ENCRYPTION_ENABLED", async () => {
    const rules = {
      "securityhub-cloud-trail-encryption-enabled-3f9a1c2d": {
        sourceIdentifier: "CLOUD_TRAIL_ENCRYPTION_ENABLED",
      },
    };
    const result = expectFinding(
      await intakeConfigEvent(
        deps({}, rules),
        configEvent("config-cloudtrail-encryption-noncompliant", (e) => {
          e.detail.configRuleName = "securityhub-cloud-trail-encryption-enabled-3f9a1c2d";
        }),
      ),
    );
    expect(result.kind).toBe("cloudtrail-encryption");
  });

  it("refuses a trail ARN of another account (an organization trail seen from a member)", async () => {
    const result = await intakeConfigEvent(
      deps(),
      configEvent(
        "config-cloudtrail-encryption-noncompliant",
        withResourceId("arn:aws:cloudtrail:eu-west-1:999988887777:trail/org-trail"),
      ),
    );
    expect(isIgnored(result) && result.reason).toMatch(/not in the finding's account/);
  });
});
