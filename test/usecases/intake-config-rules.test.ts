// Which Config rules Vigil listens to: a rule maps to a kind by name, glob or (for rules AWS
// deploys under generated names) its managed source identifier, and its verdicts count only when
// AWS owns the rule or remediation.trustedConfigRules allow-lists its ARN.
import { describe, expect, it } from "vitest";
import type { ConfigRule } from "../../src/ports/config-rules.ts";
import { intakeConfigEvent } from "../../src/usecases/intake-config.ts";
import { fakeConfigRules, logLines } from "./fakes.ts";
import { configEvent, deps, expectFinding, expectIgnored } from "./intake-support.ts";

describe("intake: rules as AWS deploys them (by managed source identifier)", () => {
  const SECURITY_HUB = "securityhub-s3-bucket-public-read-prohibited-a1b2c3";
  const ARN = "arn:aws:config:eu-west-1:123456789012:config-rule/config-rule-k2x9qd";

  function directory(rules: ConfigRule[]) {
    const asked: Array<{ account: string; region: string; name: string; arn?: string }> = [];
    return {
      asked,
      configRules: {
        async find(account: string, region: string, name: string, options?: { arn?: string }) {
          asked.push({ account, region, name, ...(options?.arn ? { arn: options.arn } : {}) });
          return rules.find((r) => r.name === name);
        },
        async list() {
          return rules;
        },
      },
    };
  }
  const event = (rule: string) =>
    configEvent("config-s3-public-access-noncompliant", (e) => {
      e.detail.configRuleName = rule;
    });

  it("maps a Security Hub rule by its source identifier, asking with the event's rule ARN", async () => {
    const { configRules, asked } = directory([
      {
        name: SECURITY_HUB,
        arn: ARN,
        owner: "AWS",
        sourceIdentifier: "S3_BUCKET_PUBLIC_READ_PROHIBITED",
      },
    ]);
    const finding = expectFinding(
      await intakeConfigEvent({ ...deps().deps, configRules }, event(SECURITY_HUB)),
    );
    expect(finding).toMatchObject({ kind: "s3-public-access", rule: SECURITY_HUB });
    expect(asked).toEqual([
      { account: "123456789012", region: "eu-west-1", name: SECURITY_HUB, arn: ARN },
    ]);
  });

  it.each<[string, ConfigRule[]]>([
    [
      "a custom rule with a managed-looking identifier",
      [
        {
          name: SECURITY_HUB,
          arn: ARN,
          owner: "CUSTOM_LAMBDA",
          sourceIdentifier: "S3_BUCKET_PUBLIC_READ_PROHIBITED",
        },
      ],
    ],
    [
      "a managed rule Vigil does not remediate",
      [
        {
          name: SECURITY_HUB,
          arn: ARN,
          owner: "AWS",
          sourceIdentifier: "S3_BUCKET_LOGGING_ENABLED",
        },
      ],
    ],
    [
      "an identifier named like an Object member",
      [{ name: SECURITY_HUB, arn: ARN, owner: "AWS", sourceIdentifier: "constructor" }],
    ],
    ["a rule the account does not have", []],
  ])("%s → not mapped", async (_name, rules) => {
    const { configRules } = directory(rules);
    expectIgnored(
      await intakeConfigEvent({ ...deps().deps, configRules }, event(SECURITY_HUB)),
      /is not mapped to a finding kind/,
    );
  });

  it("a name in ruleKinds wins over the source identifier; the rule is looked up once, for its owner", async () => {
    const { configRules, asked } = directory([
      {
        name: SECURITY_HUB,
        arn: ARN,
        owner: "AWS",
        sourceIdentifier: "S3_BUCKET_PUBLIC_READ_PROHIBITED",
      },
    ]);
    const finding = expectFinding(
      await intakeConfigEvent(
        { ...deps({ ruleKinds: { "securityhub-s3-*": "s3-encryption" } }).deps, configRules },
        event(SECURITY_HUB),
      ),
    );
    expect(finding.kind).toBe("s3-encryption");
    expect(asked).toHaveLength(1);
  });
});

describe("intake: a Config rule counts only when AWS owns it (issue 14 item 7)", () => {
  const RULE = "s3-bucket-server-side-encryption-enabled";
  const EVENT_ARN = "arn:aws:config:eu-west-1:123456789012:config-rule/config-rule-k2x9qd";

  it("refuses a custom rule under a managed rule's name: warning log, refused for paging, no IAM call", async () => {
    const rules = fakeConfigRules({
      [RULE]: { owner: "CUSTOM_LAMBDA", sourceIdentifier: "arn:aws:lambda:eu-west-1:1:function:x" },
    });
    const { deps: d, logger } = deps({}, { configRules: rules });
    const result = expectIgnored(
      await intakeConfigEvent(d, configEvent("config-s3-encryption-noncompliant")),
      /owned by CUSTOM_LAMBDA .*not AWS.*refused.*trustedConfigRules/,
    );
    expect(result.refused).toMatchObject({ rule: RULE, resourceId: "acme-raw-landing-prod" });
    expect(logLines(logger)).toContainEqual(
      expect.objectContaining({
        level: "warn",
        message: "finding refused",
        attributes: expect.objectContaining({ decision: "refused" }),
      }),
    );
    expect(rules.calls).toEqual([`123456789012/eu-west-1/${RULE}`]);
  });

  it("acts on a custom rule whose ARN is allow-listed in remediation.trustedConfigRules", async () => {
    const rules = fakeConfigRules({ [RULE]: { owner: "CUSTOM_POLICY" } });
    const { deps: d } = deps({ trustedConfigRules: [EVENT_ARN] }, { configRules: rules });
    const finding = expectFinding(
      await intakeConfigEvent(d, configEvent("config-s3-encryption-noncompliant")),
    );
    expect(finding.kind).toBe("s3-encryption");
  });

  it("refuses a rule the account does not have, and an event whose rule ARN is not the rule's", async () => {
    const missing = deps({}, { configRules: fakeConfigRules({ [RULE]: null }) }).deps;
    const gone = expectIgnored(
      await intakeConfigEvent(missing, configEvent("config-s3-encryption-noncompliant")),
      /does not exist in account 123456789012 eu-west-1/,
    );
    expect(gone.refused).toBeDefined();
    const other = `${EVENT_ARN.slice(0, -6)}zzzzzz`;
    const moved = deps({}, { configRules: fakeConfigRules({ [RULE]: { arn: other } }) }).deps;
    expectIgnored(
      await intakeConfigEvent(moved, configEvent("config-s3-encryption-noncompliant")),
      /names rule ARN .*k2x9qd but .* is .*zzzzzz/,
    );
  });

  it("a custom rule's COMPLIANT-again cannot close the incident either", async () => {
    const rules = fakeConfigRules({ [RULE]: { owner: "CUSTOM_LAMBDA" } });
    const { deps: d } = deps({}, { configRules: rules });
    const result = expectIgnored(
      await intakeConfigEvent(d, configEvent("config-s3-encryption-compliant-again")),
      /not AWS/,
    );
    expect(result.cleared).toBeUndefined();
    expect(result.refused).toBeDefined();
  });

  it("an unmapped rule is looked up once (for a managed source identifier) and ignored", async () => {
    const rules = fakeConfigRules();
    const { deps: d } = deps({}, { configRules: rules });
    expectIgnored(
      await intakeConfigEvent(
        d,
        configEvent("config-s3-encryption-noncompliant", (e) => {
          e.detail.configRuleName = "some-other-rule";
        }),
      ),
      /not mapped/,
    );
    expect(rules.calls).toEqual(["123456789012/eu-west-1/some-other-rule"]);
  });
});
