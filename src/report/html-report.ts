/**
 * The page's server-side half: markup, styles and the inlined libraries; the data it draws is built
 * in ./page-data.ts, and what runs in the browser is ./report-client.js.
 *
 * The backtest as ONE self-contained HTML file: a ranked summary (filter, sort), then a chart per
 * metric (series, expected line, threshold band, flagged points, episodes shaded, hover for the
 * numbers; every setting overlaid, each toggled; zoom and pan) and its flagged periods (click one to
 * zoom to it), drawn by Chart.js with the annotation and zoom plugins (and hammer.js, which the zoom
 * plugin pans with), whose UMD builds are inlined — the page needs no network (its
 * Content-Security-Policy even forbids it) and can be mailed or attached to a ticket. Metrics beyond
 * the first few are collapsed and drawn when opened. The series travel packed (series-codec.ts) and
 * gzipped: 50 metrics × 90 days hourly stay near 1 MB (README).
 *
 * Everything that comes from data (metric names and dimension values come from AWS and can hold any
 * character) is HTML-escaped in markup, and the chart data travels gzipped and base64-encoded in a
 * non-executed <script type="application/gzip;base64">: only base64 characters, so no value can
 * close the element or run. Inline scripts are allowed by hash, not by 'unsafe-inline'.
 */
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { gzipSync } from "node:zlib";
import { formatPeriod } from "../domain/alert-text.ts";
import type { TimeSpan } from "../domain/backtest-compare.ts";
import type { DetectionSettings } from "../domain/detection.ts";
import { metricLabel } from "../domain/metric.ts";
import type { BacktestReport, MetricBacktest } from "../usecases/backtest/types.ts";
import { metricTitle, type PageData, rankedForReport, reportPageData } from "./page-data.ts";
import { writeFileAtomic } from "./write-atomic.ts";

export {
  axisTitle,
  type PageData,
  type PageMetric,
  type PageVariant,
  rankedForReport,
  reportPageData,
  unpackPageVariant,
} from "./page-data.ts";

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

/** Library code inside <script>: neutralise any "</script" or "<!--" (none today; cheap insurance). */
function scriptSafe(code: string): string {
  return code.replace(/<\/script/gi, "<\\/script").replace(/<!--/g, "<\\!--");
}

// ---------------------------------------------------------------------------------------------------------
// Assets
// ---------------------------------------------------------------------------------------------------------

interface Assets {
  chart: string;
  annotation: string;
  hammer: string;
  zoom: string;
  client: string;
}

let assets: Promise<Assets> | undefined;

