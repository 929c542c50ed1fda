/**
 * The backtest as ONE self-contained HTML file: a ranked summary, then a chart per metric (series,
 * expected line, threshold band, flagged points, episodes shaded, hover for the numbers), drawn by
 * Chart.js and chartjs-plugin-annotation, whose UMD builds are inlined — the page needs no network
 * (its Content-Security-Policy even forbids it) and can be mailed or attached to a ticket.
 *
 * Everything that comes from data (metric names and dimension values come from AWS and can hold any
 * character) is HTML-escaped in markup, and the chart data travels as JSON in a non-executed
 * <script type="application/json"> with <, >, & and the JS line separators escaped, so no value
 * can close the element or run. Inline scripts are allowed by hash, not by 'unsafe-inline'.
 */
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { TimeSpan } from "../domain/backtest-compare.ts";
import type { DetectionSettings } from "../domain/detection.ts";
import { metricLabel } from "../domain/metric.ts";
import type { BacktestReport, MetricBacktest, VariantResult } from "../usecases/backtest/types.ts";
import { writeFileAtomic } from "./write-atomic.ts";

// ---------------------------------------------------------------------------------------------------------
// Escaping
// ---------------------------------------------------------------------------------------------------------

const HTML_ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/** Text and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => HTML_ESCAPES[char] as string);
}

/** JSON that is safe inside a <script> element: nothing in it can end the element or start a comment. */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, "\\u003c")
    .replace(/>/g, "\\u003e")
    .replace(/&/g, "\\u0026")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}

/** Library code inside <script>: neutralise any "</script" or "<!--" (none today; cheap insurance). */
function scriptSafe(code: string): string {
  return code.replace(/<\/script/gi, "<\\/script").replace(/<!--/g, "<\\!--");
}

// ---------------------------------------------------------------------------------------------------------
// Page data
// ---------------------------------------------------------------------------------------------------------

export interface PageVariant {
  label: string;
  periodSeconds: number;
  direction: DetectionSettings["direction"];
  /** Epoch ms of index 0; index i is start + i · period. */
  start: number;
  observed: Array<number | null>;
  expected: Array<number | null>;
  upper: Array<number | null>;
  lower: Array<number | null>;
  sigma: Array<number | null>;
  z: Array<number | null>;
  /** Indexes of flagged periods. */
  flagged: number[];
  episodes: Array<{ start: number; end: number; severity: string }>;
  alerts: number;
  episodesPerWeek: number;
}

export interface PageMetric {
  label: string;
  metricSet: string;
  variants: PageVariant[];
}

export interface PageData {
  title: string;
  generatedAt: string;
  settings: string[];
  metrics: PageMetric[];
}

/** Six significant digits: plenty for a chart and a tooltip, and a third of the bytes of full floats. */
function compact(values: Float64Array, digits = 6): Array<number | null> {
  return Array.from(values, (v) => (Number.isFinite(v) ? Number(v.toPrecision(digits)) : null));
}

function pageVariant(variant: VariantResult): PageVariant {
  const trace = variant.trace;
  if (!trace) throw new Error("internal: the HTML report needs per-period traces (keepTraces)");
  const periodMs = trace.periodSeconds * 1000;
  return {
    label: variant.label,
    periodSeconds: trace.periodSeconds,
    direction: trace.direction,
    start: trace.start,
    observed: compact(trace.observed),
    expected: compact(trace.expected),
    upper: compact(trace.upper),
    lower: compact(trace.lower),
    sigma: compact(trace.sigma),
    z: compact(trace.z, 4),
    flagged: variant.flagged.map((f) => Math.round((f.timestamp - trace.start) / periodMs)),
    episodes: variant.episodes.map((e) => ({
      start: e.start,
      end: e.end + periodMs,
      severity: e.severity,
    })),
    alerts: variant.flaggedPeriods,
    episodesPerWeek: variant.episodesPerWeek,
  };
}

function metricTitle(metric: MetricBacktest): string {
  const label = `${metricLabel(metric.metric)} (${metric.metric.stat})`;
  return metric.source === undefined ? label : `${metric.source}: ${label}`;
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
    metrics: rankedForReport(report).map((m) => ({
      label: metricTitle(m),
      metricSet: m.metricSet,
      variants: m.variants.map(pageVariant),
    })),
  };
}

// ---------------------------------------------------------------------------------------------------------
// Assets
// ---------------------------------------------------------------------------------------------------------

interface Assets {
  chart: string;
  annotation: string;
  client: string;
}

