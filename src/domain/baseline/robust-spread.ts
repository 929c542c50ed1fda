import {
  mean,
  medianAbsoluteDeviation,
  medianSorted,
  sampleStandardDeviation,
} from "simple-statistics";
import { boundNear, lowerBound, upperBound } from "./sorted-window.ts";

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
export const OUTLIER_ROBUST_Z = 6;
/** MAD × 1.4826 estimates σ for normally distributed data. */
export const MAD_TO_SIGMA = 1.4826;
const MAX_OUTLIER_FRACTION = 0.02;
const MIN_POINTS_FOR_OUTLIER_RULE = 20;

/**
 * Two exact shortcuts that spare the MAD (a copy and two selections) for most windows:
 *  - "none": provably no value is beyond the cutoff. Let t be the farthest value's distance from the median
 *    divided by the cutoff factor; if at most ⌊(n − 1)/2⌋ values lie strictly within t of the median, the
 *    MAD is ≥ t, so every value is within the cutoff.
 *  - "mad-zero": at least ⌊n/2⌋ + 1 values equal the median, so the MAD is 0 (flat and mostly-zero windows).
 *  - "unknown": compute the MAD.
 */
function outlierShortcut(
  sorted: ArrayLike<number>,
  center: number,
  hints: SliceHints | undefined,
): "none" | "mad-zero" | "unknown" {
  const count = sorted.length;
  const farthest = Math.max(center - (sorted[0] as number), (sorted[count - 1] as number) - center);
  if (farthest === 0) return "mad-zero";
  const t = farthest / (OUTLIER_ROBUST_Z * MAD_TO_SIGMA);
  let within: number;
  if (hints) {
    hints.above = boundNear(sorted, center + t, hints.above, false);
    hints.below = boundNear(sorted, center - t, hints.below, true);
    within = hints.above - hints.below;
  } else {
    within = lowerBound(sorted, center + t) - upperBound(sorted, center - t);
  }
  if (within <= (count - 1) >> 1) return "none";
  if (upperBound(sorted, center) - lowerBound(sorted, center) >= (count >> 1) + 1)
    return "mad-zero";
  return "unknown";
}

/**
 * Where keptSlice last found the bounds of its shortcut in a sliding window: the next period's
 * search starts there (see boundNear). Same results as without; one per sliding window.
 */
export class SliceHints {
  below = 0;
  above = 0;
}

export interface Spread {
  mean: number;
  /** Sample standard deviation of the kept values (0 with fewer than two). */
  sigma: number;
  kept: number;
  leftOut: number;
}

/**
 * Which values of an ASCENDING array the isolated-outlier rule (top of this file) keeps: the slice
 * [first, end). Exported for the running-sums path of `mean-sd`.
 */
export function keptSlice(
  sorted: ArrayLike<number>,
  hints?: SliceHints,
): { first: number; end: number } {
  const count = sorted.length;
  if (count >= MIN_POINTS_FOR_OUTLIER_RULE) {
    // simple-statistics only reads length and indexes: a Float64Array view works as is.
    const center = medianSorted(sorted as number[]);
    if (outlierShortcut(sorted, center, hints) === "unknown") {
      const mad = medianAbsoluteDeviation(sorted as number[]);
      if (mad > 0) {
        const cutoff = OUTLIER_ROBUST_Z * MAD_TO_SIGMA * mad;
        const keptFirst = lowerBound(sorted, center - cutoff);
        const keptEnd = upperBound(sorted, center + cutoff);
        const outliers = keptFirst + (count - keptEnd);
        const allowed = Math.max(1, Math.floor(count * MAX_OUTLIER_FRACTION));
        if (outliers > 0 && outliers <= allowed) return { first: keptFirst, end: keptEnd };
      }
    }
  }
  return { first: 0, end: count };
}

/**
 * Mean and sample σ of an ASCENDING array after leaving out isolated outliers (the rule at the top of this
 * file). Exported for tests.
 */
export function robustSpread(sorted: readonly number[] | Float64Array): Spread {
  const count = sorted.length;
  const { first, end } = keptSlice(sorted);
  // simple-statistics only reads length and indexes: a Float64Array view works as is.
  const kept = (first === 0 && end === count ? sorted : sorted.slice(first, end)) as number[];
  return {
    mean: mean(kept),
    sigma: kept.length >= 2 ? sampleStandardDeviation(kept) : 0,
    kept: kept.length,
    leftOut: count - kept.length,
  };
}
