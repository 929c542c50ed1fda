/**
 * The MetricSource over CloudWatch: discover (ListMetrics, paged, exact-dimension match in
 * ./cloudwatch-selectors.ts) and fetch (GetMetricData in batches at the API's limits, run with
 * bounded concurrency, throttling retried with jittered backoff, answers decoded to columns by
 * ./get-metric-data-columns.ts). One job — reading metrics within CloudWatch's limits — so the
 * batching, paging and retry code stays together.
 */
import type { Logger } from "@aws-lambda-powertools/logger";
import {
  type CloudWatchClient,
  type DimensionFilter,
  GetMetricDataCommand,
  type GetMetricDataCommandInput,
  type GetMetricDataCommandOutput,
  type GetMetricDataOutput,
  ListMetricsCommand,
  type ListMetricsOutput,
  type Metric,
  type MetricDataQuery,
} from "@aws-sdk/client-cloudwatch";
import { isTransientAwsError } from "../domain/aws-errors.ts";
import { VigilError } from "../domain/errors.ts";
import {
  type MetricIdentity,
  type MetricSeries,
  metricKey,
  metricLabel,
} from "../domain/metric.ts";
import { type FetchBatch, planFetchBatches, pointsInRange } from "../domain/metric-batching.ts";
import type {
  FetchResult,
  MetricFetchFailure,
  MetricSelector,
  MetricSource,
} from "../ports/metric-source.ts";
import {
  compareKeys,
  matchSelector,
  toCloudWatchDimensions,
  validateSelector,
} from "./cloudwatch-selectors.ts";
import { COLUMNS_MIDDLEWARE_OPTIONS, getMetricDataColumns } from "./get-metric-data-columns.ts";

/** IAM actions this source calls (CloudWatch metric reads allow no resource scoping). */
export const METRIC_SOURCE_ACTIONS = ["cloudwatch:GetMetricData", "cloudwatch:ListMetrics"];

export interface CloudWatchMetricSourceOptions {
  /** Parallel GetMetricData calls (default 4). CloudWatch allows 50 TPS per account and region. */
  concurrency?: number;
  /** Retries after the first attempt for throttling and transient errors (default 5). */
  maxRetries?: number;
  /** Backoff base: retry n waits a random time in [0, baseDelayMs · 2^n) (default 200). */
  baseDelayMs?: number;
  /** Upper bound of one backoff wait (default 20,000). */
  maxDelayMs?: number;
  /** Injectable for tests, so backoff does not really wait. */
  sleep?: (ms: number) => Promise<void>;
  /** Injectable for tests: uniform in [0, 1), used for full jitter (default Math.random). */
  random?: () => number;
  /** Retries and batch failures are logged here when given. */
  logger?: Pick<Logger, "warn">;
}

/** ListMetrics accepts at most 10 dimension filters; further names are checked client-side. */
const MAX_DIMENSION_FILTERS = 10;
/** Stops a server that keeps returning NextToken from looping forever. */
const MAX_PAGES = 10_000;

interface AwsLikeError {
  name?: string;
  message?: string;
}

export { isTransientAwsError };

function describeError(error: unknown): string {
  if (error instanceof Error || (typeof error === "object" && error !== null)) {
    const { name, message } = error as AwsLikeError;
    return `${name ?? "Error"}: ${message || "(no message)"}`;
  }
  return String(error);
}

/** Thrown by withRetries once it gives up; carries how many attempts were made. */
class RetriesExhaustedError extends VigilError {
  constructor(
    readonly operation: string,
    readonly attempts: number,
    override readonly cause: unknown,
  ) {
    super(
      `${operation} failed after ${attempts} attempt${attempts === 1 ? "" : "s"}: ${describeError(cause)}`,
      { cause },
    );
    this.name = "RetriesExhaustedError";
  }
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function positiveInteger(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new RangeError(`${name} must be a positive integer, got ${value}`);
  }
  return value;
}

/** Runs `work` on every item with at most `limit` in flight. `work` must not throw. */
async function forEachConcurrently<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** What one query of one batch returned, merged over all pages (the values go to its column). */
interface QueryOutcome {
  statusCode?: string;
  messages: string[];
  malformed?: string;
  seen: boolean;
}

type BatchOutcome =
  | { ok: true; byMetricIndex: Map<number, QueryOutcome> }
  | { ok: false; error: string };

