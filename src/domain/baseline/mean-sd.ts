import type { BaselineEngine, Estimate } from "./engine.ts";
import { outlierNote } from "./engine.ts";
import type { Grid } from "./grid.ts";
import { robustSpread } from "./robust-spread.ts";
import { SortedValues, usableValues } from "./sorted-window.ts";

export function meanSdEstimate(sorted: number[], note = ""): Estimate {
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
export class MeanSdBaseline implements BaselineEngine {
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