let assets: Promise<Assets> | undefined;

/** Chart.js's UMD build, the annotation plugin's UMD build (its "script" export) and our page script. */
function loadAssets(): Promise<Assets> {
  assets ??= (async () => {
    const require = createRequire(import.meta.url);
    // Package exports hide dist/ files; resolve the CommonJS entry and look next to it.
    const chartDist = dirname(require.resolve("chart.js"));
    const annotationDist = dirname(require.resolve("chartjs-plugin-annotation"));
    const [chart, annotation, client] = await Promise.all([
      readFile(join(chartDist, "chart.umd.js"), "utf8"),
      readFile(join(annotationDist, "chartjs-plugin-annotation.min.js"), "utf8"),
      readFile(new URL("./report-client.js", import.meta.url), "utf8"),
    ]);
    return {
      chart: scriptSafe(chart),
      annotation: scriptSafe(annotation),
      client: scriptSafe(client),
    };
  })();
  assets.catch(() => {
    assets = undefined;
  });
  return assets;
}

function sha256(text: string): string {
  return `'sha256-${createHash("sha256").update(text, "utf8").digest("base64")}'`;
}

// ---------------------------------------------------------------------------------------------------------
// Markup
// ---------------------------------------------------------------------------------------------------------

const STYLE = `
:root { color-scheme: light; --muted: #5b6470; --line: #d8dde3; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0; color: #1d232b; background: #f6f7f9; }
header, main { max-width: 1200px; margin: 0 auto; padding: 16px 24px; }
header h1 { margin: 0 0 4px; font-size: 22px; }
.meta { color: var(--muted); margin: 2px 0 8px; }
section { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 14px 18px; margin: 0 0 18px; }
h2 { font-size: 16px; margin: 0 0 6px; overflow-wrap: anywhere; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.name { overflow-wrap: anywhere; }
.chart { position: relative; height: 320px; margin: 8px 0; }
.legend { color: var(--muted); font-size: 12px; }
.swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin: 0 4px 0 10px; vertical-align: middle; }
select { font: inherit; }
.warn { color: #a34000; }
`;

function formatRate(value: number): string {
  return value.toFixed(2);
}

function range(span: TimeSpan): string {
  const short = (t: number) => new Date(t).toISOString().replace(":00.000Z", "Z");
  return `${short(span.start)} → ${short(span.end)}`;
}

function summaryTable(ranked: MetricBacktest[], settings: string[]): string {
  const head = settings
    .map(
      (s) =>
        `<th class="num">alerts<br><small>${escapeHtml(s)}</small></th><th class="num">episodes/wk<br><small>${escapeHtml(s)}</small></th>`,
    )
    .join("");
  const rows = ranked
    .map((m, index) => {
      const cells = m.variants
        .map(
          (v) =>
            `<td class="num">${v.flaggedPeriods}</td><td class="num">${formatRate(v.episodesPerWeek)}</td>`,
        )
        .join("");
      return `<tr><td class="num">${index + 1}</td><td class="name"><a href="#metric-${index}">${escapeHtml(metricTitle(m))}</a></td><td>${escapeHtml(m.metricSet)}</td>${cells}</tr>`;
    })
    .join("\n");
  return `<table id="summary-table"><thead><tr><th class="num">#</th><th>metric</th><th>set</th>${head}</tr></thead><tbody>\n${rows}\n</tbody></table>`;
}

/**
 * "2.0 weeks", or "12.9 weeks, 5.0 judged — rates per judged week" when history was too short for
 * part of the range (a setting judged fewer weeks than the range: its rates divide by those).
 */
function weeksNote(m: MetricBacktest): string {
  const weeks = m.variants[0]?.weeks ?? 0;
  const judged = Math.min(...m.variants.map((v) => v.evaluatedWeeks));
  const text = `${weeks.toFixed(1)} weeks`;
  return m.variants.length > 0 && judged < weeks - 1e-9
    ? `${text}, ${judged.toFixed(1)} judged — rates per judged week`
    : text;
}