/**
 * Reads CloudWatch metrics with as few GetMetricData calls as the API limits allow (see
 * domain/metric-batching.ts), retrying throttling with exponential backoff and full jitter.
 *
 * Note: the SDK client also retries on its own (awsClientConfig sets maxAttempts 5); our retry
 * loop wraps that, so a client built for this source is best given a small maxAttempts.
 */
export class CloudWatchMetricSource implements MetricSource {
  private readonly concurrency: number;
  private readonly maxRetries: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;
  private readonly logger: Pick<Logger, "warn"> | undefined;

  constructor(
    private readonly client: CloudWatchClient,
    options: CloudWatchMetricSourceOptions = {},
  ) {
    this.concurrency = positiveInteger("concurrency", options.concurrency ?? 4);
    this.maxRetries = options.maxRetries ?? 5;
    if (!Number.isSafeInteger(this.maxRetries) || this.maxRetries < 0) {
      throw new RangeError(`maxRetries must be a non-negative integer, got ${this.maxRetries}`);
    }
    this.baseDelayMs = options.baseDelayMs ?? 200;
    this.maxDelayMs = options.maxDelayMs ?? 20_000;
    if (!(this.baseDelayMs >= 0) || !(this.maxDelayMs >= 0)) {
      throw new RangeError("baseDelayMs and maxDelayMs must be non-negative");
    }
    this.sleep = options.sleep ?? defaultSleep;
    this.random = options.random ?? Math.random;
    this.logger = options.logger;
  }

  async discover(
    selectors: MetricSelector[],
  ): Promise<{ metrics: MetricIdentity[]; listMetricsCalls: number }> {
    const counter = { calls: 0 };
    const found = new Map<string, MetricIdentity>();
    // Sequential on purpose: selectors are few, and ListMetrics has a low TPS quota.
    for (const selector of selectors) {
      validateSelector(selector);
      for (const metric of await this.listAllMetrics(selector, counter)) {
        const identity = matchSelector(metric, selector);
        // ListMetrics can return the same metric more than once (moto does for 2+ dimensions).
        if (identity) found.set(metricKey(identity), identity);
      }
    }
    const metrics = [...found.values()].sort((a, b) => compareKeys(metricKey(a), metricKey(b)));
    return { metrics, listMetricsCalls: counter.calls };
  }

  async fetch(
    metrics: MetricIdentity[],
    range: { start: number; end: number },
    periodSeconds: number,
  ): Promise<FetchResult> {
    // A metric asked for twice is read once and reported once.
    const unique = [...new Map(metrics.map((metric) => [metricKey(metric), metric])).values()];
    // Throws RangeError on an invalid range or period: a caller bug, not a fetch failure.
    const batches = planFetchBatches(unique.length, range, periodSeconds);
    const stats = { getMetricDataCalls: 0, datapoints: 0 };
    // Every metric's values on the range's period grid, written in place by every time chunk.
    const length = pointsInRange(range, periodSeconds);
    const columns = unique.map(() => new Float64Array(length).fill(Number.NaN));
    const grid = { start: range.start, periodMs: periodSeconds * 1000, columns };
    const errors = new Map<number, string>();

    await forEachConcurrently(batches, this.concurrency, async (batch) => {
      const outcome = await this.fetchBatch(unique, batch, periodSeconds, grid, stats);
      for (const metricIndex of batch.metricIndexes) {
        if (errors.has(metricIndex)) continue; // an earlier time chunk already failed
        const error = outcome.ok
          ? queryError(outcome.byMetricIndex.get(metricIndex))
          : `GetMetricData batch failed: ${outcome.error}`;
        if (error !== undefined) errors.set(metricIndex, error);
      }
    });

    const failures: MetricFetchFailure[] = [];
    const series: MetricSeries[] = [];
    for (const [index, metric] of unique.entries()) {
      const error = errors.get(index);
      if (error !== undefined) failures.push({ metric, error });
      else {
        series.push({
          metric,
          periodSeconds,
          start: range.start,
          values: columns[index] as Float64Array,
        });
      }
    }
    return { series, failures, stats };
  }

