import {
  CloudWatchClient,
  GetMetricDataCommand,
  type GetMetricDataCommandInput,
  type GetMetricDataCommandOutput,
  ListMetricsCommand,
  type MetricDataQuery,
  type MetricDataResult,
} from "@aws-sdk/client-cloudwatch";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import {
  CloudWatchMetricSource,
  type CloudWatchMetricSourceOptions,
  isTransientAwsError,
} from "../../src/adapters/cloudwatch-metric-source.ts";
import { type MetricIdentity, metricKey } from "../../src/domain/metric.ts";
import type { MetricSelector } from "../../src/ports/metric-source.ts";
import { optionalPointsOf, pointsOf } from "../support/series.ts";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const START = Date.UTC(2024, 4, 1);
const THIRTY_DAYS = { start: START, end: START + 30 * DAY };

const client = new CloudWatchClient({ region: "us-east-1" });
const cloudWatch = mockClient(client);

beforeEach(() => {
  cloudWatch.reset();
});

function bucketMetric(n: number): MetricIdentity {
  return {
    namespace: "AWS/S3",
    metricName: "BytesDownloaded",
    dimensions: { BucketName: `bucket-${String(n).padStart(5, "0")}`, FilterId: "all" },
    stat: "Sum",
  };
}

/** The number in a query's BucketName: lets fake responses carry values tied to their metric. */
function bucketNumber(query: MetricDataQuery): number {
  const bucket = query.MetricStat?.Metric?.Dimensions?.find((d) => d.Name === "BucketName");
  return Number(bucket?.Value?.replace("bucket-", ""));
}

function awsError(name: string, message: string, httpStatusCode: number): Error {
  return Object.assign(new Error(message), { name, $metadata: { httpStatusCode } });
}

/** Answers every query with two hourly points whose values identify the metric. */
function twoPointsPerMetric(input: GetMetricDataCommandInput): GetMetricDataCommandOutput {
  const start = input.StartTime as Date;
  const results: MetricDataResult[] = (input.MetricDataQueries ?? []).map((query) => ({
    Id: query.Id,
    StatusCode: "Complete",
    Timestamps: [new Date(start.getTime() + HOUR), start],
    Values: [bucketNumber(query) + 0.5, bucketNumber(query)],
  }));
  // Reversed, so mapping must go by Id, not by position.
  return { MetricDataResults: results.reverse(), $metadata: {} };
}

function source(options: CloudWatchMetricSourceOptions = {}) {
  const delays: number[] = [];
  const metricSource = new CloudWatchMetricSource(client, {
    sleep: async (ms) => {
      delays.push(ms);
    },
    random: () => 0.5,
    baseDelayMs: 100,
    ...options,
  });
  return { metricSource, delays };
}

function sentInputs(): GetMetricDataCommandInput[] {
  return cloudWatch.commandCalls(GetMetricDataCommand).map((call) => call.args[0].input);
}

