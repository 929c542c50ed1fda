import { describe, expect, it } from "vitest";
import { contentHash } from "../../../src/domain/journal-integrity.ts";
import {
  cidrWithin,
  describeSummary,
  policyDiff,
  removeStatements,
  summarizeStatement,
} from "../../../src/domain/resource-policy/index.ts";

const policy = JSON.stringify({
  Version: "2012-10-17",
  Statement: [
    {
      Sid: "Public",
      Effect: "Allow",
      Principal: "*",
      Action: ["s3:GetObject", "s3:ListBucket", "s3:GetObjectVersion", "s3:PutObject"],
      Resource: "arn:aws:s3:::secret-bucket/*",
      Condition: { IpAddress: { "aws:SourceIp": "198.51.100.0/24" } },
    },
    { Effect: "Allow", Principal: { AWS: "arn:aws:iam::111122223333:role/app" }, Action: "s3:*" },
  ],
});

describe("policyDiff", () => {
  it("summarises removed and kept statements and hashes both documents, never pasting them", () => {
    const diff = policyDiff(policy, [0]);
    expect(diff).toEqual({
      beforeHash: contentHash(policy),
      afterHash: contentHash(removeStatements(policy, [0]) as string),
      removed: [
        {
          sid: "Public",
          effect: "Allow",
          principals: "*",
          actions: "s3:GetObject, s3:ListBucket, s3:GetObjectVersion (+1)",
        },
      ],
      kept: [
        { effect: "Allow", principals: "AWS:arn:aws:iam::111122223333:role/app", actions: "s3:*" },
      ],
    });
    const text = JSON.stringify(diff);
    expect(text).not.toContain("198.51.100.0/24");
    expect(text).not.toContain("secret-bucket");
  });

  it("says deleted when no statement remains", () => {
    expect(policyDiff(policy, [0, 1]).afterHash).toBe("deleted");
  });

  it("describes a statement on one line, NotAction and NotPrincipal included", () => {
    expect(
      describeSummary(
        summarizeStatement({ Sid: "X", Effect: "Deny", NotPrincipal: {}, NotAction: "s3:Get*" }),
      ),
    ).toBe("X Deny NotPrincipal: NotAction s3:Get*");
    expect(summarizeStatement(42)).toEqual({ effect: "?", principals: "?", actions: "?" });
  });
});

describe("removeStatements", () => {
  it("keeps every other key and statement in place, and a single Statement object as an object", () => {
    const single = JSON.stringify({
      Id: "x",
      Version: "2012-10-17",
      Statement: { Effect: "Deny" },
    });
    expect(removeStatements(single, [])).toBe(single);
    expect(removeStatements(single, [0])).toBeNull();
    const after = JSON.parse(removeStatements(policy, [0]) as string);
    expect(Object.keys(after)).toEqual(["Version", "Statement"]);
    expect(after.Statement).toHaveLength(1);
  });
});

describe("cidrWithin", () => {
  it.each([
    ["10.2.3.0/24", ["10.0.0.0/8"], true],
    ["10.0.0.0/7", ["10.0.0.0/8"], false],
    ["0.0.0.0/1", ["10.0.0.0/8"], false],
    ["10.0.0.1", ["10.0.0.0/8"], true],
    ["fd12::/16", ["fc00::/7"], true],
    ["10.0.0.0/8", ["fc00::/7"], false],
    ["not-an-ip", ["10.0.0.0/8"], false],
    ["10.0.0.0/8", ["garbage"], false],
  ] as const)("%s within %j → %s", (cidr, ranges, expected) => {
    expect(cidrWithin(cidr, ranges)).toBe(expected);
  });
});
