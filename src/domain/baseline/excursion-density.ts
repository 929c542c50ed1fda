/**
 * The excursion-density rule (off unless densityBand is set): many moderate excursions in a short
 * stretch, improbable under the baseline window's own rate of them.
 */
import { type DetectionSettings, densityPeriods } from "../detection.ts";
import type { BaselineEngine } from "./engine.ts";
import type { Grid } from "./grid.ts";
import { describeDuration, periodsBeyondWithin } from "./stretch.ts";

/**
 * The excursion-density rule's significance: it fires when a count of moderate excursions this
 * high, or higher, has less than this chance under the baseline window's own rate of them. One
 * fixed level for every metric (a metric is judged ~100,000 times a year at 5 minutes, and the rule
 * only runs on a period that is itself an excursion), not a fitted per-metric constant.
 */
export const DENSITY_SIGNIFICANCE = 1e-6;

export interface ExcursionDensity {
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
export function excursionDensity(
  settings: DetectionSettings,
  grid: Grid,
  index: number,
  expected: number,
  sigma: number,
  engine: BaselineEngine,
): ExcursionDensity | undefined {
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
