/** Turns an engine's estimate into a Verdict: floors, thresholds, severity and the why-line. */
import {
  confirmWindowPeriods,
  type DetectionSettings,
  densityPeriods,
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
import type { Grid } from "./grid.ts";

const SECONDS_PER_DAY = 86_400;

/**
 * The excursion-density rule's significance: it fires when a count of moderate excursions this
 * high, or higher, has less than this chance under the baseline window's own rate of them. One
 * fixed level for every metric (a metric is judged ~100,000 times a year at 5 minutes, and the rule
 * only runs on a period that is itself an excursion), not a fitted per-metric constant.
 */
export const DENSITY_SIGNIFICANCE = 1e-6;

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
  // A deviation below criticalK must persist: the periods just before, judged against this band.
  // "Extreme" is measured against the statistical σ, before the minimum-change floor: a 100× burst
  // stays extreme even when minAbsoluteDelta widens the band.
  const statisticalSigma = Math.max(
    estimate.sigma,
    settings.sigmaFloor,
    settings.relativeSigmaFloor * Math.abs(expected),
    SIGMA_EPSILON,
  );
  const extreme = Math.abs(deviation) / statisticalSigma >= settings.criticalK;
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
    byBand || shifted ? undefined : excursionDensity(context, grid, index, expected, sigma, engine);
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
  const persisted =
    settings.confirmPeriods > 1 && !extreme
      ? confirmWindow > settings.confirmPeriods
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
    why = `not yet confirmed: ${comparison} (threshold ${formatNumber(threshold)}), ${inARow} of ${settings.confirmPeriods} periods ${beyondWord} (${basis})`;
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

interface ExcursionDensity {
  /** densityBand · k: the excursion threshold in σ. */
  k: number;
  side: "up" | "down";
  threshold: number;
  /** Periods of the stretch beyond the threshold, this one included. */
  recent: number;
  /** The baseline window's share of such periods, scaled to the stretch. */
  usualPerStretch: number;
  /** "6 h" */
  duration: string;
}

/**
 * The excursion-density rule: this period is beyond expected ± densityBand·k·σ, and so many of the
 * last densityPeriods are (same side, judged against this period's band) that the baseline window's
 * own share of values beyond that threshold makes the count improbable: binomial upper tail below
 * DENSITY_SIGNIFICANCE. The share is the raw window's (engine.countBeyond, O(log n)), add-one
 * smoothed so a window that never went there does not make two excursions "impossible"; the stretch
 * itself is part of that window, which only makes the rule more cautious. Stateless, so detect and
 * backtest agree; the stretch is counted only on a period that is itself an excursion.
 */
function excursionDensity(
  context: JudgeContext,
  grid: Grid,
  index: number,
  expected: number,
  sigma: number,
  engine: BaselineEngine,
): ExcursionDensity | undefined {
  const { settings } = context;
  const periods = densityPeriods(settings);
  if (periods === 0 || periods > index || !engine.countBeyond) return undefined;
  const observed = grid.observed[index] as number;
  const k = settings.densityBand * settings.k;
  const up = settings.direction !== "down" && observed > expected + k * sigma;
  const down = settings.direction !== "up" && observed < expected - k * sigma;
  if (!up && !down) return undefined;
  const threshold = expected + (up ? 1 : -1) * k * sigma;
  const usable = engine.usableCount();
  const share = (engine.countBeyond(threshold, up) + 1) / (usable + 2);
  const recent = periodsBeyondWithin(grid.observed, index, periods, up, threshold);
  if (binomialUpperTail(recent, periods, share) >= DENSITY_SIGNIFICANCE) return undefined;
  return {
    k,
    side: up ? "up" : "down",
    threshold,
    recent,
    usualPerStretch: ((share * (usable + 2) - 1) / usable) * periods,
    duration: describeDuration(periods * settings.periodSeconds),
  };
}

/**
 * P(X ≥ successes) for X ~ Binomial(trials, p), summed term by term from the first (the terms only
 * shrink past the mean, where this is called): O(trials), in log space for the first term so a
 * 288-period stretch does not underflow. simple-statistics' binomialDistribution stops once the
 * cumulative probability is near 1, which drops exactly the tail wanted here.
 */
export function binomialUpperTail(successes: number, trials: number, p: number): number {
  if (successes <= 0) return 1;
  if (successes > trials || !(p > 0)) return 0;
  if (p >= 1) return 1;
  let logTerm = successes * Math.log(p) + (trials - successes) * Math.log1p(-p);
  for (let j = 0; j < successes; j++) logTerm += Math.log((trials - j) / (j + 1));
  let term = Math.exp(logTerm);
  let tail = term;
  for (let i = successes; i < trials && term > 0; i++) {
    term *= ((trials - i) / (i + 1)) * (p / (1 - p));
    tail += term;
  }
  return Math.min(1, tail);
}

function describeDuration(seconds: number): string {
  if (seconds % SECONDS_PER_DAY === 0) return `${seconds / SECONDS_PER_DAY} d`;
  if (seconds % 3600 === 0) return `${seconds / 3600} h`;
  return `${Math.round(seconds / 60)} min`;
}

/**
 * The confirmation count: periods among the last `window` up to `index` (this one included) beyond
 * `threshold` on the same side. With `window` = confirmPeriods this is "in a row".
 */
function periodsBeyondWithin(
  observed: readonly number[],
  index: number,
  window: number,
  above: boolean,
  threshold: number,
): number {
  let count = 0;
  for (let cell = index; cell >= 0 && cell > index - window; cell--) {
    const value = observed[cell] as number;
    if (above ? value > threshold : value < threshold) count++;
  }
  return count;
}

/** Periods in a row up to `index` (at most `wanted`) beyond `threshold` on the same side. */
function periodsBeyondInARow(
  observed: readonly number[],
  index: number,
  wanted: number,
  above: boolean,
  threshold: number,
): number {
  let count = 0;
  for (let cell = index; cell >= 0 && count < wanted; cell--) {
    const value = observed[cell] as number;
    if (Number.isNaN(value) || (above ? !(value > threshold) : !(value < threshold))) break;
    count++;
  }
  return count;
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

/** 3600 → "hourly", 86400 → "daily", 300 → "5-minute". */
export function describePeriod(periodSeconds: number): string {
  if (periodSeconds === SECONDS_PER_DAY) return "daily";
  if (periodSeconds === 3600) return "hourly";
  if (periodSeconds % SECONDS_PER_DAY === 0) return `${periodSeconds / SECONDS_PER_DAY}-day`;
  if (periodSeconds % 3600 === 0) return `${periodSeconds / 3600}-hour`;
  if (periodSeconds % 60 === 0) return `${periodSeconds / 60}-minute`;
  return `${periodSeconds}-second`;
}
