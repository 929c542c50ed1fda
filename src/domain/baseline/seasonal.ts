import { median, sampleStandardDeviation } from "simple-statistics";
import type { DetectionSettings } from "../detection.ts";
import { type BaselineEngine, type Estimate, outlierNote, SIGMA_EPSILON } from "./engine.ts";
import type { Grid } from "./grid.ts";
import { meanSdEstimate } from "./mean-sd.ts";
import { robustSpread } from "./robust-spread.ts";
import { SortedFloat64, usableValues } from "./sorted-window.ts";

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
export class SeasonalBaseline implements BaselineEngine {
  /** Sorted residuals of the window: the typed-array multiset mean-sd and robust slide on. */
  private readonly residuals: SortedFloat64;
  /** Residual currently in `residuals` for each cell; NaN = none. */
  private readonly residualAt: Float64Array;
  /**
   * With seenBefore on: each cell's ABSOLUTE leave-one-out residual (value − mean of the other
   * values of its slot), sorted. The relative residuals above cannot measure a burst (a value 10× its
   * slot is also in its slot's level, so its relative residual stays below the slot's count); the
   * tail is how far the window rose above its usual level for that time, in the metric's unit.
   */
  private readonly tailResiduals: SortedFloat64 | undefined;
  private readonly tailAt: Float64Array | undefined;
  private usable = 0;
  private current = -1;

  constructor(
    private readonly grid: Grid,
    private readonly window: number,
    private readonly slotsPerWeek: number,
    private readonly settings: DetectionSettings,
    /** "day": slotsPerWeek is then the slots of a day (auto's time-of-day baseline). */
    private readonly cycle: "week" | "day" = "week",
  ) {
    this.residualAt = new Float64Array(grid.baseline.length).fill(Number.NaN);
    this.residuals = new SortedFloat64(window);
    if (settings.seenBefore > 0 || settings.extremeSeenBefore > 0) {
      this.tailAt = new Float64Array(grid.baseline.length).fill(Number.NaN);
      this.tailResiduals = new SortedFloat64(window);
    }
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
    if (this.residuals.count < Math.max(2, this.settings.minHistoryPeriods)) {
      const raw = robustSpread(usableValues(baseline, windowStart, index));
      return {
        expected,
        sigma: raw.sigma,
        periodsUsed: raw.kept,
        basis: (periodWord) =>
          `seasonal over ${raw.kept} ${periodWord} periods, ${slotNote}, σ from the raw window (too few residuals yet)`,
      };
    }
    const spread = robustSpread(this.residuals.view());
    const periodsUsed = this.usable - spread.leftOut;
    let slotLevel = 0;
    for (const value of sameSlot) slotLevel += Math.abs(value);
    slotLevel /= sameSlot.length;
    const windowLevel = this.windowLevel(windowStart, index);
    let sigma = spread.sigma * Math.max(slotLevel, windowLevel);
    let quietNote = "";
    const prior = this.settings.quietSlotPrior;
    if (prior > 0 && slotLevel < windowLevel) {
      // A quiet slot: its band may narrow below the window-average level's, as far as this time of
      // day's own history shows, never below the pooled relative spread at the slot's own level.
      // Shrunk toward the pooled band by sample count on a log scale (a weighted geometric mean):
      // σ is a scale, and few residuals should move it by a factor, not by a difference.
      const own = this.timeOfDaySpread(index, windowStart);
      if (own !== undefined && own.sigma > 0) {
        const shrunk = Math.exp(
          (own.count * Math.log(own.sigma) + prior * Math.log(sigma)) / (own.count + prior),
        );
        const narrowed = Math.max(spread.sigma * slotLevel, shrunk);
        if (narrowed < sigma) {
          sigma = narrowed;
          quietNote = `, quiet ${this.cycle === "day" ? "slot" : "time of day"}: band from ${own.count} same-time-of-day residuals`;
        }
      }
    }
    // The tail: the n-th largest absolute residual on each side (outliers included: they are
    // what the tail is about).
    const n = this.settings.seenBefore;
    const tail = this.tailResiduals;
    const m = this.settings.extremeSeenBefore;
    const tails = {
      ...(tail && n > 0 && tail.count >= n
        ? {
            tailUp: Math.max(0, tail.at(tail.count - n)),
            tailDown: Math.max(0, -tail.at(n - 1)),
          }
        : {}),
      ...(tail && m > 0 && tail.count >= m
        ? {
            extremeUp: Math.max(0, tail.at(tail.count - m)),
            extremeDown: Math.max(0, -tail.at(m - 1)),
          }
        : {}),
    };
    return {
      expected,
      sigma,
      ...tails,
      periodsUsed,
      basis: (periodWord) =>
        `seasonal over ${periodsUsed} ${periodWord} periods, ${slotNote}${outlierNote(spread.leftOut)}${quietNote}`,
    };
  }

