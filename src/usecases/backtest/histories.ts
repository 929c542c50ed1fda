import type { TimeSpan } from "../../domain/backtest-compare.ts";
import { newestCompletePeriodStart, windowPeriods } from "../../domain/baseline.ts";
import type { DetectionSettings } from "../../domain/detection.ts";
import {
  hasPoints,
  type MetricIdentity,
  type MetricSeries,
  metricKey,
  metricLabel,
  seriesFromPoints,
  seriesPoints,
} from "../../domain/metric.ts";
import { metricsPerCall } from "../../domain/metric-batching.ts";
import type { MetricSource } from "../../ports/metric-source.ts";
import { type PlannedMetric, seriesLabel } from "./plan.ts";
import {
  type BacktestDeps,
  BacktestInputError,
  CLOUDWATCH_RETENTION_DAYS,
  DEFAULT_BACKTEST_DAYS,
  FETCH_CALLS_PER_CHUNK,
  type FetchProgress,
  type HistoryRequest,
  MS_PER_DAY,
  type RunStats,
  type SettingsVariant,
  type SkippedMetric,
} from "./types.ts";

function alignUp(timestamp: number, periodMs: number): number {
  return Math.ceil(timestamp / periodMs) * periodMs;
}

function alignDown(timestamp: number, periodMs: number): number {
  return Math.floor(timestamp / periodMs) * periodMs;
}

export function iso(timestamp: number): string {
  return new Date(timestamp).toISOString();
}

function describePeriod(periodSeconds: number): string {
  if (periodSeconds === 86_400) return "daily";
  if (periodSeconds === 3600) return "hourly";
  return `${periodSeconds} s`;
}

