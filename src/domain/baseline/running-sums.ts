/**
 * Count, sum and sum of squares of a sliding window, updated in O(1) per period, so `mean-sd` does
 * not re-read its whole window (720 values hourly) for every judged period: a 90-day backtest judges
 * 2,160 periods per metric.
 *
 * Numerics. Sums are kept as double-doubles (a value and its rounding error, Knuth's TwoSum and
 * Dekker's TwoProduct), and squares are taken around a shift (the window's middle value when the
 * sums were last rebuilt), so a large level with a small spread (bytes ≈ 1e9 ± 1e3) keeps its
 * digits. For integer values — CloudWatch byte and call counts — every sum is then exact, and so is
 * n·Σd² − (Σd)², which does not depend on the shift: mean and σ come out bit-identical whatever the
 * path that led to the window. Detect, which builds its window a few periods back, and a backtest
 * that slid there for weeks give the same numbers. For other values the sums are rebuilt every
 * `window` slides, which bounds what adding and removing can accumulate.
 */
import type { Spread } from "./robust-spread.ts";

/** An unevaluated sum hi + lo with |lo| ≤ ulp(hi) / 2. */
class DoubleDouble {
  hi = 0;
  lo = 0;

  clear(): void {
    this.hi = 0;
    this.lo = 0;
  }

  set(value: DoubleDouble): void {
    this.hi = value.hi;
    this.lo = value.lo;
  }

  /** Adds hi + lo (TwoSum, then renormalise). */
  add(hi: number, lo: number): void {
    const sum = this.hi + hi;
    const virtual = sum - this.hi;
    const error = this.hi - (sum - virtual) + (hi - virtual);
    const low = this.lo + lo + error;
    this.hi = sum + low;
    this.lo = low - (this.hi - sum);
  }
}

const SPLITTER = 134_217_729; // 2^27 + 1

/** The rounding error of a·a (Dekker): a·a = (a·a) + squareError(a) exactly. */
function squareError(a: number, square: number): number {
  const c = SPLITTER * a;
  const high = c - (c - a);
  const low = a - high;
  return high * high - square + 2 * high * low + low * low;
}

export class RunningSums {
  private count = 0;
  private shift = 0;
  private readonly sum = new DoubleDouble();
  /** Σ(x − shift) and Σ(x − shift)². */
  private readonly shifted = new DoubleDouble();
  private readonly squares = new DoubleDouble();
  private slides = 0;
  private readonly scratchSum = new DoubleDouble();
  private readonly scratchShifted = new DoubleDouble();
  private readonly scratchSquares = new DoubleDouble();

  /** Recomputes the sums of `sorted` (the whole window), shifting around its middle value. */
  rebuild(sorted: ArrayLike<number>): void {
    this.shift = sorted.length > 0 ? (sorted[sorted.length >> 1] as number) : 0;
    this.count = 0;
    this.sum.clear();
    this.shifted.clear();
    this.squares.clear();
    for (let index = 0; index < sorted.length; index++) this.add(sorted[index] as number);
    this.slides = 0;
  }

  /** True when the sums have slid a whole window since they were rebuilt. */
  due(window: number): boolean {
    return ++this.slides >= window;
  }

  add(value: number): void {
    this.change(value, 1);
  }

  remove(value: number): void {
    this.change(value, -1);
  }

  private change(value: number, sign: 1 | -1): void {
    const d = value - this.shift;
    const square = d * d;
    this.count += sign;
    this.sum.add(sign * value, 0);
    this.shifted.add(sign * d, 0);
    this.squares.add(sign * square, sign * squareError(d, square));
  }

  /**
   * Mean and sample σ of the window without the values outside sorted[first, end) (the outliers
   * the robust rule leaves out); `sorted` is the window these sums describe. The window's own sums
   * are left as they are: the outliers come off copies (fields, so a judged period allocates
   * nothing here); the result is written into `into`.
   */
  spread(sorted: ArrayLike<number>, first: number, end: number, into: Spread): Spread {
    const sum = this.scratchSum;
    const shifted = this.scratchShifted;
    const squares = this.scratchSquares;
    sum.set(this.sum);
    shifted.set(this.shifted);
    squares.set(this.squares);
    for (let index = 0; index < first; index++) this.leaveOut(sorted[index] as number);
    for (let index = end; index < sorted.length; index++) this.leaveOut(sorted[index] as number);
    const count = this.count - first - (sorted.length - end);
    const mean = count > 0 ? (sum.hi + sum.lo) / count : Number.NaN;
    let variance = 0;
    if (count >= 2) {
      // n·Σd² − (Σd)², exact for integer values: TwoProduct of Σd, TwoSum of the highs.
      const n = count;
      const s1 = shifted.hi + shifted.lo;
      const s1Square = s1 * s1;
      const s1SquareError = squareError(s1, s1Square);
      const a = n * squares.hi;
      const aError = productError(n, squares.hi, a) + n * squares.lo;
      const high = a - s1Square;
      const virtual = high - a;
      const highError = a - (high - virtual) + (-s1Square - virtual);
      const numerator = high + (highError + aError - s1SquareError);
      variance = Math.max(0, numerator / (n * (n - 1)));
    }
    into.mean = mean;
    into.sigma = Math.sqrt(variance);
    into.kept = count;
    into.leftOut = sorted.length - count;
    return into;
  }

  /** remove(value) on the scratch copies. */
  private leaveOut(value: number): void {
    const d = value - this.shift;
    const square = d * d;
    this.scratchSum.add(-value, 0);
    this.scratchShifted.add(-d, 0);
    this.scratchSquares.add(-square, -squareError(d, square));
  }
}

/** The rounding error of n·b (Dekker's TwoProduct), given product = n·b rounded. */
function productError(n: number, b: number, product: number): number {
  const cn = SPLITTER * n;
  const nHigh = cn - (cn - n);
  const nLow = n - nHigh;
  const cb = SPLITTER * b;
  const bHigh = cb - (cb - b);
  const bLow = b - bHigh;
  return nHigh * bHigh - product + nHigh * bLow + nLow * bHigh + nLow * bLow;
}
