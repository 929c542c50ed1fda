/** The `vigil backtest --json` document. */

import type { TimeSpan } from "../../domain/backtest-compare.ts";
import type { DetectionSettings, Verdict } from "../../domain/detection.ts";
import { type MetricIdentity, metricLabel } from "../../domain/metric.ts";
import type { BacktestReport } from "../../usecases/backtest.ts";

const iso = (timestamp: number) => new Date(timestamp).toISOString();

function settingsForJson(settings: DetectionSettings) {
  return {
    ...settings,
    excludedRanges: settings.excludedRanges.map((r) => ({ start: iso(r.start), end: iso(r.end) })),
  };
}

function flaggedRow(v: Verdict) {
  return {
    timestamp: iso(v.timestamp),
    observed: v.observed,
    expected: v.expected,
    sigma: v.sigma,
    z: v.z,
    severity: v.severity,
    why: v.why,
  };
}

/** Which metric a --json entry is about, the same in backtest's and tune's documents. */
export function metricJson(m: {
  metricSet: string;
  metric: MetricIdentity;
  source?: string;
  range: TimeSpan;
}) {
  return {
    metricSet: m.metricSet,
    metric: m.metric,
    label: metricLabel(m.metric),
    ...(m.source !== undefined ? { source: m.source } : {}),
    range: { start: iso(m.range.start), end: iso(m.range.end) },
  };
}

/** The --json document. */
export function backtestJson(report: BacktestReport, html?: string) {
  return {
    generatedAt: report.generatedAt,
    settings: report.variants,
    metrics: report.metrics.map((m) => ({
      ...metricJson(m),
      variants: m.variants.map((v) => ({
        label: v.label,
        settings: settingsForJson(v.settings),
        periodsEvaluated: v.periodsEvaluated,
        insufficientData: v.insufficientData,
        noData: v.noData,
        weeks: v.weeks,
        evaluatedWeeks: v.evaluatedWeeks,
        flaggedPeriods: v.flaggedPeriods,
        alertsPerWeek: v.alertsPerWeek,
        episodeCount: v.episodes.length,
        criticalEpisodes: v.criticalEpisodes,
        episodesPerWeek: v.episodesPerWeek,
        onlyThis: v.onlyThis.map((r) => ({
          start: iso(r.start),
          end: iso(r.end),
          periods: r.periods,
        })),
        flagged: v.flagged.map(flaggedRow),
        episodes: v.episodes.map((e) => ({
          start: iso(e.start),
          end: iso(e.end),
          anomalousPeriods: e.anomalousPeriods,
          severity: e.severity,
          peakZ: e.peak.z,
          open: e.open,
        })),
      })),
    })),
    skipped: report.skipped.map((s) => ({
      ...(s.metricSet ? { metricSet: s.metricSet } : {}),
      ...(s.metric ? { metric: metricLabel(s.metric) } : {}),
      reason: s.reason,
    })),
    fetchFailures: report.fetchFailures.map((f) => ({
      metric: metricLabel(f.metric),
      error: f.error,
    })),
    stats: report.stats,
    ...(html ? { html } : {}),
  };
}
