import {
  CloudWatchClient,
  type MetricDatum,
  PutMetricDataCommand,
} from "@aws-sdk/client-cloudwatch";
import { beforeEach, describe, expect, it } from "vitest";
import { CloudWatchMetricSource } from "../../src/adapters/cloudwatch-metric-source.ts";
import type { DataPoint, MetricIdentity } from "../../src/domain/metric.ts";
import { motoClientConfig, motoEndpoint, resetMoto } from "../support/moto.ts";
import { optionalPointsOf, pointsOf } from "../support/series.ts";

const endpoint = motoEndpoint();

const HOUR = 3_600_000;
const HOURS = 72; // about 3 days of hourly data
// Recent, hour-aligned data, so the same test would also be valid against AWS (which rejects
// datapoints older than two weeks; moto accepts anything).
const END = Math.floor(Date.now() / HOUR) * HOUR;
const START = END - HOURS * HOUR;

const BUCKETS = ["logs", "media", "reports"];

function metric(bucket: string): MetricIdentity {
  return {
    namespace: "AWS/S3",
    metricName: "BytesDownloaded",
    dimensions: { BucketName: bucket, FilterId: "EntireBucket" },
    stat: "Sum",
  };
}

/** Deterministic, distinct per bucket and hour; some hours left empty to check gaps survive. */
function expectedPoints(bucketIndex: number): DataPoint[] {
  const points: DataPoint[] = [];
  for (let hour = 0; hour < HOURS; hour++) {
    if ((hour + bucketIndex) % 11 === 0) continue;
    points.push({
      timestamp: START + hour * HOUR,
      value: (bucketIndex + 1) * 1_000_000 + hour * 17,
    });
  }
  return points;
}

async function putAll(cloudWatch: CloudWatchClient): Promise<number> {
  const datums: MetricDatum[] = [];
  BUCKETS.forEach((bucket, bucketIndex) => {
    for (const point of expectedPoints(bucketIndex)) {
      // Two datums per hour, both inside the hour: GetMetricData must Sum them back together.
      for (const [offsetMs, share] of [
        [0, 0.25],
        [30 * 60_000, 0.75],
      ] as const) {
        datums.push({
          MetricName: "BytesDownloaded",
          // Name order matters to moto (see below); this is also the order the source sends.
          Dimensions: [
            { Name: "BucketName", Value: bucket },
            { Name: "FilterId", Value: "EntireBucket" },
          ],
          Timestamp: new Date(point.timestamp + offsetMs),
          Value: point.value * share,
          Unit: "Bytes",
        });
      }
    }
  });
  // An extra metric with a third dimension: discovery must leave it out.
  datums.push({
    MetricName: "BytesDownloaded",
    Dimensions: [
      { Name: "BucketName", Value: "logs" },
      { Name: "FilterId", Value: "EntireBucket" },
      { Name: "StorageType", Value: "StandardStorage" },
    ],
    Timestamp: new Date(START),
    Value: 1,
  });
  // Small PutMetricData calls: moto rejects large bodies (and AWS caps datums per call).
  for (let i = 0; i < datums.length; i += 20) {
    await cloudWatch.send(
      new PutMetricDataCommand({ Namespace: "AWS/S3", MetricData: datums.slice(i, i + 20) }),
    );
  }
  return datums.length;
}

describe.skipIf(!endpoint)("CloudWatchMetricSource against moto_server", () => {
  const cloudWatch = new CloudWatchClient(motoClientConfig(endpoint as string));

  beforeEach(async () => {
    await resetMoto(endpoint as string);
  });

  it("discovers two-dimension S3 metrics and reads their hourly sums back", async () => {
    await putAll(cloudWatch);
    const metricSource = new CloudWatchMetricSource(cloudWatch, { sleep: async () => {} });

    const discovered = await metricSource.discover([
      {
        namespace: "AWS/S3",
        metricName: "BytesDownloaded",
        stat: "Sum",
        dimensionNames: ["BucketName", "FilterId"],
      },
    ]);
    // moto lists each 2-dimension metric once per datum; discovery dedupes them.
    expect(discovered.metrics).toEqual(BUCKETS.map(metric));
    expect(discovered.listMetricsCalls).toBeGreaterThanOrEqual(1);

    const result = await metricSource.fetch(discovered.metrics, { start: START, end: END }, 3600);

    expect(result.failures).toEqual([]);
    expect(result.stats.getMetricDataCalls).toBe(1);
    BUCKETS.forEach((bucket, bucketIndex) => {
      const series = result.series.find((s) => s.metric.dimensions.BucketName === bucket);
      expect(series?.periodSeconds).toBe(3600);
      const expected = expectedPoints(bucketIndex);
      expect(optionalPointsOf(series)?.map((p) => p.timestamp)).toEqual(
        expected.map((p) => p.timestamp),
      );
      optionalPointsOf(series)?.forEach((point, i) => {
        expect(point.value).toBeCloseTo(expected[i]?.value ?? Number.NaN, 6);
      });
    });
    expect(result.stats.datapoints).toBe(
      BUCKETS.reduce((sum, _, i) => sum + expectedPoints(i).length, 0),
    );
  });

  it("reads a sub-range only, end exclusive", async () => {
    await putAll(cloudWatch);
    const metricSource = new CloudWatchMetricSource(cloudWatch, { sleep: async () => {} });
    const range = { start: START + 24 * HOUR, end: START + 48 * HOUR };

    const result = await metricSource.fetch([metric("media")], range, 3600);

    const expected = expectedPoints(1).filter(
      (p) => p.timestamp >= range.start && p.timestamp < range.end,
    );
    expect(optionalPointsOf(result.series[0])?.map((p) => p.timestamp)).toEqual(
      expected.map((p) => p.timestamp),
    );
  });

  it("returns an empty series for a metric with no data", async () => {
    const metricSource = new CloudWatchMetricSource(cloudWatch, { sleep: async () => {} });
    const result = await metricSource.fetch(
      [metric("nothing-here")],
      { start: START, end: END },
      3600,
    );
    expect(result.failures).toEqual([]);
    expect(result.series.map((s) => ({ metric: s.metric, points: pointsOf(s) }))).toEqual([
      { metric: metric("nothing-here"), points: [] },
    ]);
  });
});

/*
 * moto 5.2.1 differences from AWS seen while writing this test (none affect the source's logic):
 * - ListMetrics repeats a metric with 2+ dimensions once per stored datum (its "already present"
 *   check compares every dimension with every other); AWS lists each metric once.
 * - GetMetricData matches dimensions as ordered lists after a sort whose comparison is broken, so
 *   a query only finds data put with the dimensions in the same order; the source always sends
 *   them sorted by name, so data must be put in name order. When a query has dimensions, moto also
 *   ignores its namespace. AWS matches dimensions as a set, within the namespace.
 * - moto never paginates GetMetricData and always answers StatusCode "Complete".
 */