function metricSection(m: MetricBacktest, index: number): string {
  const select =
    m.variants.length > 1
      ? `<label>Setting shown <select data-metric="${index}">${m.variants
          .map((v, i) => `<option value="${i}">${escapeHtml(v.label)}</option>`)
          .join("")}</select></label>`
      : "";
  const rows = m.variants
    .map(
      (v) =>
        `<tr><td>${escapeHtml(v.label)}</td><td>${escapeHtml(`${v.settings.method} k=${v.settings.k} window=${v.settings.windowDays}d period=${v.settings.periodSeconds === 86_400 ? "1d" : "1h"} direction=${v.settings.direction}`)}</td>` +
        `<td class="num">${v.flaggedPeriods}</td><td class="num">${formatRate(v.alertsPerWeek)}</td><td class="num">${v.episodes.length}</td>` +
        `<td class="num">${formatRate(v.episodesPerWeek)}</td><td class="num">${v.criticalEpisodes}</td><td class="num">${m.variants.length > 1 ? v.onlyThisPeriods : "–"}</td></tr>`,
    )
    .join("");
  return `<section class="metric" id="metric-${index}">
<h2>${index + 1}. ${escapeHtml(metricTitle(m))}</h2>
<p class="meta">set ${escapeHtml(m.metricSet)} · evaluated ${escapeHtml(range(m.range))} (${weeksNote(m)}) ${select}</p>
<div class="chart"><canvas id="chart-${index}" role="img" aria-label="${escapeHtml(`chart of ${metricTitle(m)}`)}"></canvas></div>
<table class="stats"><thead><tr><th>setting</th><th>effective settings</th><th class="num">alerts</th><th class="num">alerts/wk</th><th class="num">episodes</th><th class="num">episodes/wk</th><th class="num">critical</th><th class="num">only this setting</th></tr></thead><tbody>${rows}</tbody></table>
</section>`;
}

export interface HtmlReportOptions {
  title?: string;
}

/** The whole page as a string. */
export async function renderHtmlReport(
  report: BacktestReport,
  options: HtmlReportOptions = {},
): Promise<string> {
  const { chart, annotation, client } = await loadAssets();
  const title = options.title ?? "Vigil backtest";
  const ranked = rankedForReport(report);
  const data = reportPageData(report, title);
  const scripts = [chart, annotation, client];
  const csp = [
    "default-src 'none'",
    `script-src ${scripts.map(sha256).join(" ")}`,
    "style-src 'unsafe-inline'",
    "img-src data:",
  ].join("; ");
  const problems = [
    ...report.skipped.map(
      (s) =>
        `<li>skipped ${escapeHtml(s.metric ? metricLabel(s.metric) : "")} (${escapeHtml(s.metricSet ?? "")}): ${escapeHtml(s.reason)}</li>`,
    ),
    ...report.fetchFailures.map(
      (f) =>
        `<li class="warn">${escapeHtml(metricLabel(f.metric))} not evaluated: ${escapeHtml(f.error)}</li>`,
    ),
  ];
  const totalAlerts = ranked.reduce((sum, m) => sum + (m.variants[0]?.flaggedPeriods ?? 0), 0);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} — ${escapeHtml(report.generatedAt)}</title>
<style>${STYLE}</style>
</head>
<body>
<header>
<h1>${escapeHtml(title)}</h1>
<p class="meta">Generated ${escapeHtml(report.generatedAt)} · ${ranked.length} metric${ranked.length === 1 ? "" : "s"} · ${totalAlerts} alerts (flagged periods) with ${escapeHtml(report.variants[0] ?? "current")} · settings compared: ${report.variants.map((v) => `<code>${escapeHtml(v)}</code>`).join(", ")}</p>
<p class="legend">Line: observed<span class="swatch" style="background:#2e7d32"></span>dashed: expected<span class="swatch" style="background:rgba(255,152,0,.35)"></span>band: normal range between the thresholds<span class="swatch" style="background:#d62728"></span>flagged period<span class="swatch" style="background:rgba(214,39,40,.18)"></span>critical episode<span class="swatch" style="background:rgba(255,152,0,.2)"></span>warning episode. Hover a point for observed, expected, σ and z.</p>
</header>
<main>
<section id="summary"><h2>Metrics ranked by alert count</h2>
${ranked.length > 0 ? summaryTable(ranked, report.variants) : "<p>No metric was evaluated.</p>"}
${problems.length > 0 ? `<ul>${problems.join("\n")}</ul>` : ""}
</section>
${ranked.map(metricSection).join("\n")}
</main>
<script type="application/json" id="vigil-data">${jsonForScript(data)}</script>
${scripts.map((code) => `<script>${code}</script>`).join("\n")}
</body>
</html>
`;
}

/** Renders and writes the report atomically: the file is complete or untouched. */
export async function writeHtmlReport(
  path: string,
  report: BacktestReport,
  options: HtmlReportOptions = {},
): Promise<void> {
  await writeFileAtomic(path, await renderHtmlReport(report, options));
}
