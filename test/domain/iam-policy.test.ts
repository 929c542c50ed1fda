import { describe, expect, it } from "vitest";
import {
  assessPolicy,
  canonicalJson,
  decodePolicyDocument,
  documentRisks,
  isDenyListedPolicyName,
  parsePolicyDocument,
  sameDocument,
  statementRisk,
  wildcardMatches,
} from "../../src/domain/iam-policy.ts";

const RISKY_NAMES = ["AdministratorAccess", "IAMFullAccess", "PowerUserAccess"];

function doc(...statements: Record<string, unknown>[]) {
  return { Version: "2012-10-17", Statement: statements };
}

function risky(document: Record<string, unknown> | string): boolean {
  return assessPolicy({ document }, RISKY_NAMES).risky;
}

describe("decodePolicyDocument", () => {
  it("decodes URL-encoded documents as IAM returns them", () => {
    const json =
      '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}';
    expect(decodePolicyDocument(encodeURIComponent(json))).toBe(json);
  });

  it("returns JSON unchanged, even when it contains a percent sign", () => {
    const json = '{"Statement":[{"Sid":"100%","Effect":"Allow"}]}';
    expect(decodePolicyDocument(`  ${json}\n`)).toBe(json);
  });

  it("rejects malformed percent-encoding with a clear error", () => {
    expect(() => decodePolicyDocument("%E0%A4%A")).toThrow(/neither JSON nor URL-encoded/);
  });
});

describe("parsePolicyDocument", () => {
  it("normalises a single statement object to an array", () => {
    const parsed = parsePolicyDocument({ Statement: { Effect: "Allow", Action: "*" } });
    expect(parsed.Statement).toEqual([{ Effect: "Allow", Action: "*" }]);
  });

  it("accepts a document without statements", () => {
    expect(parsePolicyDocument('{"Version":"2012-10-17"}').Statement).toEqual([]);
  });

  it("rejects invalid JSON and non-objects", () => {
    expect(() => parsePolicyDocument("{not json")).toThrow(/not valid JSON/);
    expect(() => parsePolicyDocument("[1,2]")).toThrow(/must be a JSON object/);
  });
});

describe("wildcardMatches", () => {
  it.each([
    ["*", "iam:PassRole", true],
    ["iam:*", "iam:PassRole", true],
    ["iam:Pass*", "iam:PassRole", true],
    ["IAM:passrole", "iam:PassRole", true],
    ["iam:P?ssRole", "iam:PassRole", true],
    ["sts:Assume*", "sts:AssumeRole", true],
    ["iam:Get*", "iam:PassRole", false],
    ["iam:PassRole.", "iam:PassRole", false],
    ["s3:*", "iam:PassRole", false],
  ])("%s vs %s → %s", (pattern, value, expected) => {
    expect(wildcardMatches(pattern, value)).toBe(expected);
  });
});

