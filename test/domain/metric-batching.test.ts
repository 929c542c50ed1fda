import { describe, expect, it } from "vitest";
import {
  BYTES_PER_COLUMN_POINT,
  chunkMetricsForBudget,
  MAX_DATAPOINTS_PER_CALL,
  MAX_QUERIES_PER_CALL,
  metricsPerCall,
  minimumCalls,
  planBatches,
  planFetchBatches,
  pointsInRange,
} from "../../src/domain/metric-batching.ts";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Every plan must cover each metric exactly once, in order, within both API limits. */
function expectValidPlan(groups: number[][], metricCount: number, points: number) {
  const flat = groups.flat();
  expect(flat.length).toBe(metricCount);
  expect(flat.every((index, position) => index === position)).toBe(true);
  const sizes = groups.map((group) => group.length);
  if (sizes.length === 0) return;
  expect(Math.min(...sizes)).toBeGreaterThan(0);
  expect(Math.max(...sizes)).toBeLessThanOrEqual(MAX_QUERIES_PER_CALL);
  expect(Math.max(...sizes) * points).toBeLessThanOrEqual(MAX_DATAPOINTS_PER_CALL);
}

describe("planBatches", () => {
  it("reads 10,000 metrics × 720 points (30 days hourly) in 72 calls of 140 metrics", () => {
    const groups = planBatches(10_000, 720);
    expect(groups).toHaveLength(72);
    expect(minimumCalls(10_000, 720)).toBe(72);
    expectValidPlan(groups, 10_000, 720);
    // Balanced rather than 71 full calls and a small last one: 64 calls of 139, 8 of 138.
    expect(new Set(groups.map((g) => g.length))).toEqual(new Set([138, 139]));
  });

  it("reads 500 metrics × 24 points in one call", () => {
    const groups = planBatches(500, 24);
    expect(groups).toHaveLength(1);
    expect(groups[0]).toHaveLength(500);
  });

  it("is limited by the 500-query cap for short ranges", () => {
    expect(planBatches(501, 24)).toHaveLength(2);
    expect(planBatches(1_000, 1)).toHaveLength(2);
    expect(planBatches(1_001, 201)).toHaveLength(3);
    expectValidPlan(planBatches(1_001, 201), 1_001, 201);
  });

  it("fills calls to exactly 100,800 datapoints when the point count divides it", () => {
    // 100,800 / 720 = 140 metrics per call; 140 × 9 = 1,260 ≥ 1,200.
    const groups = planBatches(1_200, 720);
    expect(groups).toHaveLength(9);
    expectValidPlan(groups, 1_200, 720);
    expect(planBatches(140, 720)).toHaveLength(1);
    expect(planBatches(141, 720)).toHaveLength(2);
  });

  it("meets the API minimum whenever whole metrics allow it", () => {
    const divisors = [1, 2, 24, 168, 200, 201, 240, 336, 720, 1_440, 2_016, 4_032, 100_800];
    for (const points of [...divisors, 7, 199, 202, 250, 719, 721, 999, 43_200, 100_799]) {
      for (const metrics of [0, 1, 2, 99, 100, 101, 139, 140, 141, 499, 500, 501, 1_009, 7_777]) {
        const groups = planBatches(metrics, points);
        expectValidPlan(groups, metrics, points);
        const capacity = Math.min(500, Math.floor(MAX_DATAPOINTS_PER_CALL / points));
        expect(groups.length).toBe(Math.ceil(metrics / capacity));
        if (MAX_DATAPOINTS_PER_CALL % points === 0 || points <= 201) {
          expect(groups.length, `${metrics} × ${points}`).toBe(minimumCalls(metrics, points));
        } else {
          expect(groups.length).toBeGreaterThanOrEqual(minimumCalls(metrics, points));
        }
      }
    }
  });

  it("documents the one case above the minimum: points not dividing 100,800", () => {
    // 999 points: the bound is ⌈1,009 × 999 / 100,800⌉ = 10, but only 100 whole metrics fit a call.
    expect(minimumCalls(1_009, 999)).toBe(10);
    expect(metricsPerCall(999)).toBe(100);
    expect(planBatches(1_009, 999)).toHaveLength(11);
  });

  it("returns no calls for no metrics", () => {
    expect(planBatches(0, 720)).toEqual([]);
  });

  it("rejects a metric with more than 100,800 points, pointing at time splitting", () => {
    expect(metricsPerCall(100_801)).toBe(0);
    expect(() => planBatches(1, 100_801)).toThrow(
      /100800 datapoints per call.*split the time range/,
    );
    expect(planBatches(3, 100_800)).toEqual([[0], [1], [2]]);
  });

  it("rejects negative and fractional counts", () => {
    expect(() => planBatches(-1, 10)).toThrow(RangeError);
    expect(() => planBatches(1.5, 10)).toThrow(/metricCount must be a non-negative integer/);
    expect(() => planBatches(10, Number.NaN)).toThrow(/pointsPerMetric/);
  });
});