/** Chart.js's UMD build, the annotation and zoom plugins' UMD builds (the zoom plugin pans with hammer.js), our page script. */
function loadAssets(): Promise<Assets> {
  assets ??= (async () => {
    const require = createRequire(import.meta.url);
    // Package exports hide dist/ files; resolve the CommonJS entry and look next to it.
    const chartDist = dirname(require.resolve("chart.js"));
    const annotationDist = dirname(require.resolve("chartjs-plugin-annotation"));
    const zoomDist = dirname(require.resolve("chartjs-plugin-zoom"));
    const hammerDir = dirname(require.resolve("hammerjs"));
    const [chart, annotation, hammer, zoom, client] = await Promise.all([
      readFile(join(chartDist, "chart.umd.js"), "utf8"),
      readFile(join(annotationDist, "chartjs-plugin-annotation.min.js"), "utf8"),
      readFile(join(hammerDir, "hammer.min.js"), "utf8"),
      readFile(join(zoomDist, "chartjs-plugin-zoom.min.js"), "utf8"),
      readFile(new URL("./report-client.js", import.meta.url), "utf8"),
    ]);
    return {
      chart: scriptSafe(chart),
      annotation: scriptSafe(annotation),
      hammer: scriptSafe(hammer),
      zoom: scriptSafe(zoom),
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

/** Metrics drawn at once; the others are collapsed and drawn when opened. */
export const OPEN_METRICS = 10;
/** Flagged periods listed per setting of a metric (the chart shows all of them). */
const LISTED_FLAGS = 100;

/** Colours, one meaning each: the page legend, the CSS and report-client.js agree on them. */
export const COLOURS = {
  observed: "#1f4e79",
  expected: "#2e7d32",
  band: "rgba(96,125,139,0.18)",
  bandLine: "rgba(96,125,139,0.75)",
  warning: "rgba(255,193,7,0.28)",
  critical: "rgba(214,39,40,0.18)",
  flagged: "#d62728",
  /** One per setting for its thresholds and flags, when settings are overlaid. */
  settings: ["#455a64", "#6a1b9a", "#00838f", "#ef6c00", "#5d4037", "#ad1457"],
} as const;

const STYLE = `
:root { color-scheme: light; --muted: #5b6470; --line: #d8dde3; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0; color: #1d232b; background: #f6f7f9; }
header, main { max-width: 1200px; margin: 0 auto; padding: 16px 24px; }
header h1 { margin: 0 0 4px; font-size: 22px; }
.meta { color: var(--muted); margin: 2px 0 8px; overflow-wrap: anywhere; }
section, details.metric { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 14px 18px; margin: 0 0 18px; min-width: 0; }
details.metric > summary { cursor: pointer; }
h2 { font-size: 16px; margin: 0 0 6px; overflow-wrap: anywhere; display: inline; }
.scroll { overflow-x: auto; max-width: 100%; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.name { overflow-wrap: anywhere; min-width: 16em; width: 45%; }
td.wrap { overflow-wrap: break-word; }
th[data-sort] { cursor: pointer; user-select: none; }
th[data-sort]::after { content: " ↕"; color: var(--muted); }
.chart { position: relative; height: 320px; margin: 8px 0; }
.legend { color: var(--muted); font-size: 12px; }
.swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin: 0 4px 0 10px; vertical-align: middle; }
.toggles label { margin-right: 14px; white-space: nowrap; }
.flags tr[data-time] { cursor: pointer; }
.flags tr[data-time]:hover { background: #eef3f8; }
input[type=search] { font: inherit; padding: 3px 6px; width: 22em; max-width: 100%; }
select, button { font: inherit; }
.warn { color: #a34000; }
`;

function formatRate(value: number): string {
  return value.toFixed(2);
}

function range(span: TimeSpan): string {
  const short = (t: number) => new Date(t).toISOString().replace(":00.000Z", "Z");
  return `${short(span.start)} → ${short(span.end)}`;
}

/** S1, S2 … : the ranking's columns stay narrow however long a setting's label is. */
function settingKey(settings: string[]): string {
  return `<p class="meta">${settings
    .map(
      (s, i) =>
        `<span class="swatch" style="background:${COLOURS.settings[i % COLOURS.settings.length]}"></span><b>S${i + 1}</b> <code>${escapeHtml(s)}</code>`,
    )
    .join(" ")}</p>`;
}

function summaryTable(ranked: MetricBacktest[], settings: string[]): string {
  const head = settings
    .map(
      (_, i) =>
        `<th class="num" data-sort="num">S${i + 1}<br><small>alerts</small></th><th class="num" data-sort="num">S${i + 1}<br><small>ep/wk</small></th>`,
    )
    .join("");
  const rows = ranked
    .map((m, index) => {
      const cells = m.variants
        .map(
          (v) =>
            `<td class="num" data-value="${v.flaggedPeriods}">${v.flaggedPeriods}</td><td class="num" data-value="${v.episodesPerWeek}">${formatRate(v.episodesPerWeek)}</td>`,
        )
        .join("");
      return `<tr><td class="num" data-value="${index + 1}">${index + 1}</td><td class="name"><a href="#metric-${index}" data-open="${index}">${escapeHtml(metricTitle(m))}</a></td><td class="wrap">${escapeHtml(m.metricSet)}</td>${cells}</tr>`;
    })
    .join("\n");
  return `${settingKey(settings)}
<p><input type="search" id="summary-filter" placeholder="filter metrics (name, dimension, set)" aria-label="filter metrics"> <span class="meta" id="summary-count">${ranked.length} shown</span></p>
<div class="scroll"><table id="summary-table"><thead><tr><th class="num" data-sort="num">#</th><th data-sort="text">metric</th><th data-sort="text">set</th>${head}</tr></thead><tbody>\n${rows}\n</tbody></table></div>`;
}

function flagTable(m: MetricBacktest, index: number): string {
  const rows: string[] = [];
  let hidden = 0;
  m.variants.forEach((v, s) => {
    const trace = v.trace;
    v.flagged.forEach((f, n) => {
      if (n >= LISTED_FLAGS) {
        hidden++;
        return;
      }
      const i = trace ? Math.round((f.timestamp - trace.start) / (trace.periodSeconds * 1000)) : -1;
      const z = trace?.z[i];
      rows.push(
        `<tr data-time="${f.timestamp}" data-setting="${s}"><td>${escapeHtml(new Date(f.timestamp).toISOString().slice(0, 16).replace("T", " "))}Z</td><td>S${s + 1}</td><td>${escapeHtml(f.severity ?? "warning")}</td><td>${escapeHtml(f.rule ?? "band")}</td><td class="num">${trace ? formatValue(trace.observed[i]) : "–"}</td><td class="num">${trace ? formatValue(trace.expected[i]) : "–"}</td><td class="num">${z !== undefined && Number.isFinite(z) ? z.toFixed(1) : "–"}</td></tr>`,
      );
    });
  });
  if (rows.length === 0) return `<p class="meta">No flagged period with any setting.</p>`;
  return `<details class="flags-list"${index < OPEN_METRICS ? " open" : ""}><summary>Flagged periods (${rows.length + hidden}) — click one to zoom to it</summary>
<div class="scroll"><table class="flags" data-metric="${index}"><thead><tr><th>period</th><th>setting</th><th>severity</th><th>rule</th><th class="num">observed</th><th class="num">expected</th><th class="num">z</th></tr></thead><tbody>${rows.join("")}</tbody></table></div>
${hidden > 0 ? `<p class="meta">${hidden} more not listed (${LISTED_FLAGS} per setting); the chart shows all.</p>` : ""}</details>`;
}

/** 1234567 → "1.23M" (what the page's tooltips print). */
function formatValue(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return "–";
  const units = ["", "k", "M", "G", "T", "P", "E"];
  let magnitude = Math.abs(value);
  let unit = 0;
  while (magnitude >= 999.5 && unit < units.length - 1) {
    magnitude /= 1000;
    unit++;
  }
  return `${value < 0 ? "-" : ""}${Number(magnitude.toPrecision(3))}${units[unit]}`;
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

/** What decides a verdict, in the settings' own names: enough to tell two columns apart. */
function effectiveSettings(settings: DetectionSettings): string {
  const period = formatPeriod(settings.periodSeconds).replace(" ", "");
  return [
    `${settings.method} k=${settings.k} window=${settings.windowDays}d period=${period} direction=${settings.direction}`,
    `confirm=${settings.confirmPeriods} extremeK=${settings.extremeK} criticalK=${settings.criticalK}`,
    `seenBefore=${settings.seenBefore} extremeSeenBefore=${settings.extremeSeenBefore}`,
  ].join(" ");
}

function metricSection(m: MetricBacktest, index: number): string {
  const toggles = m.variants
    .map(
      (v, i) =>
        `<label><input type="checkbox" data-metric="${index}" data-setting="${i}"${i === 0 ? " checked" : ""}><span class="swatch" style="background:${COLOURS.settings[i % COLOURS.settings.length]}"></span>S${i + 1} ${escapeHtml(v.label)}</label>`,
    )
    .join("");
  const rows = m.variants
    .map(
      (v, i) =>
        `<tr><td class="wrap">S${i + 1} ${escapeHtml(v.label)}</td><td class="wrap">${escapeHtml(effectiveSettings(v.settings))}</td>` +
        `<td class="num">${v.flaggedPeriods}</td><td class="num">${formatRate(v.alertsPerWeek)}</td><td class="num">${v.episodes.length}</td>` +
        `<td class="num">${formatRate(v.episodesPerWeek)}</td><td class="num">${v.criticalEpisodes}</td><td class="num">${m.variants.length > 1 ? v.onlyThisPeriods : "–"}</td></tr>`,
    )
    .join("");
  return `<details class="metric" id="metric-${index}" data-metric="${index}"${index < OPEN_METRICS ? " open" : ""}>
<summary><h2>${index + 1}. ${escapeHtml(metricTitle(m))}</h2></summary>
<p class="meta">set ${escapeHtml(m.metricSet)} · evaluated ${escapeHtml(range(m.range))} (${weeksNote(m)}) · drag to zoom, shift-drag to pan, <button type="button" data-reset="${index}">reset zoom</button></p>
<p class="toggles">${toggles}</p>
<div class="chart"><canvas id="chart-${index}" role="img" aria-label="${escapeHtml(`chart of ${metricTitle(m)}`)}"></canvas></div>
${flagTable(m, index)}
<div class="scroll"><table class="stats"><thead><tr><th>setting</th><th>effective settings</th><th class="num">alerts</th><th class="num">alerts/wk</th><th class="num">episodes</th><th class="num">episodes/wk</th><th class="num">critical</th><th class="num">only this setting</th></tr></thead><tbody>${rows}</tbody></table></div>
</details>`;
}

/** The page data, gzipped then base64: only base64 characters inside the element. */
export function encodePageData(data: PageData): string {
  return gzipSync(JSON.stringify(data), { level: 9 }).toString("base64");
}

export interface HtmlReportOptions {
  title?: string;
}

/** The whole page as a string. */
export async function renderHtmlReport(
  report: BacktestReport,
  options: HtmlReportOptions = {},
): Promise<string> {
  const { chart, annotation, hammer, zoom, client } = await loadAssets();
  const title = options.title ?? "Vigil backtest";
  const ranked = rankedForReport(report);
  const data = reportPageData(report, title);
  const scripts = [chart, annotation, hammer, zoom, client];
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
<p class="legend"><span class="swatch" style="background:${COLOURS.observed}"></span>observed<span class="swatch" style="background:${COLOURS.expected}"></span>dashed: expected<span class="swatch" style="background:${COLOURS.band}"></span>band: normal range between the thresholds<span class="swatch" style="background:${COLOURS.flagged}"></span>flagged period<span class="swatch" style="background:${COLOURS.critical}"></span>critical episode<span class="swatch" style="background:${COLOURS.warning}"></span>warning episode. Each setting (S1, S2 …) has its own colour when overlaid. Hover a point for observed, expected, σ and z.</p>
</header>
<main>
<section id="summary"><h2>Metrics ranked by alert count</h2> <span class="meta">(click a column to sort)</span>
${ranked.length > 0 ? summaryTable(ranked, report.variants) : "<p>No metric was evaluated.</p>"}
${problems.length > 0 ? `<ul>${problems.join("\n")}</ul>` : ""}
</section>
${ranked.map(metricSection).join("\n")}
</main>
<script type="application/gzip;base64" id="vigil-data">${encodePageData(data)}</script>
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
