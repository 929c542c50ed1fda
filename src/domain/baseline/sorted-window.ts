/** The sliding window's sorted view and the helpers that build it. */

/** First index whose value is ≥ target (values ascending). */
export function lowerBound(values: ArrayLike<number>, target: number): number {
  let low = 0;
  let high = values.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((values[middle] as number) < target) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** First index whose value is > target (values ascending). */
export function upperBound(values: ArrayLike<number>, target: number): number {
  let low = 0;
  let high = values.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((values[middle] as number) <= target) low = middle + 1;
    else high = middle;
  }
  return low;
}

/**
 * lowerBound (`upper` false) or upperBound (`upper` true) searched outwards from `guess`: the same
 * index in a few comparisons when the guess is near, as a sliding window's bounds are from one
 * period to the next (they move a slot or two), instead of a full binary search each time.
 */
export function boundNear(
  values: ArrayLike<number>,
  target: number,
  guess: number,
  upper: boolean,
): number {
  const count = values.length;
  // before(i): values[i] lies before the answer (< target, or ≤ target for upperBound).
  let low: number;
  let high: number;
  let probe = Math.min(Math.max(0, guess), count);
  let step = 1;
  if (
    probe < count &&
    (upper ? (values[probe] as number) <= target : (values[probe] as number) < target)
  ) {
    low = probe + 1;
    probe = low;
    while (
      probe < count &&
      (upper ? (values[probe] as number) <= target : (values[probe] as number) < target)
    ) {
      low = probe + 1;
      probe += step;
      step *= 2;
    }
    high = Math.min(probe, count);
  } else {
    high = probe;
    probe--;
    while (
      probe >= 0 &&
      !(upper ? (values[probe] as number) <= target : (values[probe] as number) < target)
    ) {
      high = probe;
      probe -= step;
      step *= 2;
    }
    low = Math.max(0, probe + 1);
  }
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (upper ? (values[middle] as number) <= target : (values[middle] as number) < target)
      low = middle + 1;
    else high = middle;
  }
  return low;
}

/**
 * An ascending multiset in a Float64Array — the sliding window of `mean-sd` and `robust`, and the residuals of `seasonal`. A slide
 * (one value leaves, one enters) is one binary search each and a single memmove of the values
 * between the two positions, not a remove and an insert of the whole tail; no allocation per slide.
 */
export class SortedFloat64 {
  private values: Float64Array;
  count = 0;
  /** subarray(0, count), kept while count and the buffer stay the same (most slides): reserve() resets it. */
  private cachedView: Float64Array;

  constructor(capacity: number) {
    this.values = new Float64Array(Math.max(1, capacity));
    this.cachedView = this.values.subarray(0, 0);
  }

  clear(): void {
    this.count = 0;
  }

  /** The sorted values, [0, count): valid until the next change. */
  view(): Float64Array {
    if (this.cachedView.length !== this.count) {
      this.cachedView = this.values.subarray(0, this.count);
    }
    return this.cachedView;
  }

  /** Replaces the contents with the non-NaN values of cells [first, end) of `cells`, sorted. */
  fill(cells: ArrayLike<number>, first: number, end: number): void {
    this.count = 0;
    this.reserve(Math.max(0, end - first));
    for (let index = Math.max(0, first); index < end; index++) {
      const value = cells[index] as number;
      if (!Number.isNaN(value)) this.values[this.count++] = value;
    }
    // Numeric and native on a Float64Array: no comparator.
    this.values.subarray(0, this.count).sort();
  }

  insert(value: number): void {
    this.reserve(this.count + 1);
    const at = upperBoundIn(this.values, this.count, value);
    this.values.copyWithin(at + 1, at, this.count);
    this.values[at] = value;
    this.count++;
  }

  remove(value: number): void {
    const at = lowerBoundIn(this.values, this.count, value);
    if (this.values[at] !== value || at >= this.count) {
      throw new Error(`internal: ${value} is not in the window`);
    }
    this.values.copyWithin(at, at + 1, this.count);
    this.count--;
  }

  /**
   * remove(leaving) then insert(entering) in one move: only the values between the two positions
   * shift by one. Same contents as the two calls.
   */
  replace(leaving: number, entering: number): void {
    const values = this.values;
    const from = lowerBoundIn(values, this.count, leaving);
    if (values[from] !== leaving || from >= this.count) {
      throw new Error(`internal: ${leaving} is not in the window`);
    }
    if (entering >= leaving) {
      // The slot of `leaving` moves right: values in (from, to) shift one left.
      const to = upperBoundIn(values, this.count, entering);
      values.copyWithin(from, from + 1, to);
      values[to - 1] = entering;
    } else {
      // It moves left: values in [to, from) shift one right.
      const to = upperBoundIn(values, from, entering);
      values.copyWithin(to + 1, to, from);
      values[to] = entering;
    }
  }

  /** The rank-th smallest value (0-based); only when 0 ≤ rank < count. */
  at(rank: number): number {
    return this.values[rank] as number;
  }

  /** Linear-interpolated quantile, p in [0, 1]; only when count ≥ 1. */
  quantile(p: number): number {
    const position = p * (this.count - 1);
    const below = Math.floor(position);
    const low = this.values[below] as number;
    if (below + 1 >= this.count) return low;
    return low + (position - below) * ((this.values[below + 1] as number) - low);
  }

  private reserve(capacity: number): void {
    if (capacity <= this.values.length) return;
    const grown = new Float64Array(Math.max(capacity, this.values.length * 2));
    grown.set(this.values.subarray(0, this.count));
    this.values = grown;
    this.cachedView = grown.subarray(0, 0);
  }
}

/** lowerBound over values[0, count). */
function lowerBoundIn(values: Float64Array, count: number, target: number): number {
  let low = 0;
  let high = count;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((values[middle] as number) < target) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** upperBound over values[0, count). */
function upperBoundIn(values: Float64Array, count: number, target: number): number {
  let low = 0;
  let high = count;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((values[middle] as number) <= target) low = middle + 1;
    else high = middle;
  }
  return low;
}

/**
 * Scratch buffer for sorting, reused across calls (everything here is synchronous and nothing escapes):
 * sorting a Float64Array is numeric and native, ~5× faster than Array#sort with a comparator, and a fresh
 * typed array per call would cost more in garbage collection than the sort itself.
 */
let sortScratch = new Float64Array(1024);

export function scratchOf(size: number): Float64Array {
  if (size > sortScratch.length) sortScratch = new Float64Array(size * 2);
  return sortScratch;
}

/** Sorted usable values of cells [first, end): (re)builds a window from scratch. */
export function usableValues(values: readonly number[], first: number, end: number): number[] {
  const from = Math.max(0, first);
  const scratch = scratchOf(end - from);
  let count = 0;
  for (let index = from; index < end; index++) {
    const value = values[index] as number;
    if (!Number.isNaN(value)) scratch[count++] = value;
  }
  const sorted = scratch.subarray(0, count).sort();
  const result: number[] = new Array<number>(count);
  for (let index = 0; index < count; index++) result[index] = sorted[index] as number;
  return result;
}
