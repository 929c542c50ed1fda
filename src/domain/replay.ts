/**
 * One replay of a metric's history with one setting — what `vigil backtest` shows and what `vigil
 * tune` counts, so both see the same verdicts, episodes and evaluated weeks. The engine slides its
 * window over the range exactly as detect does period by period (a property test compares them);
 * why-lines are built for the flagged periods only.
 *
 * Two shapes of the same replay: `replayColumns` (backtest: every period's numbers in typed-array
 * columns, Verdict objects for the flagged periods only) and `replay` (tune: one Verdict per period,
 * which its search re-judges).
 */
import { evaluatedWeeksOf, type TimeSpan } from "./backtest-compare.ts";
import { evaluateRange, evaluateRangeColumns } from "./baseline.ts";
import type { DetectionSettings, Episode, Verdict } from "./detection.ts";
import { buildEpisodes, episodesOf } from "./episodes.ts";
import type { MetricSeries } from "./metric.ts";
import type { VerdictColumns } from "./verdict-columns.ts";

export interface Replay {
  /** One per period of the range, ascending. */
  verdicts: Verdict[];
  episodes: Episode[];
  /** Periods with too little history to be judged. */
  insufficientData: number;
  /** Weeks the setting could judge: what rates per week divide by. */
  evaluatedWeeks: number;
}

/** Replays `range` (epoch ms, start inclusive, end exclusive, on the period grid). */
export function replay(series: MetricSeries, range: TimeSpan, settings: DetectionSettings): Replay {
  const periodMs = settings.periodSeconds * 1000;
  const verdicts = evaluateRange(series, range.start, range.end - periodMs, settings, {
    explain: "anomalous",
  });
  let insufficientData = 0;
  for (const verdict of verdicts) if (verdict.status === "insufficient-data") insufficientData++;
  return {
    verdicts,
    episodes: buildEpisodes(verdicts, settings),
    insufficientData,
    evaluatedWeeks: evaluatedWeeksOf(verdicts.length, insufficientData, settings.periodSeconds),
  };
}

export interface ColumnReplay {
  /** Every period of the range, ascending. */
  columns: VerdictColumns;
  /** Anomalous periods' verdicts, with why-lines, ascending. */
  flagged: Verdict[];
  episodes: Episode[];
  /** Periods with too little history to be judged. */
  insufficientData: number;
  /** Periods without a datapoint while missing data is a gap. */
  noData: number;
  evaluatedWeeks: number;
}

/** `replay` into columns (see VerdictColumns): what a backtest over months of many metrics runs. */
export function replayColumns(
  series: MetricSeries,
  range: TimeSpan,
  settings: DetectionSettings,
): ColumnReplay {
  const periodMs = settings.periodSeconds * 1000;
  const { columns, flagged } = evaluateRangeColumns(
    series,
    range.start,
    range.end - periodMs,
    settings,
  );
  const counts = columns.counts();
  return {
    columns,
    flagged,
    episodes: episodesOf(columns.status, flagged, settings),
    insufficientData: counts["insufficient-data"],
    noData: counts["no-data"],
    evaluatedWeeks: evaluatedWeeksOf(
      columns.length,
      counts["insufficient-data"],
      settings.periodSeconds,
    ),
  };
}
