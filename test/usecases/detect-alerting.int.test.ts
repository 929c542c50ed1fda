import { SNSClient } from "@aws-sdk/client-sns";
import { SQSClient } from "@aws-sdk/client-sqs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createTopicWithQueue, readSnsMessages } from "../../sandbox/sns-readback.ts";
import { syntheticSeries, withBurst } from "../../sandbox/synthetic.ts";
import { PagerDutyNotifier } from "../../src/adapters/pagerduty-notifier.ts";
import { RoutingNotifier } from "../../src/adapters/routing-notifier.ts";
import { SnsNotifier } from "../../src/adapters/sns-notifier.ts";
import { parseConfig } from "../../src/config/load.ts";
import type { MetricIdentity, MetricSeries } from "../../src/domain/metric.ts";
import { detectAnomalies } from "../../src/usecases/detect-anomalies.ts";
import { ROUTING_KEY } from "../support/alert-fixtures.ts";
import { FakeMetricSource } from "../support/fake-metric-source.ts";
import { motoClientConfig, motoEndpoint, resetMoto } from "../support/moto.ts";
import { type PagerDutyTestServer, startPagerDutyServer } from "../support/pagerduty-server.ts";
import { seriesFrom } from "../support/series.ts";

const endpoint = motoEndpoint();
const HOUR = 3_600_000;
const NOW = Date.parse("2026-11-24T08:15:00Z");
const EVALUATED = Date.parse("2026-11-24T07:00:00Z");

const bucket = (name: string): MetricIdentity => ({
  namespace: "AWS/S3",
  metricName: "BytesDownloaded",
  dimensions: { BucketName: name, FilterId: "EntireBucket" },
  stat: "Sum",
});
const distribution = (id: string): MetricIdentity => ({
  namespace: "AWS/CloudFront",
  metricName: "BytesDownloaded",
  dimensions: { DistributionId: id, Region: "Global" },
  stat: "Sum",
});

function series(metric: MetricIdentity, seed: number, burst: number): MetricSeries {
  const periods = 40 * 24;
  const points = syntheticSeries({
    start: EVALUATED - (periods - 1) * HOUR,
    periods,
    periodSeconds: 3600,
    base: 2e9,
    dailyAmplitude: 0.4,
    weekendFactor: 0.5,
    noise: 0.05,
    seed,
  });
  return seriesFrom(metric, 3600, burst > 1 ? withBurst(points, EVALUATED, 1, burst) : points);
}

describe.skipIf(!endpoint)(
  "a detect run's alerts on SNS (moto) and PagerDuty (local server)",
  () => {
    const clientConfig = motoClientConfig(endpoint ?? "");
    const sns = new SNSClient(clientConfig);
    const sqs = new SQSClient(clientConfig);
    let server: PagerDutyTestServer;

    beforeEach(async () => {
      await resetMoto(endpoint ?? "");
      server = await startPagerDutyServer();
    });
    afterEach(async () => {
      await server.close();
    });

    it("one digest on SNS; pages within the budget, the rest in one storm incident; a bucket and its distribution page once; a silenced bucket never", async () => {
      const { topicArn, queueUrl } = await createTopicWithQueue(sns, sqs, "vigil-alerts");
      const config = parseConfig({
        detection: {
          metricSets: [{ name: "egress", builtin: "egress", settings: { method: "seasonal" } }],
        },
        alerting: {
          pageBudget: 3,
          digest: { top: 4 },
          resourceGroups: [
            {
              name: "cdn-assets",
              members: [
                { dimensions: { BucketName: "cdn-assets" } },
                { dimensions: { DistributionId: "E2CDN" } },
              ],
            },
          ],
          silences: [
            {
              id: "backfill",
              match: { dimensions: { BucketName: "backfill-*" } },
              start: "2026-11-24T06:00:00Z",
              end: "2026-11-24T12:00:00Z",
              reason: "warehouse backfill",
            },
          ],
        },
      });
      const metrics = [
        // Six exfiltration-sized bursts on their own buckets, growing: b5 is the most urgent.
        ...Array.from({ length: 6 }, (_, i) => series(bucket(`b${i}`), i + 1, 6 + 2 * i)),
        series(bucket("cdn-assets"), 11, 30),
        series(distribution("E2CDN"), 12, 30),
        series(bucket("backfill-2026"), 13, 40),
        series(bucket("quiet"), 14, 1),
      ];
      const logger = { info: () => {}, warn: () => {}, error: () => {} };
      const notifier = new RoutingNotifier({
        routes: config.alerting.routes,
        sns: new SnsNotifier(sns, topicArn),
        pagerDuty: new PagerDutyNotifier({
          routingKey: async () => ROUTING_KEY,
          endpoint: server.url,
          maxAttempts: 1,
          sleep: async () => {},
        }),
        logger,
      });

      const report = await detectAnomalies({
        source: new FakeMetricSource(metrics),
        notifier,
        config: config.detection,
        alerting: config.alerting,
        clock: () => NOW,
        region: "eu-west-1",
        account: "123456789012",
        logger,
      });

      expect(report.partialFailure).toBe(false);
      expect(report.results.filter((r) => r.alert === "new-episode")).toHaveLength(9);

      // SNS: exactly one message, the digest, filterable by severity, event and metric set.
      const messages = await readSnsMessages(sqs, queueUrl);
      expect(messages).toHaveLength(1);
      const [digest] = messages;
      expect(digest?.Subject).toBe(
        "[Vigil CRITICAL] 123456789012 eu-west-1 digest: 9 new, 0 escalated, 0 resolved, 1 silenced",
      );
      expect(digest?.MessageAttributes).toMatchObject({
        severity: { Value: "critical" },
        source: { Value: "anomaly" },
        event: { Value: "digest" },
        metricSet: { Type: "String.Array", Value: '["egress"]' },
      });
      const text = digest?.Message ?? "";
      expect(text).toContain(
        "Paged: 3 incident(s) on their own; 4 more folded into the storm incident vigil:storm:123456789012:2026-11-24T08 (page budget 3 per hour).",
      );
      expect(text).toContain("…and 5 more, each in the JSON below.");
      const json = JSON.parse(text.slice(text.indexOf("```json") + 7, text.lastIndexOf("```")));
      expect(json.items).toHaveLength(9);
      // Silenced items come after the loud ones, marked.
      expect(json.items.at(-1)).toMatchObject({ status: "silenced", silence: "backfill" });

      // PagerDuty: three pages and one storm incident listing the other four; nothing for the
      // silenced bucket; the bucket and its distribution are one incident.
      const triggers = server.requests.map((r) => r.body);
      expect(triggers).toHaveLength(4);
      expect(
        triggers.every((t) => t.event_action === "trigger" && t.routing_key === ROUTING_KEY),
      ).toBe(true);
      const storm = triggers.find((t) => String(t.dedup_key).startsWith("vigil:storm:"));
      const folded = (
        (storm as { payload: unknown }).payload as {
          custom_details: { folded: Array<{ dedupKey: string }> };
        }
      ).custom_details.folded.map((f) => f.dedupKey);
      const paged = triggers.filter((t) => t !== storm).map((t) => String(t.dedup_key));
      expect(new Set([...paged, ...folded]).size).toBe(7);
      expect([...paged, ...folded].filter((k) => k.includes("group/cdn-assets"))).toHaveLength(1);
      expect([...paged, ...folded].some((k) => k.includes("backfill"))).toBe(false);
      expect(report.alerting.pages).toMatchObject({ paged, folded, storm: storm?.dedup_key });
    });
  },
);
