/** Counting periods beyond a threshold over a stretch up to the judged one, and naming periods and stretches. */

const SECONDS_PER_DAY = 86_400;

/**
 * The confirmation count: periods among the last `window` up to `index` (this one included) beyond
 * `threshold` on the same side. With `window` = confirmPeriods this is "in a row".
 */
export function periodsBeyondWithin(
  observed: readonly number[],
  index: number,
  window: number,
  above: boolean,
  threshold: number,
): number {
  let count = 0;
  for (let cell = index; cell >= 0 && cell > index - window; cell--) {
    const value = observed[cell] as number;
    if (above ? value > threshold : value < threshold) count++;
  }
  return count;
}

/** Periods in a row up to `index` (at most `wanted`) beyond `threshold` on the same side. */
export function periodsBeyondInARow(
  observed: readonly number[],
  index: number,
  wanted: number,
  above: boolean,
  threshold: number,
): number {
  let count = 0;
  for (let cell = index; cell >= 0 && count < wanted; cell--) {
    const value = observed[cell] as number;
    if (Number.isNaN(value) || (above ? !(value > threshold) : !(value < threshold))) break;
    count++;
  }
  return count;
}

/** 21600 → "6 h", 86400 → "1 d", 600 → "10 min". */
export function describeDuration(seconds: number): string {
  if (seconds % SECONDS_PER_DAY === 0) return `${seconds / SECONDS_PER_DAY} d`;
  if (seconds % 3600 === 0) return `${seconds / 3600} h`;
  return `${Math.round(seconds / 60)} min`;
}

/** 3600 → "hourly", 86400 → "daily", 300 → "5-minute". */
export function describePeriod(periodSeconds: number): string {
  if (periodSeconds === SECONDS_PER_DAY) return "daily";
  if (periodSeconds === 3600) return "hourly";
  if (periodSeconds % SECONDS_PER_DAY === 0) return `${periodSeconds / SECONDS_PER_DAY}-day`;
  if (periodSeconds % 3600 === 0) return `${periodSeconds / 3600}-hour`;
  if (periodSeconds % 60 === 0) return `${periodSeconds / 60}-minute`;
  return `${periodSeconds}-second`;
}
