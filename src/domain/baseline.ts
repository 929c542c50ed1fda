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
 * Missing data ("zero" vs "gap") and excluded ranges are applied when the grid is built:
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
import {
  mean,
  median,
  medianAbsoluteDeviation,
  medianSorted,
  sampleStandardDeviation,
} from "simple-statistics";
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
 * is judged against its own sliding baseline. Returns [] when `toPeriodStart` < `fromPeriodStart`.
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
  const engine: BaselineEngine =
    settings.method === "seasonal"
      ? new SeasonalBaseline(grid, window, SECONDS_PER_WEEK / settings.periodSeconds, settings)
      : new MeanSdBaseline(grid, window);
  const context: JudgeContext = {
    series,
    settings,
    window,
    periodWord: describePeriod(settings.periodSeconds),
  };

  const verdicts: Verdict[] = [];
  for (let offset = 0; offset < evaluatedCount; offset++) {
    const index = window + offset;
    engine.moveTo(index);
    verdicts.push(judge(context, grid, index, engine));
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
  // Plain arrays, not Float64Arrays: typed arrays of this size get off-heap backing stores whose
  // allocation and collection cost more than the whole evaluation of a few periods.
  const observed: number[] = new Array<number>(length).fill(Number.NaN);
  // The series is on its own grid: its cell i is this grid's cell i + offset.
  const values = series.values;
  const offset = Math.floor((series.start - start) / periodMs);
  let firstDataIndex = Number.POSITIVE_INFINITY;
  for (let i = 0; i < values.length; i++) {
    if (Number.isFinite(values[i] as number)) {
      firstDataIndex = i + offset;
      break;
    }
  }
  const to = Math.min(values.length, length - offset);
  for (let i = Math.max(0, -offset); i < to; i++) {
    const value = values[i] as number;
    if (Number.isFinite(value)) observed[i + offset] = value;
  }

  const baseline = observed.slice();
  if (settings.missingData === "zero") {
    // Cells from firstDataIndex on exist for sure (see the module comment on "zero").
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
// Sorted window and robust statistics
// ---------------------------------------------------------------------------------------------------------

/** First index whose value is ≥ target (values ascending). */
function lowerBound(values: readonly number[], target: number): number {
  let low = 0;
  let high = values.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((values[middle] as number) < target) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** First index whose value is > target (values ascending). */
function upperBound(values: readonly number[], target: number): number {
  let low = 0;
  let high = values.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((values[middle] as number) <= target) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** An ascending multiset: the sliding window's sorted view (binary search + splice per change). */
class SortedValues {
  values: number[] = [];

  /** Takes ownership of `sorted`, which must already be ascending. */
  replaceAll(sorted: number[]): void {
    this.values = sorted;
  }

  insert(value: number): void {
    this.values.splice(upperBound(this.values, value), 0, value);
  }

  remove(value: number): void {
    const index = lowerBound(this.values, value);
    if (this.values[index] !== value) throw new Error(`internal: ${value} is not in the window`);
    this.values.splice(index, 1);
  }
}

/**
 * Two exact shortcuts that spare the MAD (a copy and two selections) for most windows:
 *  - "none": provably no value is beyond the cutoff. Let t be the farthest value's distance from the median
 *    divided by the cutoff factor; if at most ⌊(n − 1)/2⌋ values lie strictly within t of the median, the
 *    MAD is ≥ t, so every value is within the cutoff.
 *  - "mad-zero": at least ⌊n/2⌋ + 1 values equal the median, so the MAD is 0 (flat and mostly-zero windows).
 *  - "unknown": compute the MAD.
 */
function outlierShortcut(
  sorted: readonly number[],
  center: number,
): "none" | "mad-zero" | "unknown" {
  const count = sorted.length;
  const farthest = Math.max(center - (sorted[0] as number), (sorted[count - 1] as number) - center);
  if (farthest === 0) return "mad-zero";
  const t = farthest / (OUTLIER_ROBUST_Z * MAD_TO_SIGMA);
  if (lowerBound(sorted, center + t) - upperBound(sorted, center - t) <= (count - 1) >> 1)
    return "none";
  if (upperBound(sorted, center) - lowerBound(sorted, center) >= (count >> 1) + 1)
    return "mad-zero";
  return "unknown";
}

export interface Spread {
  mean: number;
  /** Sample standard deviation of the kept values (0 with fewer than two). */
  sigma: number;
  kept: number;
  leftOut: number;
}

/**
 * Mean and sample σ of an ASCENDING array after leaving out isolated outliers (the rule at the top of this
 * file). Exported for tests.
 */
export function robustSpread(sorted: readonly number[]): Spread {
  const count = sorted.length;
  let first = 0;
  let end = count;
  if (count >= MIN_POINTS_FOR_OUTLIER_RULE) {
    const center = medianSorted(sorted);
    if (outlierShortcut(sorted, center) === "unknown") {
      const mad = medianAbsoluteDeviation(sorted);
      if (mad > 0) {
        const cutoff = OUTLIER_ROBUST_Z * MAD_TO_SIGMA * mad;
        const keptFirst = lowerBound(sorted, center - cutoff);
        const keptEnd = upperBound(sorted, center + cutoff);
        const outliers = keptFirst + (count - keptEnd);
        const allowed = Math.max(1, Math.floor(count * MAX_OUTLIER_FRACTION));
        if (outliers > 0 && outliers <= allowed) {
          first = keptFirst;
          end = keptEnd;
        }
      }
    }
  }
  const kept = first === 0 && end === count ? sorted : sorted.slice(first, end);
  return {
    mean: mean(kept),
    sigma: kept.length >= 2 ? sampleStandardDeviation(kept) : 0,
    kept: kept.length,
    leftOut: count - kept.length,
  };
}

// ---------------------------------------------------------------------------------------------------------
// Baseline engines
// ---------------------------------------------------------------------------------------------------------

interface Estimate {
  expected: number;
  /** Raw σ before floors. */
  sigma: number;
  /** Baseline periods the statistics were computed from (usable minus outliers left out). */
  periodsUsed: number;
  /** How the estimate was made, for the why-line: "mean-sd over 720 hourly periods". */
  basis: (periodWord: string) => string;
}

interface BaselineEngine {
  /** Slides the window to the `window` cells before `index` (cheap when index is the previous one + 1). */
  moveTo(index: number): void;
  /** Usable baseline periods in the current window. */
  usableCount(): number;
  /** Only called when usableCount() ≥ max(1, minHistoryPeriods). */
  estimate(index: number): Estimate;
}

function outlierNote(leftOut: number): string {
  if (leftOut === 0) return "";
  return `, ${leftOut} outlier${leftOut === 1 ? "" : "s"} left out`;
}

/**
 * Scratch buffer for sorting, reused across calls (everything here is synchronous and nothing escapes):
 * sorting a Float64Array is numeric and native, ~5× faster than Array#sort with a comparator, and a fresh
 * typed array per call would cost more in garbage collection than the sort itself.
 */
let sortScratch = new Float64Array(1024);

function scratchOf(size: number): Float64Array {
  if (size > sortScratch.length) sortScratch = new Float64Array(size * 2);
  return sortScratch;
}

/** Sorted usable values of cells [first, end): (re)builds a window from scratch. */
function usableValues(values: readonly number[], first: number, end: number): number[] {
  const from = Math.max(0, first);
  const scratch = scratchOf(end - from);
  let count = 0;
  for (let index = from; index < end; index++) {
    const value = values[index] as number;
    if (!Number.isNaN(value)) scratch[count++] = value;
  }
  const sorted = scratch.subarray(0, count).sort();
  const result: number[] = new Array<number>(count);
  for (let index = 0; index < count; index++) result[index] = sorted[index] as number;
  return result;
}

function meanSdEstimate(sorted: number[], note = ""): Estimate {
  const spread = robustSpread(sorted);
  return {
    expected: spread.mean,
    sigma: spread.sigma,
    periodsUsed: spread.kept,
    basis: (periodWord) =>
      `mean-sd over ${spread.kept} ${periodWord} periods${outlierNote(spread.leftOut)}${note}`,
  };
}

/** `mean-sd`: expected = mean, σ = sample standard deviation of the (outlier-trimmed) window. */
class MeanSdBaseline implements BaselineEngine {
  private readonly sorted = new SortedValues();
  private current = -1;

  constructor(
    private readonly grid: Grid,
    private readonly window: number,
  ) {}

  moveTo(index: number): void {
    const baseline = this.grid.baseline;
    if (this.current >= 0 && index === this.current + 1) {
      const leaving = baseline[index - 1 - this.window] ?? Number.NaN;
      const entering = baseline[index - 1] ?? Number.NaN;
      if (!Number.isNaN(leaving)) this.sorted.remove(leaving);
      if (!Number.isNaN(entering)) this.sorted.insert(entering);
    } else {
      this.sorted.replaceAll(usableValues(baseline, index - this.window, index));
    }
    this.current = index;
  }

  usableCount(): number {
    return this.sorted.values.length;
  }

  estimate(): Estimate {
    return meanSdEstimate(this.sorted.values);
  }
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
 *    from its other weeks, which is what `expected` does for the evaluated one. The mean (not the median)
 *    keeps this O(1) per point from running slot sums. Points alone in their slot have no residual.
 *  - residuals are RELATIVE to their slot's level (mean |value| of the slot in the window), and
 *        σ = (sample σ of the relative residuals) × max(level of the evaluated slot, mean |value| of the window).
 *    Traffic noise grows with its level: one pooled σ of absolute residuals gives a weekday peak the quiet
 *    night's band and the quiet night the peak's band (on synthetic hourly data with 5 % relative noise and
 *    k = 3: 4 false alarms in 30 days with absolute residuals, 1 with relative ones, i.e. chance level). The band never gets narrower than that of a slot at the window's average level, so quiet or
 *    sparse slots (a slot that happened to be 0 four weeks running) do not page on ordinary values.
 *  - isolated outlier residuals are left out by the rule at the top of the file: a single spike yields one huge
 *    residual and a few moderate ones for its slot-mates, all left out together.
 *  - fallbacks: no same-slot value in the window yet (less than a week of history) → plain mean-sd over the
 *    window, said so in the why-line. Fewer residuals than max(2, minHistoryPeriods) → σ from the raw window,
 *    which also holds the weekly swing and so gives a conservative (wider) band.
 */
class SeasonalBaseline implements BaselineEngine {
  private readonly residuals = new SortedValues();
  /** Residual currently in `residuals` for each cell; NaN = none. */
  private readonly residualAt: number[];
  private usable = 0;
  private current = -1;

  constructor(
    private readonly grid: Grid,
    private readonly window: number,
    private readonly slotsPerWeek: number,
    private readonly settings: DetectionSettings,
  ) {
    this.residualAt = new Array<number>(grid.baseline.length).fill(Number.NaN);
  }

  moveTo(index: number): void {
    if (this.current >= 0 && index === this.current + 1) this.slide(index);
    else this.rebuild(index);
  }

  usableCount(): number {
    return this.usable;
  }

  estimate(index: number): Estimate {
    const baseline = this.grid.baseline;
    const windowStart = index - this.window;
    const sameSlot: number[] = [];
    for (let cell = index - this.slotsPerWeek; cell >= windowStart; cell -= this.slotsPerWeek) {
      const value = baseline[cell] as number;
      if (!Number.isNaN(value)) sameSlot.push(value);
    }
    const slotName = this.slotName();
    if (sameSlot.length === 0) {
      return meanSdEstimate(
        usableValues(baseline, windowStart, index),
        ` (seasonal fallback: no ${slotName} value in the window yet)`,
      );
    }

    const expected = median(sameSlot);
    const slotNote = `${sameSlot.length} ${slotName} value${sameSlot.length === 1 ? "" : "s"}`;
    if (this.residuals.values.length < Math.max(2, this.settings.minHistoryPeriods)) {
      const raw = robustSpread(usableValues(baseline, windowStart, index));
      return {
        expected,
        sigma: raw.sigma,
        periodsUsed: raw.kept,
        basis: (periodWord) =>
          `seasonal over ${raw.kept} ${periodWord} periods, ${slotNote}, σ from the raw window (too few residuals yet)`,
      };
    }
    const spread = robustSpread(this.residuals.values);
    const periodsUsed = this.usable - spread.leftOut;
    let slotLevel = 0;
    for (const value of sameSlot) slotLevel += Math.abs(value);
    slotLevel /= sameSlot.length;
    const sigma = spread.sigma * Math.max(slotLevel, this.windowLevel(windowStart, index));
    return {
      expected,
      sigma,
      periodsUsed,
      basis: (periodWord) =>
        `seasonal over ${periodsUsed} ${periodWord} periods, ${slotNote}${outlierNote(spread.leftOut)}`,
    };
  }

  /** Mean |value| of the usable cells in [first, end). */
  private windowLevel(first: number, end: number): number {
    const baseline = this.grid.baseline;
    let total = 0;
    let count = 0;
    for (let cell = first; cell < end; cell++) {
      const value = baseline[cell] as number;
      if (Number.isNaN(value)) continue;
      total += Math.abs(value);
      count++;
    }
    return count > 0 ? total / count : 0;
  }

  private slotName(): string {
    if (this.slotsPerWeek === 168) return "same-hour-of-week";
    if (this.slotsPerWeek === 7) return "same-weekday";
    return "same-slot-of-week";
  }

  private rebuild(index: number): void {
    this.current = index;
    this.residualAt.fill(Number.NaN);
    const windowStart = index - this.window;
    const baseline = this.grid.baseline;
    this.usable = 0;
    for (let cell = windowStart; cell < index; cell++) {
      if (!Number.isNaN(baseline[cell] as number)) this.usable++;
    }
    const slots = Math.min(this.slotsPerWeek, this.window);
    for (let anchor = windowStart; anchor < windowStart + slots; anchor++) {
      this.computeSlotResiduals(anchor, false);
    }
    this.residuals.replaceAll(usableValues(this.residualAt, windowStart, index));
  }

  /** Window moves by one cell: only the slot losing its oldest cell and the slot gaining a cell change. */
  private slide(index: number): void {
    const leaving = index - 1 - this.window;
    const entering = index - 1;
    const sharesSlot = (entering - leaving) % this.slotsPerWeek === 0;
    // Drop with the old window (it still contains `leaving`)...
    this.dropSlotResiduals(leaving);
    if (!sharesSlot) this.dropSlotResiduals(entering);

    this.current = index;
    const baseline = this.grid.baseline;
    if (!Number.isNaN(baseline[leaving] as number)) this.usable--;
    if (!Number.isNaN(baseline[entering] as number)) this.usable++;

    // ...and recompute with the new one.
    this.computeSlotResiduals(leaving, true);
    if (!sharesSlot) this.computeSlotResiduals(entering, true);
  }

  /** First cell of the current window in the same slot as `anchor`. */
  private firstSlotCell(anchor: number): number {
    const windowStart = this.current - this.window;
    const period = this.slotsPerWeek;
    return windowStart + ((((anchor - windowStart) % period) + period) % period);
  }

  private dropSlotResiduals(anchor: number): void {
    for (let cell = this.firstSlotCell(anchor); cell < this.current; cell += this.slotsPerWeek) {
      const residual = this.residualAt[cell] as number;
      if (Number.isNaN(residual)) continue;
      this.residuals.remove(residual);
      this.residualAt[cell] = Number.NaN;
    }
  }

  /**
   * Leave-one-out relative residuals of the slot containing `anchor`, written to residualAt (and the sorted
   * view when `insert`).
   */
  private computeSlotResiduals(anchor: number, insert: boolean): void {
    const baseline = this.grid.baseline;
    const first = this.firstSlotCell(anchor);
    const step = this.slotsPerWeek;
    let sum = 0;
    let absoluteSum = 0;
    let count = 0;
    for (let cell = first; cell < this.current; cell += step) {
      const value = baseline[cell] as number;
      if (Number.isNaN(value)) continue;
      sum += value;
      absoluteSum += Math.abs(value);
      count++;
    }
    if (count < 2) return;
    // An all-zero slot has only zero residuals; the epsilon keeps 0 / 0 out.
    const level = Math.max(absoluteSum / count, SIGMA_EPSILON);
    for (let cell = first; cell < this.current; cell += step) {
      const value = baseline[cell] as number;
      if (Number.isNaN(value)) continue;
      const residual = (value - (sum - value) / (count - 1)) / level;
      this.residualAt[cell] = residual;
      if (insert) this.residuals.insert(residual);
    }
  }
}

// ---------------------------------------------------------------------------------------------------------
// Verdicts
// ---------------------------------------------------------------------------------------------------------

interface JudgeContext {
  series: MetricSeries;
  settings: DetectionSettings;
  window: number;
  periodWord: string;
}

function judge(context: JudgeContext, grid: Grid, index: number, engine: BaselineEngine): Verdict {
  const { settings } = context;
  const timestamp = grid.start + index * grid.periodMs;
  const observed = grid.observed[index] as number;
  const usable = engine.usableCount();

  if (Number.isNaN(observed)) {
    return unjudged(context, timestamp, "no-data", null, usable, noDataWhy(usable, context.window));
  }
  const needed = Math.max(1, settings.minHistoryPeriods);
  if (usable < needed) {
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

  const basis = estimate.basis(context.periodWord);
  const side = deviation >= 0 ? "above" : "below";
  const comparison = `observed ${formatNumber(observed)} is ${formatSigma(Math.abs(z))} ${side} expected ${formatNumber(expected)}`;
  let why: string;
  if (anomalous) {
    const threshold = (aboveBand ? upperThreshold : lowerThreshold) as number;
    why = `${comparison} (threshold ${formatNumber(threshold)}, ${basis})`;
  } else if (aboveBand || belowBand) {
    why = `within minimum change: ${comparison}, but the change ${formatNumber(Math.abs(deviation))} is below ${formatNumber(settings.minAbsoluteDelta)} (${basis})`;
  } else {
    why = `within band: ${comparison} (${describeBand(lowerThreshold, upperThreshold)}, ${basis})`;
  }

  return {
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
    why,
    baselinePeriods: estimate.periodsUsed,
  };
}

function noDataWhy(usable: number, window: number): string {
  return `no datapoint for this period (missing data is treated as a gap); ${usable} of ${window} baseline periods have data`;
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
