/**
 * Tests build series from points, the way people think about them; MetricSeries itself is columnar
 * (values on the period grid, NaN = no datapoint).
 */
import {
  type DataPoint,
  type MetricIdentity,
  type MetricSeries,
  seriesFromPoints,
  seriesPoints,
} from "../../src/domain/metric.ts";

export function seriesFrom(
  metric: MetricIdentity,
  periodSeconds: number,
  points: readonly DataPoint[],
): MetricSeries {
  return seriesFromPoints(metric, periodSeconds, points);
}

/** The periods that have a datapoint, as points. */
export function pointsOf(series: MetricSeries): DataPoint[] {
  return seriesPoints(series);
}

/** Replaces a series' data in place (tests edit a generated series before handing it over). */
export function setPoints(series: MetricSeries, points: readonly DataPoint[]): void {
  const rebuilt = seriesFromPoints(series.metric, series.periodSeconds, points);
  series.start = rebuilt.start;
  series.values = rebuilt.values;
}

/** pointsOf for a series that may be missing (a failed lookup): undefined then. */
export function optionalPointsOf(series: MetricSeries | undefined): DataPoint[] | undefined {
  return series ? seriesPoints(series) : undefined;
}

/**
 * Hand-made hourly history for the detection rule tests: `hours` periods before `at` of a
 * 100 … 109 sawtooth (median 104.5, robust σ ≈ 3.3), where `replace(i)` may put another value in
 * period i, then `after` from `at` on.
 */
export function sawtoothThen(
  at: number,
  hours: number,
  after: readonly number[],
  replace: (period: number) => number | undefined = () => undefined,
): DataPoint[] {
  const hour = 3_600_000;
  const before = Array.from({ length: hours }, (_, i) => ({
    timestamp: at - (hours - i) * hour,
    value: replace(i) ?? 100 + (i % 10),
  }));
  return [...before, ...after.map((value, i) => ({ timestamp: at + i * hour, value }))];
}
