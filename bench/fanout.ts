/**
 * Detection fan-out at organisation scale: 1,000 member accounts × 100 metrics (100,000 metrics)
 * through the real planner, shard messages, worker use case, metric source and batching, with
 * stubbed SQS and CloudWatch clients. Each shard's compute is measured; AWS latency is added from
 * a stated model (the stubs answer instantly), and the shards are scheduled on the workers the
 * deployment runs at once to see whether a run fits in one schedule period. A second line splits
 * one very large account. Prints JSON lines.
 */
import { Logger } from "@aws-lambda-powertools/logger";
import {
  CloudWatchClient,
  GetMetricDataCommand,
  type GetMetricDataCommandInput,
  ListMetricsCommand,
  type ListMetricsCommandInput,
  type Metric,
} from "@aws-sdk/client-cloudwatch";
import {
  SendMessageBatchCommand,
  type SendMessageBatchCommandInput,
  SQSClient,
} from "@aws-sdk/client-sqs";
import { mulberry32 } from "../sandbox/synthetic.ts";
import { CloudWatchMetricSource } from "../src/adapters/cloudwatch-metric-source.ts";
import { MemoryNotifier } from "../src/adapters/sns-notifier.ts";
import { SqsShardQueue } from "../src/adapters/sqs-shard-queue.ts";
import { parseConfig } from "../src/config/load.ts";
import { minimumCalls } from "../src/domain/metric-batching.ts";
import type { DetectShard } from "../src/events/detect-shard.ts";
import { detectShard, type ShardDeps } from "../src/usecases/detect-shard.ts";
import { fanOutDetection, parseShardMessage } from "../src/usecases/plan-shards.ts";

const NOW = Date.parse("2026-11-24T08:15:00Z");
const HOUR = 3_600_000;

/** Assumed AWS latencies (ms): typical same-region figures, for the makespan estimate only. */
export const LATENCY_MS = { assumeRole: 60, listMetrics: 40, getMetricData: 250, publish: 30 };
/** detectWorker reserved concurrency (serverless.yml param workerConcurrency). */
const WORKERS = 50;

const silent = new Logger({ serviceName: "bench", logLevel: "SILENT" });

const config = parseConfig({
  detection: {
    scheduleMinutes: 60,
    metricSets: [
      { name: "egress", builtin: "egress", settings: { periodSeconds: 3600 } },
      { name: "api-calls", builtin: "api-calls", settings: { periodSeconds: 3600 } },
    ],
  },
}).detection;

/** A stubbed CloudWatch for one account: `buckets` S3 metrics and `apis` API-call metrics. */
function accountCloudWatch(buckets: number, apis: number, burst: boolean, shared: SeriesCache) {
  const client = new CloudWatchClient({ region: "us-east-1" });
  const calls = { listMetrics: 0, getMetricData: 0 };
  const page = (metrics: Metric[], token?: string) => {
    const offset = Number(token ?? 0);
    const end = Math.min(offset + 500, metrics.length);
    return {
      Metrics: metrics.slice(offset, end),
      NextToken: end < metrics.length ? String(end) : undefined,
    };
  };
  const s3 = Array.from({ length: buckets }, (_, i) => ({
    Namespace: "AWS/S3",
    MetricName: "BytesDownloaded",
    Dimensions: [
      { Name: "BucketName", Value: `bucket-${i}` },
      { Name: "FilterId", Value: "EntireBucket" },
    ],
  }));
  const usage = Array.from({ length: apis }, (_, i) => ({
    Namespace: "AWS/Usage",
    MetricName: "CallCount",
    Dimensions: [
      { Name: "Class", Value: "None" },
      { Name: "Resource", Value: `Op${i}` },
      { Name: "Service", Value: "S3" },
      { Name: "Type", Value: "API" },
    ],
  }));
  client.send = (async (command: { input: unknown }) => {
    if (command instanceof ListMetricsCommand) {
      calls.listMetrics++;
      const input = command.input as ListMetricsCommandInput;
      if (input.Namespace === "AWS/S3") return page(s3, input.NextToken);
      if (input.Namespace === "AWS/Usage") return page(usage, input.NextToken);
      return { Metrics: [] };
    }
    if (command instanceof GetMetricDataCommand) {
      calls.getMetricData++;
      const input = command.input as GetMetricDataCommandInput;
      const { timestamps, variants } = shared.get(
        (input.StartTime as Date).getTime(),
        (input.EndTime as Date).getTime(),
      );
      return {
        MetricDataResults: (input.MetricDataQueries ?? []).map((q, i) => {
          const bursting = burst && q.MetricStat?.Metric?.Dimensions?.[0]?.Value === "bucket-0";
          const values = variants[i % variants.length] as number[];
          return {
            Id: q.Id,
            StatusCode: "Complete",
            Timestamps: timestamps,
            Values: bursting ? [...values.slice(0, -1), 500e9] : values,
          };
        }),
      };
    }
    throw new Error("unexpected command");
  }) as unknown as typeof client.send;
  return { client, calls };
}

