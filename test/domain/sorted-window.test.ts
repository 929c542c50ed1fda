/**
 * The optimised sliding window (a Float64Array with one memmove per slide, running sums) against a
 * naive reference that re-sorts the window from the grid and recomputes mean and σ for every
 * period, over random series with duplicates, gaps, spikes and long runs of one value.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Grid } from "../../src/domain/baseline/grid.ts";
import { MeanSdBaseline } from "../../src/domain/baseline/mean-sd.ts";
import { robustSpread } from "../../src/domain/baseline/robust-spread.ts";
import {
  boundNear,
  lowerBound,
  SortedFloat64,
  upperBound,
} from "../../src/domain/baseline/sorted-window.ts";

/** The window [index − window, index) of the grid, usable values only, sorted afresh. */
function naiveWindow(cells: readonly number[], index: number, window: number): number[] {
  return cells
    .slice(Math.max(0, index - window), index)
    .filter((value) => !Number.isNaN(value))
    .sort((a, b) => a - b);
}

/** Cells drawn from a small pool (duplicates), with gaps (NaN) and occasional spikes. */
const cellsArbitrary = (integers: boolean) =>
  fc.array(
    fc.oneof(
      { weight: 6, arbitrary: fc.integer({ min: 0, max: 12 }).map((v) => v * 1000) },
      {
        weight: 3,
        arbitrary: integers
          ? fc.integer({ min: 0, max: 2_000_000_000 })
          : fc.double({ min: -1e6, max: 1e9, noNaN: true }),
      },
      { weight: 1, arbitrary: fc.constant(Number.NaN) },
      { weight: 1, arbitrary: fc.constant(5e12) },
    ),
    { minLength: 1, maxLength: 400 },
  );

function gridOf(cells: number[]): Grid {
  return { start: 0, periodMs: 3_600_000, observed: cells, baseline: cells };
}

describe("SortedFloat64 (the sliding window's sorted view)", () => {
  it("holds exactly the re-sorted window after every slide", () => {
    fc.assert(
      fc.property(cellsArbitrary(false), fc.integer({ min: 1, max: 60 }), (cells, window) => {
        const sorted = new SortedFloat64(window);
        sorted.fill(cells, -window, 0);
        for (let index = 1; index <= cells.length; index++) {
          const leaving = cells[index - 1 - window] ?? Number.NaN;
          const entering = cells[index - 1] as number;
          if (Number.isNaN(leaving)) {
            if (!Number.isNaN(entering)) sorted.insert(entering);
          } else if (Number.isNaN(entering)) sorted.remove(leaving);
          else sorted.replace(leaving, entering);
          expect([...sorted.view()]).toEqual(naiveWindow(cells, index, window));
        }
      }),
      { numRuns: 200 },
    );
  });

  it("grows past its initial capacity and refuses to remove a value it does not hold", () => {
    const sorted = new SortedFloat64(1);
    for (const value of [5, 1, 3, 3, 9]) sorted.insert(value);
    expect([...sorted.view()]).toEqual([1, 3, 3, 5, 9]);
    expect(() => sorted.remove(4)).toThrow(/not in the window/);
    expect(() => sorted.replace(10, 2)).toThrow(/not in the window/);
  });
});

describe("MeanSdBaseline's sliding estimate", () => {
  it("matches a fresh sort and robustSpread of the window, period by period", () => {
    fc.assert(
      fc.property(cellsArbitrary(false), fc.integer({ min: 2, max: 60 }), (cells, window) => {
        const engine = new MeanSdBaseline(gridOf(cells), window);
        for (let index = 0; index < cells.length; index++) {
          engine.moveTo(index);
          const reference = naiveWindow(cells, index, window);
          expect(engine.usableCount()).toBe(reference.length);
          if (reference.length === 0) continue;
          const actual = engine.estimate();
          const expected = robustSpread(reference);
          expect(actual.periodsUsed).toBe(expected.kept);
          // Sums are rebuilt every `window` slides, so what adding and removing accumulated is
          // bounded by the largest value of the last two windows, not only of this one.
          const recent = cells.slice(Math.max(0, index - 2 * window + 1), index + 1);
          const scale = Math.max(
            1,
            ...recent.map((cell) => (Number.isNaN(cell) ? 0 : Math.abs(cell))),
          );
          expect(Math.abs(actual.expected - expected.mean)).toBeLessThanOrEqual(scale * 1e-12);
          expect(Math.abs(actual.sigma - expected.sigma)).toBeLessThanOrEqual(scale * 1e-7);
        }
      }),
      { numRuns: 150 },
    );
  });

  it("gives bit-identical figures whether it slid there or built the window afresh (integer counts)", () => {
    fc.assert(
      fc.property(cellsArbitrary(true), fc.integer({ min: 2, max: 60 }), (cells, window) => {
        const sliding = new MeanSdBaseline(gridOf(cells), window);
        for (let index = 0; index < cells.length; index++) {
          sliding.moveTo(index);
          if (sliding.usableCount() === 0) continue;
          const fresh = new MeanSdBaseline(gridOf(cells), window);
          fresh.moveTo(index);
          const a = sliding.estimate();
          const b = fresh.estimate();
          expect([a.expected, a.sigma, a.periodsUsed]).toEqual([
            b.expected,
            b.sigma,
            b.periodsUsed,
          ]);
        }
      }),
      { numRuns: 150 },
    );
  });
});

describe("boundNear (bounds searched from a guess)", () => {
  it("finds lowerBound and upperBound whatever the guess", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 20 }), { maxLength: 60 }),
        fc.integer({ min: -2, max: 22 }),
        fc.integer({ min: -5, max: 70 }),
        (unsorted, target, guess) => {
          const values = Float64Array.from(unsorted).sort();
          expect(boundNear(values, target, guess, false)).toBe(lowerBound(values, target));
          expect(boundNear(values, target, guess, true)).toBe(upperBound(values, target));
        },
      ),
      { numRuns: 500 },
    );
  });
});
