/** Requests, results and errors of backtest and tune. */
import type { DetectionConfig } from "../../config/detection-config.ts";
import type { TimeSpan, VariantComparison } from "../../domain/backtest-compare.ts";
import type { DetectionSettings, Direction, Episode, Verdict } from "../../domain/detection.ts";
import { InputError } from "../../domain/errors.ts";
import type { MetricIdentity, MetricSeries } from "../../domain/metric.ts";
import type { TuneSuggestion } from "../../domain/tune.ts";
import type { MetricSource } from "../../ports/metric-source.ts";

export const MS_PER_DAY = 86_400_000;
/** CloudWatch keeps 1-hour datapoints (and longer periods) for 455 days. */
export const CLOUDWATCH_RETENTION_DAYS = 455;
export const DEFAULT_BACKTEST_DAYS = 90;
/** GetMetricData calls per fetch chunk (the source runs 4 in parallel). */
export const FETCH_CALLS_PER_CHUNK = 4;

/** Bad input the user can fix: a file too short for the window, an unknown set, a bad setting. */
export class BacktestInputError extends InputError {
  override name = "BacktestInputError";
}

/** Settings a comparison column changes; excluded ranges are given separately. */
export type SettingsChanges = Partial<Omit<DetectionSettings, "excludedRanges">> & {
  /** The older count form of rearmQuietSeconds, in the variant's own periods. */
  rearmQuietPeriods?: number;
};

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

export interface HistoryRequest {
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
  /** Accept suggestions that no longer flag the largest anomaly (see TuneInput). */
  allowMissingLargest?: boolean;
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
