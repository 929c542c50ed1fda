import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  isSameAs,
  packBand,
  packDeduplicated,
  packSeries,
  unpackBand,
  unpackSeries,
} from "../../src/report/series-codec.ts";

/** Metric-like magnitudes (subnormal doubles have no 4 significant digits to keep). */
const value = (min: number, max: number) =>
  fc.double({ min, max, noNaN: true }).filter((v) => v === 0 || Math.abs(v) >= 1e-200);

const line = fc.array(
  fc.oneof(
    { weight: 9, arbitrary: value(-1e12, 1e12) },
    { weight: 1, arbitrary: fc.constant(Number.NaN) },
  ),
  { maxLength: 200 },
);

/** Within 4 significant digits of the series' largest finite value; null where it had none. */
function expectClose(actual: Array<number | null>, exact: number[]): void {
  const largest = Math.max(0, ...exact.filter(Number.isFinite).map(Math.abs));
  expect(actual).toHaveLength(exact.length);
  exact.forEach((v, i) => {
    if (Number.isFinite(v))
      expect(Math.abs((actual[i] as number) - v)).toBeLessThanOrEqual(largest / 1000);
    else expect(actual[i]).toBeNull();
  });
}

describe("series codec", () => {
  it("keeps 4 significant digits of the largest value, and gaps as null", () => {
    fc.assert(fc.property(line, (values) => expectClose(unpackSeries(packSeries(values)), values)));
  });

  it("a band comes back at its own precision from its residual to expected + k·σ", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(value(0, 1e9), value(0, 1e8)), { maxLength: 200 }),
        fc.double({ min: 0.5, max: 12, noNaN: true }),
        value(-1e6, 1e6),
        (points, k, offset) => {
          const expected = unpackSeries(packSeries(points.map(([e]) => e)));
          const sigma = unpackSeries(packSeries(points.map(([, s]) => s)));
          // The exact band, with an offset the residual must carry (a floor, another formula).
          const band = points.map(([e, s]) => e + k * s + offset);
          expectClose(unpackBand(packBand(band, k, expected, sigma), expected, sigma), band);
        },
      ),
    );
  });

  it("a band that is exactly expected + k·σ costs a run of zeros", () => {
    const expected = [100, 120, 140, 160];
    const sigma = [10, 11, 12, 13];
    const packed = packBand(
      expected.map((e, i) => e + 3 * (sigma[i] as number)),
      3,
      expected,
      sigma,
    );
    expect(packed.r.d).toEqual([0, 0, 0, 0]);
    expect(unpackBand({ k: -3, r: packSeries([null, 1, 1, 1], 0) }, expected, sigma)).toEqual([
      null,
      88,
      105,
      122,
    ]);
  });

  it("a series identical to an earlier one travels as a reference to the first", () => {
    const packed = packDeduplicated([
      [1, 2, 3],
      [1, 2, 4],
      [1, 2, 3],
      [1, 2, 4],
    ]);
    expect(packed.map((p) => (isSameAs(p) ? p.same : "own"))).toEqual(["own", "own", 0, 1]);
  });
});