/** Noisy hourly series shared between accounts: stubs cost nothing, Vigil's work is measured. */
class SeriesCache {
  private readonly cache = new Map<string, { timestamps: Date[]; variants: number[][] }>();
  private readonly random = mulberry32(7);
  get(start: number, end: number) {
    const key = `${start}:${end}`;
    let entry = this.cache.get(key);
    if (!entry) {
      const timestamps: Date[] = [];
      for (let t = start; t < end; t += HOUR) timestamps.push(new Date(t));
      const variants = Array.from({ length: 16 }, () =>
        timestamps.map(
          (t) =>
            1e9 * (1 + 0.3 * Math.sin((2 * Math.PI * (t.getTime() / HOUR)) / 24)) +
            this.random() * 5e7,
        ),
      );
      entry = { timestamps, variants };
      this.cache.set(key, entry);
    }
    return entry;
  }
}

function accountIds(n: number): string[] {
  return Array.from({ length: n }, (_, i) => String(300_000_000_000 + i));
}

/** Longest-processing-time scheduling of shard durations on `workers` parallel workers. */
function makespan(durations: number[], workers: number): number {
  const loads = new Array<number>(workers).fill(0);
  for (const d of [...durations].sort((a, b) => b - a)) {
    let min = 0;
    for (let w = 1; w < workers; w++) if ((loads[w] as number) < (loads[min] as number)) min = w;
    loads[min] = (loads[min] as number) + d;
  }
  return Math.max(...loads);
}

interface ShardRun {
  computeMs: number;
  modeledMs: number;
  getMetricData: number;
  listMetrics: number;
  metrics: number;
  split?: number;
}

async function runShard(
  shard: DetectShard,
  cloudwatch: ReturnType<typeof accountCloudWatch>,
  notifier: MemoryNotifier,
  requeue: (shards: DetectShard[]) => Promise<void>,
): Promise<ShardRun> {
  const before = { ...cloudwatch.calls };
  const sentBefore = notifier.sent.length;
  const deps: ShardDeps = {
    config,
    notifier,
    logger: silent,
    sourceFor: async () => new CloudWatchMetricSource(cloudwatch.client),
    requeue,
  };
  const started = performance.now();
  const outcome = await detectShard(deps, shard);
  const computeMs = performance.now() - started;
  const getMetricData = cloudwatch.calls.getMetricData - before.getMetricData;
  const listMetrics = cloudwatch.calls.listMetrics - before.listMetrics;
  // The source runs up to 4 GetMetricData calls at once; discovery lists one selector at a time.
  const modeledMs =
    computeMs +
    LATENCY_MS.assumeRole +
    listMetrics * LATENCY_MS.listMetrics +
    Math.ceil(getMetricData / 4) * LATENCY_MS.getMetricData +
    (notifier.sent.length - sentBefore) * LATENCY_MS.publish;
  return {
    computeMs,
    modeledMs,
    getMetricData,
    listMetrics,
    metrics: outcome.metrics,
    ...(outcome.status === "split" ? { split: outcome.parts } : {}),
  };
}

