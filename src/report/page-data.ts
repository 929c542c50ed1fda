/**
 * The data the backtest page draws, built on the server: per metric, each setting's series packed
 * (series-codec.ts: expected and σ shared between settings that agree, thresholds as residuals from
 * expected ± k·σ), its flagged periods and episodes, and the labels (title, axis). html-report.ts
 * turns it into markup; ./report-client.js unpacks it in the browser (unpackPageVariant is its twin
 * here, for tests).
 */
import { basename, isAbsolute, relative } from "node:path";
import { formatPeriod, metricUnit } from "../domain/alert-text.ts";
import type { DetectionSettings } from "../domain/detection.ts";
import { metricLabel } from "../domain/metric.ts";
import type {
  BacktestReport,
  MetricBacktest,
  VariantResult,
  VariantTrace,
} from "../usecases/backtest/types.ts";
import {
  isSameAs,
  type PackedBand,
  type PackedSeries,
  packBand,
  packDeduplicated,
  packSeries,
  type SameAs,
  unpackBand,
  unpackSeries,
} from "./series-codec.ts";

export interface PageVariant {
  label: string;
  periodSeconds: number;
  direction: DetectionSettings["direction"];
  /** Epoch ms of index 0; index i is start + i · period. */
  start: number;
  /** Only when this setting's periods differ from the metric's (another period length). */
  observed?: PackedSeries;
  /** Expected and σ: packed, or "same as setting N's" when identical (e.g. only k differs). */
  expected: PackedSeries | SameAs;
  sigma: PackedSeries | SameAs;
  /** Thresholds as residuals from expected ± k·σ (series-codec.ts). */
  upper: PackedBand;
  lower: PackedBand;
  /** Indexes of flagged periods, and each one's severity. */
  flagged: number[];
  severity: string[];
  episodes: Array<{ start: number; end: number; severity: string }>;
  alerts: number;
  episodesPerWeek: number;
}

export interface PageMetric {
  label: string;
  metricSet: string;
  /** The y axis title: what is counted, with its unit. */
  axis: string;
  /** The series as evaluated by the first setting (z is derived in the page). */
  observed: PackedSeries;
  variants: PageVariant[];
}

export interface PageData {
  title: string;
  generatedAt: string;
  settings: string[];
  metrics: PageMetric[];
}

/** Expected and σ of every setting of one metric, packed once each, and as the page will unpack them. */
interface MetricLines {
  expected: Array<PackedSeries | SameAs>;
  sigma: Array<PackedSeries | SameAs>;
  unpacked: Array<{ expected: Array<number | null>; sigma: Array<number | null> }>;
}

function metricLines(variants: readonly VariantResult[]): MetricLines {
  const traces = variants.map(traceOf);
  const expected = packDeduplicated(traces.map((t) => t.expected));
  const sigma = packDeduplicated(traces.map((t) => t.sigma));
  const resolve = (packed: Array<PackedSeries | SameAs>, i: number): PackedSeries => {
    const own = packed[i] as PackedSeries | SameAs;
    return isSameAs(own) ? (packed[own.same] as PackedSeries) : own;
  };
  return {
    expected,
    sigma,
    unpacked: traces.map((_, i) => ({
      expected: unpackSeries(resolve(expected, i)),
      sigma: unpackSeries(resolve(sigma, i)),
    })),
  };
}

function traceOf(variant: VariantResult): VariantTrace {
  const trace = variant.trace;
  if (!trace) throw new Error("internal: the HTML report needs per-period traces (keepTraces)");
  return trace;
}

