/**
 * A pager that fails must not cost the rest of the run: the detect handler and the remediation
 * handlers finish, report the failure, and the alert still reaches SNS (marked) and the queue.
 */
import { IAMClient } from "@aws-sdk/client-iam";
import { S3Client } from "@aws-sdk/client-s3";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { SendMessageBatchCommand, SQSClient } from "@aws-sdk/client-sqs";
import { STSClient } from "@aws-sdk/client-sts";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import * as detectFunction from "../../functions/detect.ts";
import * as onConfig from "../../functions/on-config-compliance-change.ts";
import { syntheticSeries, withBurst } from "../../sandbox/synthetic.ts";
import { AlertDeadLetterQueue } from "../../src/adapters/alert-dead-letter.ts";
import { MemoryJournal } from "../../src/adapters/memory-journal.ts";
import { PagerDutyNotifier } from "../../src/adapters/pagerduty-notifier.ts";
import { RoutingNotifier } from "../../src/adapters/routing-notifier.ts";
import { SnsNotifier } from "../../src/adapters/sns-notifier.ts";
import { DEFAULT_ALERT_ROUTES } from "../../src/config/alerting-config.ts";
import { parseConfig } from "../../src/config/load.ts";
import type { MetricIdentity, MetricSeries } from "../../src/domain/metric.ts";
import { detectAnomalies } from "../../src/usecases/detect-anomalies.ts";
import { createRemediationDeps } from "../../src/wiring/remediation.ts";
import { ROUTING_KEY } from "../support/alert-fixtures.ts";
import { FakeMetricSource } from "../support/fake-metric-source.ts";
import {
  INVALID_EVENT,
  type PagerDutyTestServer,
  startPagerDutyServer,
} from "../support/pagerduty-server.ts";
import { seriesFrom } from "../support/series.ts";
import {
  fakeConfigRules,
  fakeRemediation,
  logLines,
  NOW,
  recordingLogger,
  sample,
  testConfig,
} from "../usecases/fakes.ts";

const snsMock = mockClient(SNSClient);
const sqsMock = mockClient(SQSClient);
const s3Mock = mockClient(S3Client);
const iamMock = mockClient(IAMClient);
const stsMock = mockClient(STSClient);
const TOPIC = "arn:aws:sns:eu-west-1:123456789012:vigil-alerts";
const DLQ = "https://sqs.eu-west-1.amazonaws.com/123456789012/vigil-alert-dlq";
const HOUR = 3_600_000;
const GB = 1024 ** 3;
const DETECT_NOW = Date.parse("2026-11-24T08:15:00Z");
const EVALUATED = Date.parse("2026-11-24T07:00:00Z");

let server: PagerDutyTestServer;

function routingNotifier(logger = recordingLogger()) {
  return new RoutingNotifier({
    routes: DEFAULT_ALERT_ROUTES,
    sns: new SnsNotifier(new SNSClient({ region: "eu-west-1" }), TOPIC),
    pagerDuty: new PagerDutyNotifier({
      routingKey: async () => ROUTING_KEY,
      endpoint: server.url,
      maxAttempts: 2,
      sleep: async () => {},
      logger,
    }),
    deadLetter: new AlertDeadLetterQueue(new SQSClient({ region: "eu-west-1" }), DLQ),
    logger,
  });
}

const published = () => snsMock.commandCalls(PublishCommand).map((c) => c.args[0].input);

function bucketSeries(name: string, burst: boolean): MetricSeries {
  const metric: MetricIdentity = {
    namespace: "AWS/S3",
    metricName: "BytesDownloaded",
    dimensions: { BucketName: name, FilterId: "EntireBucket" },
    stat: "Sum",
  };
  const periods = 40 * 24;
  const last = EVALUATED + 48 * HOUR;
  let points = syntheticSeries({
    start: last - (periods - 1) * HOUR,
    periods,
    periodSeconds: 3600,
    base: 2 * GB,
    dailyAmplitude: 0.4,
    weekendFactor: 0.5,
    noise: 0.05,
    seed: name.length,
  });
  if (burst) points = withBurst(points, EVALUATED, 1, 8);
  return seriesFrom(metric, 3600, points);
}

beforeEach(async () => {
  for (const m of [snsMock, sqsMock, s3Mock, iamMock, stsMock]) m.reset();
  snsMock.on(PublishCommand).resolves({ MessageId: "m-1" });
  sqsMock.on(SendMessageBatchCommand).callsFake((input) => ({
    Successful: input.Entries.map((e: { Id: string }) => ({ Id: e.Id, MessageId: `q-${e.Id}` })),
  }));
  server = await startPagerDutyServer();
});
afterEach(async () => {
  await server.close();
  detectFunction.setDetectDeps(undefined);
  onConfig.setRemediationApp(undefined);
  vi.restoreAllMocks();
});

