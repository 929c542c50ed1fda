import { AccessAnalyzerClient, ListAnalyzersCommand } from "@aws-sdk/client-accessanalyzer";
import {
  ConfigServiceClient,
  DescribeConfigRulesCommand,
  GetComplianceDetailsByConfigRuleCommand,
} from "@aws-sdk/client-config-service";
import { S3Client } from "@aws-sdk/client-s3";
import { SNSClient } from "@aws-sdk/client-sns";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { handler, logger, setRemediationApp } from "../../functions/reconcile.ts";
import { awsError, fakeRemediation } from "../usecases/fakes.ts";
import { handlerApp, mutatingCommands } from "./support.ts";

const configMock = mockClient(ConfigServiceClient);
// moto has no Access Analyzer and this test is about the Config part: no analyzer.
const accessAnalyzerMock = mockClient(AccessAnalyzerClient);
const s3Mock = mockClient(S3Client);
const snsMock = mockClient(SNSClient);

const RULE = "s3-bucket-level-public-access-prohibited";

beforeEach(() => {
  configMock.reset();
  accessAnalyzerMock.reset();
  accessAnalyzerMock.on(ListAnalyzersCommand).resolves({ analyzers: [] });
  s3Mock.reset();
  snsMock.reset();
  configMock.on(DescribeConfigRulesCommand).resolves({
    ConfigRules: [
      {
        ConfigRuleName: RULE,
        ConfigRuleState: "ACTIVE",
        Source: { Owner: "AWS", SourceIdentifier: "S3" },
      },
    ],
  });
  configMock.on(GetComplianceDetailsByConfigRuleCommand).resolves({
    EvaluationResults: [
      {
        EvaluationResultIdentifier: {
          EvaluationResultQualifier: {
            ConfigRuleName: RULE,
            ResourceType: "AWS::S3::Bucket",
            ResourceId: "acme-curated-exports",
          },
        },
        ComplianceType: "NON_COMPLIANT",
        ResultRecordedTime: new Date("2026-11-20T09:15:03.801Z"),
      },
    ],
  });
});
afterEach(() => {
  setRemediationApp(undefined);
  vi.restoreAllMocks();
});

describe("reconcile function", () => {
  it("sweeps on the schedule and returns a small summary", async () => {
    const remediation = fakeRemediation();
    setRemediationApp((await handlerApp([remediation], { defaultMode: "notify" })).app);
    const scheduled = {
      id: "s-1",
      source: "aws.events",
      "detail-type": "Scheduled Event",
      detail: {},
    };
    const result = await handler(scheduled, {
      invokedFunctionArn: "arn:aws:lambda:us-east-1:123456789012:function:vigil-dev-reconcile",
      getRemainingTimeInMillis: () => 600_000,
    });
    expect(result).toEqual({
      ok: true,
      evaluations: 1,
      handled: 1,
      outcomes: { notified: 1 },
      errors: 0,
    });
    expect(remediation.calls.map((c) => c.resourceArn)).toEqual([
      "arn:aws:s3:::acme-curated-exports",
    ]);
  });

  it("stops starting findings when Lambda time runs short", async () => {
    setRemediationApp((await handlerApp([fakeRemediation()])).app);
    const result = await handler(
      {},
      { invokedFunctionArn: "x", getRemainingTimeInMillis: () => 10_000 },
    );
    expect(result).toMatchObject({ ok: true, evaluations: 0, stoppedBy: "deadline" });
  });

  it("rejects an unexpected payload without any AWS call", async () => {
    setRemediationApp((await handlerApp([fakeRemediation()])).app);
    const logged = vi.spyOn(logger, "error").mockImplementation(() => {});
    const result = await handler({ source: "aws.config" });
    expect(result).toMatchObject({
      ok: false,
      error: expect.stringMatching(/invalid reconcile request/),
    });
    expect(logged).toHaveBeenCalled();
    expect(configMock.calls()).toHaveLength(0);
    expect(mutatingCommands(configMock, s3Mock, snsMock)).toEqual([]);
  });

  it("throws on a transient error listing rules (retried), returns on a permanent one", async () => {
    setRemediationApp((await handlerApp([fakeRemediation()])).app);
    vi.spyOn(logger, "error").mockImplementation(() => {});
    configMock
      .on(DescribeConfigRulesCommand)
      .rejects(awsError("ThrottlingException", 400, { $retryable: {} }));
    await expect(handler({})).rejects.toThrow("ThrottlingException");
    configMock.on(DescribeConfigRulesCommand).rejects(awsError("AccessDeniedException", 400));
    expect(await handler({})).toMatchObject({
      ok: false,
      error: "AccessDeniedException: AccessDeniedException happened",
    });
  });
});
