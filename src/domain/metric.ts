/** Identity of one CloudWatch metric stream (what GetMetricData calls a MetricStat). */
export interface MetricIdentity {
  namespace: string;
  metricName: string;
  dimensions: Readonly<Record<string, string>>;
  /** CloudWatch statistic: "Sum" for bytes and call counts. */
  stat: string;
}

/** One period's value; `timestamp` is the period start in epoch milliseconds (UTC). */
export interface DataPoint {
  timestamp: number;
  value: number;
}

/**
 * A metric's history on its period grid, in columns: `values[i]` is the period starting at
 * `start + i · periodSeconds · 1000` (epoch ms, UTC), NaN where the period has no datapoint. Eight
 * bytes a period, no per-point objects: 10,000 metrics × 30 days hourly is 58 MB, not 1.4 GB.
 */
export interface MetricSeries {
  metric: MetricIdentity;
  periodSeconds: number;
  /** Epoch ms of the period `values[0]` holds. */
  start: number;
  values: Float64Array;
}

/**
 * Lays points on the grid starting at `start` (default: the earliest finite timestamp). A point
 * belongs to the period containing its timestamp; when two fall in one period the later one in
 * the array wins. Points with a non-finite timestamp or value, or before `start`, are dropped.
 */
export function seriesFromPoints(
  metric: MetricIdentity,
  periodSeconds: number,
  points: readonly DataPoint[],
  start?: number,
): MetricSeries {
  const periodMs = periodSeconds * 1000;
  let first = start ?? Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  for (const { timestamp, value } of points) {
    if (!Number.isFinite(timestamp) || !Number.isFinite(value)) continue;
    if (start === undefined && timestamp < first) first = timestamp;
    if (timestamp > last) last = timestamp;
  }
  if (!Number.isFinite(first))
    return { metric, periodSeconds, start: start ?? 0, values: new Float64Array(0) };
  const length = last >= first ? Math.floor((last - first) / periodMs) + 1 : 0;
  const values = new Float64Array(length).fill(Number.NaN);
  for (const { timestamp, value } of points) {
    if (!Number.isFinite(timestamp) || !Number.isFinite(value) || timestamp < first) continue;
    values[Math.floor((timestamp - first) / periodMs)] = value;
  }
  return { metric, periodSeconds, start: first, values };
}

/** The periods that have a datapoint, as points (for reports and small inputs, not hot paths). */
export function seriesPoints(series: MetricSeries): DataPoint[] {
  const periodMs = series.periodSeconds * 1000;
  const points: DataPoint[] = [];
  series.values.forEach((value, index) => {
    if (!Number.isNaN(value)) points.push({ timestamp: series.start + index * periodMs, value });
  });
  return points;
}

/** How many periods have a datapoint. */
export function countPoints(series: MetricSeries): number {
  let count = 0;
  for (const value of series.values) if (!Number.isNaN(value)) count++;
  return count;
}

/** True when the series has at least one datapoint (stops at the first). */
export function hasPoints(series: MetricSeries): boolean {
  const values = series.values;
  for (let index = 0; index < values.length; index++) {
    if (!Number.isNaN(values[index] as number)) return true;
  }
  return false;
}

/**
 * Whether the period starting at `periodStart` has a datapoint: the cell the baseline grid lays it
 * in (a series offset from the period grid lands in the period containing each of its periods' start).
 */
export function hasDatapointAt(series: MetricSeries, periodStart: number): boolean {
  const index = -Math.floor((series.start - periodStart) / (series.periodSeconds * 1000));
  return Number.isFinite(series.values[index] as number);
}

/** The periods starting in [range.start, range.end), sharing the values' memory (no copy). */
export function sliceSeries(
  series: MetricSeries,
  range: { start: number; end: number },
): MetricSeries {
  const periodMs = series.periodSeconds * 1000;
  const from = Math.min(
    series.values.length,
    Math.max(0, Math.ceil((range.start - series.start) / periodMs)),
  );
  const to = Math.max(
    from,
    Math.min(series.values.length, Math.ceil((range.end - series.start) / periodMs)),
  );
  return {
    ...series,
    start: series.start + from * periodMs,
    values: series.values.subarray(from, to),
  };
}

/** Deterministic key for a metric: used for dedup keys, maps and sorting. */
export function metricKey(metric: MetricIdentity): string {
  const dims = Object.keys(metric.dimensions)
    .sort()
    .map((name) => `${name}=${metric.dimensions[name]}`)
    .join(",");
  return `${metric.namespace}|${metric.metricName}|${dims}|${metric.stat}`;
}

/** Short human label, e.g. "AWS/S3 BytesDownloaded BucketName=logs FilterId=all". */
export function metricLabel(metric: MetricIdentity): string {
  const dims = Object.entries(metric.dimensions)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, value]) => `${name}=${value}`)
    .join(" ");
  return `${metric.namespace} ${metric.metricName}${dims ? ` ${dims}` : ""}`;
}
