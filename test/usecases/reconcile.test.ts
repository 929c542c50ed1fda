import {
  AccessAnalyzerClient,
  GetFindingV2Command,
  ListAnalyzersCommand,
  ListFindingsV2Command,
} from "@aws-sdk/client-accessanalyzer";
import {
  type ConfigRule,
  type ConfigRuleState,
  ConfigServiceClient,
  DescribeConfigRulesCommand,
  type EvaluationResult,
  GetComplianceDetailsByConfigRuleCommand,
} from "@aws-sdk/client-config-service";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { AccessAnalyzerFindingSource } from "../../src/adapters/access-analyzer-finding-source.ts";
import { ConfigComplianceSource } from "../../src/adapters/config-compliance-source.ts";
import { ConfigRulesCatalog } from "../../src/adapters/config-rules-catalog.ts";
import type { RemediationConfigInput } from "../../src/config/remediation-config.ts";
import type { FindingKind } from "../../src/domain/finding.ts";
import { accessAnalyzerFindingEventSchema } from "../../src/events/access-analyzer-finding.ts";
import type { IamIdLookup } from "../../src/ports/iam-ids.ts";
import { isIgnored } from "../../src/usecases/intake.ts";
import { intakeAccessAnalyzerEvent } from "../../src/usecases/intake-access-analyzer.ts";
import { reconcile } from "../../src/usecases/reconcile.ts";
import { remediateFinding } from "../../src/usecases/remediate-finding.ts";
import { awsError, fakeConfigRules, fakeRemediation, logLines, sample, testDeps } from "./fakes.ts";

const configMock = mockClient(ConfigServiceClient);

const rule = (name: string, state: ConfigRuleState = "ACTIVE"): ConfigRule => ({
  ConfigRuleName: name,
  ConfigRuleState: state,
  Source: { Owner: "AWS", SourceIdentifier: name.toUpperCase() },
});

function evaluation(
  rule: string,
  resourceType: string,
  resourceId: string,
  recorded = "2026-11-20T09:15:03.801Z",
): EvaluationResult {
  return {
    EvaluationResultIdentifier: {
      EvaluationResultQualifier: {
        ConfigRuleName: rule,
        ResourceType: resourceType,
        ResourceId: resourceId,
      },
      OrderingTimestamp: new Date(recorded),
    },
    ComplianceType: "NON_COMPLIANT",
    ResultRecordedTime: new Date(recorded),
    ConfigRuleInvokedTime: new Date(recorded),
  };
}

const iamIds: IamIdLookup = {
  async resolve(_type, id) {
    return id === "AIDAKNOWN"
      ? { name: "etl-bot", arn: "arn:aws:iam::123456789012:user/etl-bot" }
      : undefined;
  },
};

function setup(
  config: RemediationConfigInput = { defaultMode: "enforce" },
  kinds: FindingKind[] = ["s3-encryption", "s3-public-access", "iam-risky-policy"],
) {
  const remediation = fakeRemediation({ kinds });
  const runner = testDeps([remediation], config);
  const deps = {
    runner,
    compliance: new ConfigComplianceSource(new ConfigServiceClient({ region: "us-east-1" })),
    iamIds,
    configRules: fakeConfigRules(),
    account: "123456789012",
    region: "us-east-1",
  };
  return { remediation, runner, deps };
}

const ENCRYPTION = "s3-bucket-server-side-encryption-enabled";

