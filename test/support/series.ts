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

/** The detection rule tests' hand-made history: 30 days hourly, judged from 2025-07-12 00:00 UTC. */
export const RULE_TEST_WINDOW = 720;
export const RULE_TEST_AT = Date.UTC(2025, 6, 12);

/**
 * Hand-made hourly history for the detection rule tests: RULE_TEST_WINDOW periods before
 * RULE_TEST_AT of a 100 … 109 sawtooth (median 104.5, robust σ ≈ 3.3), where `replace(i)` may put
 * another value in period i, then `after` from RULE_TEST_AT on.
 */
export function sawtoothThen(
  after: readonly number[],
  replace: (period: number) => number | undefined = () => undefined,
): DataPoint[] {
  const hour = 3_600_000;
  const before = Array.from({ length: RULE_TEST_WINDOW }, (_, i) => ({
    timestamp: RULE_TEST_AT - (RULE_TEST_WINDOW - i) * hour,
    value: replace(i) ?? 100 + (i % 10),
  }));
  return [...before, ...after.map((value, i) => ({ timestamp: RULE_TEST_AT + i * hour, value }))];
}