/** Re-aggregates a series to a longer period, keeping only periods the data fully covers. */
export function resampleSeries(
  series: MetricSeries,
  periodSeconds: number,
  coverage: TimeSpan,
): MetricSeries {
  if (periodSeconds === series.periodSeconds) return series;
  if (periodSeconds % series.periodSeconds !== 0) {
    throw new BacktestInputError(
      `cannot turn ${series.periodSeconds} s periods into ${periodSeconds} s periods (not a whole multiple)`,
    );
  }
  const stat = series.metric.stat;
  const combine: ((values: number[]) => number) | undefined = {
    Sum: (values: number[]) => values.reduce((a, b) => a + b, 0),
    SampleCount: (values: number[]) => values.reduce((a, b) => a + b, 0),
    Maximum: (values: number[]) => Math.max(...values),
    Minimum: (values: number[]) => Math.min(...values),
    // Without sample counts the mean of means is the best we can do.
    Average: (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length,
  }[stat];
  if (!combine) {
    throw new BacktestInputError(
      `cannot re-aggregate the statistic ${stat} to a longer period: give the file at the period to test`,
    );
  }
  const periodMs = periodSeconds * 1000;
  const first = alignUp(coverage.start, periodMs);
  const end = alignDown(coverage.end, periodMs);
  const buckets = new Map<number, number[]>();
  for (const point of seriesPoints(series)) {
    if (point.timestamp < first || point.timestamp >= end) continue;
    const bucket = alignDown(point.timestamp, periodMs);
    const values = buckets.get(bucket);
    if (values) values.push(point.value);
    else buckets.set(bucket, [point.value]);
  }
  const points = [...buckets.entries()]
    .sort(([a], [b]) => a - b)
    .map(([timestamp, values]) => ({ timestamp, value: combine(values) }));
  return seriesFromPoints(series.metric, periodSeconds, points, first);
}

/**
 * Evaluated range of a file series for all its variants. Like the deployed function, a period is
 * judged as soon as `minHistoryPeriods` periods precede it (the baseline grows up to `windowDays`),
 * so the range starts there; throws when the file is too short for even that.
 */
function fileRange(item: PlannedMetric, variants: SettingsVariant[], days?: number): TimeSpan {
  const series = item.series as MetricSeries;
  const points = seriesPoints(series);
  const first = points[0];
  const last = points.at(-1);
  const name = seriesLabel(item);
  if (!first || !last) throw new BacktestInputError(`${name}: no data points`);
  const coverageEnd = last.timestamp + series.periodSeconds * 1000;
  const largestMs = Math.max(...item.settings.map((s) => s.periodSeconds)) * 1000;
  let start = Number.NEGATIVE_INFINITY;
  let binding = 0;
  item.settings.forEach((settings, index) => {
    const periodMs = settings.periodSeconds * 1000;
    const history = Math.max(1, settings.minHistoryPeriods);
    const evaluatedFrom = alignDown(first.timestamp, periodMs) + history * periodMs;
    if (evaluatedFrom > start) {
      start = evaluatedFrom;
      binding = index;
    }
  });
  start = alignUp(start, largestMs);
  const end = alignDown(coverageEnd, largestMs);
  if (days !== undefined) start = Math.max(start, alignUp(end - days * MS_PER_DAY, largestMs));
  if (start >= end) {
    const settings = item.settings[binding] as DetectionSettings;
    const spanDays = ((coverageEnd - first.timestamp) / MS_PER_DAY).toFixed(1);
    throw new BacktestInputError(
      `${name}: ${points.length} points from ${iso(first.timestamp)} to ${iso(last.timestamp)} ` +
        `(${spanDays} days) leave no period to judge: setting "${variants[binding]?.label}" needs ` +
        `minHistoryPeriods=${settings.minHistoryPeriods} ${describePeriod(settings.periodSeconds)} ` +
        "periods of history before the first judged period (give a longer history)",
    );
  }
  return { start, end };
}

/** Series of a file item at each period its variants need. */
function fileSeriesByPeriod(
  item: PlannedMetric,
  variants: SettingsVariant[],
): Map<number, MetricSeries> {
  const series = item.series as MetricSeries;
  const points = seriesPoints(series);
  const first = points[0]?.timestamp ?? 0;
  const coverage = {
    start: first,
    end: (points.at(-1)?.timestamp ?? 0) + series.periodSeconds * 1000,
  };
  const byPeriod = new Map<number, MetricSeries>();
  item.settings.forEach((settings, index) => {
    const period = settings.periodSeconds;
    if (byPeriod.has(period)) return;
    if (period < series.periodSeconds) {
      throw new BacktestInputError(
        `${seriesLabel(item)}: setting "${variants[index]?.label}" asks for ${describePeriod(period)} periods, ` +
          `but the file's points are ${series.periodSeconds} s apart`,
      );
    }
    byPeriod.set(period, resampleSeries(series, period, coverage));
  });
  return byPeriod;
}

export type Visit = (
  item: PlannedMetric,
  byPeriod: Map<number, MetricSeries>,
  range: TimeSpan,
) => void;

export interface FetchOutcome {
  skipped: SkippedMetric[];
  fetchFailures: Array<{ metric: MetricIdentity; error: string }>;
}

/** CloudWatch serves periods of whole minutes (1 min, 5 min, 1 h, 1 d …). */
function checkPeriods(planned: PlannedMetric[], variants: SettingsVariant[]): void {
  for (const item of planned) {
    item.settings.forEach((settings, index) => {
      if (
        !Number.isSafeInteger(settings.periodSeconds) ||
        settings.periodSeconds % 60 !== 0 ||
        settings.periodSeconds <= 0
      ) {
        const label = variants[index]?.label ?? "current";
        throw new BacktestInputError(
          `${seriesLabel(item)}: setting "${label}" has a ${settings.periodSeconds} s period; ` +
            "the period must be a whole number of minutes (period=5m, period=1h, period=1d …)",
        );
      }
    });
  }
}

/** Reads every planned metric's history and hands it to `visit`, chunk by chunk. */
export async function readHistories(
  deps: BacktestDeps,
  request: HistoryRequest,
  variants: SettingsVariant[],
  planned: PlannedMetric[],
  stats: RunStats,
  visit: Visit,
): Promise<FetchOutcome> {
  const outcome: FetchOutcome = { skipped: [], fetchFailures: [] };
  checkPeriods(planned, variants);
  if (request.target.kind === "series") {
    for (const item of planned) {
      const range = fileRange(item, variants, request.days);
      visit(item, fileSeriesByPeriod(item, variants), range);
    }
    return outcome;
  }

  const source = deps.source as MetricSource;
  const days = request.days ?? DEFAULT_BACKTEST_DAYS;
  if (planned.length === 0) return outcome;
  const periods = [...new Set(planned.flatMap((p) => p.settings.map((s) => s.periodSeconds)))];
  const largestMs = Math.max(...periods) * 1000;
  const settleMs = (request.config?.settleMinutes ?? 0) * 60_000;
  const now = deps.clock();
  const end = newestCompletePeriodStart(now - settleMs, largestMs / 1000) + largestMs;
  const start = end - days * MS_PER_DAY;
  const range = { start, end };

  // One fetch range per period: the evaluated range plus the longest window at that period.
  const fetchRanges = new Map<number, TimeSpan>();
  for (const period of periods) {
    const windowMs = Math.max(
      ...planned.flatMap((p) =>
        p.settings
          .filter((s) => s.periodSeconds === period)
          .map((s) => windowPeriods(s) * period * 1000),
      ),
    );
    fetchRanges.set(period, { start: start - windowMs, end });
  }
  const oldest = Math.min(...[...fetchRanges.values()].map((r) => r.start));
  const reachDays = Math.ceil((now - oldest) / MS_PER_DAY);
  if (reachDays > CLOUDWATCH_RETENTION_DAYS) {
    const windowDays = Math.ceil((start - oldest) / MS_PER_DAY);
    throw new BacktestInputError(
      `--days ${days} plus the ${windowDays}-day baseline window reaches ${reachDays} days back, past ` +
        `CloudWatch's ${CLOUDWATCH_RETENTION_DAYS}-day retention: use --days ${Math.max(1, CLOUDWATCH_RETENTION_DAYS - windowDays - 1)} or less`,
    );
  }

  const byKey = new Map<string, PlannedMetric[]>();
  for (const item of planned) {
    const key = metricKey(item.metric);
    byKey.set(key, [...(byKey.get(key) ?? []), item]);
  }
  const metrics = [...byKey.values()].map((items) => (items[0] as PlannedMetric).metric);
  const chunkSize = Math.min(
    ...periods.map((period) => {
      const fetchRange = fetchRanges.get(period) as TimeSpan;
      const points = Math.ceil((fetchRange.end - fetchRange.start) / (period * 1000));
      return Math.max(1, metricsPerCall(points)) * FETCH_CALLS_PER_CHUNK;
    }),
  );
  const progress: FetchProgress = {
    done: 0,
    total: metrics.length * periods.length,
    getMetricDataCalls: 0,
    datapoints: 0,
  };
  request.onProgress?.({ ...progress });

  /** Fetches one chunk at every period. */
  const fetchChunk = async (chunk: MetricIdentity[]) => {
    const seriesByKey = new Map<string, Map<number, MetricSeries>>();
    const failedKeys = new Set<string>();
    const failures: FetchOutcome["fetchFailures"] = [];
    for (const period of periods) {
      const fetched = await source.fetch(chunk, fetchRanges.get(period) as TimeSpan, period);
      stats.getMetricDataCalls += fetched.stats.getMetricDataCalls;
      stats.datapoints += fetched.stats.datapoints;
      for (const failure of fetched.failures) {
        const key = metricKey(failure.metric);
        if (failedKeys.has(key)) continue;
        failedKeys.add(key);
        failures.push({ metric: failure.metric, error: failure.error });
      }
      for (const series of fetched.series) {
        const key = metricKey(series.metric);
        const byPeriod = seriesByKey.get(key) ?? new Map<number, MetricSeries>();
        byPeriod.set(period, series);
        seriesByKey.set(key, byPeriod);
      }
      progress.done += chunk.length;
      progress.getMetricDataCalls = stats.getMetricDataCalls;
      progress.datapoints = stats.datapoints;
      request.onProgress?.({ ...progress });
    }
    return { chunk, seriesByKey, failedKeys, failures };
  };

  // The next chunk is fetched while this one is judged (judging is synchronous: the responses
  // wait in the socket until it is done), so a run does not sit idle waiting for CloudWatch
  // between chunks. Memory holds two chunks of series at most.
  let pending: ReturnType<typeof fetchChunk> | undefined = fetchChunk(metrics.slice(0, chunkSize));
  for (let offset = 0; pending; offset += chunkSize) {
    const { chunk, seriesByKey, failedKeys, failures } = await pending;
    outcome.fetchFailures.push(...failures);
    const next = offset + chunkSize;
    pending = next < metrics.length ? fetchChunk(metrics.slice(next, next + chunkSize)) : undefined;
    // Awaited at the next turn; until then a failure must not count as unhandled.
    pending?.catch(() => {});
    for (const metric of chunk) {
      const key = metricKey(metric);
      const items = byKey.get(key) ?? [];
      if (failedKeys.has(key)) continue;
      const byPeriod = seriesByKey.get(key);
      if (!byPeriod || periods.some((p) => !byPeriod.has(p))) {
        outcome.fetchFailures.push({ metric, error: "no series returned for this metric" });
        continue;
      }
      const hasData = [...byPeriod.values()].some(hasPoints);
      if (!hasData) {
        const reason = `no datapoints between ${iso(fetchRanges.get(periods[0] as number)?.start ?? start)} and ${iso(end)}`;
        if (items.some((i) => i.explicit)) {
          throw new BacktestInputError(
            `${metricLabel(metric)} (${metric.stat}): ${reason} (check the namespace, dimensions, statistic and region)`,
          );
        }
        for (const item of items) {
          outcome.skipped.push({ metricSet: item.metricSet, metric, reason });
        }
        continue;
      }
      for (const item of items) visit(item, byPeriod, range);
    }
  }
  return outcome;
}
