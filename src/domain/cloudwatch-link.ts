import type { MetricIdentity } from "./metric.ts";

/**
 * CloudWatch console deep links. The `graph=` fragment is the metric widget's JSON (the same
 * properties as a dashboard widget or GetMetricWidgetImage) written in JSURL: `~` separates values,
 * `(` … `)` open and close objects and arrays, `'` starts a string whose characters outside
 * [A-Za-z0-9_.-] are written as `*` + two hex digits (`**` + four for code points above 255).
 */
type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/** A CloudWatch metric widget: what the console's `graph=` link and GetMetricWidgetImage take. */
export type MetricWidget = Record<string, Json>;

function jsurlString(value: string): string {
  return `'${value.replace(/[^A-Za-z0-9_.-]/g, (c) => {
    const code = c.charCodeAt(0);
    return code > 255
      ? `**${code.toString(16).padStart(4, "0")}`
      : `*${code.toString(16).padStart(2, "0")}`;
  })}`;
}

/** JSURL of one JSON value (what the console's `graph=` parameter decodes). */
export function jsurl(value: Json): string {
  if (value === null) return "~null";
  if (typeof value === "boolean") return `~${value}`;
  if (typeof value === "number")
    return Number.isFinite(value) ? `~${String(value).replace("+", "")}` : "~null";
  if (typeof value === "string") return `~${jsurlString(value)}`;
  if (Array.isArray(value)) return `~(${value.length === 0 ? "~" : value.map(jsurl).join("")})`;
  const entries = Object.entries(value).map(
    ([key, v]) => `${jsurlString(key).slice(1)}${jsurl(v)}`,
  );
  return `~(${entries.join("~")})`;
}

/** The band the detector judged the newest period against: expected and its k·σ edges. */
export interface GraphBand {
  expected: number;
  lower: number | null;
  upper: number | null;
  /** Where the episode started: a vertical line. */
  episodeStart?: number;
}

export interface GraphOptions {
  range: { start: number; end: number };
  periodSeconds: number;
  /** The account the metric lives in (cross-account observability reads it from the metric). */
  account?: string | undefined;
  band?: GraphBand | undefined;
}

/**
 * The metric widget for an anomaly: the metric, its expected value and the k·σ band as horizontal
 * annotations (a band is a pair of edges, shaded between them), the episode start as a vertical
 * line. CloudWatch's own ANOMALY_DETECTION_BAND is a different model, so it is not used: the band
 * shown is the one Vigil judged with, at the newest period.
 */
export function metricWidget(
  metric: MetricIdentity,
  region: string,
  options: GraphOptions,
): MetricWidget {
  const dims = Object.entries(metric.dimensions)
    .sort(([a], [b]) => a.localeCompare(b))
    .flat();
  const renderOptions: Record<string, Json> = { label: metric.metricName };
  if (options.account) renderOptions.accountId = options.account;
  const widget: Record<string, Json> = {
    metrics: [[metric.namespace, metric.metricName, ...dims, renderOptions]],
    view: "timeSeries",
    stacked: false,
    region,
    stat: metric.stat,
    period: options.periodSeconds,
    start: new Date(options.range.start).toISOString(),
    end: new Date(options.range.end).toISOString(),
  };
  const band = options.band;
  if (band) {
    const horizontal: Json[] = [{ label: "expected", value: round(band.expected) }];
    if (band.lower !== null && band.upper !== null) {
      horizontal.push([
        { label: "band (expected ± k·σ)", value: round(band.lower) },
        { value: round(band.upper) },
      ]);
    } else if (band.upper !== null) {
      horizontal.push({
        label: "threshold (expected + k·σ)",
        value: round(band.upper),
        fill: "above",
      });
    } else if (band.lower !== null) {
      horizontal.push({
        label: "threshold (expected − k·σ)",
        value: round(band.lower),
        fill: "below",
      });
    }
    const annotations: Record<string, Json> = { horizontal };
    if (band.episodeStart !== undefined) {
      annotations.vertical = [
        { label: "episode start", value: new Date(band.episodeStart).toISOString() },
      ];
    }
    widget.annotations = annotations;
  }
  return widget;
}

/** Six significant digits: enough for a graph, short enough for a link. */
function round(value: number): number {
  return Number(value.toPrecision(6));
}

/** Link to the metric's graph around the evaluated period, with the band when given. */
export function cloudWatchConsoleUrl(
  metric: MetricIdentity,
  region: string,
  range: { start: number; end: number },
  periodSeconds: number,
  extra: { account?: string | undefined; band?: GraphBand | undefined } = {},
): string {
  return consoleUrlOf(metricWidget(metric, region, { range, periodSeconds, ...extra }));
}

/** The console link that opens a metric widget (in the widget's own region). */
export function consoleUrlOf(widget: MetricWidget): string {
  const region = String(widget.region);
  return `https://${region}.console.aws.amazon.com/cloudwatch/home?region=${region}#metricsV2:graph=${jsurl(widget)}`;
}
