/**
 * Vigil's baseline engine: judges one period of one metric against the periods before it.
 *
 * Pure code — no clock, no environment, no SDK. Statistics come from `simple-statistics`.
 *
 * How a range is evaluated (evaluateRange):
 *  1. The series is laid on a dense grid of periods: the `windowPeriods` periods before the first evaluated
 *     period, then the evaluated periods. Each cell gets
 *       - an observed value (what is judged when the cell is the evaluated period), and
 *       - a baseline value (what the cell contributes to later baselines; NaN = not usable).
 *  2. A baseline engine slides over the grid, one period at a time, keeping a sorted view of the window:
 *     one sort per call, then a binary-search insert/remove and an O(window) mean/σ pass per period — no
 *     re-sorting, no re-reading of the series.
 *  3. The estimate (expected value, σ) is turned into a Verdict with floors, thresholds and a why-line.
 *
 * Missing data ("zero" vs "gap"; "auto" = "zero" for Sum and SampleCount, "gap" for every other
 * statistic: see missingReadsAsZero) and excluded ranges are applied when the grid is built:
 *  - "gap":  an absent period is unusable in baselines; an absent evaluated period → status "no-data".
 *  - "zero": an absent period counts as 0 — from the metric's first datapoint in the series onwards. Before
 *            that we cannot tell "nothing happened" from "the metric did not exist yet": treating those periods
 *            as zeros would give a metric created three days ago a 27-day baseline of invented zeros and page on
 *            its first real values, and would make the minimum-history rule meaningless. So periods before the
 *            first datapoint are unusable for baselines. An absent evaluated period is judged as 0.
 *  - excludedRanges: any period overlapping a range (start inclusive, end exclusive) is left out of every
 *    baseline; it is still judged when it is itself the evaluated period.
 *  - The series is columnar (see MetricSeries): a NaN or non-finite value is an absent period. A series
 *    whose grid is offset from the evaluation grid lands in the period containing each of its periods' start.
 */

import type { BaselineEngine } from "./baseline/engine.ts";
import { buildGrid, type Grid } from "./baseline/grid.ts";
import { type JudgeContext, judge, judgeInto } from "./baseline/judge.ts";
import { MeanSdBaseline } from "./baseline/mean-sd.ts";
import { AutoBaseline, RobustBaseline } from "./baseline/robust.ts";
import { SeasonalBaseline } from "./baseline/seasonal.ts";
import { describePeriod } from "./baseline/stretch.ts";
import { assertPeriodSeconds, assertUsableSettings } from "./baseline/validate.ts";
import { type DetectionSettings, type Verdict, windowPeriods } from "./detection.ts";

export { windowPeriods };

import type { MetricSeries } from "./metric.ts";
import { VerdictColumns } from "./verdict-columns.ts";

export { robustSpread, type Spread } from "./baseline/robust-spread.ts";

function engineFor(settings: DetectionSettings, grid: Grid, window: number): BaselineEngine {
  const slotsPerWeek =
    SECONDS_PER_WEEK % settings.periodSeconds === 0
      ? SECONDS_PER_WEEK / settings.periodSeconds
      : undefined;
  switch (settings.method) {
    case "seasonal":
      return new SeasonalBaseline(grid, window, slotsPerWeek as number, settings);
    case "robust":
      return new RobustBaseline(grid, window, settings.seenBefore, settings.extremeSeenBefore);
    case "auto": {
      const slotsPerDay =
        SECONDS_PER_DAY % settings.periodSeconds === 0
          ? SECONDS_PER_DAY / settings.periodSeconds
          : undefined;
      return new AutoBaseline(
        grid,
        window,
        slotsPerWeek,
        new RobustBaseline(grid, window, settings.seenBefore, settings.extremeSeenBefore),
        slotsPerWeek ? new SeasonalBaseline(grid, window, slotsPerWeek, settings) : undefined,
        // Daily periods have one slot a day: no time of day to compare.
        slotsPerDay && slotsPerDay > 1
          ? {
              engine: new SeasonalBaseline(grid, window, slotsPerDay, settings, "day"),
              slotsPerDay,
            }
          : undefined,
      );
    }
    default:
      return new MeanSdBaseline(grid, window);
  }
}

const MS_PER_SECOND = 1000;
const SECONDS_PER_DAY = 86_400;
const SECONDS_PER_WEEK = 7 * SECONDS_PER_DAY;

/**
 * Start (epoch ms) of the newest period that has fully ended at `now`. A period [s, s + p) is complete when
 * now ≥ s + p: mid-period this is the previous period, at an exact boundary the period that just ended.
 */
export function newestCompletePeriodStart(now: number, periodSeconds: number): number {
  assertPeriodSeconds(periodSeconds);
  if (!Number.isFinite(now))
    throw new RangeError(`now must be a finite epoch-ms number, got ${now}`);
  const periodMs = periodSeconds * MS_PER_SECOND;
  return Math.floor(now / periodMs) * periodMs - periodMs;
}

