/**
 * The CloudWatch source through the real client and the real wire: a local server answering in the
 * protocol the installed client speaks (AWS JSON 1.0, bench/detect-wire-server.ts), so the column
 * middleware, the SDK's signing, retries and error handling all run as in Lambda.
 */
import { CloudWatchClient, type GetMetricDataCommandOutput } from "@aws-sdk/client-cloudwatch";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  startWireServer,
  type WireServer,
  wireMissing,
  wireValue,
  wireVariant,
} from "../../bench/detect-wire-server.ts";
import { CloudWatchMetricSource } from "../../src/adapters/cloudwatch-metric-source.ts";
import type { MetricIdentity } from "../../src/domain/metric.ts";

const HOUR = 3_600_000;
const START = Date.UTC(2026, 10, 1);
const RANGE = { start: START, end: START + 727 * HOUR };

function metric(index: number): MetricIdentity {
  return {
    namespace: "AWS/S3",
    metricName: "BytesDownloaded",
    dimensions: { BucketName: `bucket-${index}`, FilterId: "EntireBucket" },
    stat: "Sum",
  };
}

/** What the server holds for metric `index` on the range's grid: NaN where it sent nothing. */
function expectedColumn(index: number): Float64Array {
  const variant = wireVariant(index);
  return Float64Array.from({ length: 727 }, (_, cell) => {
    const t = (START + cell * HOUR) / 1000;
    return wireMissing(variant, t) ? Number.NaN : wireValue(variant, t);
  });
}

let server: WireServer;
beforeAll(async () => {
  server = await startWireServer({ metricCount: 400 });
});
afterAll(async () => {
  await server.close();
});
beforeEach(() => {
  server.resetCounts();
});

function client(maxAttempts = 1): { client: CloudWatchClient; outputs: unknown[] } {
  const cloudWatch = new CloudWatchClient({
    endpoint: server.url,
    region: "us-east-1",
    credentials: { accessKeyId: "testing", secretAccessKey: "testing" },
    maxAttempts,
    retryMode: "standard",
  });
  // What the SDK hands back, to see that the datapoints bypassed its deserialiser.
  const outputs: unknown[] = [];
  const send = cloudWatch.send.bind(cloudWatch);
  cloudWatch.send = (async (command: never) => {
    const output = await send(command);
    outputs.push(output);
    return output;
  }) as typeof cloudWatch.send;
  return { client: cloudWatch, outputs };
}

describe("CloudWatchMetricSource over the wire", () => {
  it("decodes GetMetricData into columns on the period grid, gaps as NaN, in the fewest calls", async () => {
    const { client: cloudWatch, outputs } = client();
    const metrics = Array.from({ length: 300 }, (_, i) => metric(i));
    const result = await new CloudWatchMetricSource(cloudWatch).fetch(metrics, RANGE, 3600);

    expect(result.failures).toEqual([]);
    // 727 points: 138 metrics fit one call's 100,800 datapoints, so 300 metrics take 3 calls.
    expect(result.stats.getMetricDataCalls).toBe(3);
    expect(server.calls.GetMetricData).toBe(3);
    expect(result.series).toHaveLength(300);
    let missing = 0;
    for (const series of result.series) {
      const index = Number(series.metric.dimensions.BucketName?.slice("bucket-".length));
      expect(series.start).toBe(RANGE.start);
      expect(series.values).toEqual(expectedColumn(index));
      missing += series.values.filter(Number.isNaN).length;
    }
    expect(missing).toBeGreaterThan(0); // the server leaves about one period in 200 empty
    expect(result.stats.datapoints).toBe(300 * 727 - missing);
    const first = outputs[0] as GetMetricDataOutputLike;
    expect(first.MetricDataResults?.[0]).toMatchObject({ StatusCode: "Complete" });
    expect(first.MetricDataResults?.[0]?.Timestamps).toEqual([]);
    expect(first.MetricDataResults?.[0]?.Values).toEqual([]);
  });

  it("follows NextToken across pages that split the time range (PartialData until the last)", async () => {
    await server.close();
    server = await startWireServer({ metricCount: 400, pageDatapoints: 10_000 });
    try {
      const { client: cloudWatch } = client();
      const metrics = Array.from({ length: 100 }, (_, i) => metric(i + 7));
      const result = await new CloudWatchMetricSource(cloudWatch).fetch(metrics, RANGE, 3600);
      expect(result.failures).toEqual([]);
      // One planned call (100 × 727 ≤ 100,800), paged 100 periods at a time: 8 pages.
      expect(server.calls.GetMetricData).toBe(8);
      for (const series of result.series) {
        const index = Number(series.metric.dimensions.BucketName?.slice("bucket-".length));
        expect(series.values).toEqual(expectedColumn(index));
      }
    } finally {
      await server.close();
      server = await startWireServer({ metricCount: 400 });
    }
  });

  it("leaves throttling to the SDK's retries, and the retried answer is decoded", async () => {
    const { client: cloudWatch } = client(3);
    server.failNext(2, 400, "Throttling");
    const source = new CloudWatchMetricSource(cloudWatch, { maxRetries: 0 });
    const result = await source.fetch([metric(1), metric(2)], RANGE, 3600);
    expect(result.failures).toEqual([]);
    expect(server.calls.GetMetricData).toBe(3); // two throttled attempts, then the answer
    expect(result.stats.getMetricDataCalls).toBe(1);
    expect(result.series[0]?.values).toEqual(expectedColumn(1));
  });

  it("reports an error response as the SDK parses it, for every metric of the batch", async () => {
    const { client: cloudWatch } = client(3);
    server.failNext(1, 400, "InvalidParameterCombination");
    const source = new CloudWatchMetricSource(cloudWatch, { maxRetries: 0 });
    const result = await source.fetch([metric(1), metric(2)], RANGE, 3600);
    expect(result.series).toEqual([]);
    expect(result.failures.map((f) => f.error)).toEqual([
      expect.stringContaining("InvalidParameterCombination"),
      expect.stringContaining("InvalidParameterCombination"),
    ]);
    expect(server.calls.GetMetricData).toBe(1); // not retried: the request itself is wrong
  });
});

type GetMetricDataOutputLike = Pick<GetMetricDataCommandOutput, "MetricDataResults">;
