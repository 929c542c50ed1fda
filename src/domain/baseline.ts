/**
 * Vigil's baseline engine: judges one period of one metric against the periods before it.
 *
 * Pure code — no clock, no environment, no SDK. Statistics come from `simple-statistics`.
 *
 * How a range is evaluated (evaluateRange):
 *  1. The series is laid once on a dense grid of periods: the `windowPeriods` periods before the first
 *     evaluated period, then the evaluated periods. Each cell gets
 *       - an observed value (what is judged when the cell is the evaluated period), and
 *       - a baseline value (what the cell contributes to later baselines; NaN = not usable).
 *  2. Each evaluated period reads its window straight from the grid — O(window) with selection (median via
 *     quickselect), no sorting and no re-reading of the series.
 *  3. The estimate (expected value, σ) becomes a Verdict with floors, thresholds and a why-line.
 *
 * Missing data ("zero" vs "gap") and excluded ranges are applied when the grid is built:
 *  - "gap":  an absent period is unusable in baselines; an absent evaluated period → status "no-data".
 *  - "zero": an absent period counts as 0 — from the metric's first datapoint in the series onwards. Before
 *            that we cannot tell "nothing happened" from "the metric did not exist yet": treating those periods
 *            as zeros would give a metric created three days ago a 27-day baseline of invented zeros and page on
 *            its first real values, and would make the minimum-history rule meaningless. So periods before the
 *            first datapoint are unusable for baselines. An absent evaluated period is judged as 0.
 *  - excludedRanges: any period overlapping a range (start inclusive, end exclusive) is left out of every
 *    baseline; it is still judged when it is itself the evaluated period.
 *  - Points whose value or timestamp is not a finite number are ignored (treated as absent). A point belongs
 *    to the period that contains its timestamp; if two points fall in one period the later one in the array wins.
 */
import { mean, median, medianAbsoluteDeviation, sampleStandardDeviation } from "simple-statistics";
import type { DetectionSettings, Severity, Verdict, VerdictStatus } from "./detection.ts";
import { formatNumber, formatSigma } from "./format.ts";
import type { MetricSeries } from "./metric.ts";

const MS_PER_SECOND = 1000;
const SECONDS_PER_DAY = 86_400;
const SECONDS_PER_WEEK = 7 * SECONDS_PER_DAY;

/*
 * Isolated-outlier rule. Applied to the raw baseline values for `mean-sd` and to the seasonal residuals for
 * `seasonal`. A baseline point is left out when its robust z, |x − median| / (1.4826 · MAD), exceeds 6 — but
 *  - only when the window holds at least 20 usable points (median and MAD of fewer are not trustworthy);
 *  - never when MAD is 0: on flat or mostly-zero baselines every nonzero point would look infinitely far out,
 *    so we keep everything and let σ and the floors decide;
 *  - only when those points are isolated: at most max(1, 2 % of the usable points). When more points than that
 *    are far out they are a recurring pattern (a nightly backup, a level shift under way), not a glitch, and
 *    none is left out.
 * Without this rule a single 50× spike 20 days ago inflates σ for the whole 30-day window and masks today's
 * real anomaly (see the "one old spike" test).
 */
const OUTLIER_ROBUST_Z = 6;
/** MAD × 1.4826 estimates σ for normally distributed data. */
const MAD_TO_SIGMA = 1.4826;
const MAX_OUTLIER_FRACTION = 0.02;
const MIN_POINTS_FOR_OUTLIER_RULE = 20;

/**
 * Seasonal residuals are relative to their slot's level, except that levels below this fraction of the
 * window's mean |value| count as this fraction (see SeasonalEstimator).
 */
const SEASONAL_LEVEL_FLOOR = 0.1;

/** Keeps the effective σ above 0 so z stays finite (a flat all-zero baseline with every floor at 0). */
const SIGMA_EPSILON = 1e-9;

// ---------------------------------------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------------------------------------

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