describe("CloudWatchMetricSource.fetch batching", () => {
  it("reads 1,200 metrics × 720 hourly points in 9 calls within both API limits", async () => {
    cloudWatch.on(GetMetricDataCommand).callsFake(twoPointsPerMetric);
    const metrics = Array.from({ length: 1_200 }, (_, i) => bucketMetric(i));
    const { metricSource } = source();

    const result = await metricSource.fetch(metrics, THIRTY_DAYS, 3600);

    const inputs = sentInputs();
    expect(inputs).toHaveLength(9);
    const seen = new Set<number>();
    for (const input of inputs) {
      const queries = input.MetricDataQueries ?? [];
      expect(queries.length).toBeLessThanOrEqual(500);
      expect(queries.length * 720).toBeLessThanOrEqual(100_800);
      expect(input.ScanBy).toBe("TimestampAscending");
      expect(input.StartTime).toEqual(new Date(THIRTY_DAYS.start));
      expect(input.EndTime).toEqual(new Date(THIRTY_DAYS.end));
      for (const query of queries) {
        expect(query.Id).toMatch(/^[a-z][a-zA-Z0-9_]*$/);
        expect(query.ReturnData).toBe(true);
        expect(query.MetricStat?.Period).toBe(3600);
        expect(query.MetricStat?.Stat).toBe("Sum");
        expect(query.MetricStat?.Metric?.Namespace).toBe("AWS/S3");
        expect(query.MetricStat?.Metric?.Dimensions?.map((d) => d.Name)).toEqual([
          "BucketName",
          "FilterId",
        ]);
        seen.add(bucketNumber(query));
      }
      expect(new Set(queries.map((q) => q.Id)).size).toBe(queries.length);
    }
    expect(seen.size).toBe(1_200);

    expect(result.failures).toEqual([]);
    expect(result.series).toHaveLength(1_200);
    for (const series of result.series) {
      const n = Number(series.metric.dimensions.BucketName?.replace("bucket-", ""));
      expect(series.periodSeconds).toBe(3600);
      expect(pointsOf(series)).toEqual([
        { timestamp: START, value: n },
        { timestamp: START + HOUR, value: n + 0.5 },
      ]);
    }
    expect(result.stats).toEqual({ getMetricDataCalls: 9, datapoints: 2_400 });
  });

  it("sends no request for no metrics or an empty range", async () => {
    const { metricSource } = source();
    expect(await metricSource.fetch([], THIRTY_DAYS, 3600)).toEqual({
      series: [],
      failures: [],
      stats: { getMetricDataCalls: 0, datapoints: 0 },
    });
    const empty = await metricSource.fetch([bucketMetric(1)], { start: START, end: START }, 3600);
    expect(empty.series.map((s) => ({ metric: s.metric, points: pointsOf(s) }))).toEqual([
      { metric: bucketMetric(1), points: [] },
    ]);
    expect(sentInputs()).toHaveLength(0);
  });

  it("rejects an invalid range or period as a caller bug", async () => {
    const { metricSource } = source();
    await expect(
      metricSource.fetch([bucketMetric(1)], { start: START, end: START - HOUR }, 3600),
    ).rejects.toThrow(RangeError);
    await expect(metricSource.fetch([bucketMetric(1)], THIRTY_DAYS, 0)).rejects.toThrow(
      /periodSeconds/,
    );
  });

  it("reads a metric asked for twice once", async () => {
    cloudWatch.on(GetMetricDataCommand).callsFake(twoPointsPerMetric);
    const { metricSource } = source();
    const result = await metricSource.fetch([bucketMetric(7), bucketMetric(7)], THIRTY_DAYS, 3600);
    expect(sentInputs()[0]?.MetricDataQueries).toHaveLength(1);
    expect(result.series).toHaveLength(1);
  });

  it("splits a range of more than 100,800 points per metric in time and merges the chunks", async () => {
    cloudWatch.on(GetMetricDataCommand).callsFake(twoPointsPerMetric);
    const { metricSource } = source();
    const range = { start: START, end: START + 90 * DAY }; // 129,600 one-minute periods
    const result = await metricSource.fetch([bucketMetric(1), bucketMetric(2)], range, 60);

    const inputs = sentInputs();
    expect(inputs).toHaveLength(4); // 2 chunks × 2 metrics (64,800 points each: one per call)
    const chunkStarts = [...new Set(inputs.map((i) => (i.StartTime as Date).getTime()))].sort();
    expect(chunkStarts).toEqual([START, START + 64_800 * 60_000]);
    const first = result.series.find((s) => s.metric.dimensions.BucketName === "bucket-00001");
    expect(optionalPointsOf(first)?.map((p) => p.timestamp)).toEqual([
      START,
      START + HOUR,
      START + 64_800 * 60_000,
      START + 64_800 * 60_000 + HOUR,
    ]);
  });

  it("runs at most `concurrency` calls at once", async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    cloudWatch.on(GetMetricDataCommand).callsFake(async (input: GetMetricDataCommandInput) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 5));
      inFlight--;
      return twoPointsPerMetric(input);
    });
    const { metricSource } = source({ concurrency: 3 });
    const metrics = Array.from({ length: 1_400 }, (_, i) => bucketMetric(i)); // 10 batches
    const result = await metricSource.fetch(metrics, THIRTY_DAYS, 3600);
    expect(sentInputs()).toHaveLength(10);
    expect(maxInFlight).toBe(3);
    expect(result.series).toHaveLength(1_400);
  });
});

