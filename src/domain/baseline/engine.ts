/** What every baseline engine (mean-sd, seasonal, robust) provides to the judge. */

/** Keeps the effective σ above 0 so z stays finite (a flat all-zero baseline with every floor at 0). */
export const SIGMA_EPSILON = 1e-9;

export interface Estimate {
  expected: number;
  /** Raw σ before floors. */
  sigma: number;
  /**
   * The window's seenBefore-th largest deviation above (tailUp) and below (tailDown) the expected
   * value, in the metric's unit (≥ 0), measured the way the engine measures its residuals: how far
   * this metric's ordinary bursts go. Absent (0) when the rule is off or the engine has no tail.
   */
  tailUp?: number;
  tailDown?: number;
  /** The window's extremeSeenBefore-th largest deviation on each side, measured like the tail. */
  extremeUp?: number;
  extremeDown?: number;
  /** Baseline periods the statistics were computed from (usable minus outliers left out). */
  periodsUsed: number;
  /** How the estimate was made, for the why-line: "mean-sd over 720 hourly periods". */
  basis: (periodWord: string) => string;
}

export interface BaselineEngine {
  /** Slides the window to the `window` cells before `index` (cheap when index is the previous one + 1). */
  moveTo(index: number): void;
  /** Usable baseline periods in the current window. */
  usableCount(): number;
  /**
   * Only called when usableCount() ≥ max(1, minHistoryPeriods). The estimate may be one object the
   * engine reuses: read it before the next moveTo or estimate (the judge does; a replay judges
   * millions of periods and allocates nothing for them but their verdicts).
   */
  estimate(index: number): Estimate;
  /**
   * Usable values of the raw window strictly above (`above`) or below `threshold`, in O(log n) —
   * the window's own count of excursions beyond a band. Only engines with a sorted raw window have it.
   */
  countBeyond?(threshold: number, above: boolean): number;
}

export function outlierNote(leftOut: number): string {
  if (leftOut === 0) return "";
  return `, ${leftOut} outlier${leftOut === 1 ? "" : "s"} left out`;
}