/** Baseline length in periods: windowDays · 86400 / periodSeconds (720 for 30 days hourly). */
export function windowPeriods(settings: DetectionSettings): number {
  assertPeriodSeconds(settings.periodSeconds);
  const periods = Math.floor((settings.windowDays * SECONDS_PER_DAY) / settings.periodSeconds);
  if (!Number.isFinite(periods) || periods < 1) {
    throw new RangeError(
      `windowDays ${settings.windowDays} is shorter than one ${settings.periodSeconds}s period`,
    );
  }
  return periods;
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

/**
 * One verdict per period from `fromPeriodStart` to `toPeriodStart` (both inclusive), ascending. Each period
 * is judged against its own baseline, exactly as evaluatePeriod would. [] when to < from.
 */
export function evaluateRange(
  series: MetricSeries,
  fromPeriodStart: number,
  toPeriodStart: number,
  settings: DetectionSettings,
): Verdict[] {
  assertUsableSettings(settings, series.periodSeconds);
  if (!Number.isFinite(fromPeriodStart) || !Number.isFinite(toPeriodStart)) {
    throw new RangeError("period starts must be finite epoch-ms numbers");
  }
  if (toPeriodStart < fromPeriodStart) return [];

  const periodMs = settings.periodSeconds * MS_PER_SECOND;
  const window = windowPeriods(settings);
  const evaluatedCount = Math.floor((toPeriodStart - fromPeriodStart) / periodMs) + 1;
  const grid = buildGrid(
    series,
    fromPeriodStart - window * periodMs,
    window + evaluatedCount,
    settings,
  );
  const context: JudgeContext = {
    metric: series.metric,
    settings,
    window,
    periodWord: describePeriod(settings.periodSeconds),
    seasonal:
      settings.method === "seasonal"
        ? new SeasonalEstimator(grid, window, SECONDS_PER_WEEK / settings.periodSeconds, settings)
        : null,
  };

  const verdicts: Verdict[] = [];
  for (let offset = 0; offset < evaluatedCount; offset++) {
    verdicts.push(judge(context, grid, window + offset));
  }
  return verdicts;
}

// ---------------------------------------------------------------------------------------------------------
// Grid
// ---------------------------------------------------------------------------------------------------------

interface Grid {
  /** Epoch ms of cell 0. */
  start: number;
  periodMs: number;
  /** Value judged when the cell is the evaluated period, after the missing-data policy; NaN = no datapoint. */
  observed: number[];
  /** Value the cell contributes to baselines; NaN = unusable (gap, before the first datapoint, excluded). */
  baseline: number[];
}

function buildGrid(
  series: MetricSeries,
  start: number,
  length: number,
  settings: DetectionSettings,
): Grid {
  const periodMs = settings.periodSeconds * MS_PER_SECOND;
  // Plain arrays, not Float64Arrays: typed arrays of this size get off-heap backing stores that cost more
  // to allocate and collect than evaluating a few periods.
  const observed: number[] = new Array<number>(length).fill(Number.NaN);
  let firstDataTimestamp = Number.POSITIVE_INFINITY;
  for (const point of series.points) {
    if (!Number.isFinite(point.value) || !Number.isFinite(point.timestamp)) continue;
    if (point.timestamp < firstDataTimestamp) firstDataTimestamp = point.timestamp;
    const index = Math.floor((point.timestamp - start) / periodMs);
    if (index >= 0 && index < length) observed[index] = point.value;
  }

  const baseline = observed.slice();
  if (settings.missingData === "zero") {
    // Cells from this index on exist for sure (see the module comment on "zero").
    const firstDataIndex = Math.floor((firstDataTimestamp - start) / periodMs);
    for (let index = 0; index < length; index++) {
      if (!Number.isNaN(observed[index])) continue;
      observed[index] = 0;
      if (index >= firstDataIndex) baseline[index] = 0;
    }
  }

  for (const range of settings.excludedRanges) {
    if (!(range.end > range.start)) continue;
    // Every cell overlapping [range.start, range.end).
    const first = Math.max(0, Math.floor((range.start - start) / periodMs));
    const last = Math.min(length - 1, Math.ceil((range.end - start) / periodMs) - 1);
    for (let index = first; index <= last; index++) baseline[index] = Number.NaN;
  }
  return { start, periodMs, observed, baseline };
}

// ---------------------------------------------------------------------------------------------------------
// Robust statistics
// ---------------------------------------------------------------------------------------------------------

/** Usable baseline values of cells [first, end), in cell order. */
function usableValues(values: readonly number[], first: number, end: number): number[] {
  const from = Math.max(0, first);
  const result = new Array<number>(Math.max(0, end - from));
  let count = 0;
  for (let index = from; index < end; index++) {
    const value = values[index] as number;
    if (!Number.isNaN(value)) result[count++] = value;
  }
  result.length = count;
  return result;
}

export interface Spread {
  mean: number;
  /** Sample standard deviation of the kept values (0 with fewer than two). */
  sigma: number;
  kept: number;
  leftOut: number;
}

/**
 * Mean and sample σ of `values` after leaving out isolated outliers (the rule at the top of this file).
 * Exported for tests.
 */
export function robustSpread(values: readonly number[]): Spread {
  const count = values.length;
  let kept = values;
  if (count >= MIN_POINTS_FOR_OUTLIER_RULE) {
    const center = median(values);
    if (!provablyNoOutliers(values, center)) {
      const mad = medianAbsoluteDeviation(values);
      if (mad > 0) {
        const cutoff = OUTLIER_ROBUST_Z * MAD_TO_SIGMA * mad;
        let outliers = 0;
        for (const value of values) if (Math.abs(value - center) > cutoff) outliers++;
        const allowed = Math.max(1, Math.floor(count * MAX_OUTLIER_FRACTION));
        if (outliers > 0 && outliers <= allowed) {
          kept = values.filter((value) => Math.abs(value - center) <= cutoff);
        }
      }
    }
  }
  return {
    mean: mean(kept),
    sigma: kept.length >= 2 ? sampleStandardDeviation(kept) : 0,
    kept: kept.length,
    leftOut: count - kept.length,
  };
}

/**
 * Cheap exact shortcut that spares the MAD (a second selection) in the common case. Let t be the farthest
 * value's distance from the median divided by the cutoff factor. If at most ⌊(n − 1)/2⌋ values lie strictly
 * within t of the median, the median of the absolute deviations is ≥ t, so no value is beyond the cutoff.
 * false means "cannot tell, compute the MAD".
 */
function provablyNoOutliers(values: readonly number[], center: number): boolean {
  let farthest = 0;
  for (const value of values) farthest = Math.max(farthest, Math.abs(value - center));
  if (farthest === 0) return true;
  const t = farthest / (OUTLIER_ROBUST_Z * MAD_TO_SIGMA);
  let strictlyInside = 0;
  for (const value of values) if (Math.abs(value - center) < t) strictlyInside++;
  return strictlyInside <= (values.length - 1) >> 1;
}

// ---------------------------------------------------------------------------------------------------------
// Estimators
// ---------------------------------------------------------------------------------------------------------

interface Estimate {
  expected: number;
  /** σ before floors, in the metric's unit. */
  sigma: number;
  /** Baseline periods the statistics were computed from (usable minus outliers left out). */
  periodsUsed: number;
  /** How the estimate was made, for the why-line: "mean-sd over 720 hourly periods". */
  basis: string;
}

function outlierNote(leftOut: number): string {
  if (leftOut === 0) return "";
  return `, ${leftOut} outlier${leftOut === 1 ? "" : "s"} left out`;
}

/** `mean-sd`: expected = mean, σ = sample standard deviation of the window (isolated outliers left out). */
function meanSdEstimate(values: readonly number[], periodWord: string, note = ""): Estimate {
  const spread = robustSpread(values);
  return {
    expected: spread.mean,
    sigma: spread.sigma,
    periodsUsed: spread.kept,
    basis: `mean-sd over ${spread.kept} ${periodWord} periods${outlierNote(spread.leftOut)}${note}`,
  };
}

/**
 * `seasonal`: compares a period with the same slot of the week — hour-of-week for hourly periods, weekday for
 * daily ones (UTC; grid cells `slotsPerWeek` apart share a slot).
 *
 *  - expected = MEDIAN of the same-slot values in the window (the 4 previous weeks for 30 days). With ~4
 *    values per slot, one bad week (an incident, a holiday) would drag a mean far; the median shrugs it off.
 *  - residuals: each usable baseline point minus the mean of the OTHER values of its slot in the window
 *    (leave-one-out). Including the point in its own slot's mean would shrink every residual by (c − 1)/c
 *    (25 % with 4 weeks) and make alerts too eager; leaving it out measures the error of predicting a period
 *    from its other weeks, which is what `expected` does for the evaluated one. Points alone in their slot
 *    have no residual.
 *  - residuals are RELATIVE to the slot's level: (x − e) / max(|e|, 10 % of the window's mean |value|), and
 *    σ = (sample σ of the relative residuals) × max(|expected|, same floor). Traffic noise grows with its
 *    level: pooled absolute residuals give a weekday peak the quiet night's band (false alarms every week)
 *    and a weekend night the peak's band (missed anomalies). Below the floor the noise is treated as constant,
 *    so a slot expected at 0 still gets a band as wide as the window's typical variation.
 *  - isolated outlier residuals are left out by the rule at the top of the file: a single spike yields one huge
 *    residual and a few moderate ones for its slot-mates, all left out together.
 *  - fallbacks: no same-slot value in the window yet (less than a week of history) → plain mean-sd over the
 *    window, said so in the why-line. Fewer residuals than max(2, minHistoryPeriods) → σ from the raw window,
 *    which also holds the weekly swing and so gives a conservative (wider) band.
 */
class SeasonalEstimator {
  /** Per-slot running sums and counts of the current window, reused across periods. */
  private readonly slotSums: number[];
  private readonly slotCounts: number[];
  private readonly slotName: string;

  constructor(
    private readonly grid: Grid,
    private readonly window: number,
    private readonly slotsPerWeek: number,
    private readonly settings: DetectionSettings,
  ) {
    this.slotSums = new Array<number>(slotsPerWeek).fill(0);
    this.slotCounts = new Array<number>(slotsPerWeek).fill(0);
    if (slotsPerWeek === 168) this.slotName = "same-hour-of-week";
    else if (slotsPerWeek === 7) this.slotName = "same-weekday";
    else this.slotName = "same-slot-of-week";
  }

  estimate(index: number, values: readonly number[], periodWord: string): Estimate {
    const baseline = this.grid.baseline;
    const windowStart = index - this.window;
    const step = this.slotsPerWeek;
    const sameSlot: number[] = [];
    for (let cell = index - step; cell >= windowStart; cell -= step) {
      const value = baseline[cell] as number;
      if (!Number.isNaN(value)) sameSlot.push(value);
    }
    if (sameSlot.length === 0) {
      const note = ` (seasonal fallback: no ${this.slotName} value in the window yet)`;
      return meanSdEstimate(values, periodWord, note);
    }
    const expected = median(sameSlot);
    const slotNote = `${sameSlot.length} ${this.slotName} value${sameSlot.length === 1 ? "" : "s"}`;

    const { residuals, levelFloor } = this.relativeResiduals(windowStart, index);
    if (residuals.length < Math.max(2, this.settings.minHistoryPeriods)) {
      const raw = robustSpread(values);
      return {
        expected,
        sigma: raw.sigma,
        periodsUsed: raw.kept,
        basis: `seasonal over ${raw.kept} ${periodWord} periods, ${slotNote}, σ from the raw window (too few residuals yet)`,
      };
    }
    const spread = robustSpread(residuals);
    const periodsUsed = values.length - spread.leftOut;
    return {
      expected,
      sigma: spread.sigma * Math.max(Math.abs(expected), levelFloor),
      periodsUsed,
      basis: `seasonal over ${periodsUsed} ${periodWord} periods, ${slotNote}${outlierNote(spread.leftOut)}`,
    };
  }

  /** Leave-one-out relative residuals of the window [windowStart, end): two passes over the grid. */
  private relativeResiduals(
    windowStart: number,
    end: number,
  ): { residuals: number[]; levelFloor: number } {
    const baseline = this.grid.baseline;
    const sums = this.slotSums.fill(0);
    const counts = this.slotCounts.fill(0);
    let absoluteSum = 0;
    let usable = 0;
    let slot = 0;
    for (let cell = windowStart; cell < end; cell++) {
      const value = baseline[cell] as number;
      if (!Number.isNaN(value)) {
        sums[slot] = (sums[slot] as number) + value;
        counts[slot] = (counts[slot] as number) + 1;
        absoluteSum += Math.abs(value);
        usable++;
      }
      if (++slot === this.slotsPerWeek) slot = 0;
    }
    const levelFloor = usable > 0 ? (SEASONAL_LEVEL_FLOOR * absoluteSum) / usable : 0;

    const residuals: number[] = [];
    slot = 0;
    for (let cell = windowStart; cell < end; cell++) {
      const value = baseline[cell] as number;
      const count = counts[slot] as number;
      if (!Number.isNaN(value) && count >= 2) {
        const others = ((sums[slot] as number) - value) / (count - 1);
        const scale = Math.max(Math.abs(others), levelFloor, SIGMA_EPSILON);
        residuals.push((value - others) / scale);
      }
      if (++slot === this.slotsPerWeek) slot = 0;
    }
    return { residuals, levelFloor };
  }
}

// ---------------------------------------------------------------------------------------------------------
// Verdicts
// ---------------------------------------------------------------------------------------------------------

interface JudgeContext {
  metric: MetricSeries["metric"];
  settings: DetectionSettings;
  window: number;
  periodWord: string;
  seasonal: SeasonalEstimator | null;
}

function judge(context: JudgeContext, grid: Grid, index: number): Verdict {
  const { settings } = context;
  const timestamp = grid.start + index * grid.periodMs;
  const observed = grid.observed[index] as number;
  const values = usableValues(grid.baseline, index - context.window, index);
  const usable = values.length;

  if (Number.isNaN(observed)) {
    const why = `no datapoint for this period (missing data is treated as a gap); ${usable} of ${context.window} baseline periods have data`;
    return unjudged(context, timestamp, "no-data", null, usable, why);
  }
  const needed = Math.max(1, settings.minHistoryPeriods);
  if (usable < needed) {
    const why = `only ${usable} of ${context.window} baseline periods have data (need ${needed})`;
    return unjudged(context, timestamp, "insufficient-data", observed, usable, why);
  }

  const estimate = context.seasonal
    ? context.seasonal.estimate(index, values, context.periodWord)
    : meanSdEstimate(values, context.periodWord);
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
  const upperThreshold = settings.direction === "down" ? null : expected + settings.k * sigma;
  const lowerThreshold = settings.direction === "up" ? null : expected - settings.k * sigma;
  // Only reachable with values near Number.MAX_VALUE; a verdict must always serialise to JSON.
  if (!Number.isFinite(z) || !Number.isFinite(expected + settings.k * sigma)) {
    const why = "baseline statistics overflowed (values too large to compare)";
    return unjudged(context, timestamp, "insufficient-data", observed, estimate.periodsUsed, why);
  }

  const aboveBand = upperThreshold !== null && observed > upperThreshold;
  const belowBand = lowerThreshold !== null && observed < lowerThreshold;
  const bigEnough = Math.abs(deviation) >= settings.minAbsoluteDelta;
  const anomalous = (aboveBand || belowBand) && bigEnough;
  let severity: Severity | null = null;
  if (anomalous) severity = Math.abs(z) >= settings.criticalK ? "critical" : "warning";

  const side = deviation >= 0 ? "above" : "below";
  const comparison = `observed ${formatNumber(observed)} is ${formatSigma(Math.abs(z))} ${side} expected ${formatNumber(expected)}`;
  let why: string;
  if (anomalous) {
    const threshold = (aboveBand ? upperThreshold : lowerThreshold) as number;
    why = `${comparison} (threshold ${formatNumber(threshold)}, ${estimate.basis})`;
  } else if (aboveBand || belowBand) {
    why = `within minimum change: ${comparison}, but the change ${formatNumber(Math.abs(deviation))} is below ${formatNumber(settings.minAbsoluteDelta)} (${estimate.basis})`;
  } else {
    why = `within band: ${comparison} (${describeBand(lowerThreshold, upperThreshold)}, ${estimate.basis})`;
  }

  return {
    metric: context.metric,
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
    why,
    baselinePeriods: estimate.periodsUsed,
  };
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
    metric: context.metric,
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
function describePeriod(periodSeconds: number): string {
  if (periodSeconds === SECONDS_PER_DAY) return "daily";
  if (periodSeconds === 3600) return "hourly";
  if (periodSeconds % SECONDS_PER_DAY === 0) return `${periodSeconds / SECONDS_PER_DAY}-day`;
  if (periodSeconds % 3600 === 0) return `${periodSeconds / 3600}-hour`;
  if (periodSeconds % 60 === 0) return `${periodSeconds / 60}-minute`;
  return `${periodSeconds}-second`;
}

// ---------------------------------------------------------------------------------------------------------
// Validation: a wrong setting must fail loudly, never produce NaN verdicts.
// ---------------------------------------------------------------------------------------------------------

function assertPeriodSeconds(periodSeconds: number): void {
  if (!Number.isInteger(periodSeconds) || periodSeconds <= 0) {
    throw new RangeError(`periodSeconds must be a positive integer, got ${periodSeconds}`);
  }
}

function assertUsableSettings(settings: DetectionSettings, seriesPeriodSeconds: number): void {
  assertPeriodSeconds(settings.periodSeconds);
  if (seriesPeriodSeconds !== settings.periodSeconds) {
    throw new RangeError(
      `series has ${seriesPeriodSeconds}s periods but the settings expect ${settings.periodSeconds}s`,
    );
  }
  if (!(settings.k > 0) || !Number.isFinite(settings.k)) {
    throw new RangeError(`k must be a positive number, got ${settings.k}`);
  }
  for (const name of ["sigmaFloor", "relativeSigmaFloor", "minAbsoluteDelta"] as const) {
    const value = settings[name];
    if (!(value >= 0) || !Number.isFinite(value)) {
      throw new RangeError(`${name} must be a finite number ≥ 0, got ${value}`);
    }
  }
  if (settings.method === "seasonal" && SECONDS_PER_WEEK % settings.periodSeconds !== 0) {
    throw new RangeError(
      `seasonal needs a period that divides a week evenly, got ${settings.periodSeconds}s`,
    );
  }
}
