/**
 * Backtest and tune: replay a metric history through the baseline engine with one or several
 * settings, from CloudWatch (one metric, metric sets, or everything the config discovers) or from
 * files, and compare what each setting would have flagged; or suggest per-metric overrides that
 * keep every metric within an alert budget.
 *
 * Ranges. Every metric is judged over an evaluated range shared by all its settings, preceded by
 * each setting's full baseline window, so that every judged period has the baseline it would have
 * had in production:
 *  - CloudWatch: the last `days` days (default 90) up to the newest complete period (after the
 *    config's settle time); the fetch reaches `windowDays` further back. CloudWatch keeps 1-hour
 *    (and daily) data for 455 days, so days + window must fit in 455.
 *  - Files: from the first period with a full baseline window behind it to the file's last complete
 *    period (optionally only the last `days` days). A file shorter than the window is an input error.
 *
 * Cost. Metrics are fetched in chunks of whole GetMetricData calls (the source batches up to 500
 * metrics and 100,800 datapoints per call), once per distinct period, and judged chunk by chunk so
 * memory holds one chunk of series. A metric discovered by two sets is fetched once.
 */

import type { DetectionConfig, MetricSetConfig } from "../config/detection-config.ts";
import { selectorsFor, setSettings, settingsForMetric } from "../config/detection-config.ts";
import {
  compareVariants,
  summarizeVerdicts,
  type TimeSpan,
  type VariantComparison,
} from "../domain/backtest-compare.ts";
import { evaluateRange, newestCompletePeriodStart, windowPeriods } from "../domain/baseline.ts";
import {
  DEFAULT_DETECTION_SETTINGS,
  type DetectionSettings,
  type Direction,
  type Episode,
  type Verdict,
} from "../domain/detection.ts";
import { buildEpisodes } from "../domain/episodes.ts";
import { InputError } from "../domain/errors.ts";
import {
  countPoints,
  type MetricIdentity,
  type MetricSeries,
  metricKey,
  metricLabel,
  seriesFromPoints,
  seriesPoints,
} from "../domain/metric.ts";
import { metricsPerCall } from "../domain/metric-batching.ts";
import { suggestTuning, type TuneSuggestion } from "../domain/tune.ts";
import type { MetricSelector, MetricSource } from "../ports/metric-source.ts";

const MS_PER_DAY = 86_400_000;
/** CloudWatch keeps 1-hour datapoints (and longer periods) for 455 days. */
export const CLOUDWATCH_RETENTION_DAYS = 455;
export const DEFAULT_BACKTEST_DAYS = 90;
/** GetMetricData calls per fetch chunk (the source runs 4 in parallel). */
const FETCH_CALLS_PER_CHUNK = 4;

/** Bad input the user can fix: a file too short for the window, an unknown set, a bad setting. */
export class BacktestInputError extends InputError {
  override name = "BacktestInputError";
}

/** Settings a comparison column changes; excluded ranges are given separately. */
export type SettingsChanges = Partial<Omit<DetectionSettings, "excludedRanges">>;

export interface SettingsVariant {
  /** As written on the command line, e.g. "k=3.5,method=seasonal"; "current" for no change. */
  label: string;
  changes: SettingsChanges;
}

export type BacktestTarget =
  /** Series read from files; `sources` names them in messages (same order). */
  | { kind: "series"; series: MetricSeries[]; sources?: string[] }
  /** One CloudWatch metric; `statFromSet`: use the statistic of the set that discovers it. */
  | { kind: "metric"; metric: MetricIdentity; statFromSet?: boolean }
  /** The config's metric sets: these names, or every enabled set. */
  | { kind: "sets"; names?: string[] };

export interface FetchProgress {
  /** Metric histories fetched so far (a metric read at two periods counts twice). */
  done: number;
  total: number;
  getMetricDataCalls: number;
  datapoints: number;
}