describe("CloudWatchMetricSource.fetch pagination and statuses", () => {
  it("follows NextToken, merging pages per query Id, sorted and without duplicate timestamps", async () => {
    const t = (hours: number) => new Date(START + hours * HOUR);
    cloudWatch
      .on(GetMetricDataCommand)
      .resolvesOnce({
        MetricDataResults: [
          { Id: "m0", StatusCode: "PartialData", Timestamps: [t(1), t(0)], Values: [11, 10] },
          { Id: "m1", StatusCode: "PartialData", Timestamps: [t(0)], Values: [20] },
          { Id: "m2", StatusCode: "PartialData", Timestamps: [], Values: [] },
        ],
        NextToken: "page-2",
      })
      .resolvesOnce({
        MetricDataResults: [
          // t(1) again for m0: a page boundary repeat must not become two points.
          { Id: "m0", StatusCode: "Complete", Timestamps: [t(1), t(3)], Values: [11, 13] },
          { Id: "m1", StatusCode: "Complete", Timestamps: [t(2)], Values: [22] },
          { Id: "m2", StatusCode: "Complete", Timestamps: [], Values: [] },
        ],
      });
    const { metricSource } = source();
    const metrics = [bucketMetric(0), bucketMetric(1), bucketMetric(2)];

    const result = await metricSource.fetch(metrics, { start: START, end: START + DAY }, 3600);

    const inputs = sentInputs();
    expect(inputs).toHaveLength(2);
    expect(inputs[0]?.NextToken).toBeUndefined();
    expect(inputs[1]?.NextToken).toBe("page-2");
    expect(inputs[1]?.MetricDataQueries).toEqual(inputs[0]?.MetricDataQueries);
    expect(result.failures).toEqual([]);
    expect(result.series.map((s) => pointsOf(s))).toEqual([
      [
        { timestamp: START, value: 10 },
        { timestamp: START + HOUR, value: 11 },
        { timestamp: START + 3 * HOUR, value: 13 },
      ],
      [
        { timestamp: START, value: 20 },
        { timestamp: START + 2 * HOUR, value: 22 },
      ],
      [],
    ]);
    expect(result.series.map((s) => metricKey(s.metric))).toEqual(metrics.map(metricKey));
    expect(result.stats).toEqual({ getMetricDataCalls: 2, datapoints: 6 }); // values received, repeat included
  });

  it("accepts PartialData on the last page", async () => {
    cloudWatch.on(GetMetricDataCommand).resolves({
      MetricDataResults: [
        { Id: "m0", StatusCode: "PartialData", Timestamps: [new Date(START)], Values: [5] },
      ],
    });
    const result = await source().metricSource.fetch([bucketMetric(0)], THIRTY_DAYS, 3600);
    expect(result.failures).toEqual([]);
    expect(optionalPointsOf(result.series[0])).toEqual([{ timestamp: START, value: 5 }]);
  });

  it("turns per-query InternalError, Forbidden and messages into failures for those metrics only", async () => {
    cloudWatch.on(GetMetricDataCommand).resolves({
      MetricDataResults: [
        { Id: "m0", StatusCode: "Complete", Timestamps: [new Date(START)], Values: [1] },
        {
          Id: "m1",
          StatusCode: "InternalError",
          Timestamps: [],
          Values: [],
          Messages: [{ Code: "InternalError", Value: "Internal service error" }],
        },
        { Id: "m2", StatusCode: "Forbidden", Timestamps: [], Values: [] },
        {
          Id: "m3",
          StatusCode: "Complete",
          Timestamps: [],
          Values: [],
          Messages: [{ Code: "ArithmeticError", Value: "division by zero" }],
        },
        // m4 missing entirely
      ],
    });
    const metrics = [0, 1, 2, 3, 4].map(bucketMetric);
    const result = await source().metricSource.fetch(metrics, THIRTY_DAYS, 3600);

    expect(result.series.map((s) => s.metric)).toEqual([bucketMetric(0)]);
    expect(result.failures).toEqual([
      {
        metric: bucketMetric(1),
        error: "GetMetricData query status InternalError: InternalError: Internal service error",
      },
      { metric: bucketMetric(2), error: "GetMetricData query status Forbidden" },
      {
        metric: bucketMetric(3),
        error: "GetMetricData query status Complete: ArithmeticError: division by zero",
      },
      { metric: bucketMetric(4), error: "GetMetricData returned no result for this query" },
    ]);
  });

  it("reports a result whose timestamps and values do not pair up", async () => {
    cloudWatch.on(GetMetricDataCommand).resolves({
      MetricDataResults: [
        { Id: "m0", StatusCode: "Complete", Timestamps: [new Date(START)], Values: [1, 2] },
      ],
    });
    const result = await source().metricSource.fetch([bucketMetric(0)], THIRTY_DAYS, 3600);
    expect(result.failures[0]?.error).toBe("GetMetricData returned 1 timestamps but 2 values");
  });
});