  /** One planned batch: all pages, each page retried. Never throws; failures are returned. */
  private async fetchBatch(
    metrics: readonly MetricIdentity[],
    batch: FetchBatch,
    periodSeconds: number,
    grid: ColumnGrid,
    stats: FetchResult["stats"],
  ): Promise<BatchOutcome> {
    // Query Ids must match ^[a-z][a-zA-Z0-9_]*$; "m<position in batch>" maps back to the metric.
    const metricIndexById = new Map<string, number>();
    const queries: MetricDataQuery[] = batch.metricIndexes.map((metricIndex, position) => {
      const metric = metrics[metricIndex] as MetricIdentity;
      const id = `m${position}`;
      metricIndexById.set(id, metricIndex);
      return {
        Id: id,
        ReturnData: true,
        MetricStat: {
          Metric: {
            Namespace: metric.namespace,
            MetricName: metric.metricName,
            Dimensions: toCloudWatchDimensions(metric.dimensions),
          },
          Period: periodSeconds,
          Stat: metric.stat,
        },
      };
    });
    const byMetricIndex = new Map<number, QueryOutcome>(
      batch.metricIndexes.map((index) => [index, { messages: [], seen: false }]),
    );

    try {
      let nextToken: string | undefined;
      let pages = 0;
      do {
        const { response, decoded } = await this.withRetries(
          "GetMetricData",
          async () => {
            const command = new GetMetricDataCommand({
              MetricDataQueries: queries,
              StartTime: new Date(batch.start),
              EndTime: new Date(batch.end),
              ScanBy: "TimestampAscending",
              NextToken: nextToken,
            });
            // Datapoints go straight onto the grid as the body streams in, bypassing the SDK's
            // per-value deserialisation (see get-metric-data-columns). Only their counts are kept.
            // A retried attempt writes the same cells again; the first value of a cell wins.
            const decoded = new Map<string, { timestamps: number; values: number }>();
            command.middlewareStack.add(
              getMetricDataColumns<GetMetricDataCommandInput, GetMetricDataCommandOutput>(
                (id, timestamps, values) => {
                  decoded.set(id, { timestamps: timestamps.length, values: values.length });
                  const metricIndex = metricIndexById.get(id);
                  if (metricIndex === undefined) return;
                  const column = grid.columns[metricIndex] as Float64Array;
                  const count = Math.min(timestamps.length, values.length);
                  for (let i = 0; i < count; i++) {
                    placeValue(grid, column, (timestamps[i] as number) * 1000, values[i] as number);
                  }
                },
              ),
              COLUMNS_MIDDLEWARE_OPTIONS,
            );
            const response: GetMetricDataOutput = await this.client.send(command);
            return { response, decoded };
          },
          () => stats.getMetricDataCalls++,
        );
        for (const message of response.Messages ?? []) {
          this.logger?.warn("GetMetricData returned a message", {
            code: message.Code,
            value: message.Value,
          });
        }
        for (const result of response.MetricDataResults ?? []) {
          const metricIndex = metricIndexById.get(result.Id ?? "");
          const outcome = metricIndex === undefined ? undefined : byMetricIndex.get(metricIndex);
          if (!outcome) continue; // not one of ours; CloudWatch does not do this
          outcome.seen = true;
          const counts = decoded.get(result.Id as string);
          let timestampCount: number;
          let valueCount: number;
          if (counts) {
            timestampCount = counts.timestamps;
            valueCount = counts.values;
          } else {
            // Left to the SDK (a client whose send is stubbed, or a result the decoder declined).
            const column = grid.columns[metricIndex as number] as Float64Array;
            const timestamps = result.Timestamps ?? [];
            const values = result.Values ?? [];
            timestampCount = timestamps.length;
            valueCount = values.length;
            const count = Math.min(timestampCount, valueCount);
            for (let i = 0; i < count; i++) {
              placeValue(grid, column, (timestamps[i] as Date).getTime(), values[i] as number);
            }
          }
          stats.datapoints += valueCount;
          if (timestampCount !== valueCount) {
            outcome.malformed = `GetMetricData returned ${timestampCount} timestamps but ${valueCount} values`;
          }
          // The last page's status wins: PartialData on an early page only means "more pages".
          if (result.StatusCode) outcome.statusCode = result.StatusCode;
          for (const message of result.Messages ?? []) {
            outcome.messages.push(`${message.Code ?? "Message"}: ${message.Value ?? ""}`.trim());
          }
        }
        if (response.NextToken !== undefined && response.NextToken === nextToken) {
          throw new Error("GetMetricData returned the same NextToken twice");
        }
        nextToken = response.NextToken || undefined;
        if (++pages >= MAX_PAGES && nextToken) {
          throw new Error(`GetMetricData still paginating after ${MAX_PAGES} pages`);
        }
      } while (nextToken);
      return { ok: true, byMetricIndex };
    } catch (error) {
      const message = error instanceof RetriesExhaustedError ? error.message : describeError(error);
      this.logger?.warn("GetMetricData batch failed", {
        error: message,
        metrics: batch.metricIndexes.length,
        first: metricLabel(metrics[batch.metricIndexes[0] as number] as MetricIdentity),
      });
      return { ok: false, error: message };
    }
  }