interface HistoryRequest {
  target: BacktestTarget;
  /** Where per-metric settings come from; absent → the engine's defaults. */
  config?: DetectionConfig;
  /** Metric set whose settings apply to files or to one metric (default: the set discovering it). */
  metricSet?: string;
  /** Applied over every metric's settings, under each variant (the CLI's --sigma, --method …). */
  base?: SettingsChanges;
  /** Confirmed incidents left out of every baseline, on top of the configured ones. */
  excludedRanges?: readonly TimeSpan[];
  /** Days evaluated (CloudWatch default 90; files default: all). */
  days?: number;
  onProgress?: (progress: FetchProgress) => void;
}

export interface BacktestRequest extends HistoryRequest {
  /** One comparison column each (at least one). */
  variants: SettingsVariant[];
  /** Keep per-period numbers for charts (the HTML report); off keeps memory small. */
  keepTraces?: boolean;
}

/**
 * Per-period numbers of one setting, for charts. Arrays are aligned: index i = start + i·period; NaN
 * stands for "none" (no datapoint, not judged, or a side not watched). Typed arrays: a 90-day hourly
 * trace is 6 × 2,160 doubles, without a boxed number per value.
 */
export interface VariantTrace {
  periodSeconds: number;
  start: number;
  direction: Direction;
  observed: Float64Array;
  expected: Float64Array;
  upper: Float64Array;
  lower: Float64Array;
  sigma: Float64Array;
  z: Float64Array;
}

export interface VariantResult extends VariantComparison {
  settings: DetectionSettings;
  /** Anomalous verdicts, ascending. */
  flagged: Verdict[];
  episodes: Episode[];
  trace?: VariantTrace;
}

export interface MetricBacktest {
  metricSet: string;
  metric: MetricIdentity;
  /** The file it came from, for file targets. */
  source?: string;
  range: TimeSpan;
  variants: VariantResult[];
}

export interface SkippedMetric {
  metricSet?: string;
  metric?: MetricIdentity;
  reason: string;
}

export interface RunStats {
  metrics: number;
  listMetricsCalls: number;
  getMetricDataCalls: number;
  datapoints: number;
}

export interface BacktestReport {
  generatedAt: string;
  variants: string[];
  metrics: MetricBacktest[];
  skipped: SkippedMetric[];
  fetchFailures: Array<{ metric: MetricIdentity; error: string }>;
  stats: RunStats;
}

export interface TuneRequest extends HistoryRequest {
  /** Alert episodes allowed per week. */
  budgetPerWeek: number;
}

export interface MetricTuning {
  metricSet: string;
  metric: MetricIdentity;
  source?: string;
  /** Current effective settings. */
  settings: DetectionSettings;
  range: TimeSpan;
  suggestion: TuneSuggestion;
}

export interface TuneReport {
  generatedAt: string;
  budgetPerWeek: number;
  metrics: MetricTuning[];
  skipped: SkippedMetric[];
  fetchFailures: Array<{ metric: MetricIdentity; error: string }>;
  stats: RunStats;
}

export interface BacktestDeps {
  /** CloudWatch (or any) metric source; unused for series targets. */
  source?: MetricSource;
  clock: () => number;
}

// ---------------------------------------------------------------------------------------------------------
// Planning: which metrics, with which settings
// ---------------------------------------------------------------------------------------------------------

interface PlannedMetric {
  metricSet: string;
  metric: MetricIdentity;
  /** Settings per variant, in variant order. */
  settings: DetectionSettings[];
  /** File series (series targets only). */
  series?: MetricSeries;
  source?: string;
  /** Named explicitly by the user (file, --metric): problems are errors, not skips. */
  explicit: boolean;
}

const PSEUDO_SET_NAME = "(defaults)";

/** A set with no settings of its own: setSettings on it gives the config's defaults. */
function defaultsSet(): MetricSetConfig {
  return {
    name: PSEUDO_SET_NAME,
    selectors: [],
    settings: {},
    overrides: [],
    enabled: true,
  };
}