describe("reconcile", () => {
  beforeEach(() => configMock.reset());

  it("reads active mapped rules (paginated) and drives NON_COMPLIANT resources through the runner", async () => {
    configMock
      .on(DescribeConfigRulesCommand, {})
      .resolves({ ConfigRules: [rule(ENCRYPTION), rule("my-custom-rule")], NextToken: "t2" })
      .on(DescribeConfigRulesCommand, { NextToken: "t2" })
      .resolves({
        ConfigRules: [
          rule("iam-user-no-policies-check"),
          rule("s3-bucket-public-read-prohibited", "DELETING"),
          rule("s3-account-level-public-access-blocks-periodic"),
        ],
      });
    configMock
      .on(GetComplianceDetailsByConfigRuleCommand, { ConfigRuleName: ENCRYPTION })
      .resolves({
        EvaluationResults: [evaluation(ENCRYPTION, "AWS::S3::Bucket", "b1")],
        NextToken: "n2",
      })
      .on(GetComplianceDetailsByConfigRuleCommand, { ConfigRuleName: ENCRYPTION, NextToken: "n2" })
      .resolves({ EvaluationResults: [evaluation(ENCRYPTION, "AWS::S3::Bucket", "b2")] })
      .on(GetComplianceDetailsByConfigRuleCommand, { ConfigRuleName: "iam-user-no-policies-check" })
      .resolves({
        EvaluationResults: [
          evaluation("iam-user-no-policies-check", "AWS::IAM::User", "AIDAKNOWN"),
          evaluation("iam-user-no-policies-check", "AWS::IAM::User", "AIDAGONE"),
        ],
      });

    const { deps, remediation } = setup();
    const report = await reconcile(deps);

    expect(report.rules).toEqual([
      { rule: ENCRYPTION, kind: "s3-encryption", evaluations: 2 },
      { rule: "iam-user-no-policies-check", kind: "iam-risky-policy", evaluations: 2 },
    ]);
    expect(report).toMatchObject({
      evaluations: 4,
      handled: 3,
      outcomes: { applied: 3, ignored: 1 },
      partialFailure: false,
    });
    expect(configMock).toHaveReceivedCommandWith(GetComplianceDetailsByConfigRuleCommand, {
      ConfigRuleName: ENCRYPTION,
      ComplianceTypes: ["NON_COMPLIANT"],
      Limit: 100,
    });
    expect(configMock).not.toHaveReceivedCommandWith(GetComplianceDetailsByConfigRuleCommand, {
      ConfigRuleName: "my-custom-rule",
    });
    expect(remediation.calls.filter((c) => c.phase === "plan").map((c) => c.resourceArn)).toEqual([
      "arn:aws:s3:::b1",
      "arn:aws:s3:::b2",
      "arn:aws:iam::123456789012:user/etl-bot",
    ]);
    const findings = [...deps.runner.journal.records.values()].map((r) => r.finding);
    expect(findings.every((f) => f.source === "sweep")).toBe(true);
  });

  it("with a digest, outcomes that page nobody go into one message per run; applied fixes still go alone", async () => {
    configMock.on(DescribeConfigRulesCommand).resolves({
      ConfigRules: [rule(ENCRYPTION), rule("iam-user-no-policies-check")],
    });
    configMock
      .on(GetComplianceDetailsByConfigRuleCommand, { ConfigRuleName: ENCRYPTION })
      .resolves({
        EvaluationResults: ["b1", "b2", "b3"].map((b) =>
          evaluation(ENCRYPTION, "AWS::S3::Bucket", b),
        ),
      })
      .on(GetComplianceDetailsByConfigRuleCommand, { ConfigRuleName: "iam-user-no-policies-check" })
      .resolves({
        EvaluationResults: [
          evaluation("iam-user-no-policies-check", "AWS::IAM::User", "AIDAKNOWN"),
        ],
      });
    const { deps } = setup({ defaultMode: "notify", modes: { "iam-risky-policy": "enforce" } });

    const report = await reconcile({ ...deps, digestTop: 2 });

    expect(report.outcomes).toEqual({ notified: 3, applied: 1 });
    expect(report.digest).toEqual({ outcomes: 3, sent: true });
    const sent = deps.runner.notifier.sent;
    expect(sent.map((n) => n.attributes.outcome)).toEqual(["applied", ["notified"]]);
    const digest = sent[1];
    expect(digest?.destinations).toEqual(["sns"]);
    expect(digest?.subject).toBe(
      "[Vigil WARNING] 123456789012 us-east-1 remediation digest: 3 notified",
    );
    const items = digest?.details.items as Array<{ resource: string; journalId: string }>;
    expect(items.map((i) => i.resource)).toEqual([
      "arn:aws:s3:::b1",
      "arn:aws:s3:::b2",
      "arn:aws:s3:::b3",
    ]);
    // The first two in full, the third counted, with the command that lists the run's decisions.
    expect(digest?.body).toContain(`1. WARNING fix planned (notify mode)`);
    expect(digest?.body).toContain(`vigil journal show ${items[1]?.journalId}`);
    expect(digest?.body).not.toContain(`vigil journal show ${items[2]?.journalId}`);
    expect(digest?.body).toContain(
      "…and 1 more, each in the JSON below. `vigil journal list --since 2026-",
    );
  });

  it("without a digest (per-episode mode) every outcome is sent on its own", async () => {
    configMock.on(DescribeConfigRulesCommand).resolves({ ConfigRules: [rule(ENCRYPTION)] });
    configMock
      .on(GetComplianceDetailsByConfigRuleCommand)
      .resolves({ EvaluationResults: [evaluation(ENCRYPTION, "AWS::S3::Bucket", "b1")] });
    const { deps } = setup({ defaultMode: "notify" });

    const report = await reconcile(deps);

    expect(report.digest).toBeUndefined();
    expect(deps.runner.notifier.sent.map((n) => n.attributes.outcome)).toEqual(["notified"]);
  });

  it("a second sweep over the same evaluations finds them handled (duplicates do not use the budget)", async () => {
    configMock.on(DescribeConfigRulesCommand).resolves({ ConfigRules: [rule(ENCRYPTION)] });
    configMock.on(GetComplianceDetailsByConfigRuleCommand).resolves({
      EvaluationResults: [
        evaluation(ENCRYPTION, "AWS::S3::Bucket", "b1"),
        evaluation(ENCRYPTION, "AWS::S3::Bucket", "b2"),
      ],
    });
    const { deps, remediation } = setup({
      defaultMode: "enforce",
      sweep: { maxFindingsPerRun: 1 },
    });
    const first = await reconcile(deps);
    expect(first).toMatchObject({
      handled: 1,
      stoppedBy: "maxFindingsPerRun",
      outcomes: { applied: 1 },
    });
    const second = await reconcile(deps);
    expect(second).toMatchObject({ handled: 1, outcomes: { duplicate: 1, applied: 1 } });
    expect(remediation.calls.filter((c) => c.phase === "apply")).toHaveLength(2);
  });

  it("stops at maxEvaluationsPerRun and at the deadline", async () => {
    configMock.on(DescribeConfigRulesCommand).resolves({ ConfigRules: [rule(ENCRYPTION)] });
    configMock.on(GetComplianceDetailsByConfigRuleCommand).resolves({
      EvaluationResults: ["a", "b", "c"].map((b) => evaluation(ENCRYPTION, "AWS::S3::Bucket", b)),
    });
    const limited = setup({ defaultMode: "notify", sweep: { maxEvaluationsPerRun: 2 } });
    expect(await reconcile(limited.deps)).toMatchObject({
      evaluations: 2,
      stoppedBy: "maxEvaluationsPerRun",
    });

    const late = setup({ defaultMode: "notify" });
    expect(await reconcile(late.deps, { deadline: late.runner.clock() })).toMatchObject({
      evaluations: 0,
      stoppedBy: "deadline",
    });
  });

  it("one resource's transient error does not stop the sweep; it is reported", async () => {
    configMock
      .on(DescribeConfigRulesCommand)
      .resolves({ ConfigRules: [rule(ENCRYPTION), rule("s3-bucket-public-read-prohibited")] });
    configMock
      .on(GetComplianceDetailsByConfigRuleCommand, { ConfigRuleName: ENCRYPTION })
      .resolves({ EvaluationResults: [evaluation(ENCRYPTION, "AWS::S3::Bucket", "b1")] })
      .on(GetComplianceDetailsByConfigRuleCommand, {
        ConfigRuleName: "s3-bucket-public-read-prohibited",
      })
      .rejects(awsError("ThrottlingException", 400, { $retryable: {} }));
    const remediation = fakeRemediation({ planError: awsError("SlowDown", 503) });
    const runner = testDeps([remediation], { defaultMode: "enforce" });
    const report = await reconcile({
      runner,
      compliance: new ConfigComplianceSource(new ConfigServiceClient({ region: "us-east-1" })),
      iamIds,
      configRules: fakeConfigRules(),
      account: "123456789012",
      region: "us-east-1",
    });
    expect(report.partialFailure).toBe(true);
    expect(report.errors).toEqual([
      { rule: ENCRYPTION, resourceId: "b1", error: "SlowDown: SlowDown happened", transient: true },
      {
        rule: "s3-bucket-public-read-prohibited",
        error: "ThrottlingException: ThrottlingException happened",
        transient: true,
      },
    ]);
    expect(logLines(runner.logger).at(-1)).toMatchObject({
      level: "warn",
      message: "reconciliation sweep finished",
    });
  });
});

