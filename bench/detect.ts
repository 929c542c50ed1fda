/**
 * Detection at scale with a stubbed CloudWatch client: 10,000 metrics × 30 days hourly through the
 * real use case, metric source and batching. Prints one JSON line.
 */
import { Logger } from "@aws-lambda-powertools/logger";
import {
  CloudWatchClient,
  GetMetricDataCommand,
  type GetMetricDataCommandInput,
  ListMetricsCommand,
  type ListMetricsCommandInput,
} from "@aws-sdk/client-cloudwatch";
import { mulberry32 } from "../sandbox/synthetic.ts";
import { CloudWatchMetricSource } from "../src/adapters/cloudwatch-metric-source.ts";
import { MemoryNotifier } from "../src/adapters/sns-notifier.ts";
import { parseConfig } from "../src/config/load.ts";
import { minimumCalls } from "../src/domain/metric-batching.ts";
import { detectAnomalies } from "../src/usecases/detect-anomalies.ts";
import { peakRssMb } from "./peak-rss.ts";

export async function benchDetect(metricCount = 10_000) {
  const now = Date.parse("2026-11-24T08:15:00Z");
  const client = new CloudWatchClient({ region: "us-east-1" });
  // A plain stub rather than aws-sdk-client-mock: its spy keeps every response alive, which
  // would measure the mock's memory instead of Vigil's.
  const handlers = new Map<unknown, (input: never) => unknown>();
  const on = (command: unknown) => ({
    callsFake: (fn: (input: never) => unknown) => handlers.set(command, fn),
  });
  client.send = (async (command: { constructor: unknown; input: never }) =>
    handlers.get(command.constructor)?.(command.input)) as unknown as typeof client.send;
  const pageSize = 500;

  on(ListMetricsCommand).callsFake((input: ListMetricsCommandInput) => {
    if (input.Namespace !== "AWS/S3") return { Metrics: [] };
    const offset = Number(input.NextToken ?? 0);
    const end = Math.min(offset + pageSize, metricCount);
    const metrics = [];
    for (let i = offset; i < end; i++) {
      metrics.push({
        Namespace: "AWS/S3",
        MetricName: "BytesDownloaded",
        Dimensions: [
          { Name: "BucketName", Value: `bucket-${i}` },
          { Name: "FilterId", Value: "EntireBucket" },
        ],
      });
    }
    return { Metrics: metrics, NextToken: end < metricCount ? String(end) : undefined };
  });

  // Stub responses cost next to nothing, so the figure is Vigil's work: 16 noisy variants of an
  // hourly shape are computed once per time range and shared between queries.
  const random = mulberry32(42);
  const cache = new Map<string, { timestamps: Date[]; variants: number[][] }>();
  const responseFor = (start: number, end: number) => {
    const key = `${start}:${end}`;
    let entry = cache.get(key);
    if (!entry) {
      const timestamps: Date[] = [];
      for (let t = start; t < end; t += 3_600_000) timestamps.push(new Date(t));
      const variants = Array.from({ length: 16 }, () =>
        timestamps.map((t) => {
          const hour = t.getUTCHours();
          return (
            1e9 * (1 + 0.5 * Math.sin(((hour - 8) / 24) * 2 * Math.PI)) * (0.9 + 0.2 * random())
          );
        }),
      );
      entry = { timestamps, variants };
      cache.set(key, entry);
    }
    return entry;
  };
  on(GetMetricDataCommand).callsFake((input: GetMetricDataCommandInput) => {
    const { timestamps, variants } = responseFor(
      (input.StartTime as Date).getTime(),
      (input.EndTime as Date).getTime(),
    );
    return {
      MetricDataResults: (input.MetricDataQueries ?? []).map((q, i) => ({
        Id: q.Id,
        StatusCode: "Complete",
        Timestamps: timestamps,
        Values: variants[i % variants.length],
      })),
    };
  });

  const config = parseConfig({
    detection: {
      metricSets: [{ name: "egress", builtin: "egress", settings: { periodSeconds: 3600 } }],
    },
  });
  const source = new CloudWatchMetricSource(client);
  const started = performance.now();
  const report = await detectAnomalies(
    {
      source,
      notifier: new MemoryNotifier(),
      config: config.detection,
      clock: () => now,
      region: "us-east-1",
      logger: new Logger({ serviceName: "bench", logLevel: "SILENT" }),
    },
    { force: true },
  );
  const handlerMs = performance.now() - started;
  const pointsPerMetric = report.stats.datapoints / Math.max(1, report.results.length);
  return {
    bench: "detect",
    metrics: report.results.length,
    pointsPerMetric,
    getMetricDataCalls: report.stats.getMetricDataCalls,
    apiMinimumCalls: minimumCalls(report.results.length, pointsPerMetric),
    listMetricsCalls: report.stats.listMetricsCalls,
    handlerMs: Math.round(handlerMs),
    peakRssMb: peakRssMb(),
    fetchFailures: report.fetchFailures.length,
  };
}