describe("pointsInRange", () => {
  it("counts periods, a partial trailing period as one", () => {
    expect(pointsInRange({ start: 0, end: 30 * DAY }, 3600)).toBe(720);
    expect(pointsInRange({ start: 0, end: HOUR + 1 }, 3600)).toBe(2);
    expect(pointsInRange({ start: 5, end: 5 }, 3600)).toBe(0);
  });

  it("rejects a reversed range and a bad period", () => {
    expect(() => pointsInRange({ start: 10, end: 0 }, 60)).toThrow(/invalid time range/);
    expect(() => pointsInRange({ start: 0, end: 10 }, 0)).toThrow(/periodSeconds/);
    expect(() => pointsInRange({ start: 0, end: 10 }, 1.5)).toThrow(/periodSeconds/);
  });
});

describe("planFetchBatches", () => {
  const start = Date.UTC(2024, 0, 1);

  it("uses the whole range for every batch when one metric fits a call", () => {
    const batches = planFetchBatches(1_200, { start, end: start + 30 * DAY }, 3600);
    expect(batches).toHaveLength(9);
    for (const batch of batches) {
      expect(batch.start).toBe(start);
      expect(batch.end).toBe(start + 30 * DAY);
    }
  });

  it("splits a range of more than 100,800 points into period-aligned chunks", () => {
    // 1-minute data over 90 days: 129,600 points per metric → 2 chunks of 64,800.
    const end = start + 90 * DAY;
    const batches = planFetchBatches(3, { start, end }, 60);
    const chunks = [...new Map(batches.map((b) => [b.start, b])).values()];
    expect(chunks).toHaveLength(2);
    expect(chunks[0]?.start).toBe(start);
    expect(chunks[0]?.end).toBe(start + 64_800 * 60_000);
    expect(chunks[1]?.start).toBe(chunks[0]?.end);
    expect(chunks[1]?.end).toBe(end);
    // 64,800 points: one metric per call; every metric read once in each chunk.
    expect(batches).toHaveLength(6);
    for (const chunk of chunks) {
      const inChunk = batches.filter((b) => b.start === chunk.start);
      expect(inChunk.flatMap((b) => b.metricIndexes).sort()).toEqual([0, 1, 2]);
      for (const batch of inChunk) {
        const points = pointsInRange(batch, 60);
        expect(points * batch.metricIndexes.length).toBeLessThanOrEqual(MAX_DATAPOINTS_PER_CALL);
      }
    }
  });

  it("keeps each chunk within the datapoint limit when the range ends mid-period", () => {
    const end = start + 100_801 * 60_000 + 30_000; // 100,802 periods, the last one partial
    const batches = planFetchBatches(2, { start, end }, 60);
    for (const batch of batches) {
      expect(pointsInRange(batch, 60) * batch.metricIndexes.length).toBeLessThanOrEqual(
        MAX_DATAPOINTS_PER_CALL,
      );
      expect((batch.start - start) % 60_000).toBe(0);
    }
    expect(batches.at(-1)?.end).toBe(end);
  });

  it("needs no call for an empty range or no metrics", () => {
    expect(planFetchBatches(10, { start, end: start }, 3600)).toEqual([]);
    expect(planFetchBatches(0, { start, end: start + DAY }, 3600)).toEqual([]);
  });
});

describe("chunkMetricsForBudget", () => {
  it("fills the budget with whole GetMetricData calls' worth of columns", () => {
    // 727 points: 138 metrics a call, 138 · 727 · 8 bytes ≈ 0.8 MB of columns a call.
    const callBytes = 138 * 727 * BYTES_PER_COLUMN_POINT;
    expect(chunkMetricsForBudget(727, 16 * 1024 * 1024)).toBe(
      138 * Math.floor((16 * 1024 * 1024) / callBytes),
    );
    expect(chunkMetricsForBudget(727, 3 * callBytes)).toBe(3 * 138);
    expect(chunkMetricsForBudget(727, 3 * callBytes - 1)).toBe(2 * 138);
  });

  it("never goes below one call, whatever the budget", () => {
    expect(chunkMetricsForBudget(727, 0)).toBe(138);
    expect(chunkMetricsForBudget(24, 1)).toBe(MAX_QUERIES_PER_CALL);
  });
});