describe("CloudWatchMetricSource.fetch retries", () => {
  it("retries throttling with growing backoff, then succeeds", async () => {
    cloudWatch
      .on(GetMetricDataCommand)
      .rejectsOnce(awsError("ThrottlingException", "Rate exceeded", 400))
      .rejectsOnce(awsError("ThrottlingException", "Rate exceeded", 400))
      .rejectsOnce(awsError("ServiceUnavailable", "try later", 503))
      .callsFake(twoPointsPerMetric);
    const { metricSource, delays } = source();

    const result = await metricSource.fetch([bucketMetric(3)], THIRTY_DAYS, 3600);

    expect(sentInputs()).toHaveLength(4);
    // Full jitter with random() = 0.5: half of 100 · 2^n.
    expect(delays).toEqual([50, 100, 200]);
    expect(result.failures).toEqual([]);
    expect(optionalPointsOf(result.series[0])).toHaveLength(2);
    expect(result.stats.getMetricDataCalls).toBe(4);
  });

  it("keeps each jittered wait below its exponential ceiling and maxDelayMs", async () => {
    cloudWatch
      .on(GetMetricDataCommand)
      .rejects(awsError("ThrottlingException", "Rate exceeded", 400));
    const { metricSource, delays } = source({
      random: () => 0.999,
      maxRetries: 6,
      maxDelayMs: 1_000,
    });

    const result = await metricSource.fetch([bucketMetric(3)], THIRTY_DAYS, 3600);

    expect(delays).toEqual([99, 199, 399, 799, 999, 999]);
    expect(result.stats.getMetricDataCalls).toBe(7);
    expect(result.failures).toEqual([
      {
        metric: bucketMetric(3),
        error:
          "GetMetricData batch failed: GetMetricData failed after 7 attempts: ThrottlingException: Rate exceeded",
      },
    ]);
  });

  it("gives up on one batch without stopping the others", async () => {
    // 1,400 metrics × 720 points → 10 batches of 140; the batch holding bucket 700 is denied.
    cloudWatch.on(GetMetricDataCommand).callsFake(async (input: GetMetricDataCommandInput) => {
      const queries = input.MetricDataQueries ?? [];
      if (queries.some((q) => bucketNumber(q) === 700)) {
        throw awsError(
          "AccessDenied",
          "User is not authorized to perform: cloudwatch:GetMetricData",
          403,
        );
      }
      return twoPointsPerMetric(input);
    });
    const { metricSource, delays } = source({ concurrency: 2 });
    const metrics = Array.from({ length: 1_400 }, (_, i) => bucketMetric(i));

    const result = await metricSource.fetch(metrics, THIRTY_DAYS, 3600);

    expect(sentInputs()).toHaveLength(10); // AccessDenied is not retried
    expect(delays).toEqual([]);
    expect(result.failures).toHaveLength(140);
    expect(result.failures.map((f) => f.metric)).toEqual(
      Array.from({ length: 140 }, (_, i) => bucketMetric(700 + i)),
    );
    expect(result.failures[0]?.error).toBe(
      "GetMetricData batch failed: GetMetricData failed after 1 attempt: AccessDenied: " +
        "User is not authorized to perform: cloudwatch:GetMetricData",
    );
    expect(result.series).toHaveLength(1_260);
    expect(result.series.some((s) => s.metric.dimensions.BucketName === "bucket-00700")).toBe(
      false,
    );
  });

  it("drops points already read for a metric whose later time chunk fails", async () => {
    const secondChunk = START + 64_800 * 60_000;
    cloudWatch.on(GetMetricDataCommand).callsFake(async (input: GetMetricDataCommandInput) => {
      if ((input.StartTime as Date).getTime() === secondChunk) {
        throw awsError("InvalidParameterValue", "bad", 400);
      }
      return twoPointsPerMetric(input);
    });
    const range = { start: START, end: START + 90 * DAY };
    const result = await source().metricSource.fetch([bucketMetric(1)], range, 60);
    expect(result.series).toEqual([]);
    expect(result.failures[0]?.error).toMatch(/InvalidParameterValue: bad/);
  });

  it("classifies throttling, 429/5xx and network errors as transient, others not", () => {
    expect(isTransientAwsError(awsError("ThrottlingException", "x", 400))).toBe(true);
    expect(isTransientAwsError(awsError("Throttling", "x", 400))).toBe(true);
    expect(isTransientAwsError(awsError("TooManyRequestsException", "x", 429))).toBe(true);
    expect(isTransientAwsError(awsError("SomethingElse", "Rate exceeded", 400))).toBe(true);
    expect(isTransientAwsError(awsError("Unknown", "x", 429))).toBe(true);
    expect(isTransientAwsError(awsError("Unknown", "x", 503))).toBe(true);
    expect(isTransientAwsError(Object.assign(new Error("reset"), { code: "ECONNRESET" }))).toBe(
      true,
    );
    expect(isTransientAwsError(awsError("AccessDenied", "no", 403))).toBe(false);
    expect(isTransientAwsError(awsError("InvalidParameterValue", "no", 400))).toBe(false);
    expect(isTransientAwsError("boom")).toBe(false);
  });
});

