import type { Logger } from "@aws-lambda-powertools/logger";
import { type DetectionConfig, selectorsFor } from "../config/detection-config.ts";
import type { AlertPolicy } from "../domain/alert-plan.ts";
import { type MetricIdentity, metricKey } from "../domain/metric.ts";
import type { DetectShard } from "../events/detect-shard.ts";
import type {
  FetchOptions,
  FetchResult,
  MetricSelector,
  MetricSource,
} from "../ports/metric-source.ts";
import type { Notifier } from "../ports/notifier.ts";
import type { PageLedger } from "../ports/page-ledger.ts";
import { type DetectReport, detectAnomalies } from "./detect-anomalies.ts";
import { FanoutInputError } from "./plan-shards.ts";

/** 32-bit FNV-1a: a stable, cheap hash so every worker puts a metric in the same part. */
export function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

export function inPart(metric: MetricIdentity, part: DetectShard["part"]): boolean {
  return fnv1a(metricKey(metric)) % part.count === part.index;
}

/**
 * A shard's view of a metric source: only its part's metrics, and each selector list discovered
 * once (the worker counts metrics before running the use case, which discovers again).
 */
export class PartitionedMetricSource implements MetricSource {
  private readonly discovered = new Map<
    string,
    Promise<{ metrics: MetricIdentity[]; listMetricsCalls: number }>
  >();

  constructor(
    private readonly inner: MetricSource,
    private readonly part: DetectShard["part"],
  ) {}

  discover(selectors: MetricSelector[]) {
    const key = JSON.stringify(selectors);
    let found = this.discovered.get(key);
    if (!found) {
      found = this.inner.discover(selectors).then(({ metrics, listMetricsCalls }) => ({
        metrics: metrics.filter((m) => inPart(m, this.part)),
        listMetricsCalls,
      }));
      this.discovered.set(key, found);
      return found;
    }
    // Already counted: the second discovery costs no ListMetrics call.
    return found.then(({ metrics }) => ({ metrics, listMetricsCalls: 0 }));
  }

  fetch(
    metrics: MetricIdentity[],
    range: { start: number; end: number },
    periodSeconds: number,
    options?: FetchOptions,
  ): Promise<FetchResult> {
    return this.inner.fetch(metrics, range, periodSeconds, options);
  }
}

export interface ShardDeps {
  config: DetectionConfig;
  /** Reads the shard's account and region: through VigilDetectionRole in a member account. */
  sourceFor(shard: DetectShard): Promise<MetricSource>;
  notifier: Notifier;
  /** Digest, page budget, silences, grouping (default: the config defaults). */
  alerting?: AlertPolicy;
  /** Page slots per account-hour shared by every shard and run (absent: each shard's share). */
  pages?: PageLedger;
  logger: Pick<Logger, "info" | "warn" | "error">;
  /** Sends the sub-shards of a shard too big for one worker. */
  requeue(shards: DetectShard[]): Promise<void>;
  /**
   * A shard with more metrics splits into parts of at most this many (default 5,000: ten full
   * GetMetricData calls of 30 days hourly, a few seconds of work).
   */
  maxMetricsPerShard?: number;
}

export type ShardOutcome =
  | { status: "evaluated"; metrics: number; report: DetectReport }
  | { status: "split"; metrics: number; parts: number };

export const DEFAULT_MAX_METRICS_PER_SHARD = 5_000;

/** The sub-shards of `shard`: part i of n becomes parts i, i+n, … of n·k (a partition of it). */
export function splitShard(shard: DetectShard, k: number): DetectShard[] {
  const { index, count } = shard.part;
  return Array.from({ length: k }, (_, j) => ({
    ...shard,
    part: { index: index + j * count, count: count * k },
  }));
}

/**
 * Evaluates one shard: discovers its metric sets in its account, splits it when it holds more
 * metrics than one worker should judge, otherwise runs the detect use case on its part with the
 * planner's clock. Throws when the shard cannot be read at all (role, discovery): the queue
 * retries it, then parks it in the dead-letter queue (alarmed). Per-metric failures are reported
 * in the result, as in the single-account run.
 */
export async function detectShard(deps: ShardDeps, shard: DetectShard): Promise<ShardOutcome> {
  const sets = shard.metricSets.map((name) => {
    const set = deps.config.metricSets.find((s) => s.name === name);
    if (!set) {
      throw new FanoutInputError(
        `shard names metric set "${name}", which is not in this deployment's config`,
      );
    }
    return set;
  });
  const source = new PartitionedMetricSource(await deps.sourceFor(shard), shard.part);

  const unique = new Set<string>();
  for (const set of sets) {
    const { metrics } = await source.discover(selectorsFor(set));
    for (const metric of metrics) unique.add(metricKey(metric));
  }
  const max = deps.maxMetricsPerShard ?? DEFAULT_MAX_METRICS_PER_SHARD;
  if (unique.size > max) {
    const parts = Math.ceil(unique.size / max);
    await deps.requeue(splitShard(shard, parts));
    deps.logger.info("detection shard split", {
      runId: shard.runId,
      account: shard.account,
      region: shard.region,
      metrics: unique.size,
      parts,
    });
    return { status: "split", metrics: unique.size, parts };
  }

  const report = await detectAnomalies(
    {
      source,
      notifier: deps.notifier,
      config: deps.config,
      clock: () => Date.parse(shard.plannedAt),
      region: shard.region,
      account: shard.account,
      logger: deps.logger,
      ...(deps.alerting ? { alerting: deps.alerting } : {}),
      ...(deps.pages ? { pages: deps.pages } : {}),
      // One digest per shard; the page budget is shared through the ledger (or split by part).
      part: shard.part,
    },
    { metricSets: shard.metricSets, force: shard.force, dryRun: shard.dryRun },
  );
  return { status: "evaluated", metrics: unique.size, report };
}
