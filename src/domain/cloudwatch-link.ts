import type { MetricIdentity } from "./metric.ts";

/**
 * CloudWatch console deep links use a JSURL-like encoding: `~` separates, `'` starts a string and
 * characters outside [A-Za-z0-9_.-] are written as `*` + two hex digits.
 */
function jsurlString(value: string): string {
  return `'${value.replace(/[^A-Za-z0-9_.-]/g, (c) => `*${c.charCodeAt(0).toString(16).padStart(2, "0")}`)}`;
}

/** Link to the metric's graph around the evaluated period. */
export function cloudWatchConsoleUrl(
  metric: MetricIdentity,
  region: string,
  range: { start: number; end: number },
  periodSeconds: number,
): string {
  const dims = Object.entries(metric.dimensions)
    .sort(([a], [b]) => a.localeCompare(b))
    .flatMap(([name, value]) => [jsurlString(name), jsurlString(value)]);
  const metricArray = [jsurlString(metric.namespace), jsurlString(metric.metricName), ...dims]
    .map((part) => `~${part}`)
    .join("");
  const graph =
    `~(metrics~(~(${metricArray}))~view~'timeSeries~stacked~false~region~${jsurlString(region)}` +
    `~stat~${jsurlString(metric.stat)}~period~${periodSeconds}` +
    `~start~${jsurlString(new Date(range.start).toISOString())}` +
    `~end~${jsurlString(new Date(range.end).toISOString())})`;
  return `https://${region}.console.aws.amazon.com/cloudwatch/home?region=${region}#metricsV2:graph=${graph}`;
}
