/**
 * The two shapes of a replay agree: the columns backtest reads hold, period by period, the numbers
 * of the Verdict objects tune (and detect) get, and the flagged verdicts and episodes are the same.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  DEFAULT_DETECTION_SETTINGS,
  type DetectionSettings,
  type Verdict,
} from "../../src/domain/detection.ts";
import { type DataPoint, type MetricIdentity, seriesFromPoints } from "../../src/domain/metric.ts";
import { replay, replayColumns } from "../../src/domain/replay.ts";

const HOUR = 3_600_000;
const START = Date.parse("2026-06-01T00:00:00Z");
const METRIC: MetricIdentity = { namespace: "Test", metricName: "M", dimensions: {}, stat: "Sum" };

/** null = none (NaN in a column). */
const column = (value: number | null) => value ?? Number.NaN;

const settingsArb = fc.record({
  method: fc.constantFrom("robust", "mean-sd", "seasonal", "auto"),
  k: fc.constantFrom(2, 3, 4),
  windowDays: fc.constantFrom(1, 3, 8),
  minHistoryPeriods: fc.integer({ min: 1, max: 30 }),
  confirmPeriods: fc.integer({ min: 1, max: 3 }),
  confirmWithinSeconds: fc.constantFrom(0, 4 * 3600),
  quietSlotPrior: fc.constantFrom(0, 10),
  criticalK: fc.constantFrom(5, 9),
  extremeK: fc.constantFrom(4, 7, 12),
  missingData: fc.constantFrom("zero", "gap", "auto"),
  direction: fc.constantFrom("up", "down", "both"),
  rearmQuietSeconds: fc.constantFrom(3600, 4 * 3600),
  seenBefore: fc.constantFrom(0, 2, 20),
  extremeSeenBefore: fc.constantFrom(0, 1, 5),
  densityBand: fc.constantFrom(0, 0.4),
  densitySeconds: fc.constantFrom(3 * 3600, 6 * 3600),
});

const pointsArb = fc
  .array(
    fc.oneof(
      { weight: 1, arbitrary: fc.constant(null) },
      { weight: 8, arbitrary: fc.integer({ min: 0, max: 200 }) },
      { weight: 2, arbitrary: fc.integer({ min: 0, max: 5000 }) },
    ),
    { minLength: 2, maxLength: 20 * 24 },
  )
  .map((values): DataPoint[] =>
    values.flatMap((value, i) => (value === null ? [] : [{ timestamp: START + i * HOUR, value }])),
  );

describe("replayColumns", () => {
  it("holds, period by period, the verdicts replay builds; same flagged verdicts and episodes", () => {
    fc.assert(
      fc.property(
        settingsArb,
        pointsArb,
        fc.integer({ min: 0, max: 10 * 24 }),
        (overrides, points, skip) => {
          const settings: DetectionSettings = { ...DEFAULT_DETECTION_SETTINGS, ...overrides };
          const series = seriesFromPoints(METRIC, 3600, points);
          const range = { start: START + skip * HOUR, end: START + 21 * 24 * HOUR };
          const verdicts = replay(series, range, settings);
          const columns = replayColumns(series, range, settings);

          expect(columns.columns.length).toBe(verdicts.verdicts.length);
          const at = columns.columns;
          const from = (pick: (verdict: Verdict) => number | null) =>
            Float64Array.from(verdicts.verdicts, (verdict) => column(pick(verdict)));
          expect(Array.from(at.status, (_, cell) => at.timestampAt(cell))).toEqual(
            verdicts.verdicts.map((verdict) => verdict.timestamp),
          );
          expect(Array.from(at.status, (_, cell) => at.statusAt(cell))).toEqual(
            verdicts.verdicts.map((verdict) => verdict.status),
          );
          expect(at.observed).toEqual(from((verdict) => verdict.observed));
          expect(at.expected).toEqual(from((verdict) => verdict.expected));
          expect(at.sigma).toEqual(from((verdict) => verdict.sigma));
          expect(at.z).toEqual(from((verdict) => verdict.z));
          expect(at.upper).toEqual(from((verdict) => verdict.upperThreshold));
          expect(at.lower).toEqual(from((verdict) => verdict.lowerThreshold));
          expect(at.tailUp).toEqual(from((verdict) => verdict.tailUp ?? null));
          expect(at.tailDown).toEqual(from((verdict) => verdict.tailDown ?? null));
          expect(columns.flagged).toEqual(
            verdicts.verdicts.filter((verdict) => verdict.status === "anomalous"),
          );
          expect(columns.episodes).toEqual(verdicts.episodes);
          expect(columns.insufficientData).toBe(verdicts.insufficientData);
          expect(columns.noData).toBe(
            verdicts.verdicts.filter((verdict) => verdict.status === "no-data").length,
          );
          expect(columns.evaluatedWeeks).toBe(verdicts.evaluatedWeeks);
        },
      ),
      { numRuns: 40 },
    );
  });
});
