/** Turns an engine's estimate into a Verdict: floors, thresholds, severity and the why-line. */
import {
  confirmWindowPeriods,
  type DetectionSettings,
  levelShiftPeriods,
  missingReadsAsZero,
  type Severity,
  type Verdict,
  type VerdictStatus,
} from "../detection.ts";
import { formatNumber, formatSigma } from "../format.ts";
import type { MetricSeries } from "../metric.ts";
import { STATUS, type StatusCode, type VerdictColumns } from "../verdict-columns.ts";
import { type BaselineEngine, SIGMA_EPSILON } from "./engine.ts";
import { DENSITY_SIGNIFICANCE, excursionDensity } from "./excursion-density.ts";
import type { Grid } from "./grid.ts";
import { describeDuration, periodsBeyondInARow, periodsBeyondWithin } from "./stretch.ts";

export interface JudgeContext {
  series: MetricSeries;
  settings: DetectionSettings;
  window: number;
  periodWord: string;
  /**
   * Grid index from which every verdict gets its why-line; before it only anomalous ones do (the
   * rest get ""): see EvaluateOptions.
   */
  explainFrom: number;
}

export function judge(
  context: JudgeContext,
  grid: Grid,
  index: number,
  engine: BaselineEngine,
): Verdict {
  // Without columns every path returns a Verdict.
  return judgePeriod(context, grid, index, engine, undefined) as Verdict;
}

/**
 * The same judgement, written into `columns` (cell index − window) for every period; a Verdict
 * object, with its why-line, only for an anomalous period (what a replay reports).
 */
export function judgeInto(
  context: JudgeContext,
  grid: Grid,
  index: number,
  engine: BaselineEngine,
  columns: VerdictColumns,
): Verdict | undefined {
  return judgePeriod(context, grid, index, engine, columns);
}