/** Judges the period starting at `periodStart` against the windowPeriods periods immediately before it. */
export function evaluatePeriod(
  series: MetricSeries,
  periodStart: number,
  settings: DetectionSettings,
): Verdict {
  const [verdict] = evaluateRange(series, periodStart, periodStart, settings);
  if (!verdict) throw new Error("internal: evaluateRange returned no verdict for one period");
  return verdict;
}

export interface EvaluateOptions {
  /**
   * "all" (default): every verdict carries its why-line. "anomalous": only anomalous verdicts do, the
   * others get "" — a replay over months judges thousands of periods per metric and shows the why of
   * the flagged ones only; formatting the rest was a fifth of its time. "anomalous-and-newest": the
   * anomalous ones and the last of the range — what a detect run reports (it re-judges ~50 periods
   * per metric only to find where episodes start and end).
   */
  explain?: "all" | "anomalous" | "anomalous-and-newest";
}

/** The grid index from which every verdict is explained (see JudgeContext.explainFrom). */
function explainFrom(explain: NonNullable<EvaluateOptions["explain"]>, newest: number): number {
  if (explain === "all") return 0;
  return explain === "anomalous" ? Number.POSITIVE_INFINITY : newest;
}

/**
 * One verdict per period from `fromPeriodStart` to `toPeriodStart` (both inclusive), ascending. Each period
 * is judged against its own sliding baseline. Returns [] when `toPeriodStart` < `fromPeriodStart`.
 */
export function evaluateRange(
  series: MetricSeries,
  fromPeriodStart: number,
  toPeriodStart: number,
  settings: DetectionSettings,
  options: EvaluateOptions = {},
): Verdict[] {
  const walk = prepareWalk(
    series,
    fromPeriodStart,
    toPeriodStart,
    settings,
    options.explain ?? "all",
  );
  const verdicts: Verdict[] = [];
  if (!walk) return verdicts;
  const { grid, engine, context, window, evaluatedCount } = walk;
  for (let offset = 0; offset < evaluatedCount; offset++) {
    const index = window + offset;
    engine.moveTo(index);
    verdicts.push(judge(context, grid, index, engine));
  }
  return verdicts;
}

export interface ColumnsReplay {
  /** Every period from `fromPeriodStart` to `toPeriodStart`, ascending. */
  columns: VerdictColumns;
  /** The anomalous periods' verdicts, with their why-lines, ascending. */
  flagged: Verdict[];
}

/**
 * evaluateRange for a long range: the same judgement of every period, written into columns, with
 * Verdict objects for the anomalous periods only (see VerdictColumns).
 */
export function evaluateRangeColumns(
  series: MetricSeries,
  fromPeriodStart: number,
  toPeriodStart: number,
  settings: DetectionSettings,
): ColumnsReplay {
  const walk = prepareWalk(series, fromPeriodStart, toPeriodStart, settings, "anomalous");
  const periodMs = settings.periodSeconds * MS_PER_SECOND;
  const columns = new VerdictColumns(fromPeriodStart, periodMs, walk?.evaluatedCount ?? 0);
  const flagged: Verdict[] = [];
  if (!walk) return { columns, flagged };
  const { grid, engine, context, window, evaluatedCount } = walk;
  for (let offset = 0; offset < evaluatedCount; offset++) {
    const index = window + offset;
    engine.moveTo(index);
    const verdict = judgeInto(context, grid, index, engine, columns);
    if (verdict) flagged.push(verdict);
  }
  return { columns, flagged };
}

interface Walk {
  grid: Grid;
  engine: BaselineEngine;
  context: JudgeContext;
  window: number;
  evaluatedCount: number;
}

/** The grid, engine and judge context of a range; undefined when the range is empty. */
function prepareWalk(
  series: MetricSeries,
  fromPeriodStart: number,
  toPeriodStart: number,
  settings: DetectionSettings,
  explain: NonNullable<EvaluateOptions["explain"]>,
): Walk | undefined {
  assertUsableSettings(settings, series.periodSeconds);
  if (!Number.isFinite(fromPeriodStart) || !Number.isFinite(toPeriodStart)) {
    throw new RangeError("period starts must be finite epoch-ms numbers");
  }
  if (toPeriodStart < fromPeriodStart) return undefined;

  const periodMs = settings.periodSeconds * MS_PER_SECOND;
  const window = windowPeriods(settings);
  const evaluatedCount = Math.floor((toPeriodStart - fromPeriodStart) / periodMs) + 1;
  const grid = buildGrid(
    series,
    fromPeriodStart - window * periodMs,
    window + evaluatedCount,
    settings,
  );
  const engine = engineFor(settings, grid, window);
  const context: JudgeContext = {
    series,
    settings,
    window,
    periodWord: describePeriod(settings.periodSeconds),
    explainFrom: explainFrom(explain, window + evaluatedCount - 1),
  };
  return { grid, engine, context, window, evaluatedCount };
}