describe("risky statements", () => {
  it("flags Action * on Resource * (strings or arrays)", () => {
    expect(risky(doc({ Effect: "Allow", Action: "*", Resource: "*" }))).toBe(true);
    expect(risky(doc({ Effect: "Allow", Action: ["s3:GetObject", "*"], Resource: ["*"] }))).toBe(
      true,
    );
    expect(risky(doc({ Effect: "Allow", Action: "*:*", Resource: "*" }))).toBe(true);
  });

  it("flags iam:PassRole and sts:AssumeRole on *, directly or via wildcards", () => {
    for (const action of ["iam:PassRole", "sts:AssumeRole", "iam:*", "sts:*", "iam:Pass*"]) {
      expect(risky(doc({ Effect: "Allow", Action: action, Resource: "*" })), action).toBe(true);
    }
  });

  it("does not flag escalation actions scoped to specific resources", () => {
    expect(
      risky(
        doc({
          Effect: "Allow",
          Action: ["iam:PassRole", "sts:AssumeRole"],
          Resource: "arn:aws:iam::123456789012:role/etl",
        }),
      ),
    ).toBe(false);
    expect(risky(doc({ Effect: "Allow", Action: "*", Resource: ["arn:aws:s3:::bucket/*"] }))).toBe(
      false,
    );
  });

  it("does not flag broad but harmless actions on *", () => {
    expect(
      risky(doc({ Effect: "Allow", Action: ["s3:*", "ec2:Describe*", "iam:Get*"], Resource: "*" })),
    ).toBe(false);
  });

  it("flags Allow with NotAction on * (everything except a list)", () => {
    const reasons = documentRisks(
      parsePolicyDocument(
        doc({ Sid: "Power", Effect: "Allow", NotAction: "iam:*", Resource: "*" }),
      ),
    );
    expect(reasons).toEqual([
      'statement "Power" allows every action except iam:* (NotAction) on *',
    ]);
  });

  it("does not flag NotAction * (grants nothing)", () => {
    expect(risky(doc({ Effect: "Allow", NotAction: "*", Resource: "*" }))).toBe(false);
  });

  it("treats NotResource as all resources", () => {
    expect(
      risky(doc({ Effect: "Allow", Action: "*", NotResource: "arn:aws:s3:::secret-bucket/*" })),
    ).toBe(true);
  });

  it("ignores Deny statements and statements with a missing or lower-case Effect", () => {
    expect(risky(doc({ Effect: "Deny", Action: "*", Resource: "*" }))).toBe(false);
    expect(risky(doc({ Action: "*", Resource: "*" }))).toBe(false);
  });

  it("still flags admin statements guarded by a condition", () => {
    expect(
      risky(
        doc({
          Effect: "Allow",
          Action: "*",
          Resource: "*",
          Condition: { Bool: { "aws:MultiFactorAuthPresent": "true" } },
        }),
      ),
    ).toBe(true);
  });

  it("judges URL-encoded documents", () => {
    const encoded = encodeURIComponent(
      JSON.stringify(doc({ Effect: "Allow", Action: "iam:PassRole", Resource: "*" })),
    );
    expect(risky(encoded)).toBe(true);
  });

  it("labels statements by Sid or position", () => {
    expect(statementRisk({ Effect: "Allow", Action: "*", Resource: "*" }, 2)).toBe(
      "statement #3 allows all actions (*) on *",
    );
    expect(
      statementRisk({ Sid: "Esc", Effect: "Allow", Action: ["iam:*", "sts:*"], Resource: "*" }),
    ).toBe('statement "Esc" allows iam:PassRole and sts:AssumeRole (via iam:*, sts:*) on *');
  });

  it("returns one reason per risky statement", () => {
    const reasons = documentRisks(
      parsePolicyDocument(
        doc(
          { Effect: "Allow", Action: "s3:GetObject", Resource: "*" },
          { Effect: "Allow", Action: "*", Resource: "*" },
          { Effect: "Allow", Action: "sts:AssumeRole", Resource: "*" },
        ),
      ),
    );
    expect(reasons).toHaveLength(2);
  });
});

describe("assessPolicy", () => {
  it("flags deny-listed names case-insensitively without a document", () => {
    expect(assessPolicy({ name: "administratoraccess" }, RISKY_NAMES)).toEqual({
      risky: true,
      reasons: ["policy name administratoraccess is on the risky-policy list"],
    });
    expect(isDenyListedPolicyName("ReadOnlyAccess", RISKY_NAMES)).toBe(false);
  });

  it("combines name and document reasons", () => {
    const result = assessPolicy(
      { name: "IAMFullAccess", document: doc({ Effect: "Allow", Action: "iam:*", Resource: "*" }) },
      RISKY_NAMES,
    );
    expect(result.risky).toBe(true);
    expect(result.reasons).toHaveLength(2);
  });

  it("is not risky for a harmless policy", () => {
    expect(
      assessPolicy(
        {
          name: "ReadLogs",
          document: doc({ Effect: "Allow", Action: "logs:Get*", Resource: "*" }),
        },
        RISKY_NAMES,
      ),
    ).toEqual({ risky: false, reasons: [] });
  });
});

describe("sameDocument / canonicalJson", () => {
  it("ignores key order and encoding but not content", () => {
    const a =
      '{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*"}]}';
    const b = encodeURIComponent(
      '{"Statement": [{"Resource": "*", "Action": "*", "Effect": "Deny"}], "Version": "2012-10-17"}',
    );
    expect(sameDocument(a, b)).toBe(true);
    expect(sameDocument(a, a.replace("Deny", "Allow"))).toBe(false);
  });

  it("keeps array order significant", () => {
    expect(canonicalJson([1, 2])).not.toBe(canonicalJson([2, 1]));
    expect(canonicalJson({ b: 1, a: { d: 2, c: 3 } })).toBe('{"a":{"c":3,"d":2},"b":1}');
  });
});
