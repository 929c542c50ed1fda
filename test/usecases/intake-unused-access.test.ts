import { IAMClient } from "@aws-sdk/client-iam";
import { describe, expect, it } from "vitest";
import { IamIdResolver } from "../../src/adapters/iam-id-resolver.ts";
import type { RemediationConfigInput } from "../../src/config/remediation-config.ts";
import { modeFor } from "../../src/domain/guards.ts";
import { analyzerEventSchema } from "../../src/events/access-analyzer-events.ts";
import type { IntakeDeps, IntakeResult } from "../../src/usecases/intake.ts";
import { isIgnored } from "../../src/usecases/intake.ts";
import { intakeAnalyzerEvent } from "../../src/usecases/intake-unused-access.ts";
import {
  fakeConfigRules,
  logLines,
  recordingLogger,
  type SampleName,
  sample,
  testConfig,
} from "./fakes.ts";

function deps(config: RemediationConfigInput = {}) {
  const logger = recordingLogger();
  return {
    logger,
    deps: {
      config: testConfig(config),
      iamIds: new IamIdResolver(new IAMClient({})),
      configRules: fakeConfigRules(),
      logger,
    } satisfies IntakeDeps,
  };
}

const event = (name: SampleName, mutate: (e: ReturnType<typeof sample>) => void = () => {}) => {
  const e = sample(name);
  mutate(e);
  return analyzerEventSchema.parse(e);
};

function reasonOf(result: IntakeResult): string {
  if (!isIgnored(result)) throw new Error(`expected ignored, got finding ${result.kind}`);
  return result.reason;
}

describe("intake: unused-access findings (Unused Access Finding for IAM entities)", () => {
  it("access-analyzer-unused-access-key → iam-unused-access-key, with the analyzer to ask", async () => {
    const result = await intakeAnalyzerEvent(
      deps().deps,
      event("access-analyzer-unused-access-key"),
    );
    expect(result).toEqual({
      id: "c1f0e7a2-3b4d-4e5f-8a9b-0c1d2e3f4a5b",
      eventId: "5e0c2a77-0d1f-4c3e-9b61-2f7f4b1c9a01",
      source: "access-analyzer",
      account: "123456789012",
      region: "us-east-1",
      resourceType: "AWS::IAM::User",
      resourceId: "arn:aws:iam::123456789012:user/etl-loader",
      resourceArn: "arn:aws:iam::123456789012:user/etl-loader",
      resourceName: "etl-loader",
      rule: "access-analyzer:UnusedIAMUserAccessKey",
      kind: "iam-unused-access-key",
      isPublic: false,
      analyzerArn: "arn:aws:access-analyzer:us-east-1:123456789012:analyzer/vigil-unused-access",
      observedAt: "2026-11-21T03:10:18.758Z",
    });
  });

  it.each([
    ["UnusedIAMUserPassword", "AWS::IAM::User", "iam-unused-password"],
    ["UnusedIAMRole", "AWS::IAM::Role", "iam-unused-role"],
    ["UnusedPermission", "AWS::IAM::Role", "iam-unused-permission"],
    ["UnusedPermission", "AWS::IAM::User", "iam-unused-permission"],
  ])("%s on %s → %s (user path kept out of the name)", async (type, resourceType, kind) => {
    const resource =
      resourceType === "AWS::IAM::Role"
        ? "arn:aws:iam::123456789012:role/service/legacy-batch"
        : "arn:aws:iam::123456789012:user/ops/jdoe";
    const result = await intakeAnalyzerEvent(
      deps().deps,
      event("access-analyzer-unused-password", (e) => {
        Object.assign(e.detail, { findingType: type, resourceType, resource });
      }),
    );
    expect(result).toMatchObject({ kind, resourceType, resourceArn: resource });
    expect(isIgnored(result) ? "" : result.resourceName).toMatch(/^(jdoe|legacy-batch)$/);
  });

  it("ARCHIVED → ignored, and clears the open alert of that resource and finding type", async () => {
    const result = await intakeAnalyzerEvent(deps().deps, event("access-analyzer-unused-archived"));
    expect(result).toMatchObject({
      ignored: true,
      cleared: {
        account: "123456789012",
        region: "us-east-1",
        resourceId: "arn:aws:iam::123456789012:role/legacy-batch",
        rule: "access-analyzer:UnusedIAMRole",
        why: "archived",
      },
    });
  });

  it("AWS's documented sample is refused: the event's account is not the finding's", async () => {
    const { deps: d, logger } = deps();
    const reason = reasonOf(await intakeAnalyzerEvent(d, event("aws-doc-unused-access-finding")));
    expect(reason).toBe(
      "event sent by account 123456789012 names a resource of account 111122223333: refused",
    );
    expect(logLines(logger).map((line) => line.level)).toEqual(["info"]);
  });

  it.each<[string, (e: ReturnType<typeof sample>) => void, RegExp]>([
    [
      "an analyzer of another account",
      (e) => {
        e.resources = ["arn:aws:access-analyzer:us-east-1:444455556666:analyzer/x"];
      },
      /names no analyzer of account 123456789012/,
    ],
    [
      "no analyzer at all",
      (e) => {
        e.resources = [];
      },
      /names no analyzer/,
    ],
    [
      "a user in another account",
      (e) => {
        e.detail.resource = "arn:aws:iam::444455556666:user/etl-loader";
      },
      /not in the finding's account/,
    ],
    [
      "a role named by a key finding",
      (e) => {
        Object.assign(e.detail, {
          resource: "arn:aws:iam::123456789012:role/etl",
          resourceType: "AWS::IAM::Role",
        });
      },
      /does not match finding type UnusedIAMUserAccessKey/,
    ],
    [
      "a finding type Vigil does not know",
      (e) => {
        e.detail.findingType = "UnusedSomethingNew";
      },
      /finding type UnusedSomethingNew is not remediated/,
    ],
    [
      "an account outside allowedAccounts",
      (e) => {
        e.detail.accountId = e.account = "210987654321";
      },
      /not in allowedAccounts/,
    ],
  ])("ignores %s", async (_name, mutate, reason) => {
    const d = deps({ allowedAccounts: ["123456789012"] }).deps;
    expect(
      reasonOf(await intakeAnalyzerEvent(d, event("access-analyzer-unused-access-key", mutate))),
    ).toMatch(reason);
  });

  it("rejects a malformed unused-access event at the schema (no finding id)", () => {
    const e = sample("access-analyzer-unused-access-key");
    delete e.detail.findingId;
    expect(analyzerEventSchema.safeParse(e).success).toBe(false);
  });

  it("every unused-access kind is notify by default, even with defaultMode enforce; naming the kind opts in", () => {
    const config = testConfig({ defaultMode: "enforce" });
    for (const kind of [
      "iam-unused-access-key",
      "iam-unused-password",
      "iam-unused-role",
      "iam-unused-permission",
    ] as const) {
      expect(modeFor(config.modes, config.defaultMode, { kind, rule: "access-analyzer:x" })).toBe(
        "notify",
      );
    }
    const opted = testConfig({
      defaultMode: "enforce",
      modes: { "iam-unused-access-key": "enforce" },
    });
    expect(
      modeFor(opted.modes, opted.defaultMode, { kind: "iam-unused-access-key", rule: "r" }),
    ).toBe("enforce");
    expect(modeFor(opted.modes, opted.defaultMode, { kind: "s3-encryption", rule: "r" })).toBe(
      "enforce",
    );
  });
});