describe("reconcile: rules as AWS deploys them (by managed source identifier)", () => {
  beforeEach(() => configMock.reset());

  it("sweeps a Security Hub or conformance-pack rule by its source identifier, never a custom rule", async () => {
    const securityHub = "securityhub-s3-bucket-server-side-encryption-enabled-a1b2c3";
    const pack = "s3-bucket-public-read-prohibited-conformance-pack-x9y8z7";
    const spoof = "securityhub-looks-managed-d4e5f6";
    configMock.on(DescribeConfigRulesCommand).resolves({
      ConfigRules: [
        {
          ConfigRuleName: securityHub,
          ConfigRuleArn: "arn:aws:config:us-east-1:123456789012:config-rule/config-rule-sh1",
          ConfigRuleState: "ACTIVE",
          Source: { Owner: "AWS", SourceIdentifier: "S3_BUCKET_SERVER_SIDE_ENCRYPTION_ENABLED" },
        },
        {
          ConfigRuleName: pack,
          ConfigRuleArn: "arn:aws:config:us-east-1:123456789012:config-rule/config-rule-cp1",
          ConfigRuleState: "ACTIVE",
          Source: { Owner: "AWS", SourceIdentifier: "S3_BUCKET_PUBLIC_READ_PROHIBITED" },
        },
        {
          // A custom rule's logic is the account's: its name or identifier proves nothing.
          ConfigRuleName: spoof,
          ConfigRuleArn: "arn:aws:config:us-east-1:123456789012:config-rule/config-rule-c1",
          ConfigRuleState: "ACTIVE",
          Source: { Owner: "CUSTOM_LAMBDA", SourceIdentifier: "S3_BUCKET_PUBLIC_READ_PROHIBITED" },
        },
      ],
    });
    configMock
      .on(GetComplianceDetailsByConfigRuleCommand, { ConfigRuleName: securityHub })
      .resolves({ EvaluationResults: [evaluation(securityHub, "AWS::S3::Bucket", "b1")] })
      .on(GetComplianceDetailsByConfigRuleCommand, { ConfigRuleName: pack })
      .resolves({ EvaluationResults: [evaluation(pack, "AWS::S3::Bucket", "b2")] });

    const client = new ConfigServiceClient({ region: "us-east-1" });
    const { deps, remediation } = setup();
    const report = await reconcile({
      ...deps,
      configRules: new ConfigRulesCatalog({ clientFor: () => client }),
    });

    expect(report.rules).toEqual([
      { rule: securityHub, kind: "s3-encryption", evaluations: 1 },
      { rule: pack, kind: "s3-public-access", evaluations: 1 },
    ]);
    expect(remediation.calls.filter((c) => c.phase === "plan").map((c) => c.resourceArn)).toEqual([
      "arn:aws:s3:::b1",
      "arn:aws:s3:::b2",
    ]);
    expect(configMock).not.toHaveReceivedCommandWith(GetComplianceDetailsByConfigRuleCommand, {
      ConfigRuleName: spoof,
    });
  });

  it("an exact name or glob in ruleKinds overrides the source identifier", async () => {
    const securityHub = "securityhub-s3-bucket-server-side-encryption-enabled-a1b2c3";
    configMock.on(DescribeConfigRulesCommand).resolves({
      ConfigRules: [
        {
          ConfigRuleName: securityHub,
          ConfigRuleState: "ACTIVE",
          Source: { Owner: "AWS", SourceIdentifier: "S3_BUCKET_SERVER_SIDE_ENCRYPTION_ENABLED" },
        },
      ],
    });
    configMock.on(GetComplianceDetailsByConfigRuleCommand).resolves({ EvaluationResults: [] });
    const client = new ConfigServiceClient({ region: "us-east-1" });
    const { deps } = setup({
      defaultMode: "enforce",
      ruleKinds: { "securityhub-s3-bucket-server-side-*": "s3-public-access" },
    });
    const report = await reconcile({
      ...deps,
      configRules: new ConfigRulesCatalog({ clientFor: () => client }),
    });
    expect(report.rules).toEqual([{ rule: securityHub, kind: "s3-public-access", evaluations: 0 }]);
  });
});