/** Returns a Verdict for every period without columns, only for anomalous ones with them. */
function judgePeriod(
  context: JudgeContext,
  grid: Grid,
  index: number,
  engine: BaselineEngine,
  columns: VerdictColumns | undefined,
): Verdict | undefined {
  const { settings } = context;
  const timestamp = grid.start + index * grid.periodMs;
  const observed = grid.observed[index] as number;
  const usable = engine.usableCount();

  if (Number.isNaN(observed)) {
    if (columns) return unjudgedCell(columns, context, index, STATUS["no-data"], observed);
    return unjudged(context, timestamp, "no-data", null, usable, noDataWhy(usable, context.window));
  }
  const needed = Math.max(1, settings.minHistoryPeriods);
  if (usable < needed) {
    if (columns)
      return unjudgedCell(columns, context, index, STATUS["insufficient-data"], observed);
    const why = `only ${usable} of ${context.window} baseline periods have data (need ${needed})`;
    return unjudged(context, timestamp, "insufficient-data", observed, usable, why);
  }

  const estimate = engine.estimate(index);
  const { expected } = estimate;
  const sigma = Math.max(
    estimate.sigma,
    settings.sigmaFloor,
    settings.relativeSigmaFloor * Math.abs(expected),
    settings.minAbsoluteDelta / settings.k,
    SIGMA_EPSILON,
  );
  const deviation = observed - expected;
  const z = deviation / sigma;
  // The "seen before" band: each side widens to how far the window's bursts went (seenBefore).
  const band = settings.k * sigma;
  const tailUp = estimate.tailUp ?? 0;
  const tailDown = estimate.tailDown ?? 0;
  const upperThreshold = settings.direction === "down" ? null : expected + Math.max(band, tailUp);
  const lowerThreshold = settings.direction === "up" ? null : expected - Math.max(band, tailDown);
  // Only reachable with values near Number.MAX_VALUE; a verdict must always serialise to JSON.
  if (!Number.isFinite(z) || !Number.isFinite(expected + settings.k * sigma)) {
    if (columns)
      return unjudgedCell(columns, context, index, STATUS["insufficient-data"], observed);
    const why = "baseline statistics overflowed (values too large to compare)";
    return unjudged(context, timestamp, "insufficient-data", observed, estimate.periodsUsed, why);
  }

  const aboveBand = upperThreshold !== null && observed > upperThreshold;
  const belowBand = lowerThreshold !== null && observed < lowerThreshold;
  const bigEnough = Math.abs(deviation) >= settings.minAbsoluteDelta;
  const threshold = (aboveBand ? upperThreshold : lowerThreshold) as number;
  // A deviation below extremeK must persist: the periods just before, judged against this band.
  // "Extreme" is measured against the statistical σ, before the minimum-change floor: a 100× burst
  // stays extreme even when minAbsoluteDelta widens the band.
  const statisticalSigma = Math.max(
    estimate.sigma,
    settings.sigmaFloor,
    settings.relativeSigmaFloor * Math.abs(expected),
    SIGMA_EPSILON,
  );
  // Past extremeK skips confirmation only beyond the window's extremeSeenBefore-th largest
  // deviation on that side: a burst this metric routinely makes must persist like any other.
  const extremeTail = deviation >= 0 ? estimate.extremeUp : estimate.extremeDown;
  const pastExtremeK = Math.abs(deviation) / statisticalSigma >= settings.extremeK;
  const routineExtreme =
    pastExtremeK && extremeTail !== undefined && Math.abs(deviation) <= extremeTail;
  const extreme = pastExtremeK && !routineExtreme;
  const confirmWindow = confirmWindowPeriods(settings);
  const inARow =
    (aboveBand || belowBand) && !extreme
      ? confirmWindow > settings.confirmPeriods
        ? periodsBeyondWithin(grid.observed, index, confirmWindow, aboveBand, threshold)
        : periodsBeyondInARow(grid.observed, index, settings.confirmPeriods, aboveBand, threshold)
      : 1;
  const confirmed = extreme || inARow >= settings.confirmPeriods;
  const stoppedPeriods = stoppedReporting(context, grid, index, expected);
  const byBand = (aboveBand || belowBand) && bigEnough && confirmed;
  const shift = byBand ? undefined : levelShift(context, grid, index, expected, sigma);
  const shifted = shift !== undefined && Math.abs(deviation) >= settings.minAbsoluteDelta;
  const density =
    byBand || shifted
      ? undefined
      : excursionDensity(context.settings, grid, index, expected, sigma, engine);
  const dense = density !== undefined && bigEnough;
  const stopped = !byBand && !shifted && !dense && bigEnough && stoppedPeriods !== undefined;
  const anomalous = byBand || shifted || dense || stopped;
  let severity: Severity | null = null;
  if (anomalous) severity = Math.abs(z) >= settings.criticalK ? "critical" : "warning";
  if (columns) {
    const status: StatusCode = anomalous ? STATUS.anomalous : STATUS.normal;
    const cell = index - context.window;
    columns.judged(cell, status, observed, expected, sigma, z, upperThreshold, lowerThreshold);
    if (settings.seenBefore > 0 && estimate.tailUp !== undefined) {
      columns.tails(cell, tailUp, tailDown);
    }
    if (estimate.extremeUp !== undefined) {
      columns.extremeTails(cell, estimate.extremeUp, estimate.extremeDown ?? 0);
    }
    if (!anomalous) return undefined;
  }

  const verdict: Verdict = {
    metric: context.series.metric,
    timestamp,
    periodSeconds: settings.periodSeconds,
    status: anomalous ? "anomalous" : "normal",
    observed,
    expected,
    sigma,
    z,
    upperThreshold,
    lowerThreshold,
    severity,
    why: "",
    baselinePeriods: estimate.periodsUsed,
  };
  // Set after the literal, not spread into it: one verdict per judged period (2 million in a
  // 1,000-metric 90-day backtest); the conditional spread cost ~4 % of a replay's CPU.
  if (stoppedPeriods !== undefined) verdict.stoppedPeriods = stoppedPeriods;
  if (anomalous)
    verdict.rule = byBand
      ? "band"
      : shifted
        ? "level-shift"
        : dense
          ? "excursion-density"
          : "stopped-reporting";
  if (estimate.extremeUp !== undefined) {
    verdict.extremeUp = estimate.extremeUp;
    verdict.extremeDown = estimate.extremeDown ?? 0;
  }
  if (settings.seenBefore > 0 && estimate.tailUp !== undefined) {
    verdict.tailUp = tailUp;
    verdict.tailDown = tailDown;
  }
  if (!anomalous && index < context.explainFrom) return verdict;

  const basis = estimate.basis(context.periodWord);
  const side = deviation >= 0 ? "above" : "below";
  const comparison = `observed ${formatNumber(observed)} is ${formatSigma(Math.abs(z))} ${side} expected ${formatNumber(expected)}`;
  let why: string;
  const beyondWord =
    confirmWindow > settings.confirmPeriods
      ? `of the last ${confirmWindow} beyond it`
      : "in a row beyond it";
  // Why a single period was enough: said only where confirmation would otherwise be asked.
  const persisted =
    settings.confirmPeriods > 1
      ? extreme
        ? `, at once: past extremeK ${formatNumber(settings.extremeK)}σ`
        : confirmWindow > settings.confirmPeriods
          ? `, ${inARow} of the last ${confirmWindow} periods beyond it`
          : `, ${inARow} periods in a row`
      : "";
  // Which side's band the tail widened, said in the why-line: "seen before" is an explanation.
  const sideThreshold = deviation >= 0 ? upperThreshold : lowerThreshold;
  const widened = sideThreshold !== null && (deviation >= 0 ? tailUp : tailDown) > band;
  const seen = widened
    ? `; widened from ${formatNumber(expected + (deviation >= 0 ? band : -band))} (${formatNumber(settings.k)}σ): its ${usable}-period baseline went this far ${settings.seenBefore} times`
    : "";
  if (shifted && shift) {
    why = `level shift ${shift.side} for ${shift.duration}: ${comparison}, every period of the last ${shift.duration} beyond ${formatNumber(shift.threshold)} (${formatNumber(shift.k)}σ; ${basis}); a shift inside the ${formatNumber(settings.k)}σ band stays a warning, however long it lasts`;
  } else if (dense && density) {
    why = `excursions ${density.side} more frequent: ${density.recent} of the last ${density.duration} beyond ${formatNumber(density.threshold)} (${formatNumber(density.k)}σ; ${basis}); its ${usable}-period baseline has ~${formatNumber(density.usualPerStretch)} per ${density.duration} (chance below ${DENSITY_SIGNIFICANCE}): ${comparison}; stays a warning`;
  } else if (stopped) {
    why = `stopped reporting? ${stoppedPeriods} periods in a row at 0 or without a datapoint, expected ${formatNumber(expected)}; never that long in its ${usable}-period baseline (logging turned off? ${basis})`;
  } else if (anomalous) {
    why = `${comparison} (threshold ${formatNumber(threshold)}${seen}${persisted}, ${basis})`;
  } else if ((aboveBand || belowBand) && !confirmed) {
    why = `not yet confirmed: ${comparison} (threshold ${formatNumber(threshold)}), ${inARow} of ${settings.confirmPeriods} periods ${beyondWord} (${basis})${routineExtreme ? `; past extremeK ${settings.extremeK}σ, but its window went this far ${settings.extremeSeenBefore} times, so it must persist` : ""}`;
  } else if (aboveBand || belowBand) {
    why = `within minimum change: ${comparison}, but the change ${formatNumber(Math.abs(deviation))} is below ${formatNumber(settings.minAbsoluteDelta)} (${basis})`;
  } else if (widened && Math.abs(z) > settings.k) {
    why = `seen before: ${comparison}, inside its usual bursts (threshold ${formatNumber(sideThreshold)}${seen}, ${basis})`;
  } else {
    why = `within band: ${comparison} (${describeBand(lowerThreshold, upperThreshold)}, ${basis})`;
  }

  verdict.why = why;
  return verdict;
}

