import { describe, expect, it } from "vitest";
import { unsupportedDetailType } from "../../src/events/detail-types.ts";
import { type SampleName, sample } from "../usecases/fakes.ts";

describe("unsupportedDetailType", () => {
  it.each<[SampleName, string]>([
    ["aws-doc-internal-access-finding", "Internal Access Finding"],
    ["aws-doc-access-preview-state-change", "Access Preview State Change"],
  ])("names AWS's documented %s as unsupported", (name, detailType) => {
    expect(unsupportedDetailType(sample(name))).toBe(
      `unsupported detail-type "${detailType}" from aws.access-analyzer: Vigil handles "Access Analyzer Finding" and "Unused Access Finding for IAM entities" only`,
    );
  });

  it("names another Config detail-type as unsupported", () => {
    const event = sample("config-s3-encryption-noncompliant");
    event["detail-type"] = "Config Configuration Item Change";
    expect(unsupportedDetailType(event)).toMatch(
      /^unsupported detail-type "Config Configuration Item Change" from aws.config: Vigil handles "Config Rules Compliance Change" only$/,
    );
  });

  it.each<SampleName>([
    "config-s3-encryption-noncompliant",
    "access-analyzer-s3-public",
    "aws-doc-access-analyzer-error-finding",
    "aws-doc-unused-access-finding",
  ])("lets a handled detail-type through (%s)", (name) => {
    expect(unsupportedDetailType(sample(name))).toBeUndefined();
  });

  it.each<[string, unknown]>([
    ["an unknown source", { source: "aws.ec2", "detail-type": "EC2 Instance State-change" }],
    ["no detail-type (malformed: the schema says why)", { source: "aws.config" }],
    ["a detail-type that is not a string", { source: "aws.config", "detail-type": 7 }],
    ["null", null],
    ["a source named like an Object property", { source: "constructor", "detail-type": "x" }],
  ])("leaves %s to the schema", (_name, event) => {
    expect(unsupportedDetailType(event)).toBeUndefined();
  });

  it("cuts an absurdly long detail-type", () => {
    const reason = unsupportedDetailType({
      source: "aws.access-analyzer",
      "detail-type": "x".repeat(10_000),
    });
    // 128 characters of it, plus the two handled names (the message grew with the second one).
    expect(reason?.length).toBeLessThan(300);
  });
});
