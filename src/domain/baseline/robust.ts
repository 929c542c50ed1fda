/**
 * `robust`: expected = MEDIAN of the window; σ from quantiles of the window instead of a sum of
 * squares, so neither a past incident nor a burst of outliers moves the band:
 *
 *     σ = max( IQR / 1.349 , (q99 − q1) / 4.653 )
 *
 *  - IQR / 1.349 is σ for normal data, and ignores the quarter of values on either side;
 *  - (q99 − q1) / 4.653 is σ for normal data too (q99 − q1 = 2 · 2.326 σ), but it sees the range of
 *    ordinary variation of bursty or mostly-zero metrics, whose IQR is 0: a burst of a usual size
 *    does not page, a much larger one does;
 *  - taking the larger keeps heavy-tailed data (API calls, egress) from paging on its usual tail.
 *
 * Both come from the sorted window in O(1) per period (one binary-search insert and remove per
 * slide, a memmove in a Float64Array): no re-sort, no second pass.
 */
import type { BaselineEngine, Estimate } from "./engine.ts";
import type { Grid } from "./grid.ts";
import { lowerBound, SortedFloat64, upperBound } from "./sorted-window.ts";

/** IQR of a normal distribution in σ: 2 · 0.6745. */
const IQR_TO_SIGMA = 1.349;
/** q99 − q1 of a normal distribution in σ: 2 · 2.3263. */
const TAILS_TO_SIGMA = 4.6527;

export class RobustBaseline implements BaselineEngine {
  private readonly sorted: SortedFloat64;
  private current = -1;

  constructor(
    private readonly grid: Grid,
    private readonly window: number,
    /** DetectionSettings.seenBefore: which largest deviation of the window is its tail (0 = off). */
    private readonly seenBefore = 0,
    /** DetectionSettings.extremeSeenBefore: the same, for the extreme path (0 = off). */
    private readonly extremeSeenBefore = 0,
  ) {
    this.sorted = new SortedFloat64(Math.min(window, grid.baseline.length));
  }

  moveTo(index: number): void {
    const baseline = this.grid.baseline;
    if (this.current >= 0 && index === this.current + 1) {
      const leaving = baseline[index - 1 - this.window] ?? Number.NaN;
      const entering = baseline[index - 1] ?? Number.NaN;
      if (Number.isNaN(leaving)) {
        if (!Number.isNaN(entering)) this.sorted.insert(entering);
      } else if (Number.isNaN(entering)) this.sorted.remove(leaving);
      else this.sorted.replace(leaving, entering);
    } else {
      this.sorted.fill(baseline, index - this.window, index);
    }
    this.current = index;
  }

  usableCount(): number {
    return this.sorted.count;
  }

  estimate(): Estimate {
    const s = this.sorted;
    const expected = s.quantile(0.5);
    const iqrSigma = (s.quantile(0.75) - s.quantile(0.25)) / IQR_TO_SIGMA;
    const tailSigma = (s.quantile(0.99) - s.quantile(0.01)) / TAILS_TO_SIGMA;
    const estimate = new RobustEstimate(expected, Math.max(iqrSigma, tailSigma), s.count);
    const n = this.seenBefore;
    if (n > 0 && s.count >= n) {
      // Residuals of `robust` are deviations from the median: the n-th largest value and the n-th
      // smallest give how far the window went on each side.
      estimate.tailUp = Math.max(0, s.at(s.count - n) - expected);
      estimate.tailDown = Math.max(0, expected - s.at(n - 1));
    }
    const m = this.extremeSeenBefore;
    if (m > 0 && s.count >= m) {
      estimate.extremeUp = Math.max(0, s.at(s.count - m) - expected);
      estimate.extremeDown = Math.max(0, expected - s.at(m - 1));
    }
    return estimate;
  }

  countBeyond(threshold: number, above: boolean): number {
    const view = this.sorted.view();
    return above ? view.length - upperBound(view, threshold) : lowerBound(view, threshold);
  }

  /** σ of the middle half of the window (IQR / 1.349): the spread a daily cycle must explain. */
  middleSigma(): number {
    return (this.sorted.quantile(0.75) - this.sorted.quantile(0.25)) / IQR_TO_SIGMA;
  }
}

/** A class, not a literal with a closure: one per judged period (see MeanSdEstimate). */
class RobustEstimate implements Estimate {
  tailUp = 0;
  tailDown = 0;
  extremeUp?: number;
  extremeDown?: number;
  constructor(
    readonly expected: number,
    readonly sigma: number,
    readonly periodsUsed: number,
  ) {}

