import { describe, expect, it } from "vitest";
import { cloudTrailKeyAccess } from "../../src/domain/cloudtrail-key-policy.ts";

const trail = {
  arn: "arn:aws:cloudtrail:eu-west-1:123456789012:trail/management-events",
  account: "123456789012",
};

// The statement the CloudTrail console writes into a key it creates (CloudTrail User Guide,
// "Configure AWS KMS key policies for CloudTrail").
const CONSOLE_STATEMENT = {
  Sid: "Allow CloudTrail to encrypt logs",
  Effect: "Allow",
  Principal: { Service: "cloudtrail.amazonaws.com" },
  Action: "kms:GenerateDataKey*",
  Resource: "*",
  Condition: {
    StringEquals: {
      "AWS:SourceArn": "arn:aws:cloudtrail:eu-west-1:123456789012:trail/management-events",
    },
    StringLike: {
      "kms:EncryptionContext:aws:cloudtrail:arn": "arn:aws:cloudtrail:*:123456789012:trail/*",
    },
  },
};
const DESCRIBE = {
  Sid: "Allow CloudTrail to describe key",
  Effect: "Allow",
  Principal: { Service: "cloudtrail.amazonaws.com" },
  Action: "kms:DescribeKey",
  Resource: "*",
};
const ROOT = {
  Sid: "Enable IAM User Permissions",
  Effect: "Allow",
  Principal: { AWS: "arn:aws:iam::123456789012:root" },
  Action: "kms:*",
  Resource: "*",
};
const policy = (...statements: unknown[]) =>
  JSON.stringify({ Version: "2012-10-17", Statement: statements });

describe("cloudTrailKeyAccess", () => {
  it("allows the console's CloudTrail statement for a trail it names", () => {
    expect(cloudTrailKeyAccess(policy(ROOT, CONSOLE_STATEMENT, DESCRIBE), trail)).toEqual({
      allowed: true,
    });
  });

  it("needs kms:DescribeKey for CloudTrail too (a required section of the key policy)", () => {
    expect(cloudTrailKeyAccess(policy(ROOT, CONSOLE_STATEMENT), trail)).toEqual({
      allowed: false,
      why: "its key policy does not let cloudtrail.amazonaws.com use kms:DescribeKey for this trail",
    });
  });

  it("a key policy with only the account root does not let CloudTrail in", () => {
    const access = cloudTrailKeyAccess(policy(ROOT), trail);
    expect(access).toEqual({
      allowed: false,
      why: "its key policy does not let cloudtrail.amazonaws.com use kms:GenerateDataKey* for this trail",
    });
  });

  it("a statement whose conditions name another trail or account does not count, and says so", () => {
    const other = {
      ...CONSOLE_STATEMENT,
      Condition: { StringEquals: { "aws:SourceAccount": "999988887777" } },
    };
    const access = cloudTrailKeyAccess(policy(other, DESCRIBE), trail);
    expect(access.allowed).toBe(false);
    expect(!access.allowed && access.why).toContain(
      'not counted: statement "Allow CloudTrail to encrypt logs" (StringEquals aws:SourceAccount "999988887777", which this trail does not match)',
    );
  });

  it("a condition key Vigil cannot judge does not count (it may never hold for CloudTrail)", () => {
    const odd = { ...CONSOLE_STATEMENT, Condition: { Bool: { "aws:SecureTransport": "true" } } };
    const access = cloudTrailKeyAccess(policy(odd, DESCRIBE), trail);
    expect(!access.allowed && access.why).toMatch(/condition operator Bool/);
  });

  it("needs GenerateDataKey: kms:Encrypt alone is not enough, kms:* and * are", () => {
    const encryptOnly = { ...CONSOLE_STATEMENT, Action: ["kms:Encrypt", "kms:Decrypt"] };
    expect(cloudTrailKeyAccess(policy(encryptOnly, DESCRIBE), trail).allowed).toBe(false);
    for (const Action of ["kms:*", "*", ["kms:GenerateDataKey", "kms:GenerateDataKeyWithout*"]]) {
      expect(
        cloudTrailKeyAccess(policy({ ...CONSOLE_STATEMENT, Action }, DESCRIBE), trail).allowed,
      ).toBe(true);
    }
  });

  it("a Deny of GenerateDataKey to CloudTrail refuses the key whatever else allows it", () => {
    const deny = { ...CONSOLE_STATEMENT, Sid: "NoTrails", Effect: "Deny", Condition: undefined };
    expect(cloudTrailKeyAccess(policy(CONSOLE_STATEMENT, DESCRIBE, deny), trail)).toEqual({
      allowed: false,
      why: 'its key policy\'s statement "NoTrails" denies cloudtrail.amazonaws.com kms:GenerateDataKey*',
    });
  });

  it("understands …IfExists operators: compared as the plain operator on keys CloudTrail's requests carry", () => {
    const ifExists = {
      ...CONSOLE_STATEMENT,
      Condition: {
        StringEqualsIfExists: {
          "aws:SourceArn": "arn:aws:cloudtrail:eu-west-1:123456789012:trail/management-events",
        },
        ArnLikeIfExists: {
          "kms:EncryptionContext:aws:cloudtrail:arn": "arn:aws:cloudtrail:*:123456789012:trail/*",
        },
      },
    };
    expect(cloudTrailKeyAccess(policy(ifExists, DESCRIBE), trail)).toEqual({ allowed: true });
    const otherTrail = {
      ...ifExists,
      Condition: { StringEqualsIfExists: { "aws:SourceArn": `${trail.arn}-other` } },
    };
    const access = cloudTrailKeyAccess(policy(otherTrail, DESCRIBE), trail);
    expect(access.allowed).toBe(false);
    expect(access).toMatchObject({ why: expect.stringContaining("StringEqualsIfExists") });
  });

  it("an encryption-context condition on kms:DescribeKey holds only as …IfExists (DescribeKey carries no context)", () => {
    const describeWith = (operator: string) => ({
      ...DESCRIBE,
      Condition: {
        [operator]: {
          "kms:EncryptionContext:aws:cloudtrail:arn": "arn:aws:cloudtrail:*:123456789012:trail/*",
        },
      },
    });
    expect(
      cloudTrailKeyAccess(policy(CONSOLE_STATEMENT, describeWith("StringLikeIfExists")), trail),
    ).toEqual({ allowed: true });
    const plain = cloudTrailKeyAccess(policy(CONSOLE_STATEMENT, describeWith("StringLike")), trail);
    expect(plain.allowed).toBe(false);
    expect(plain).toMatchObject({ why: expect.stringContaining("carry no encryption context") });
  });

  it("a policy that is not JSON is refused with the parse error", () => {
    const access = cloudTrailKeyAccess("{not json", trail);
    expect(!access.allowed && access.why).toMatch(
      /^its key policy cannot be read \(policy is not valid JSON/,
    );
  });
});
