import { describe, expect, it } from "vitest";
import { ConfigError } from "../../src/config/load.ts";
import {
  ALWAYS_PROTECTED_PRINCIPALS,
  DEFAULT_RULE_KINDS,
  parseRemediationConfig,
} from "../../src/config/remediation-config.ts";
import { DEFAULT_REMEDIATION_SETTINGS } from "../../src/remediations/registry.ts";

describe("remediation config", () => {
  it("has safe defaults", () => {
    const config = parseRemediationConfig(undefined);
    expect(config).toMatchObject({
      dryRun: false,
      defaultMode: "notify",
      modes: {},
      allowedAccounts: [],
      allowedRegions: [],
      exemptionTag: "vigil:exempt",
      exemptionUntilTag: "vigil:exempt-until",
      rateLimit: { maxChanges: 10, windowMinutes: 60 },
      loopBreaker: { maxRemediations: 3, windowMinutes: 1440 },
    });
    expect(config.ruleKinds).toEqual(DEFAULT_RULE_KINDS);
    expect(config.protectedPrincipals).toEqual(
      expect.arrayContaining([...ALWAYS_PROTECTED_PRINCIPALS]),
    );
    expect(config.settings).toEqual({ ...DEFAULT_REMEDIATION_SETTINGS });
  });

  it("merges rule kinds and keeps Vigil's own roles protected whatever is configured", () => {
    const config = parseRemediationConfig({
      ruleKinds: { "securityhub-s3-bucket-public-read-prohibited-*": "s3-public-access" },
      protectedPrincipals: ["arn:aws:iam::*:role/prod-*"],
      modes: {
        "s3-encryption": "enforce",
        "securityhub-s3-bucket-public-read-prohibited-*": "observe",
      },
    });
    expect(config.ruleKinds["s3-bucket-server-side-encryption-enabled"]).toBe("s3-encryption");
    expect(config.ruleKinds["securityhub-s3-bucket-public-read-prohibited-*"]).toBe(
      "s3-public-access",
    );
    expect(config.protectedPrincipals).toContain("arn:aws:iam::*:role/prod-*");
    expect(config.protectedPrincipals).toContain(
      "arn:*:iam::*:role/vigil-*-onAccessAnalyzerFinding",
    );
    // Issue 14: configured patterns add to the defaults, never replace them.
    expect(config.protectedPrincipals).toContain("arn:*:iam::*:role/BreakGlass*");
    expect(config.protectedPrincipals).toContain("arn:*:iam::*:role/OrganizationAccountAccessRole");
    // Vigil's roles by their generated names, not any role whose name starts with "vigil-".
    expect(config.protectedPrincipals).not.toContain("arn:*:iam::*:role/vigil-*");
  });

  it.each([
    [{ defaultMode: "fix" }, /remediation\.defaultMode: /],
    [
      { modes: { "s3-encrypton": "enforce" } },
      /remediation\.modes\.s3-encrypton: not a finding kind/,
    ],
    [{ allowedAccounts: ["12345"] }, /remediation\.allowedAccounts\.0: must be a 12-digit/],
    [{ allowedRegions: ["Europe"] }, /remediation\.allowedRegions\.0: must be an AWS region/],
    [{ rateLimit: { maxChanges: 0 } }, /remediation\.rateLimit\.maxChanges: /],
    [
      { protectedPrincipals: ["role/BreakGlass*"] },
      /remediation\.protectedPrincipals\.0: must be an ARN/,
    ],
    [
      { settings: { s3EncryptionAlgorithm: "aws:kms" } },
      /remediation\.settings\.s3KmsKeyArn: s3KmsKeyArn is required/,
    ],
    [
      { settings: { s3EncryptionAlgorithm: "aws:kms", s3KmsKeyArn: "alias/s3" } },
      /must be a full KMS key ARN/,
    ],
    [{ ruleKinds: { "my-rule": "s3-everything" } }, /remediation\.ruleKinds\.my-rule: /],
    [
      { settings: { trustedIpRanges: ["10.0.0.0/33"] } },
      /remediation\.settings\.trustedIpRanges\.0: /,
    ],
    [{ settings: { trustedIpRanges: ["office"] } }, /remediation\.settings\.trustedIpRanges\.0: /],
    [{ unknownKey: true }, /remediation: .*unknownKey/],
  ])("rejects %j naming the key", (input, message) => {
    expect(() => parseRemediationConfig(input)).toThrow(ConfigError);
    expect(() => parseRemediationConfig(input)).toThrow(message);
  });
});

describe("remediation.exemptions (issue 14 item 3)", () => {
  it("tag exemptions are off by default; the central list is empty", () => {
    expect(parseRemediationConfig({}).exemptions).toEqual({
      tags: "off",
      list: [],
      tagSetters: [],
    });
  });

  it("a central entry needs a resource ARN, a reason, an approver and an ISO expiry", () => {
    const entry = {
      resource: "arn:aws:s3:::acme-www",
      reason: "public website",
      approver: "security (SEC-1)",
      until: "2027-01-31",
    };
    expect(parseRemediationConfig({ exemptions: { list: [entry] } }).exemptions.list).toEqual([
      entry,
    ]);
    for (const bad of [
      { ...entry, until: "soon" },
      { ...entry, approver: " " },
      { ...entry, resource: "acme-www" },
      { resource: entry.resource, reason: entry.reason, until: entry.until },
    ]) {
      expect(() => parseRemediationConfig({ exemptions: { list: [bad] } })).toThrow(ConfigError);
    }
    expect(() => parseRemediationConfig({ exemptions: { tags: "on" } })).toThrow(ConfigError);
  });

  it("ssmPath is an SSM parameter path (item 3a): absolute, no trailing slash", () => {
    expect(
      parseRemediationConfig({ exemptions: { ssmPath: "/vigil/prod/exemptions" } }).exemptions
        .ssmPath,
    ).toBe("/vigil/prod/exemptions");
    for (const bad of ["vigil/exemptions", "/vigil/exemptions/", "/", "/vigil/*", "/a b"]) {
      expect(() => parseRemediationConfig({ exemptions: { ssmPath: bad } }), bad).toThrow(
        ConfigError,
      );
    }
  });
});
