/**
 * Side-by-side comparison of several detection settings over the same history: how often each would
 * have alerted, and which periods one setting flags that none of the others does.
 *
 * Pure code. Settings with different periods (hourly vs daily) are compared in time, not by period
 * index: a flagged period is "only this setting" when no flagged period of any other setting
 * overlaps it in time — a flagged day covers the 24 hours inside it.
 */
import type { DetectionSettings, Episode, Verdict } from "./detection.ts";

export const MS_PER_WEEK = 7 * 86_400_000;

/** Epoch ms, start inclusive, end exclusive. */
export interface TimeSpan {
  start: number;
  end: number;
}

/** What one setting did to one metric over the evaluated range. */
export interface VariantOutcome {
  /** How the setting was written on the command line: "k=3.5 method=seasonal". */
  label: string;
  /** The effective settings the metric was judged with. */
  settings: DetectionSettings;
  /** The evaluated range shared by every setting of the metric. */
  range: TimeSpan;
  periodsEvaluated: number;
  /** Periods that could not be judged (too little baseline history). */
  insufficientData: number;
  /** Periods with no datapoint while missing data is treated as a gap. */
  noData: number;
  /** Anomalous verdicts, ascending. */
  flagged: Verdict[];
  episodes: Episode[];
}

/** A run of consecutive periods flagged only by one setting. */
export interface FlaggedRun extends TimeSpan {
  periods: number;
}

export interface VariantComparison {
  label: string;
  periodSeconds: number;
  periodsEvaluated: number;
  insufficientData: number;
  noData: number;
  /** Alerts = flagged (anomalous) periods. */
  flaggedPeriods: number;
  episodeCount: number;
  criticalEpisodes: number;
  /** Length of the evaluated range. */
  weeks: number;
  /**
   * Weeks the setting could judge: the range less the periods with too little history. Rates
   * divide by this: a metric with 35 days of history judged over a 90-day range alerts as often
   * per week as over the 5 weeks it was watched, not 2.6 times less.
   */
  evaluatedWeeks: number;
  alertsPerWeek: number;
  episodesPerWeek: number;
  /** Flagged periods that no other setting's flagged period overlaps, merged into runs. */
  onlyThis: FlaggedRun[];
  onlyThisPeriods: number;
}

/** Length of a span in weeks (0 for an empty span). */
export function weeksIn(span: TimeSpan): number {
  return Math.max(0, span.end - span.start) / MS_PER_WEEK;
}

/**
 * Weeks of judged time among `periods` periods of `periodSeconds`, of which `insufficientData` had
 * too little history to be judged (no-data periods count: the detector was watching, nothing came).
 */
export function evaluatedWeeksOf(
  periods: number,
  insufficientData: number,
  periodSeconds: number,
): number {
  return (Math.max(0, periods - insufficientData) * periodSeconds * 1000) / MS_PER_WEEK;
}

function flaggedSpans(outcome: VariantOutcome): TimeSpan[] {
  const periodMs = outcome.settings.periodSeconds * 1000;
  return outcome.flagged.map((v) => ({ start: v.timestamp, end: v.timestamp + periodMs }));
}

/** Sorts and merges overlapping or touching spans. */
export function mergeSpans(spans: readonly TimeSpan[]): TimeSpan[] {
  const sorted = [...spans].sort((a, b) => a.start - b.start);
  const merged: TimeSpan[] = [];
  for (const span of sorted) {
    const last = merged.at(-1);
    if (last && span.start <= last.end) last.end = Math.max(last.end, span.end);
    else merged.push({ ...span });
  }
  return merged;
}

/** True when `span` overlaps any of the merged, ascending `spans` (binary search). */
function overlapsAny(span: TimeSpan, spans: readonly TimeSpan[]): boolean {
  let low = 0;
  let high = spans.length;
  // First merged span whose end is after span.start.
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((spans[middle] as TimeSpan).end <= span.start) low = middle + 1;
    else high = middle;
  }
  const candidate = spans[low];
  return candidate !== undefined && candidate.start < span.end;
}

/**
 * One comparison row per setting, in the given order. With a single setting `onlyThis` is empty:
 * there is nothing to compare with.
 */
export function compareVariants(outcomes: readonly VariantOutcome[]): VariantComparison[] {
  const spans = outcomes.map(flaggedSpans);
  return outcomes.map((outcome, index) => {
    const others =
      outcomes.length > 1 ? mergeSpans(spans.filter((_, other) => other !== index).flat()) : null;
    const onlyThis: FlaggedRun[] = [];
    if (others) {
      for (const span of spans[index] ?? []) {
        if (overlapsAny(span, others)) continue;
        const last = onlyThis.at(-1);
        if (last && last.end === span.start) {
          last.end = span.end;
          last.periods++;
        } else {
          onlyThis.push({ ...span, periods: 1 });
        }
      }
    }
    const weeks = weeksIn(outcome.range);
    const evaluatedWeeks = evaluatedWeeksOf(
      outcome.periodsEvaluated,
      outcome.insufficientData,
      outcome.settings.periodSeconds,
    );
    const perWeek = (count: number) => (evaluatedWeeks > 0 ? count / evaluatedWeeks : 0);
    return {
      label: outcome.label,
      periodSeconds: outcome.settings.periodSeconds,
      periodsEvaluated: outcome.periodsEvaluated,
      insufficientData: outcome.insufficientData,
      noData: outcome.noData,
      flaggedPeriods: outcome.flagged.length,
      episodeCount: outcome.episodes.length,
      criticalEpisodes: outcome.episodes.filter((e) => e.severity === "critical").length,
      weeks,
      evaluatedWeeks,
      alertsPerWeek: perWeek(outcome.flagged.length),
      episodesPerWeek: perWeek(outcome.episodes.length),
      onlyThis,
      onlyThisPeriods: onlyThis.reduce((total, run) => total + run.periods, 0),
    };
  });
}
