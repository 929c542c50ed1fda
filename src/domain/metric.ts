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

/** A metric's history at one period, ascending by timestamp. Empty periods are simply absent. */
export interface MetricSeries {
  metric: MetricIdentity;
  periodSeconds: number;
  points: DataPoint[];
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