describe("detect run with PagerDuty failing", () => {
  const detection = parseConfig({
    detection: {
      metricSets: [{ name: "egress", builtin: "egress", settings: { method: "seasonal" } }],
    },
  }).detection;

  function deps(logger = recordingLogger()) {
    return {
      source: new FakeMetricSource([
        bucketSeries("analytics", true),
        bucketSeries("exports", true),
        bucketSeries("logs", false),
      ]),
      notifier: routingNotifier(logger),
      config: detection,
      clock: () => DETECT_NOW,
      region: "eu-west-1",
      account: "123456789012",
      logger,
    };
  }

  it("finishes, evaluates every metric, and reports the alert PagerDuty refused", async () => {
    // The first page is refused (400), the second accepted.
    server.answer(INVALID_EVENT("'payload.severity' is invalid"));
    const logger = recordingLogger();
    const report = await detectAnomalies(deps(logger));

    expect(report.results).toHaveLength(3);
    expect(report.results.filter((r) => r.alert === "new-episode")).toHaveLength(2);
    expect(server.requests).toHaveLength(2);
    // The accepted page and the digest.
    expect(report.notificationsSent).toBe(2);
    expect(report.notificationFailures).toHaveLength(1);
    expect(report.notificationFailures[0]?.error).toMatch(
      /^AlertDeliveryError: pager delivery failed: PagerDuty rejected the event \(HTTP 400: Event object is invalid; 'payload.severity' is invalid\).*delivered to dead-letter queue, sns \(marked pager delivery failed\)$/,
    );
    expect(report.partialFailure).toBe(true);
    // The refused page reached SNS marked; the digest lists both.
    const subjects = published().map((p) => p.Subject ?? "");
    expect(subjects).toHaveLength(2);
    expect(subjects.filter((s) => s.includes("pager delivery failed"))).toHaveLength(1);
    expect(subjects.filter((s) => s.includes("digest: 2 new"))).toHaveLength(1);
    expect(sqsMock.commandCalls(SendMessageBatchCommand)).toHaveLength(1);
    expect(logLines(logger).map((l) => l.message)).toEqual(
      expect.arrayContaining(["alert not delivered", "detection run finished with failures"]),
    );
  });

  it("the detect handler returns its report instead of throwing", async () => {
    server.always({ status: 503 });
    detectFunction.setDetectDeps(deps());
    const response = await detectFunction.handler({});
    expect(response.ok).toBe(false);
    expect(response.partialFailure).toBe(true);
    expect(response.anomalies).toHaveLength(2);
    // Two marked page copies and the digest.
    expect(published()).toHaveLength(3);
    const pages = published().filter((p) => !p.Subject?.includes("digest"));
    expect(pages).toHaveLength(2);
    expect(pages.every((p) => p.Subject?.includes("pager delivery failed"))).toBe(true);
  });
});

describe("remediation handler with PagerDuty failing", () => {
  it("applies, journals and answers ok; SNS gets the marked alert; the failure is logged", async () => {
    server.always({ status: 500 });
    const logger = recordingLogger();
    let ids = 0;
    const app = await createRemediationDeps({
      env: { AWS_REGION: "us-east-1" },
      loadConfig: async () => testConfig({ defaultMode: "enforce" }),
      remediations: [fakeRemediation()],
      logger,
      homeAccount: "123456789012",
      overrides: {
        journal: new MemoryJournal(),
        notifier: routingNotifier(logger),
        clock: () => NOW,
        newJournalId: () => `j${++ids}`,
        configRules: fakeConfigRules(),
      },
    });
    onConfig.setRemediationApp(app);
    const result = await onConfig.handler(sample("config-s3-encryption-noncompliant"));
    expect(result).toMatchObject({ ok: true, outcome: "applied", journalId: "j1" });
    expect(server.requests.length).toBe(2);
    expect(published()).toHaveLength(1);
    expect(published()[0]?.Subject).toMatch(/^\[Vigil INFO, pager delivery failed\] fixed: /);
    const failure = logLines(logger).find(
      (l) => l.message === "remediation notification not delivered",
    );
    expect(JSON.stringify(failure?.attributes)).toContain("pager delivery failed");
  });
});