describe("CloudWatchMetricSource.discover", () => {
  const egress: MetricSelector = {
    namespace: "AWS/S3",
    metricName: "BytesDownloaded",
    stat: "Sum",
    dimensionNames: ["FilterId", "BucketName"],
  };
  const apiCalls: MetricSelector = {
    namespace: "AWS/Usage",
    metricName: "CallCount",
    stat: "Sum",
    dimensionNames: ["Class", "Resource", "Service", "Type"],
    fixedDimensions: { Type: "API" },
  };
  const s3 = (dimensions: Array<[string, string]>) => ({
    Namespace: "AWS/S3",
    MetricName: "BytesDownloaded",
    Dimensions: dimensions.map(([Name, Value]) => ({ Name, Value })),
  });
  const usage = (type: string, service: string) => ({
    Namespace: "AWS/Usage",
    MetricName: "CallCount",
    Dimensions: [
      { Name: "Type", Value: type },
      { Name: "Service", Value: service },
      { Name: "Resource", Value: "GetObject" },
      { Name: "Class", Value: "None" },
    ],
  });

  it("follows pages, keeps exact dimension sets, dedupes and sorts", async () => {
    cloudWatch
      .on(ListMetricsCommand, { Namespace: "AWS/S3" })
      .resolvesOnce({
        Metrics: [
          s3([
            ["FilterId", "all"],
            ["BucketName", "zeta"],
          ]),
          s3([
            ["BucketName", "alpha"],
            ["FilterId", "all"],
          ]),
          // The same metric again, dimensions in another order (moto repeats 2+ dimension metrics).
          s3([
            ["FilterId", "all"],
            ["BucketName", "alpha"],
          ]),
          s3([["BucketName", "only-bucket"]]),
          s3([
            ["BucketName", "extra"],
            ["FilterId", "all"],
            ["StorageType", "StandardStorage"],
          ]),
        ],
        NextToken: "next",
      })
      .resolvesOnce({
        Metrics: [
          s3([
            ["BucketName", "beta"],
            ["FilterId", "docs"],
          ]),
        ],
      });
    cloudWatch.on(ListMetricsCommand, { Namespace: "AWS/Usage" }).resolves({
      Metrics: [usage("API", "S3"), usage("Resource", "S3"), usage("API", "IAM")],
    });
    const { metricSource } = source();

    const result = await metricSource.discover([egress, apiCalls]);

    const calls = cloudWatch.commandCalls(ListMetricsCommand).map((c) => c.args[0].input);
    expect(calls).toHaveLength(3);
    expect(calls[0]).toMatchObject({
      Namespace: "AWS/S3",
      MetricName: "BytesDownloaded",
      Dimensions: [{ Name: "FilterId" }, { Name: "BucketName" }],
    });
    expect(calls[0]?.NextToken).toBeUndefined();
    expect(calls[1]?.NextToken).toBe("next");
    expect(calls[2]?.Dimensions).toContainEqual({ Name: "Type", Value: "API" });
    expect(calls[2]?.Dimensions).toHaveLength(4);
    expect(result.listMetricsCalls).toBe(3);

    const s3Metric = (bucket: string, filter: string): MetricIdentity => ({
      namespace: "AWS/S3",
      metricName: "BytesDownloaded",
      dimensions: { BucketName: bucket, FilterId: filter },
      stat: "Sum",
    });
    const usageMetric = (service: string): MetricIdentity => ({
      namespace: "AWS/Usage",
      metricName: "CallCount",
      dimensions: { Class: "None", Resource: "GetObject", Service: service, Type: "API" },
      stat: "Sum",
    });
    expect(result.metrics).toEqual([
      s3Metric("alpha", "all"),
      s3Metric("beta", "docs"),
      s3Metric("zeta", "all"),
      usageMetric("IAM"),
      usageMetric("S3"),
    ]);
  });

  it("retries a throttled ListMetrics and counts every call", async () => {
    cloudWatch
      .on(ListMetricsCommand)
      .rejectsOnce(awsError("Throttling", "Rate exceeded", 400))
      .resolves({
        Metrics: [
          s3([
            ["BucketName", "a"],
            ["FilterId", "f"],
          ]),
        ],
      });
    const { metricSource, delays } = source();
    const result = await metricSource.discover([egress]);
    expect(result.listMetricsCalls).toBe(2);
    expect(delays).toEqual([50]);
    expect(result.metrics).toHaveLength(1);
  });

  it("fails clearly when ListMetrics is denied", async () => {
    cloudWatch.on(ListMetricsCommand).rejects(awsError("AccessDenied", "not allowed", 403));
    await expect(source().metricSource.discover([egress])).rejects.toThrow(
      "ListMetrics AWS/S3 BytesDownloaded failed after 1 attempt: AccessDenied: not allowed",
    );
  });

  it("rejects a selector whose fixed dimension is not among its dimension names", async () => {
    const bad = { ...egress, fixedDimensions: { Region: "Global" } };
    await expect(source().metricSource.discover([bad])).rejects.toThrow(
      /fixed dimension "Region" is not one of dimensionNames/,
    );
    expect(cloudWatch.commandCalls(ListMetricsCommand)).toHaveLength(0);
  });
});
