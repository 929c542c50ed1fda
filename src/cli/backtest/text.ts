/** `vigil backtest` as text: one metric's flagged periods, a ranked summary, or a comparison per metric. */
import type { DetectionSettings } from "../../domain/detection.ts";
import { formatNumber } from "../../domain/format.ts";
import { metricLabel } from "../../domain/metric.ts";
import type { BacktestReport, MetricBacktest } from "../../usecases/backtest.ts";
import { formatTable } from "../table.ts";

const iso = (timestamp: number) => new Date(timestamp).toISOString();
/** "2026-10-03T04:00Z": minutes are enough for period starts. */
const shortIso = (timestamp: number) => iso(timestamp).replace(":00.000Z", "Z");
const rate = (value: number) => value.toFixed(2);
const periodName = (seconds: number) =>
  seconds === 86_400 ? "1d" : seconds === 3600 ? "1h" : `${seconds}s`;

/** Metrics, noisiest first: by the first setting's alerts, then by the most alerts of any setting. */
export function rankMetrics(metrics: readonly MetricBacktest[]): MetricBacktest[] {
  const alerts = (m: MetricBacktest) => m.variants[0]?.flaggedPeriods ?? 0;
  const most = (m: MetricBacktest) => Math.max(0, ...m.variants.map((v) => v.flaggedPeriods));
  return [...metrics].sort(
    (a, b) =>
      alerts(b) - alerts(a) ||
      most(b) - most(a) ||
      metricLabel(a.metric).localeCompare(metricLabel(b.metric)),
  );
}

function metricTitle(m: MetricBacktest): string {
  const label = `${metricLabel(m.metric)} (${m.metric.stat})`;
  return m.source === undefined ? label : `${m.source}: ${label}`;
}

function describeRange(m: MetricBacktest): string {
  const weeks = m.variants[0]?.weeks ?? 0;
  const judged = m.variants[0]?.evaluatedWeeks ?? weeks;
  // Rates divide by the judged weeks: say so when history was too short for part of the range.
  const judgedNote = judged < weeks - 1e-9 ? `, ${judged.toFixed(1)} judged` : "";
  return `${shortIso(m.range.start)} → ${shortIso(m.range.end)} (${weeks.toFixed(1)} weeks${judgedNote})`;
}

function describeSettings(s: DetectionSettings): string {
  return `${s.method} k=${s.k} window=${s.windowDays}d period=${periodName(s.periodSeconds)} direction=${s.direction}`;
}

/** One metric, one setting: every flagged period with its numbers. */
function renderFlaggedTable(m: MetricBacktest): string[] {
  const v = m.variants[0];
  if (!v) return [];
  const lines = [
    `${metricTitle(m)}: set ${m.metricSet}, ${v.periodsEvaluated} periods evaluated ${describeRange(m)} (${v.insufficientData} with too little history), ${describeSettings(v.settings)}`,
  ];
  if (v.flagged.length === 0) {
    lines.push("No period flagged.");
    return lines;
  }
  lines.push(
    formatTable(
      ["timestamp", "observed", "expected", "sigma", "z", "severity"],
      v.flagged.map((f) => [
        iso(f.timestamp),
        formatNumber(f.observed ?? 0),
        formatNumber(f.expected ?? 0),
        formatNumber(f.sigma ?? 0),
        (f.z ?? 0).toFixed(1),
        f.severity ?? "",
      ]),
    ),
  );
  lines.push(
    `${v.flaggedPeriods} periods flagged in ${v.episodes.length} episodes (${rate(v.episodesPerWeek)} episodes/week).`,
  );
  return lines;
}

/** Many metrics, one setting: a ranked summary. */
function renderSummary(metrics: MetricBacktest[]): string[] {
  const first = metrics[0]?.variants[0];
  return [
    first ? `Setting ${first.label}: ${describeSettings(first.settings)}` : "",
    formatTable(
      ["metric", "set", "alerts", "alerts/wk", "episodes", "episodes/wk", "critical", "max z"],
      metrics.map((m) => {
        const v = m.variants[0];
        const maxZ = Math.max(0, ...(v?.flagged ?? []).map((f) => Math.abs(f.z ?? 0)));
        return [
          metricTitle(m),
          m.metricSet,
          String(v?.flaggedPeriods ?? 0),
          rate(v?.alertsPerWeek ?? 0),
          String(v?.episodes.length ?? 0),
          rate(v?.episodesPerWeek ?? 0),
          String(v?.criticalEpisodes ?? 0),
          maxZ > 0 ? maxZ.toFixed(1) : "",
        ];
      }),
    ),
  ];
}

const MAX_RUNS_LISTED = 8;

/** Several settings: one comparison table per metric, and what only one setting flags. */
function renderComparison(m: MetricBacktest): string[] {
  const lines = [`== ${metricTitle(m)} — set ${m.metricSet}, evaluated ${describeRange(m)}`];
  lines.push(
    formatTable(
      [
        "setting",
        "period",
        "alerts",
        "alerts/wk",
        "episodes",
        "episodes/wk",
        "critical",
        "only this",
      ],
      m.variants.map((v) => [
        v.label,
        periodName(v.periodSeconds),
        String(v.flaggedPeriods),
        rate(v.alertsPerWeek),
        String(v.episodes.length),
        rate(v.episodesPerWeek),
        String(v.criticalEpisodes),
        String(v.onlyThisPeriods),
      ]),
    ),
  );
  for (const v of m.variants) {
    if (v.onlyThis.length === 0) continue;
    const shown = v.onlyThis
      .slice(0, MAX_RUNS_LISTED)
      .map((run) =>
        run.periods === 1 ? shortIso(run.start) : `${shortIso(run.start)} (${run.periods} periods)`,
      );
    const more = v.onlyThis.length - shown.length;
    lines.push(
      `  only ${v.label}: ${shown.join(", ")}${more > 0 ? `, … and ${more} more runs` : ""}`,
    );
  }
  return lines;
}

export function renderBacktestText(report: BacktestReport): string {
  const ranked = rankMetrics(report.metrics);
  const lines: string[] = [];
  if (ranked.length === 0) {
    lines.push("No metric to backtest.");
  } else if (report.variants.length === 1 && ranked.length === 1) {
    lines.push(...renderFlaggedTable(ranked[0] as MetricBacktest));
  } else if (report.variants.length === 1) {
    lines.push(...renderSummary(ranked));
  } else {
    for (const m of ranked) lines.push(...renderComparison(m), "");
  }
  for (const s of report.skipped) {
    lines.push(
      `- skipped ${s.metric ? metricLabel(s.metric) : ""} (${s.metricSet ?? ""}): ${s.reason}`,
    );
  }
  for (const f of report.fetchFailures) {
    lines.push(`! ${metricLabel(f.metric)} not evaluated: ${f.error}`);
  }
  return lines.join("\n");
}
