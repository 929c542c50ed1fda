/**
 * Seeded, deterministic synthetic metric histories for tests, the local sandbox and benchmarks.
 * Same options + same seed → the same points, on every machine. Calendar maths is UTC.
 */
import type { DataPoint } from "../src/domain/metric.ts";

const MS_PER_HOUR = 3_600_000;
const SECONDS_PER_DAY = 86_400;

/** mulberry32: a tiny 32-bit seeded PRNG returning floats in [0, 1). Good enough for test data, not for crypto. */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Standard normal sample from two uniforms (Box–Muller). */
function gaussian(random: () => number): number {
  const u1 = Math.max(random(), Number.MIN_VALUE);
  const u2 = random();
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

export interface SyntheticSeriesOptions {
  /** Epoch ms of the first period start. */
  start: number;
  /** How many consecutive periods (points) to generate. */
  periods: number;
  periodSeconds: number;
  /** Typical value per period (before the daily and weekly shape). */
  base: number;
  /** Daily swing as a fraction of base, cosine-shaped with its peak at 14:00 UTC (ignored for daily periods). */
  dailyAmplitude?: number;
  /** Multiplier applied on Saturdays and Sundays (UTC), e.g. 0.3. */
  weekendFactor?: number;
  /** Relative gaussian noise: each value is multiplied by (1 + noise · N(0, 1)), never below 0. */
  noise?: number;
  seed?: number;
  /** Probability that a period is exactly 0 (mostly-zero metrics: 0.95). */
  zeroProbability?: number;
}

/** A deterministic synthetic history: one point per period, ascending, no gaps (use withoutPeriods for gaps). */
export function syntheticSeries(options: SyntheticSeriesOptions): DataPoint[] {
  const {
    start,
    periods,
    periodSeconds,
    base,
    dailyAmplitude = 0,
    weekendFactor = 1,
    noise = 0,
    seed = 1,
    zeroProbability = 0,
  } = options;
  if (!Number.isInteger(periods) || periods < 0) {
    throw new RangeError(`periods must be an integer ≥ 0, got ${periods}`);
  }
  if (!(periodSeconds > 0)) throw new RangeError(`periodSeconds must be > 0, got ${periodSeconds}`);

  const random = mulberry32(seed);
  const periodMs = periodSeconds * 1000;
  const points: DataPoint[] = [];
  for (let index = 0; index < periods; index++) {
    const timestamp = start + index * periodMs;
    // Always draw the same three numbers per period so options never shift the random stream.
    const zeroDraw = random();
    const wiggle = gaussian(random);

    let value = base;
    if (periodSeconds < SECONDS_PER_DAY && dailyAmplitude !== 0) {
      const hourOfDay = (((timestamp / MS_PER_HOUR) % 24) + 24) % 24;
      value *= 1 + dailyAmplitude * Math.cos((2 * Math.PI * (hourOfDay - 14)) / 24);
    }
    const weekday = new Date(timestamp).getUTCDay();
    if (weekday === 0 || weekday === 6) value *= weekendFactor;
    value = Math.max(0, value * (1 + noise * wiggle));
    if (zeroDraw < zeroProbability) value = 0;
    points.push({ timestamp, value });
  }
  return points;
}

/**
 * The period length of `points`: `periodSeconds` when given, else the smallest gap between consecutive
 * timestamps (a gap-free stretch exists in any realistic history).
 */
function periodMsOf(points: readonly DataPoint[], periodSeconds: number | undefined): number {
  if (periodSeconds !== undefined) {
    if (!(periodSeconds > 0))
      throw new RangeError(`periodSeconds must be > 0, got ${periodSeconds}`);
    return periodSeconds * 1000;
  }
  const timestamps = points.map((p) => p.timestamp).sort((a, b) => a - b);
  let smallest = Number.POSITIVE_INFINITY;
  for (let index = 1; index < timestamps.length; index++) {
    const gap = (timestamps[index] as number) - (timestamps[index - 1] as number);
    if (gap > 0 && gap < smallest) smallest = gap;
  }
  if (!Number.isFinite(smallest)) {
    throw new Error(
      "cannot infer the period from fewer than two distinct timestamps: pass periodSeconds",
    );
  }
  return smallest;
}

/** New array where values in [fromTimestamp, fromTimestamp + periods · period) are multiplied by `factor`. */
export function withBurst(
  points: readonly DataPoint[],
  fromTimestamp: number,
  periods: number,
  factor: number,
  periodSeconds?: number,
): DataPoint[] {
  const end = fromTimestamp + periods * periodMsOf(points, periodSeconds);
  return points.map((p) =>
    p.timestamp >= fromTimestamp && p.timestamp < end
      ? { ...p, value: p.value * factor }
      : { ...p },
  );
}

/** New array with the point at `timestamp` set to `value` (inserted in order when there was none). */
export function withValue(
  points: readonly DataPoint[],
  timestamp: number,
  value: number,
): DataPoint[] {
  const result = points.map((p) => (p.timestamp === timestamp ? { timestamp, value } : { ...p }));
  if (!points.some((p) => p.timestamp === timestamp)) {
    result.push({ timestamp, value });
    result.sort((a, b) => a.timestamp - b.timestamp);
  }
  return result;
}

/** New array without the points in [fromTimestamp, fromTimestamp + periods · period): CloudWatch gaps. */
export function withoutPeriods(
  points: readonly DataPoint[],
  fromTimestamp: number,
  periods: number,
  periodSeconds?: number,
): DataPoint[] {
  const end = fromTimestamp + periods * periodMsOf(points, periodSeconds);
  return points
    .filter((p) => p.timestamp < fromTimestamp || p.timestamp >= end)
    .map((p) => ({ ...p }));
}