export async function benchFanout(accounts = 1000, metricsPerAccount = 100) {
  const shared = new SeriesCache();
  const buckets = Math.ceil(metricsPerAccount / 2);
  const apis = metricsPerAccount - buckets;

  // Planner: real plan, real SqsShardQueue over a stub that records the messages.
  const sqs = new SQSClient({ region: "us-east-1" });
  const bodies: string[] = [];
  let sendBatchCalls = 0;
  sqs.send = (async (command: { input: SendMessageBatchCommandInput }) => {
    if (!(command instanceof SendMessageBatchCommand)) throw new Error("unexpected command");
    sendBatchCalls++;
    const entries = command.input.Entries ?? [];
    for (const entry of entries) bodies.push(entry.MessageBody ?? "");
    return { Successful: entries.map((e) => ({ Id: e.Id, MessageId: e.Id })), Failed: [] };
  }) as unknown as typeof sqs.send;
  const planStarted = performance.now();
  const report = await fanOutDetection({
    config,
    fleet: { accounts: accountIds(accounts), regions: ["us-east-1"] },
    queue: new SqsShardQueue(sqs, "https://sqs.us-east-1.amazonaws.com/123456789012/shards"),
    clock: () => NOW,
    newRunId: () => "bench",
    logger: silent,
  });
  const plannerMs = performance.now() - planStarted;

  // Workers: every shard, one after the other, each against its account's CloudWatch.
  const notifier = new MemoryNotifier();
  const runs: ShardRun[] = [];
  let minimumGetMetricData = 0;
  const points = 727; // 30 days hourly + the evaluated period and the episode look-back
  for (const [index, body] of bodies.entries()) {
    const shard = parseShardMessage(body);
    const cloudwatch = accountCloudWatch(buckets, apis, index % 100 === 0, shared);
    const run = await runShard(shard, cloudwatch, notifier, async () => {
      throw new Error("no split expected at this size");
    });
    runs.push(run);
    minimumGetMetricData += minimumCalls(run.metrics, points);
  }
  const modeled = runs.map((r) => r.modeledMs);
  const periodSeconds = config.scheduleMinutes * 60;
  const span = makespan(modeled, WORKERS) + plannerMs;
  const sorted = [...modeled].sort((a, b) => a - b);
  const main = {
    bench: "fanout",
    accounts,
    metricsPerAccount,
    metrics: runs.reduce((sum, r) => sum + r.metrics, 0),
    shards: report.shards,
    sqsSendMessageBatchCalls: sendBatchCalls,
    getMetricDataCalls: runs.reduce((sum, r) => sum + r.getMetricData, 0),
    apiMinimumGetMetricDataCalls: minimumGetMetricData,
    listMetricsCalls: runs.reduce((sum, r) => sum + r.listMetrics, 0),
    assumeRoleCalls: runs.length,
    alertsSent: notifier.sent.length,
    plannerMs: Math.round(plannerMs),
    worstWorkerComputeMs: Math.round(Math.max(...runs.map((r) => r.computeMs))),
    worstWorkerMs: Math.round(Math.max(...modeled)),
    medianWorkerMs: Math.round(sorted[Math.floor(sorted.length / 2)] ?? 0),
    workers: WORKERS,
    runSeconds: Math.round(span / 100) / 10,
    periodSeconds,
    fitsInPeriod: span / 1000 < periodSeconds,
    latencyModelMs: LATENCY_MS,
  };

  // One very large account: 12,000 metrics split by the worker into parts of ≤ 5,000.
  const big = accountCloudWatch(6000, 6000, false, shared);
  const requeued: DetectShard[] = [];
  const first = parseShardMessage(bodies[0] as string);
  const splitRun = await runShard(first, big, notifier, async (shards) => {
    requeued.push(...shards);
  });
  const parts: ShardRun[] = [];
  for (const part of requeued) {
    parts.push(
      await runShard(part, big, notifier, async () => {
        throw new Error("part split again");
      }),
    );
  }
  const large = {
    bench: "fanout-large-account",
    metrics: splitRun.metrics,
    splitInto: splitRun.split ?? 1,
    partMetrics: parts.map((p) => p.metrics),
    getMetricDataCalls: parts.reduce((sum, p) => sum + p.getMetricData, 0),
    apiMinimumGetMetricDataCalls: parts.reduce(
      (sum, p) => sum + minimumCalls(p.metrics, points),
      0,
    ),
    worstPartMs: Math.round(Math.max(...parts.map((p) => p.modeledMs))),
    splitDecisionMs: Math.round(splitRun.modeledMs),
  };
  return [main, large];
}