  private async listAllMetrics(
    selector: MetricSelector,
    counter: { calls: number },
  ): Promise<Metric[]> {
    const fixed = selector.fixedDimensions ?? {};
    // Filters with values narrow the listing most, so they go first if we must drop some.
    const filters: DimensionFilter[] = [...selector.dimensionNames]
      .sort((a, b) => Number(b in fixed) - Number(a in fixed))
      .slice(0, MAX_DIMENSION_FILTERS)
      .map((name) => (name in fixed ? { Name: name, Value: fixed[name] } : { Name: name }));

    const listed: Metric[] = [];
    let nextToken: string | undefined;
    let pages = 0;
    do {
      const response: ListMetricsOutput = await this.withRetries(
        `ListMetrics ${selector.namespace} ${selector.metricName}`,
        () =>
          this.client.send(
            new ListMetricsCommand({
              Namespace: selector.namespace,
              MetricName: selector.metricName,
              Dimensions: filters,
              NextToken: nextToken,
            }),
          ),
        () => counter.calls++,
      );
      listed.push(...(response.Metrics ?? []));
      if (response.NextToken !== undefined && response.NextToken === nextToken) {
        throw new Error(
          `ListMetrics ${selector.namespace} ${selector.metricName}: same NextToken twice`,
        );
      }
      nextToken = response.NextToken || undefined;
      if (++pages >= MAX_PAGES && nextToken) {
        throw new Error(`ListMetrics still paginating after ${MAX_PAGES} pages`);
      }
    } while (nextToken);
    return listed;
  }

  /**
   * Calls `send` until it succeeds, retrying transient errors up to maxRetries times. Retry n
   * (0-based) first waits a random time in [0, min(maxDelayMs, baseDelayMs · 2^n)) — "full
   * jitter", which spreads out callers that were throttled together.
   */
  private async withRetries<T>(
    operation: string,
    send: () => Promise<T>,
    onAttempt: () => void,
  ): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      onAttempt();
      try {
        return await send();
      } catch (error) {
        if (!isTransientAwsError(error) || attempt >= this.maxRetries) {
          throw new RetriesExhaustedError(operation, attempt + 1, error);
        }
        const ceiling = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** attempt);
        const delay = Math.floor(this.random() * ceiling);
        this.logger?.warn(`${operation} failed, retrying`, {
          error: describeError(error),
          attempt: attempt + 1,
          delayMs: delay,
        });
        await this.sleep(delay);
      }
    }
  }
}

/** Where fetched values go: one column per metric on the range's period grid. */
interface ColumnGrid {
  start: number;
  periodMs: number;
  columns: Float64Array[];
}

/**
 * Writes a datapoint into its period's cell. The first value of a period wins (a later duplicate
 * is ignored); values outside the grid or not finite are dropped.
 */
function placeValue(grid: ColumnGrid, column: Float64Array, timestamp: number, value: number) {
  const cell = Math.floor((timestamp - grid.start) / grid.periodMs);
  if (cell >= 0 && cell < column.length && Number.isNaN(column[cell]) && Number.isFinite(value)) {
    column[cell] = value;
  }
}

/** Why a query's result cannot be used, or undefined if it can. */
function queryError(outcome: QueryOutcome | undefined): string | undefined {
  if (!outcome?.seen) return "GetMetricData returned no result for this query";
  if (outcome.malformed) return outcome.malformed;
  const status = outcome.statusCode;
  const failed = status === "InternalError" || status === "Forbidden";
  if (!failed && outcome.messages.length === 0) return undefined;
  const details = outcome.messages.length > 0 ? `: ${outcome.messages.join("; ")}` : "";
  return `GetMetricData query status ${status ?? "unknown"}${details}`;
}
