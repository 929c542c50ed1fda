/**
 * The sweep's remediation digest read back from SNS on moto: reconcile (real wiring, real registry,
 * S3 journal) → one SNS message → an SQS queue subscribed to the topic. Config compliance reads and
 * Access Analyzer are mocked (moto has neither); everything else is moto.
 */
import { AccessAnalyzerClient, ListAnalyzersCommand } from "@aws-sdk/client-accessanalyzer";
import {
  ConfigServiceClient,
  DescribeConfigRulesCommand,
  type EvaluationResult,
  GetComplianceDetailsByConfigRuleCommand,
} from "@aws-sdk/client-config-service";
import { KMSClient } from "@aws-sdk/client-kms";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { SNSClient } from "@aws-sdk/client-sns";
import { SQSClient } from "@aws-sdk/client-sqs";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createJournalMacKey } from "../../sandbox/journal-mac-key.ts";
import { createTopicWithQueue, readSnsMessages } from "../../sandbox/sns-readback.ts";
import { reconcile } from "../../src/usecases/reconcile.ts";
import { createRemediationDeps } from "../../src/wiring/remediation.ts";
import { motoClientConfig, motoEndpoint, resetMoto } from "../support/moto.ts";
import { logLines, recordingLogger, testConfig } from "./fakes.ts";

const endpoint = motoEndpoint();
const JOURNAL = "vigil-journal";
const PUBLIC_READ = "s3-bucket-public-read-prohibited";
const BUCKETS = ["billing-exports", "team-wiki", "web-assets"];

function nonCompliant(bucket: string): EvaluationResult {
  const recorded = new Date("2026-12-04T09:15:03.801Z");
  return {
    EvaluationResultIdentifier: {
      EvaluationResultQualifier: {
        ConfigRuleName: PUBLIC_READ,
        ResourceType: "AWS::S3::Bucket",
        ResourceId: bucket,
      },
      OrderingTimestamp: recorded,
    },
    ComplianceType: "NON_COMPLIANT",
    ResultRecordedTime: recorded,
    ConfigRuleInvokedTime: recorded,
  };
}

describe.skipIf(!endpoint)("the sweep's remediation digest on SNS (moto)", () => {
  const config = motoClientConfig(endpoint as string);
  const s3 = new S3Client(config);
  const sns = new SNSClient(config);
  const sqs = new SQSClient(config);
  const configMock = mockClient(ConfigServiceClient);
  const analyzerMock = mockClient(AccessAnalyzerClient);

  beforeEach(async () => {
    await resetMoto(endpoint as string);
    configMock.reset();
    analyzerMock.reset();
  });
  afterEach(() => {
    configMock.restore();
    analyzerMock.restore();
  });

  it("one message for the run, ranked, every notify-mode outcome in it with its journal command", async () => {
    await s3.send(new CreateBucketCommand({ Bucket: JOURNAL }));
    for (const bucket of BUCKETS) await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const { topicArn, queueUrl } = await createTopicWithQueue(sns, sqs, "vigil-alerts");
    const macKey = await createJournalMacKey(new KMSClient(config));
    configMock.on(DescribeConfigRulesCommand).resolves({
      ConfigRules: [
        {
          ConfigRuleName: PUBLIC_READ,
          ConfigRuleArn: "arn:aws:config:us-east-1:123456789012:config-rule/config-rule-p8lq2x",
          ConfigRuleState: "ACTIVE",
          Source: { Owner: "AWS", SourceIdentifier: "S3_BUCKET_PUBLIC_READ_PROHIBITED" },
        },
      ],
    });
    configMock
      .on(GetComplianceDetailsByConfigRuleCommand)
      .resolves({ EvaluationResults: BUCKETS.map(nonCompliant) });
    analyzerMock.on(ListAnalyzersCommand).resolves({ analyzers: [] });

    const logger = recordingLogger();
    const app = await createRemediationDeps({
      env: {
        AWS_ENDPOINT_URL: endpoint as string,
        AWS_REGION: "us-east-1",
        VIGIL_JOURNAL_BUCKET: JOURNAL,
        VIGIL_JOURNAL_MAC_KEY: macKey,
        VIGIL_TOPIC_ARN: topicArn,
      },
      // alerting defaults: digest mode, top 10.
      loadConfig: async () => testConfig({ defaultMode: "notify" }),
      logger,
      homeAccount: "123456789012",
    });

    const report = await reconcile(app.reconcileDeps());
    expect(logLines(logger).filter((line) => line.message === "finding refused")).toEqual([]);

    expect(report).toMatchObject({
      outcomes: { notified: 3 },
      digest: { outcomes: 3, sent: true },
      partialFailure: false,
    });
    const messages = await readSnsMessages(sqs, queueUrl);
    expect(messages).toHaveLength(1);
    const [digest] = messages;
    expect(digest?.Subject).toBe(
      "[Vigil WARNING] 123456789012 us-east-1 remediation digest: 3 notified",
    );
    const body = digest?.Message ?? "";
    // Ranked: same severity, so in the order the sweep decided them; each with its journal command.
    const positions = BUCKETS.map((bucket) => body.indexOf(`arn:aws:s3:::${bucket}`));
    expect(positions.every((p) => p >= 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    expect(body.match(/vigil journal show /g)).toHaveLength(3);
    expect(body).toContain("1. WARNING");
    expect(body).toContain("3. WARNING");
  });
});