function findSet(config: DetectionConfig | undefined, name: string): MetricSetConfig {
  const set = config?.metricSets.find((s) => s.name === name);
  if (!set) {
    const known = config?.metricSets.map((s) => s.name).join(", ");
    throw new BacktestInputError(
      config
        ? `no metric set named "${name}" in the config (sets: ${known})`
        : `--set ${name} needs a config file (none loaded)`,
    );
  }
  return set;
}

function selectorMatches(selector: MetricSelector, metric: MetricIdentity): boolean {
  if (selector.namespace !== metric.namespace || selector.metricName !== metric.metricName) {
    return false;
  }
  const names = Object.keys(metric.dimensions).sort();
  const wanted = [...selector.dimensionNames].sort();
  if (names.join("\u0000") !== wanted.join("\u0000")) return false;
  return Object.entries(selector.fixedDimensions ?? {}).every(
    ([name, value]) => metric.dimensions[name] === value,
  );
}

/** Applies base changes, a variant and the extra excluded ranges over a metric's settings. */
function variantSettings(
  metricSettings: DetectionSettings,
  request: HistoryRequest,
  variant: SettingsVariant,
): DetectionSettings {
  return {
    ...metricSettings,
    ...request.base,
    ...variant.changes,
    excludedRanges: [...metricSettings.excludedRanges, ...(request.excludedRanges ?? [])],
  };
}

function seriesLabel(item: { metric: MetricIdentity; source?: string }): string {
  return item.source ?? metricLabel(item.metric);
}

const CURRENT: SettingsVariant = { label: "current", changes: {} };

async function planMetrics(
  deps: BacktestDeps,
  request: HistoryRequest,
  variants: SettingsVariant[],
  stats: RunStats,
): Promise<PlannedMetric[]> {
  const { config, target } = request;
  const forMetric = (set: MetricSetConfig, metric: MetricIdentity) =>
    config ? settingsForMetric(config, set, metric) : { ...DEFAULT_DETECTION_SETTINGS };

  if (target.kind === "series") {
    const set = request.metricSet ? findSet(config, request.metricSet) : undefined;
    return target.series.map((series, index) => {
      const source = target.sources?.[index];
      let settings: DetectionSettings;
      if (set) {
        settings = forMetric(set, series.metric);
      } else {
        // No set: the config's defaults (if any), at the file's own period unless told otherwise.
        const defaults = config ? setSettings(config, defaultsSet()) : DEFAULT_DETECTION_SETTINGS;
        const periodConfigured = config?.defaults.periodSeconds !== undefined;
        settings = {
          ...defaults,
          periodSeconds: periodConfigured ? defaults.periodSeconds : series.periodSeconds,
        };
      }
      return {
        metricSet: set?.name ?? "files",
        metric: series.metric,
        settings: variants.map((v) => variantSettings(settings, request, v)),
        series,
        explicit: true,
        ...(source !== undefined ? { source } : {}),
      };
    });
  }

  if (!deps.source) throw new Error("internal: a CloudWatch target needs a metric source");
  if (target.kind === "metric") {
    let set: MetricSetConfig | undefined;
    if (request.metricSet) set = findSet(config, request.metricSet);
    else {
      set = config?.metricSets.find(
        (s) => s.enabled && selectorsFor(s).some((sel) => selectorMatches(sel, target.metric)),
      );
    }
    const selector = set && selectorsFor(set).find((sel) => selectorMatches(sel, target.metric));
    const metric =
      target.statFromSet && selector ? { ...target.metric, stat: selector.stat } : target.metric;
    const settings = set
      ? forMetric(set, metric)
      : config
        ? setSettings(config, defaultsSet())
        : { ...DEFAULT_DETECTION_SETTINGS };
    return [
      {
        metricSet: set?.name ?? PSEUDO_SET_NAME,
        metric,
        settings: variants.map((v) => variantSettings(settings, request, v)),
        explicit: true,
      },
    ];
  }

  if (!config) throw new BacktestInputError("backtesting metric sets needs a config file");
  const sets = target.names?.length
    ? target.names.map((name) => findSet(config, name))
    : config.metricSets.filter((s) => s.enabled);
  if (sets.length === 0) throw new BacktestInputError("the config has no enabled metric set");
  const planned: PlannedMetric[] = [];
  for (const set of sets) {
    const discovered = await deps.source.discover(selectorsFor(set));
    stats.listMetricsCalls += discovered.listMetricsCalls;
    for (const metric of discovered.metrics) {
      const settings = forMetric(set, metric);
      planned.push({
        metricSet: set.name,
        metric,
        settings: variants.map((v) => variantSettings(settings, request, v)),
        explicit: false,
      });
    }
  }
  return planned;
}