  basis(periodWord: string): string {
    return `robust: median and quantile spread of ${this.periodsUsed} ${periodWord} periods`;
  }
}

/** Weeks of same-slot history `auto` needs before it compares a period with its slot of the week. */
export const AUTO_MIN_WEEKS = 3;
/** Days of same-time-of-day history `auto` needs before it tries the time-of-day baseline. */
export const AUTO_MIN_DAYS = 3;
/**
 * The time-of-day baseline is used only when its σ is at most this fraction of the σ of the middle
 * half of the raw window: the daily cycle must explain most of the ordinary variation. Against the
 * middle half, not the tails, so a flat metric with bursts (whose tails are wide and whose
 * time-of-day residuals leave the bursts out) stays on `robust` (on the benchmark, comparing with
 * the full robust σ put two spiky files on the time-of-day baseline: +41 false episodes).
 */
export const AUTO_DAILY_STRENGTH = 0.5;

/** The time-of-day baseline `auto` may use in a metric's first weeks. */
export interface DailyBaseline {
  engine: BaselineEngine;
  slotsPerDay: number;
}

/**
 * `auto`, decided per period from the window alone (so detect and backtest agree; the why-line
 * says which was used):
 *  1. `seasonal` once the window holds at least AUTO_MIN_WEEKS values of the period's slot of the
 *     week (hour-of-week for hourly periods);
 *  2. before that, from AUTO_MIN_DAYS days of history, a time-of-day `seasonal` (slots of a day)
 *     when the metric has a strong daily cycle (AUTO_DAILY_STRENGTH): a quantile band over a
 *     cycling metric spans its whole daily range, so a jump at a quiet hour, a level shift or a
 *     flat stretch hides inside it;
 *  3. `robust` otherwise — a young or acyclic metric, or a period that does not divide a day.
 */
export class AutoBaseline implements BaselineEngine {
  constructor(
    private readonly grid: Grid,
    private readonly window: number,
    private readonly slotsPerWeek: number | undefined,
    private readonly robust: RobustBaseline,
    private readonly seasonal: BaselineEngine | undefined,
    private readonly daily?: DailyBaseline,
  ) {}

  moveTo(index: number): void {
    this.robust.moveTo(index);
    this.seasonal?.moveTo(index);
    this.daily?.engine.moveTo(index);
  }

  usableCount(): number {
    return this.robust.usableCount();
  }

  /** The raw window's count: on a cycling metric it is high, so the density rule stays quiet there. */
  countBeyond(threshold: number, above: boolean): number {
    return this.robust.countBeyond(threshold, above);
  }

  estimate(index: number): Estimate {
    const weeks = this.sameSlotValues(index, this.slotsPerWeek);
    if (!(this.seasonal && weeks >= AUTO_MIN_WEEKS) && this.daily) {
      const days = this.sameSlotValues(index, this.daily.slotsPerDay);
      if (days >= AUTO_MIN_DAYS) {
        const daily = this.daily.engine.estimate(index);
        if (daily.sigma <= AUTO_DAILY_STRENGTH * this.robust.middleSigma()) {
          const why = `auto: strong daily cycle over ${days} days, ${weeks} of ${AUTO_MIN_WEEKS} weeks for seasonal`;
          return { ...daily, basis: (periodWord) => `${daily.basis(periodWord)}; ${why}` };
        }
      }
    }
    const chosen = this.seasonal && weeks >= AUTO_MIN_WEEKS ? this.seasonal : this.robust;
    const estimate = chosen.estimate(index);
    const why =
      chosen === this.seasonal
        ? `auto: ${weeks} weeks of history`
        : `auto: ${weeks} of ${AUTO_MIN_WEEKS} weeks for seasonal`;
    return { ...estimate, basis: (periodWord) => `${estimate.basis(periodWord)}; ${why}` };
  }

  /** Usable values in the window `slots` cells apart from `index` (same slot of the week or day). */
  private sameSlotValues(index: number, slots: number | undefined): number {
    if (!slots) return 0;
    let count = 0;
    const first = index - this.window;
    for (let cell = index - slots; cell >= first && cell >= 0; cell -= slots) {
      if (!Number.isNaN(this.grid.baseline[cell] as number)) count++;
    }
    return count;
  }
}
