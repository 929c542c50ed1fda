import { describe, expect, it } from "vitest";
import { parseRemediationConfig } from "../../src/config/remediation-config.ts";
import { eventPatterns } from "../../src/deploy/event-patterns.ts";

describe("remediation event patterns", () => {
  const { config } = eventPatterns(
    parseRemediationConfig({ ruleKinds: { "acme-*-encryption": "s3-encryption" } }),
  );
  const detail = config.detail as {
    configRuleName: unknown[];
    newEvaluationResult: { complianceType: string[] };
  };

  it("delivers NOT_APPLICABLE (resource deleted) besides NON_COMPLIANT and COMPLIANT", () => {
    expect(detail.newEvaluationResult.complianceType).toEqual([
      "NON_COMPLIANT",
      "COMPLIANT",
      "NOT_APPLICABLE",
    ]);
  });

  it("lets through configured names and globs, and the names AWS services generate", () => {
    expect(detail.configRuleName).toEqual(
      expect.arrayContaining([
        "s3-bucket-public-read-prohibited",
        { wildcard: "acme-*-encryption" },
        { prefix: "securityhub-" },
        { prefix: "AWSControlTower_" },
        { wildcard: "*-conformance-pack-*" },
      ]),
    );
  });
});