  /**
   * Spread (σ, metric unit) of the leave-one-out residuals of the window's cells at the evaluated
   * cell's time of day (each against the other values of its own slot); undefined with fewer than
   * 2. What this time of day has actually varied by, in absolute terms.
   */
  private timeOfDaySpread(
    index: number,
    windowStart: number,
  ): { sigma: number; count: number } | undefined {
    const baseline = this.grid.baseline;
    const step = this.slotsPerDay();
    // A period longer than a day, or one a day does not divide evenly (3.5 d): no time of day.
    if (!Number.isInteger(step) || step < 1) return undefined;
    const residuals: number[] = [];
    for (let cell = index - step; cell >= windowStart; cell -= step) {
      const value = baseline[cell] as number;
      if (Number.isNaN(value)) continue;
      let sum = 0;
      let count = 0;
      for (let mate = cell - this.slotsPerWeek; mate >= windowStart; mate -= this.slotsPerWeek) {
        const other = baseline[mate] as number;
        if (!Number.isNaN(other)) {
          sum += other;
          count++;
        }
      }
      for (let mate = cell + this.slotsPerWeek; mate < index; mate += this.slotsPerWeek) {
        const other = baseline[mate] as number;
        if (!Number.isNaN(other)) {
          sum += other;
          count++;
        }
      }
      if (count > 0) residuals.push(value - sum / count);
    }
    if (residuals.length < 2) return undefined;
    // Every residual counts, past bursts at this time of day included: a quiet hour that has burst
    // before keeps a wide band (the isolated-outlier rule would narrow it to its calm days).
    return { sigma: sampleStandardDeviation(residuals), count: residuals.length };
  }

  /** Cells a day apart share a time of day. */
  private slotsPerDay(): number {
    return this.cycle === "day" ? this.slotsPerWeek : this.slotsPerWeek / 7;
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
    if (this.cycle === "day")
      return this.slotsPerWeek === 24 ? "same-hour-of-day" : "same-time-of-day";
    if (this.slotsPerWeek === 168) return "same-hour-of-week";
    if (this.slotsPerWeek === 7) return "same-weekday";
    return "same-slot-of-week";
  }

  private rebuild(index: number): void {
    this.current = index;
    this.residualAt.fill(Number.NaN);
    this.tailAt?.fill(Number.NaN);
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
    this.residuals.fill(this.residualAt, windowStart, index);
    if (this.tailAt) this.tailResiduals?.fill(this.tailAt, windowStart, index);
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
      if (this.tailAt) {
        this.tailResiduals?.remove(this.tailAt[cell] as number);
        this.tailAt[cell] = Number.NaN;
      }
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
      const absolute = value - (sum - value) / (count - 1);
      const residual = absolute / level;
      this.residualAt[cell] = residual;
      if (insert) this.residuals.insert(residual);
      if (this.tailAt) {
        this.tailAt[cell] = absolute;
        if (insert) this.tailResiduals?.insert(absolute);
      }
    }
  }
}
