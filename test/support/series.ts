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
