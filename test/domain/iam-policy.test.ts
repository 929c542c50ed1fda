import { describe, expect, it } from "vitest";
import {
  canonicalJson,
  decodePolicyDocument,
  parsePolicyDocument,
  sameDocument,
} from "../../src/domain/iam-policy.ts";

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