/**
 * The "stopped reporting" rule, for metrics whose drop is watched (direction down or both) and whose
 * missing periods read as 0: a metric that reports all the time and suddenly reports nothing has
 * most likely lost its source (CloudTrail logging turned off, an agent stopped). A noisy metric's
 * drop to 0 can stay inside a wide band, so this rule does not look at σ: it fires when the run of
 * zeros ending at `index` is at least `confirmPeriods` long and the baseline window never had a run
 * of zeros that long. A metric that often sits at 0 (sparse, or noisy enough to touch 0 now and
 * then) has such runs in its window and never trips it. Returns the run length when it fires.
 */
function stoppedReporting(
  context: JudgeContext,
  grid: Grid,
  index: number,
  expected: number,
): number | undefined {
  const { settings, window } = context;
  if (
    settings.direction === "up" ||
    !missingReadsAsZero(settings.missingData, context.series.metric.stat) ||
    !(expected > 0)
  ) {
    return undefined;
  }
  let run = 0;
  // Capped at the window: detect and backtest lay out grids of different lengths before it.
  while (run < window && index - run >= 0 && grid.observed[index - run] === 0) run++;
  if (run < Math.max(1, settings.confirmPeriods) || run >= window) return undefined;
  let zeros = 0;
  for (let cell = index - run; cell >= Math.max(0, index - window); cell--) {
    zeros = grid.baseline[cell] === 0 ? zeros + 1 : 0;
    if (zeros >= run) return undefined;
  }
  return run;
}

