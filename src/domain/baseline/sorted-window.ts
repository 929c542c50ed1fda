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

/** An ascending multiset: the sliding window's sorted view (binary search + splice per change). */
export class SortedValues {
  values: number[] = [];

  /** Takes ownership of `sorted`, which must already be ascending. */
  replaceAll(sorted: number[]): void {
    this.values = sorted;
  }

  insert(value: number): void {
    this.values.splice(upperBound(this.values, value), 0, value);
  }

  remove(value: number): void {
    const index = lowerBound(this.values, value);
    if (this.values[index] !== value) throw new Error(`internal: ${value} is not in the window`);
    this.values.splice(index, 1);
  }
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
