import type { BaselineEngine, Estimate } from "./engine.ts";
import { outlierNote } from "./engine.ts";
import type { Grid } from "./grid.ts";
import { keptSlice, robustSpread, SliceHints, type Spread } from "./robust-spread.ts";
import { RunningSums } from "./running-sums.ts";
import { SortedFloat64 } from "./sorted-window.ts";

export function meanSdEstimate(sorted: number[], note = ""): Estimate {
  return new MeanSdEstimate().set(robustSpread(sorted), note);
}

/**
 * A class rather than an object literal with an arrow function: one estimate per judged period, and
 * a closure per period (wrapped by the name-keeping helper under tsx) showed in replay profiles.
 * MeanSdBaseline reuses one instance (see BaselineEngine.estimate).
 */
class MeanSdEstimate implements Estimate {
  expected = 0;
  sigma = 0;
  periodsUsed = 0;
  private leftOut = 0;
  private note = "";

  set(spread: Spread, note = ""): this {
    this.expected = spread.mean;
    this.sigma = spread.sigma;
    this.periodsUsed = spread.kept;
    this.leftOut = spread.leftOut;
    this.note = note;
    return this;
  }

  basis(periodWord: string): string {
    return `mean-sd over ${this.periodsUsed} ${periodWord} periods${outlierNote(this.leftOut)}${this.note}`;
  }
}

/**
 * `mean-sd`: expected = mean, σ = sample standard deviation of the (outlier-trimmed) window. The
 * sorted view finds the outliers; running sums give mean and σ without a pass over the window.
 */
export class MeanSdBaseline implements BaselineEngine {
  private readonly sorted: SortedFloat64;
  private readonly sums = new RunningSums();
  private readonly spread: Spread = { mean: 0, sigma: 0, kept: 0, leftOut: 0 };
  private readonly reused = new MeanSdEstimate();
  private readonly hints = new SliceHints();
  private current = -1;

  constructor(
    private readonly grid: Grid,
    private readonly window: number,
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
      if (!Number.isNaN(leaving)) this.sums.remove(leaving);
      if (!Number.isNaN(entering)) this.sums.add(entering);
      if (this.sums.due(this.window)) this.sums.rebuild(this.sorted.view());
    } else {
      this.sorted.fill(baseline, index - this.window, index);
      this.sums.rebuild(this.sorted.view());
    }
    this.current = index;
  }

  usableCount(): number {
    return this.sorted.count;
  }

  estimate(): Estimate {
    const values = this.sorted.view();
    const { first, end } = keptSlice(values, this.hints);
    return this.reused.set(this.sums.spread(values, first, end, this.spread));
  }
}