interface LevelShift {
  /** levelShiftBand · k: the shift threshold in σ. */
  k: number;
  side: "up" | "down";
  threshold: number;
  /** "6 h" */
  duration: string;
}

/**
 * The level-shift rule: a deviation smaller than k·σ that lasts. Fires when every period of the
 * last levelShiftSeconds (this one included) is beyond expected ± levelShiftBand·k·σ on the same side,
 * judged against this period's band — stateless, like the confirmation rule, so detect and
 * backtest agree. A slow failure (a temperature sliding 3σ away over hours, a metric stepping to a
 * new level) pages once it has persisted, instead of never or only when it reaches k·σ.
 */
function levelShift(
  context: JudgeContext,
  grid: Grid,
  index: number,
  expected: number,
  sigma: number,
): LevelShift | undefined {
  const { settings } = context;
  const periods = levelShiftPeriods(settings);
  if (periods === 0 || periods > index) return undefined;
  const observed = grid.observed[index] as number;
  const k = settings.levelShiftBand * settings.k;
  const up = settings.direction !== "down" && observed > expected + k * sigma;
  const down = settings.direction !== "up" && observed < expected - k * sigma;
  if (!up && !down) return undefined;
  const threshold = expected + (up ? 1 : -1) * k * sigma;
  if (periodsBeyondInARow(grid.observed, index, periods, up, threshold) < periods) return undefined;
  return {
    k,
    side: up ? "up" : "down",
    threshold,
    duration: describeDuration(periods * settings.periodSeconds),
  };
}

function noDataWhy(usable: number, window: number): string {
  return `no datapoint for this period (missing data is treated as a gap); ${usable} of ${window} baseline periods have data`;
}

function unjudgedCell(
  columns: VerdictColumns,
  context: JudgeContext,
  index: number,
  status: StatusCode,
  observed: number,
): undefined {
  columns.unjudged(index - context.window, status, observed);
  return undefined;
}

/** A verdict without statistics: no-data or insufficient-data. */
function unjudged(
  context: JudgeContext,
  timestamp: number,
  status: VerdictStatus,
  observed: number | null,
  baselinePeriods: number,
  why: string,
): Verdict {
  return {
    metric: context.series.metric,
    timestamp,
    periodSeconds: context.settings.periodSeconds,
    status,
    observed,
    expected: null,
    sigma: null,
    z: null,
    upperThreshold: null,
    lowerThreshold: null,
    severity: null,
    why,
    baselinePeriods,
  };
}

function describeBand(lower: number | null, upper: number | null): string {
  if (lower !== null && upper !== null) {
    return `band ${formatNumber(lower)} to ${formatNumber(upper)}`;
  }
  if (upper !== null) return `threshold ${formatNumber(upper)}`;
  return `threshold ${formatNumber(lower ?? Number.NaN)}`;
}