describe("reconcile: Access Analyzer sweep (aws-sdk-client-mock: moto has no Access Analyzer)", () => {
  const aaMock = mockClient(AccessAnalyzerClient);
  const ANALYZER = "arn:aws:access-analyzer:us-east-1:123456789012:analyzer/org-analyzer";
  const UPDATED = new Date("2026-11-21T02:10:22.000Z");
  const summary = (id: string, bucket: string, extra: Record<string, unknown> = {}) => ({
    id,
    resource: `arn:aws:s3:::${bucket}`,
    resourceType: "AWS::S3::Bucket" as const,
    resourceOwnerAccount: "123456789012",
    status: "ACTIVE" as const,
    createdAt: UPDATED,
    analyzedAt: UPDATED,
    updatedAt: UPDATED,
    findingType: "ExternalAccess" as const,
    ...extra,
  });

  beforeEach(() => {
    configMock.reset();
    aaMock.reset();
    configMock.on(DescribeConfigRulesCommand).resolves({ ConfigRules: [] });
    aaMock.on(ListAnalyzersCommand, { type: "ACCOUNT" }).resolves({ analyzers: [] });
    aaMock.on(ListAnalyzersCommand, { type: "ACCOUNT_UNUSED_ACCESS" }).resolves({ analyzers: [] });
    aaMock
      .on(ListAnalyzersCommand, { type: "ORGANIZATION_UNUSED_ACCESS" })
      .resolves({ analyzers: [] });
    aaMock.on(ListAnalyzersCommand, { type: "ORGANIZATION" }).resolves({
      analyzers: [
        {
          arn: ANALYZER,
          name: "org-analyzer",
          type: "ORGANIZATION",
          status: "ACTIVE",
          createdAt: UPDATED,
        },
      ],
    });
    aaMock
      .on(ListFindingsV2Command, { analyzerArn: ANALYZER })
      .resolves({ findings: [summary("f-public", "exports")], nextToken: "p2" })
      .on(ListFindingsV2Command, { analyzerArn: ANALYZER, nextToken: "p2" })
      .resolves({
        findings: [
          summary("f-error", "unreadable", { error: "ACCESS_DENIED" }),
          summary("f-shared", "partner-drop"),
        ],
      });
    aaMock.on(GetFindingV2Command, { id: "f-public" }).resolves({
      ...summary("f-public", "exports"),
      findingDetails: [
        { externalAccessDetails: { principal: { AWS: "*" }, isPublic: true, condition: {} } },
      ],
    });
    aaMock.on(GetFindingV2Command, { id: "f-shared" }).resolves({
      ...summary("f-shared", "partner-drop"),
      findingDetails: [
        {
          externalAccessDetails: {
            principal: { AWS: "444455556666" },
            isPublic: false,
            condition: {},
          },
        },
      ],
    });
  });

  function sweep(config: RemediationConfigInput = { defaultMode: "enforce" }) {
    const { deps, remediation } = setup(config);
    return {
      remediation,
      deps: {
        ...deps,
        accessAnalyzer: new AccessAnalyzerFindingSource(
          new AccessAnalyzerClient({ region: "us-east-1" }),
        ),
      },
    };
  }

  it("lists ACTIVE findings of every active analyzer (paginated) and drives them through the runner", async () => {
    const { deps, remediation } = sweep();
    const report = await reconcile(deps);
    expect(report).toMatchObject({
      evaluations: 3,
      accessAnalyzerFindings: 3,
      handled: 1,
      // The error finding and the bucket shared with one account (not public) are ignored.
      outcomes: { applied: 1, ignored: 2 },
      partialFailure: false,
    });
    expect(aaMock).toHaveReceivedCommandWith(ListFindingsV2Command, {
      analyzerArn: ANALYZER,
      filter: { status: { eq: ["ACTIVE"] } },
    });
    // No details asked for the error finding: there are none.
    expect(aaMock).not.toHaveReceivedCommandWith(GetFindingV2Command, { id: "f-error" });
    expect(remediation.calls.filter((c) => c.phase === "plan").map((c) => c.resourceArn)).toEqual([
      "arn:aws:s3:::exports",
    ]);
    const [finding] = [...deps.runner.journal.records.values()].map((r) => r.finding);
    expect(finding).toMatchObject({
      id: "f-public",
      source: "sweep",
      kind: "s3-public-access",
      observedAt: UPDATED.toISOString(),
    });
  });

  it("a bucket finding granted only through an access point is swept as the access point's (its sources from GetFindingV2)", async () => {
    const accessPoint = "arn:aws:s3:us-east-1:123456789012:accesspoint/partner-drop-ap";
    aaMock.on(GetFindingV2Command, { id: "f-shared" }).resolves({
      ...summary("f-shared", "partner-drop"),
      findingDetails: [
        {
          externalAccessDetails: {
            principal: { AWS: "444455556666" },
            isPublic: false,
            condition: {},
            sources: [{ type: "S3_ACCESS_POINT", detail: { accessPointArn: accessPoint } }],
          },
        },
      ],
    });
    const { remediation, runner, deps } = setup({ defaultMode: "enforce" }, [
      "s3-public-access",
      "s3-access-point-policy",
    ]);
    await reconcile({
      ...deps,
      accessAnalyzer: new AccessAnalyzerFindingSource(
        new AccessAnalyzerClient({ region: "us-east-1" }),
      ),
    });
    const planned = remediation.calls.filter((c) => c.phase === "plan");
    expect(planned.map((c) => c.resourceArn).sort()).toEqual(["arn:aws:s3:::exports", accessPoint]);
    const swept = [...runner.journal.records.values()].map((r) => r.finding);
    expect(swept.find((f) => f.resourceArn === accessPoint)).toMatchObject({
      kind: "s3-access-point-policy",
      resourceType: "AWS::S3::AccessPoint",
      source: "sweep",
    });
  });

  it("is idempotent with the event path: a finding the event handled is a duplicate", async () => {
    const { deps, remediation } = sweep();
    const event = sample("access-analyzer-s3-public");
    Object.assign(event.detail, {
      id: "f-public",
      resource: "arn:aws:s3:::exports",
      region: "us-east-1",
      updatedAt: UPDATED.toISOString(),
    });
    const fromEvent = await intakeAccessAnalyzerEvent(
      {
        config: deps.runner.config,
        iamIds,
        configRules: deps.configRules,
        logger: deps.runner.logger,
      },
      accessAnalyzerFindingEventSchema.parse(event),
    );
    if (isIgnored(fromEvent)) throw new Error(fromEvent.reason);
    expect((await remediateFinding(deps.runner, fromEvent)).outcome).toBe("applied");

    const report = await reconcile(deps);
    expect(report.outcomes).toEqual({ duplicate: 1, ignored: 2 });
    expect(report.handled).toBe(0);
    expect(remediation.calls.filter((c) => c.phase === "apply")).toHaveLength(1);
  });

  it("also sweeps unused-access analyzers: their findings go through the unused-access intake, details left to the remediation", async () => {
    const UNUSED = "arn:aws:access-analyzer:us-east-1:123456789012:analyzer/unused";
    aaMock.on(ListAnalyzersCommand, { type: "ORGANIZATION" }).resolves({ analyzers: [] });
    aaMock.on(ListAnalyzersCommand, { type: "ACCOUNT_UNUSED_ACCESS" }).resolves({
      analyzers: [
        {
          arn: UNUSED,
          name: "unused",
          type: "ACCOUNT_UNUSED_ACCESS",
          status: "ACTIVE",
          createdAt: UPDATED,
        },
      ],
    });
    aaMock.on(ListFindingsV2Command, { analyzerArn: UNUSED }).resolves({
      findings: [
        {
          id: "u-key",
          resource: "arn:aws:iam::123456789012:user/etl-loader",
          resourceType: "AWS::IAM::User",
          resourceOwnerAccount: "123456789012",
          status: "ACTIVE",
          createdAt: UPDATED,
          analyzedAt: UPDATED,
          updatedAt: UPDATED,
          findingType: "UnusedIAMUserAccessKey",
        },
      ],
    });
    const { deps, runner } = setup({ defaultMode: "enforce" }, ["iam-unused-access-key"]);
    const report = await reconcile({
      ...deps,
      accessAnalyzer: new AccessAnalyzerFindingSource(
        new AccessAnalyzerClient({ region: "us-east-1" }),
      ),
    });
    expect(report).toMatchObject({ accessAnalyzerFindings: 1, partialFailure: false });
    // Unused-access kinds stay at notify whatever defaultMode says: planned, told, not applied.
    expect(report.outcomes).toEqual({ notified: 1 });
    expect(aaMock).not.toHaveReceivedCommand(GetFindingV2Command);
    const [finding] = [...runner.journal.records.values()].map((r) => r.finding);
    expect(finding).toMatchObject({
      id: "u-key",
      source: "sweep",
      kind: "iam-unused-access-key",
      analyzerArn: UNUSED,
      resourceName: "etl-loader",
    });
  });

  it("is bounded: stops at maxEvaluationsPerRun without reading the next page", async () => {
    const { deps } = sweep({ defaultMode: "notify", sweep: { maxEvaluationsPerRun: 1 } });
    const report = await reconcile(deps);
    expect(report).toMatchObject({ accessAnalyzerFindings: 1, stoppedBy: "maxEvaluationsPerRun" });
    expect(aaMock.commandCalls(ListFindingsV2Command)).toHaveLength(1);
  });

  it("an Access Analyzer error is reported, the Config part still ran", async () => {
    aaMock.on(ListAnalyzersCommand).rejects(awsError("AccessDeniedException", 403));
    const { deps } = sweep();
    const report = await reconcile(deps);
    expect(report.partialFailure).toBe(true);
    expect(report.errors).toEqual([
      {
        rule: "access-analyzer",
        error: "AccessDeniedException: AccessDeniedException happened",
        transient: false,
      },
    ]);
  });
});
