/** Backtest over CloudWatch history, against moto_server: discovery, batched fetch, judgement. */
import {
  CloudWatchClient,
  type MetricDatum,
  PutMetricDataCommand,
} from "@aws-sdk/client-cloudwatch";
import { beforeEach, describe, expect, it } from "vitest";
import { syntheticSeries, withValue } from "../../sandbox/synthetic.ts";
import { CloudWatchMetricSource } from "../../src/adapters/cloudwatch-metric-source.ts";
import { parseConfig } from "../../src/config/load.ts";
import { runBacktest } from "../../src/usecases/backtest.ts";
import { motoClientConfig, motoEndpoint, resetMoto } from "../support/moto.ts";

const endpoint = motoEndpoint();
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
// Midnight UTC today: the newest complete hour and the newest complete day both end there (a daily
// setting aligns the shared evaluated range to whole days).
const END = Math.floor(Date.now() / DAY) * DAY;
const NOW = END + 20 * 60_000;
const DAYS = 10;
const WINDOW_DAYS = 14;
const FIRST = END - (DAYS + WINDOW_DAYS) * DAY;
const SPIKE = END - 3 * DAY + 5 * HOUR;
const BUCKETS = ["logs", "media"];

const config = parseConfig({
  detection: {
    settleMinutes: 0,
    defaults: { windowDays: WINDOW_DAYS },
    metricSets: [
      {
        name: "s3",
        selectors: [
          {
            namespace: "AWS/S3",
            metricName: "BytesDownloaded",
            dimensionNames: ["BucketName", "FilterId"],
          },
        ],
        settings: { periodSeconds: 3600 },
      },
    ],
  },
}).detection;

async function seed(cloudWatch: CloudWatchClient): Promise<void> {
  const datums: MetricDatum[] = [];
  BUCKETS.forEach((bucket, index) => {
    let points = syntheticSeries({
      start: FIRST,
      periods: (DAYS + WINDOW_DAYS) * 24,
      periodSeconds: 3600,
      base: 1e6,
      noise: 0.03,
      seed: index + 1,
    });
    if (bucket === "logs") points = withValue(points, SPIKE, 2e7);
    for (const point of points) {
      datums.push({
        MetricName: "BytesDownloaded",
        Dimensions: [
          { Name: "BucketName", Value: bucket },
          { Name: "FilterId", Value: "EntireBucket" },
        ],
        Timestamp: new Date(point.timestamp),
        Value: point.value,
        Unit: "Bytes",
      });
    }
  });
  for (let i = 0; i < datums.length; i += 1000) {
    await cloudWatch.send(
      new PutMetricDataCommand({ Namespace: "AWS/S3", MetricData: datums.slice(i, i + 1000) }),
    );
  }
}

describe.skipIf(!endpoint)("backtest over CloudWatch (moto)", () => {
  const cloudWatch = new CloudWatchClient(motoClientConfig(endpoint ?? ""));

  beforeEach(async () => {
    await resetMoto(endpoint as string);
    await seed(cloudWatch);
  });

  it("discovers the set, reads days + window in one GetMetricData call per period, flags the spike", async () => {
    const source = new CloudWatchMetricSource(cloudWatch, { sleep: async () => {} });
    const report = await runBacktest(
      { source, clock: () => NOW },
      {
        target: { kind: "sets" },
        config,
        days: DAYS,
        variants: [
          { label: "k=4", changes: { k: 4 } },
          { label: "period=1d", changes: { periodSeconds: 86_400 } },
        ],
      },
    );
    expect(report.fetchFailures).toEqual([]);
    expect(report.metrics.map((m) => m.metric.dimensions.BucketName).sort()).toEqual(BUCKETS);
    // Two metrics × 576 hourly points fit one call; the daily fetch is a second.
    expect(report.stats.getMetricDataCalls).toBe(2);
    const logs = report.metrics.find((m) => m.metric.dimensions.BucketName === "logs");
    const hourly = logs?.variants[0];
    expect(logs?.range).toEqual({ start: END - DAYS * DAY, end: END });
    expect(hourly?.periodsEvaluated).toBe(DAYS * 24);
    expect(hourly?.flagged.map((f) => f.timestamp)).toEqual([SPIKE]);
    const media = report.metrics.find((m) => m.metric.dimensions.BucketName === "media");
    expect(media?.variants[0]?.flaggedPeriods).toBe(0);
  });
});
