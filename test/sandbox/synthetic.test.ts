import { mean } from "simple-statistics";
import { describe, expect, it } from "vitest";
import {
  mulberry32,
  syntheticSeries,
  withBurst,
  withoutPeriods,
  withValue,
} from "../../sandbox/synthetic.ts";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Monday 2025-06-02 00:00 UTC. */
const MONDAY = Date.UTC(2025, 5, 2);

describe("mulberry32", () => {
  it("is deterministic per seed and differs between seeds", () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const c = mulberry32(43);
    const fromA = Array.from({ length: 5 }, a);
    expect(Array.from({ length: 5 }, b)).toEqual(fromA);
    expect(Array.from({ length: 5 }, c)).not.toEqual(fromA);
  });

  it("returns floats in [0, 1) spread over the interval", () => {
    const random = mulberry32(1);
    const draws = Array.from({ length: 10_000 }, random);
    expect(Math.min(...draws)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...draws)).toBeLessThan(1);
    expect(mean(draws)).toBeCloseTo(0.5, 1);
  });
});

describe("syntheticSeries", () => {
  const week = {
    start: MONDAY,
    periods: 7 * 24,
    periodSeconds: 3600,
    base: 1000,
    dailyAmplitude: 0.5,
    weekendFactor: 0.3,
  };

  it("produces one point per period, ascending, starting at `start`", () => {
    const points = syntheticSeries(week);
    expect(points).toHaveLength(168);
    expect(points[0]?.timestamp).toBe(MONDAY);
    expect(points[167]?.timestamp).toBe(MONDAY + 167 * HOUR);
    expect(points.map((p) => p.timestamp)).toEqual(points.map((_, i) => MONDAY + i * HOUR));
  });

  it("is deterministic for a seed, and the seed changes the noise", () => {
    const noisy = { ...week, noise: 0.1 };
    expect(syntheticSeries({ ...noisy, seed: 7 })).toEqual(syntheticSeries({ ...noisy, seed: 7 }));
    expect(syntheticSeries({ ...noisy, seed: 7 })).not.toEqual(
      syntheticSeries({ ...noisy, seed: 8 }),
    );
  });

  it("peaks at 14:00 UTC and bottoms at 02:00 UTC without noise", () => {
    const points = syntheticSeries(week);
    const monday = points.slice(0, 24).map((p) => p.value);
    expect(monday.indexOf(Math.max(...monday))).toBe(14);
    expect(monday.indexOf(Math.min(...monday))).toBe(2);
    expect(monday[14]).toBeCloseTo(1500, 6);
    expect(monday[2]).toBeCloseTo(500, 6);
  });

  it("applies the weekend factor on Saturday and Sunday (UTC)", () => {
    const points = syntheticSeries(week);
    const fridayPeak = points[4 * 24 + 14]?.value as number;
    const saturdayPeak = points[5 * 24 + 14]?.value as number;
    const sundayPeak = points[6 * 24 + 14]?.value as number;
    expect(saturdayPeak).toBeCloseTo(fridayPeak * 0.3, 6);
    expect(sundayPeak).toBeCloseTo(fridayPeak * 0.3, 6);
  });

  it("adds relative noise around the shape, never below zero", () => {
    const points = syntheticSeries({
      start: MONDAY,
      periods: 5000,
      periodSeconds: 3600,
      base: 1000,
      noise: 0.1,
      seed: 3,
    });
    const values = points.map((p) => p.value);
    expect(mean(values)).toBeGreaterThan(990);
    expect(mean(values)).toBeLessThan(1010);
    expect(Math.max(...values)).toBeGreaterThan(1200);
    expect(Math.min(...values)).toBeGreaterThanOrEqual(0);
  });

  it("makes mostly-zero metrics with zeroProbability", () => {
    const points = syntheticSeries({
      start: MONDAY,
      periods: 2000,
      periodSeconds: 3600,
      base: 50,
      zeroProbability: 0.95,
      seed: 4,
    });
    const zeros = points.filter((p) => p.value === 0).length / points.length;
    expect(zeros).toBeGreaterThan(0.93);
    expect(zeros).toBeLessThan(0.97);
  });

  it("ignores the daily shape for daily periods", () => {
    const points = syntheticSeries({
      start: MONDAY,
      periods: 5,
      periodSeconds: 86400,
      base: 7,
      dailyAmplitude: 0.5,
    });
    expect(points.map((p) => p.value)).toEqual([7, 7, 7, 7, 7]);
    expect(points[4]?.timestamp).toBe(MONDAY + 4 * DAY);
  });

  it("rejects a negative or fractional period count", () => {
    expect(() => syntheticSeries({ ...week, periods: -1 })).toThrow(RangeError);
    expect(() => syntheticSeries({ ...week, periods: 1.5 })).toThrow(RangeError);
  });
});

describe("withBurst / withValue / withoutPeriods", () => {
  const points = syntheticSeries({ start: MONDAY, periods: 10, periodSeconds: 3600, base: 100 });

  it("withBurst multiplies exactly the given periods and leaves the input alone", () => {
    const burst = withBurst(points, MONDAY + 3 * HOUR, 2, 5);
    expect(burst.map((p) => p.value)).toEqual([100, 100, 100, 500, 500, 100, 100, 100, 100, 100]);
    expect(points.every((p) => p.value === 100)).toBe(true);
    expect(burst).not.toBe(points);
  });

  it("withBurst accepts an explicit period for sparse series", () => {
    const sparse = [points[0], points[5]].filter((p) => p !== undefined);
    expect(() => withBurst([points[0] as (typeof points)[0]], MONDAY, 1, 2)).toThrow(/period/);
    expect(withBurst(sparse, MONDAY + 5 * HOUR, 1, 3, 3600).map((p) => p.value)).toEqual([
      100, 300,
    ]);
  });

  it("withValue replaces a point or inserts it in time order", () => {
    const replaced = withValue(points, MONDAY + HOUR, 7);
    expect(replaced[1]).toEqual({ timestamp: MONDAY + HOUR, value: 7 });
    expect(points[1]?.value).toBe(100);

    const gapped = withoutPeriods(points, MONDAY + 4 * HOUR, 1);
    const inserted = withValue(gapped, MONDAY + 4 * HOUR, 9);
    expect(inserted).toHaveLength(10);
    expect(inserted[4]).toEqual({ timestamp: MONDAY + 4 * HOUR, value: 9 });
  });

  it("withoutPeriods removes the given periods to make CloudWatch-style gaps", () => {
    const gapped = withoutPeriods(points, MONDAY + 2 * HOUR, 3);
    expect(gapped.map((p) => (p.timestamp - MONDAY) / HOUR)).toEqual([0, 1, 5, 6, 7, 8, 9]);
    expect(points).toHaveLength(10);
  });
});
