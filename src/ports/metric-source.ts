import type { MetricIdentity, MetricSeries } from "../domain/metric.ts";

/** Which metrics to discover: a metric name in a namespace, with exactly these dimension names. */
export interface MetricSelector {
  namespace: string;
  metricName: string;
  /** CloudWatch statistic the discovered metrics are read with: "Sum" for bytes and call counts. */
  stat: string;
  /** Discovered metrics must have exactly this set of dimension names (no more, no fewer). */
  dimensionNames: string[];
  /** Must also match these values, e.g. { Type: "API" }. Every key must be in dimensionNames. */
  fixedDimensions?: Record<string, string> | undefined;
}

export interface MetricFetchFailure {
  metric: MetricIdentity;
  error: string;
}

export interface FetchResult {
  /** One per requested metric that returned without error (empty points allowed). */
  series: MetricSeries[];
  /** Metrics whose batch or query failed, with a clear message. Never also in `series`. */
  failures: MetricFetchFailure[];
  stats: { getMetricDataCalls: number; datapoints: number };
}

export interface FetchOptions {
  /**
   * Scratch for the values. When it holds metrics × periods-in-range cells, every series' values
   * are views into it instead of fresh arrays, valid only until the caller hands it to another
   * fetch: a caller that judges one chunk and moves on reuses one buffer, and a run's columns stop
   * being garbage the collector returns late. Sources may ignore it.
   */
  into?: Float64Array;
}

export interface MetricSource {
  discover(
    selectors: MetricSelector[],
  ): Promise<{ metrics: MetricIdentity[]; listMetricsCalls: number }>;
  /**
   * Reads `metrics` over `range` (epoch ms, start inclusive, end exclusive, both aligned to the
   * period). Batch and query errors land in `failures`; fetch only throws on invalid arguments.
   */
  fetch(
    metrics: MetricIdentity[],
    range: { start: number; end: number },
    periodSeconds: number,
    options?: FetchOptions,
  ): Promise<FetchResult>;
}