function pageVariant(
  variant: VariantResult,
  index: number,
  lines: MetricLines,
  shared: VariantTrace | undefined,
): PageVariant {
  const trace = traceOf(variant);
  const periodMs = trace.periodSeconds * 1000;
  const sameSeries =
    shared !== undefined &&
    shared.start === trace.start &&
    shared.periodSeconds === trace.periodSeconds &&
    shared.observed.length === trace.observed.length;
  const { expected, sigma } = lines.unpacked[index] as MetricLines["unpacked"][number];
  const k = variant.settings.k;
  return {
    label: variant.label,
    periodSeconds: trace.periodSeconds,
    direction: trace.direction,
    start: trace.start,
    ...(sameSeries ? {} : { observed: packSeries(trace.observed) }),
    expected: lines.expected[index] as PackedSeries | SameAs,
    sigma: lines.sigma[index] as PackedSeries | SameAs,
    upper: packBand(trace.upper, k, expected, sigma),
    lower: packBand(trace.lower, -k, expected, sigma),
    flagged: variant.flagged.map((f) => Math.round((f.timestamp - trace.start) / periodMs)),
    severity: variant.flagged.map((f) => f.severity ?? "warning"),
    episodes: variant.episodes.map((e) => ({
      start: e.start,
      end: e.end + periodMs,
      severity: e.severity,
    })),
    alerts: variant.flaggedPeriods,
    episodesPerWeek: variant.episodesPerWeek,
  };
}

/** A setting's lines as the page unpacks them (report-client.js `expand` is the browser's twin). */
export function unpackPageVariant(
  metric: PageMetric,
  index: number,
): Record<"expected" | "sigma" | "upper" | "lower", Array<number | null>> {
  const variant = metric.variants[index] as PageVariant;
  const resolve = (field: "expected" | "sigma"): PackedSeries => {
    const own = variant[field];
    return isSameAs(own)
      ? ((metric.variants[own.same] as PageVariant)[field] as PackedSeries)
      : own;
  };
  const expected = unpackSeries(resolve("expected"));
  const sigma = unpackSeries(resolve("sigma"));
  return {
    expected,
    sigma,
    upper: unpackBand(variant.upper, expected, sigma),
    lower: unpackBand(variant.lower, expected, sigma),
  };
}

/**
 * The y axis title: what is counted, with the unit the alert text uses for this metric (one
 * place: domain/alert-text.ts), e.g. "BytesDownloaded (Sum, bytes per 1 h)".
 */
export function axisTitle(metric: MetricBacktest): string {
  const { metricName, stat } = metric.metric;
  const period = metric.variants[0]?.settings.periodSeconds ?? 3600;
  // SampleCount counts datapoints whatever the metric measures.
  const unit = stat === "SampleCount" ? "count" : metricUnit(metric.metricSet, metric.metric);
  return `${metricName} (${stat}, ${unit} per ${formatPeriod(period)})`;
}

/** A file source as the reader knows it: relative to where the command ran, never absolute. */
function sourceName(source: string): string {
  if (!isAbsolute(source)) return source;
  const near = relative(process.cwd(), source);
  return near.startsWith("..") || isAbsolute(near) ? basename(source) : near;
}

export function metricTitle(metric: MetricBacktest): string {
  const label = `${metricLabel(metric.metric)} (${metric.metric.stat})`;
  return metric.source === undefined ? label : `${sourceName(metric.source)}: ${label}`;
}

/** Metrics by alert count of the first setting (then the most of any setting), noisiest first. */
export function rankedForReport(report: BacktestReport): MetricBacktest[] {
  const alerts = (m: MetricBacktest) => m.variants[0]?.flaggedPeriods ?? 0;
  const most = (m: MetricBacktest) => Math.max(0, ...m.variants.map((v) => v.flaggedPeriods));
  return [...report.metrics].sort(
    (a, b) =>
      alerts(b) - alerts(a) || most(b) - most(a) || metricTitle(a).localeCompare(metricTitle(b)),
  );
}

export function reportPageData(report: BacktestReport, title = "Vigil backtest"): PageData {
  return {
    title,
    generatedAt: report.generatedAt,
    settings: report.variants,
    metrics: rankedForReport(report).map((m) => {
      const first = m.variants[0]?.trace;
      const lines = metricLines(m.variants);
      return {
        label: metricTitle(m),
        metricSet: m.metricSet,
        axis: axisTitle(m),
        observed: packSeries(first?.observed ?? []),
        variants: m.variants.map((v, i) => pageVariant(v, i, lines, first)),
      };
    }),
  };
}