// ---------------------------------------------------------------------------------------------------------
// Histories: ranges, fetching, resampling
// ---------------------------------------------------------------------------------------------------------

function alignUp(timestamp: number, periodMs: number): number {
  return Math.ceil(timestamp / periodMs) * periodMs;
}

function alignDown(timestamp: number, periodMs: number): number {
  return Math.floor(timestamp / periodMs) * periodMs;
}

function iso(timestamp: number): string {
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

type Visit = (item: PlannedMetric, byPeriod: Map<number, MetricSeries>, range: TimeSpan) => void;

interface FetchOutcome {
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
async function readHistories(
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

  for (let offset = 0; offset < metrics.length; offset += chunkSize) {
    const chunk = metrics.slice(offset, offset + chunkSize);
    const seriesByKey = new Map<string, Map<number, MetricSeries>>();
    const failedKeys = new Set<string>();
    for (const period of periods) {
      const fetched = await source.fetch(chunk, fetchRanges.get(period) as TimeSpan, period);
      stats.getMetricDataCalls += fetched.stats.getMetricDataCalls;
      stats.datapoints += fetched.stats.datapoints;
      for (const failure of fetched.failures) {
        const key = metricKey(failure.metric);
        if (failedKeys.has(key)) continue;
        failedKeys.add(key);
        outcome.fetchFailures.push({ metric: failure.metric, error: failure.error });
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
    for (const metric of chunk) {
      const key = metricKey(metric);
      const items = byKey.get(key) ?? [];
      if (failedKeys.has(key)) continue;
      const byPeriod = seriesByKey.get(key);
      if (!byPeriod || periods.some((p) => !byPeriod.has(p))) {
        outcome.fetchFailures.push({ metric, error: "no series returned for this metric" });
        continue;
      }
      const hasData = [...byPeriod.values()].some((s) => countPoints(s) > 0);
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

// ---------------------------------------------------------------------------------------------------------
// Backtest
// ---------------------------------------------------------------------------------------------------------

function traceOf(
  verdicts: readonly Verdict[],
  settings: DetectionSettings,
  start: number,
): VariantTrace {
  const column = (pick: (verdict: Verdict) => number | null) =>
    Float64Array.from(verdicts, (verdict) => pick(verdict) ?? Number.NaN);
  return {
    periodSeconds: settings.periodSeconds,
    start,
    direction: settings.direction,
    observed: column((v) => v.observed),
    expected: column((v) => v.expected),
    upper: column((v) => v.upperThreshold),
    lower: column((v) => v.lowerThreshold),
    sigma: column((v) => v.sigma),
    z: column((v) => v.z),
  };
}

/** Evaluates with a setting, turning the engine's RangeError into an input error naming it. */
function evaluateVariant(
  series: MetricSeries,
  range: TimeSpan,
  settings: DetectionSettings,
  label: string,
): Verdict[] {
  try {
    return evaluateRange(series, range.start, range.end - settings.periodSeconds * 1000, settings);
  } catch (error) {
    if (error instanceof RangeError) {
      throw new BacktestInputError(`setting "${label}": ${error.message}`);
    }
    throw error;
  }
}

function newStats(): RunStats {
  return { metrics: 0, listMetricsCalls: 0, getMetricDataCalls: 0, datapoints: 0 };
}

/** Replays every selected metric's history with each setting and compares them. */
export async function runBacktest(
  deps: BacktestDeps,
  request: BacktestRequest,
): Promise<BacktestReport> {
  const variants = request.variants.length > 0 ? request.variants : [CURRENT];
  const labels = variants.map((v) => v.label);
  if (new Set(labels).size !== labels.length) {
    throw new BacktestInputError(`the same setting is given twice (${labels.join(" | ")})`);
  }
  const stats = newStats();
  const planned = await planMetrics(deps, request, variants, stats);
  const metrics: MetricBacktest[] = [];
  const outcome = await readHistories(
    deps,
    request,
    variants,
    planned,
    stats,
    (item, byPeriod, range) => {
      const outcomes = item.settings.map((settings, index) => {
        const label = variants[index]?.label ?? "current";
        const series = byPeriod.get(settings.periodSeconds) as MetricSeries;
        const verdicts = evaluateVariant(series, range, settings, label);
        const episodes = buildEpisodes(verdicts, settings);
        return {
          outcome: summarizeVerdicts(label, settings, range, verdicts, episodes),
          trace: request.keepTraces ? traceOf(verdicts, settings, range.start) : undefined,
        };
      });
      const comparisons = compareVariants(outcomes.map((o) => o.outcome));
      metrics.push({
        metricSet: item.metricSet,
        metric: item.metric,
        ...(item.source !== undefined ? { source: item.source } : {}),
        range,
        variants: comparisons.map((comparison, index) => {
          const { outcome: variantOutcome, trace } = outcomes[index] as (typeof outcomes)[number];
          return {
            ...comparison,
            settings: variantOutcome.settings,
            flagged: variantOutcome.flagged,
            episodes: variantOutcome.episodes,
            ...(trace ? { trace } : {}),
          };
        }),
      });
    },
  );
  stats.metrics = metrics.length;
  return {
    generatedAt: iso(deps.clock()),
    variants: labels,
    metrics,
    skipped: outcome.skipped,
    fetchFailures: outcome.fetchFailures,
    stats,
  };
}

// ---------------------------------------------------------------------------------------------------------
// Tune
// ---------------------------------------------------------------------------------------------------------

/** Suggests, per metric, the least change to its settings that keeps it within the budget. */
export async function runTune(deps: BacktestDeps, request: TuneRequest): Promise<TuneReport> {
  if (!(request.budgetPerWeek >= 0) || !Number.isFinite(request.budgetPerWeek)) {
    throw new BacktestInputError(
      `--budget must be a number of episodes per week ≥ 0, got ${request.budgetPerWeek}`,
    );
  }
  const variants = [CURRENT];
  const stats = newStats();
  const planned = await planMetrics(deps, request, variants, stats);
  const metrics: MetricTuning[] = [];
  const outcome = await readHistories(
    deps,
    request,
    variants,
    planned,
    stats,
    (item, byPeriod, range) => {
      const settings = item.settings[0] as DetectionSettings;
      const series = byPeriod.get(settings.periodSeconds) as MetricSeries;
      let suggestion: TuneSuggestion;
      try {
        suggestion = suggestTuning({
          series,
          settings,
          range,
          budgetPerWeek: request.budgetPerWeek,
        });
      } catch (error) {
        if (error instanceof RangeError) {
          throw new BacktestInputError(`${seriesLabel(item)}: ${error.message}`);
        }
        throw error;
      }
      metrics.push({
        metricSet: item.metricSet,
        metric: item.metric,
        ...(item.source !== undefined ? { source: item.source } : {}),
        settings,
        range,
        suggestion,
      });
    },
  );
  stats.metrics = metrics.length;
  return {
    generatedAt: iso(deps.clock()),
    budgetPerWeek: request.budgetPerWeek,
    metrics,
    skipped: outcome.skipped,
    fetchFailures: outcome.fetchFailures,
    stats,
  };
}
