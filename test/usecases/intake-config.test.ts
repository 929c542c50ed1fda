import { IAMClient, ListPoliciesCommand, ListUsersCommand } from "@aws-sdk/client-iam";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import {
  configFindingId,
  intakeConfigEvaluation,
  intakeConfigEvent,
} from "../../src/usecases/intake-config.ts";
import { logLines, type sample } from "./fakes.ts";
import { configEvent, deps, expectFinding, expectIgnored } from "./intake-support.ts";

const iamMock = mockClient(IAMClient);

describe("intake: Config compliance change", () => {
  beforeEach(() => iamMock.reset());

  it("config-s3-encryption-noncompliant → s3-encryption finding with a deterministic id", async () => {
    const { deps: d } = deps();
    const event = configEvent("config-s3-encryption-noncompliant");
    const finding = expectFinding(await intakeConfigEvent(d, event));
    expect(finding).toMatchObject({
      eventId: "7f3c1e52-0b7a-4c1e-9d41-5a2f0c9e1a10",
      source: "config",
      account: "123456789012",
      region: "eu-west-1",
      resourceType: "AWS::S3::Bucket",
      resourceId: "acme-raw-landing-prod",
      resourceArn: "arn:aws:s3:::acme-raw-landing-prod",
      resourceName: "acme-raw-landing-prod",
      rule: "s3-bucket-server-side-encryption-enabled",
      kind: "s3-encryption",
      observedAt: "2026-11-20T09:15:03.801Z",
    });
    // Same evaluation, redelivered under another event id: same finding id.
    const again = expectFinding(
      await intakeConfigEvent(
        d,
        configEvent("config-s3-encryption-noncompliant", (e) => {
          e.id = "other";
        }),
      ),
    );
    expect(again.id).toBe(finding.id);
    // A later evaluation of the same resource: a new id.
    const later = expectFinding(
      await intakeConfigEvent(
        d,
        configEvent("config-s3-encryption-noncompliant", (e) => {
          (e.detail.newEvaluationResult as Record<string, unknown>).resultRecordedTime =
            "2026-11-21T00:00:00Z";
        }),
      ),
    );
    expect(later.id).not.toBe(finding.id);
    expect(iamMock.calls()).toHaveLength(0);
  });

  it("config-s3-public-access-noncompliant → s3-public-access", async () => {
    const finding = expectFinding(
      await intakeConfigEvent(deps().deps, configEvent("config-s3-public-access-noncompliant")),
    );
    expect(finding).toMatchObject({
      kind: "s3-public-access",
      resourceName: "acme-curated-exports",
    });
  });

  it("config-s3-encryption-compliant-again → ignored, and clears the incident", async () => {
    const { deps: d, logger } = deps();
    const ignored = expectIgnored(
      await intakeConfigEvent(d, configEvent("config-s3-encryption-compliant-again")),
      /COMPLIANT: nothing to change/,
    );
    expect(ignored.cleared).toEqual({
      account: "123456789012",
      region: "eu-west-1",
      resourceId: "acme-raw-landing-prod",
      rule: "s3-bucket-server-side-encryption-enabled",
      why: "compliant again",
    });
    expect(logLines(logger)).toEqual([
      expect.objectContaining({
        message: "finding ignored",
        attributes: expect.objectContaining({ eventId: "b7e1c2d3-4f5a-4b6c-8d7e-9f0a1b2c3d4e" }),
      }),
    ]);
  });

  it("a first COMPLIANT evaluation clears nothing (no incident can be open)", async () => {
    const ignored = expectIgnored(
      await intakeConfigEvent(
        deps().deps,
        configEvent("config-s3-encryption-compliant-again", (e) => {
          delete e.detail.oldEvaluationResult;
        }),
      ),
      /COMPLIANT/,
    );
    expect(ignored.cleared).toBeUndefined();
  });

  it("config-iam-admin-policy-noncompliant: resolves the ANPA… id to the policy", async () => {
    iamMock.on(ListPoliciesCommand).resolves({
      Policies: [
        {
          PolicyId: "ANPAOTHER",
          PolicyName: "other",
          Arn: "arn:aws:iam::123456789012:policy/other",
        },
        {
          PolicyId: "ANPAEXAMPLEPOLICYID01",
          PolicyName: "too-broad",
          Arn: "arn:aws:iam::123456789012:policy/ops/too-broad",
        },
      ],
    });
    const finding = expectFinding(
      await intakeConfigEvent(deps().deps, configEvent("config-iam-admin-policy-noncompliant")),
    );
    expect(finding).toMatchObject({
      kind: "iam-risky-policy",
      resourceType: "AWS::IAM::Policy",
      resourceId: "ANPAEXAMPLEPOLICYID01",
      resourceName: "too-broad",
      resourceArn: "arn:aws:iam::123456789012:policy/ops/too-broad",
      region: "us-east-1",
    });
    expect(iamMock).toHaveReceivedCommandTimes(ListPoliciesCommand, 1);
  });

  it("config-iam-user-policies-noncompliant: resolves the AIDA… id to the user", async () => {
    iamMock.on(ListUsersCommand).resolves({
      Users: [
        {
          UserId: "AIDAEXAMPLEUSERID0001",
          UserName: "etl-bot",
          Arn: "arn:aws:iam::123456789012:user/etl-bot",
          Path: "/",
          CreateDate: new Date(),
        },
      ],
    });
    const finding = expectFinding(
      await intakeConfigEvent(deps().deps, configEvent("config-iam-user-policies-noncompliant")),
    );
    expect(finding).toMatchObject({
      kind: "iam-risky-policy",
      resourceType: "AWS::IAM::User",
      resourceName: "etl-bot",
      resourceArn: "arn:aws:iam::123456789012:user/etl-bot",
    });
  });

  it("NOT_APPLICABLE after NON_COMPLIANT (resource deleted) → ignored, clears the incident", async () => {
    const { deps: d, logger } = deps();
    const ignored = expectIgnored(
      await intakeConfigEvent(d, configEvent("config-s3-encryption-not-applicable")),
      /^evaluation is NOT_APPLICABLE: nothing to change \(resource deleted or out of the rule's scope\)$/,
    );
    expect(ignored.cleared).toEqual({
      account: "123456789012",
      region: "eu-west-1",
      resourceId: "acme-raw-landing-prod",
      rule: "s3-bucket-server-side-encryption-enabled",
      why: "not applicable any more (resource deleted or out of the rule's scope)",
    });
    expect(logLines(logger).map((l) => l.level)).toEqual(["info"]);
  });

  it("an IAM id that resolves to nothing → resource no longer exists", async () => {
    iamMock.on(ListUsersCommand).resolves({ Users: [], IsTruncated: false });
    expectIgnored(
      await intakeConfigEvent(deps().deps, configEvent("config-iam-user-policies-noncompliant")),
      /resource no longer exists \(IAM id AIDAEXAMPLEUSERID0001 not found\)/,
    );
  });

  it.each<[string, (e: ReturnType<typeof sample>) => void, RegExp]>([
    [
      "NOT_APPLICABLE",
      (e) => {
        (e.detail.newEvaluationResult as Record<string, unknown>).complianceType = "NOT_APPLICABLE";
      },
      /NOT_APPLICABLE: nothing to change/,
    ],
    [
      "INSUFFICIENT_DATA",
      (e) => {
        (e.detail.newEvaluationResult as Record<string, unknown>).complianceType =
          "INSUFFICIENT_DATA";
      },
      /INSUFFICIENT_DATA/,
    ],
    [
      "unknown rule",
      (e) => {
        e.detail.configRuleName = "my-custom-rule";
      },
      /rule my-custom-rule is not mapped/,
    ],
    [
      "account-level rule",
      (e) => {
        e.detail.configRuleName = "s3-account-level-public-access-blocks-periodic";
      },
      /account-level/,
    ],
    [
      "unsupported resource type",
      (e) => {
        e.detail.resourceType = "AWS::EC2::Instance";
      },
      /resource type AWS::EC2::Instance is not supported for s3-encryption/,
    ],
  ])("%s → ignored with reason", async (_name, mutate, reason) => {
    expectIgnored(
      await intakeConfigEvent(
        deps().deps,
        configEvent("config-s3-encryption-noncompliant", mutate),
      ),
      reason,
    );
  });

  it("honours allow-lists and the home account", async () => {
    const event = configEvent("config-s3-encryption-noncompliant");
    expectIgnored(
      await intakeConfigEvent(deps({ allowedAccounts: ["999999999999"] }).deps, event),
      /account 123456789012 is not in allowedAccounts/,
    );
    expectIgnored(
      await intakeConfigEvent(deps({ allowedRegions: ["us-east-1"] }).deps, event),
      /region eu-west-1 is not in allowedRegions/,
    );
    expectIgnored(
      await intakeConfigEvent(deps({}, { homeAccount: "210987654321" }).deps, event),
      /acts in 210987654321 only/,
    );
    expectFinding(
      await intakeConfigEvent(
        deps(
          { allowedAccounts: ["123456789012"], allowedRegions: ["eu-west-1"] },
          { homeAccount: "123456789012" },
        ).deps,
        event,
      ),
    );
  });

  it("maps rules through configured globs", async () => {
    const event = configEvent("config-s3-encryption-noncompliant", (e) => {
      e.detail.configRuleName = "securityhub-s3-bucket-public-read-prohibited-4d3bb7a2";
    });
    const finding = expectFinding(
      await intakeConfigEvent(
        deps({
          ruleKinds: { "securityhub-s3-bucket-public-read-prohibited-*": "s3-public-access" },
        }).deps,
        event,
      ),
    );
    expect(finding.kind).toBe("s3-public-access");
  });

  it("gives sweep evaluations of the same evaluation the same id as the event", async () => {
    const event = configEvent("config-s3-encryption-noncompliant");
    const fromEvent = expectFinding(await intakeConfigEvent(deps().deps, event));
    const fromSweep = expectFinding(
      await intakeConfigEvaluation(deps().deps, {
        eventId: "sweep-1",
        source: "sweep",
        rule: "s3-bucket-server-side-encryption-enabled",
        resourceType: "AWS::S3::Bucket",
        resourceId: "acme-raw-landing-prod",
        account: "123456789012",
        region: "eu-west-1",
        complianceType: "NON_COMPLIANT",
        recordedAt: new Date("2026-11-20T09:15:03.801Z").toISOString(),
      }),
    );
    expect(fromSweep.id).toBe(fromEvent.id);
    expect(fromSweep.source).toBe("sweep");
    expect(configFindingId({ ...fromEvent, recordedAt: "2026-11-20T09:15:03.801+00:00" })).toBe(
      fromEvent.id,
    );
  });
});
