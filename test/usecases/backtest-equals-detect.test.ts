/**
 * Backtest = detect: for every evaluated period, the verdict `vigil backtest` shows is the verdict
 * the deployed detect function gives when it runs right after that period, over random series,
 * settings and gaps.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MemoryNotifier } from "../../src/adapters/sns-notifier.ts";
import { parseConfig } from "../../src/config/load.ts";
import {
  type DataPoint,
  type MetricIdentity,
  type MetricSeries,
  seriesFromPoints,
} from "../../src/domain/metric.ts";
import { runBacktest } from "../../src/usecases/backtest.ts";
import { detectAnomalies } from "../../src/usecases/detect-anomalies.ts";
import { FakeMetricSource } from "../support/fake-metric-source.ts";

const HOUR = 3_600_000;
const START = Date.parse("2026-06-01T00:00:00Z");
const METRIC: MetricIdentity = { namespace: "Test", metricName: "M", dimensions: {}, stat: "Sum" };
const quietLogger = { info: () => {}, warn: () => {}, error: () => {} };

/** NaN (JSON null) and null both mean "none". */
const same = (a: number | null, b: number) =>
  a === null ? Number.isNaN(b) : Object.is(a, b) || Math.abs(a - b) <= 1e-9 * Math.abs(a);

const settingsArb = fc.record({
  method: fc.constantFrom("robust", "mean-sd", "seasonal"),
  k: fc.constantFrom(2, 3, 4),
  windowDays: fc.constantFrom(2, 3, 8),
  minHistoryPeriods: fc.integer({ min: 2, max: 30 }),
  confirmPeriods: fc.integer({ min: 1, max: 3 }),
  confirmWithin: fc.constantFrom("0", "4h"),
  quietSlotPrior: fc.constantFrom(0, 10),
  criticalK: fc.constantFrom(5, 9),
  extremeK: fc.constantFrom(4, 7, 12),
  missingData: fc.constantFrom("zero", "gap"),
  direction: fc.constantFrom("up", "down", "both"),
  rearmQuietPeriods: fc.integer({ min: 1, max: 4 }),
  seenBefore: fc.constantFrom(0, 2, 20),
  extremeSeenBefore: fc.constantFrom(0, 1, 5),
  densityBand: fc.constantFrom(0, 0.4),
  densityFor: fc.constantFrom("3h", "6h"),
});

const seriesArb = fc
  .array(
    fc.oneof(
      { weight: 1, arbitrary: fc.constant(null) },
      { weight: 8, arbitrary: fc.integer({ min: 0, max: 200 }) },
      { weight: 2, arbitrary: fc.integer({ min: 0, max: 5000 }) },
    ),
    { minLength: 40, maxLength: 12 * 24 },
  )
  .map((values): DataPoint[] =>
    values.flatMap((value, i) => (value === null ? [] : [{ timestamp: START + i * HOUR, value }])),
  );

describe("backtest = detect", () => {
  it("gives, period by period, the verdict the deployed function gives", async () => {
    await fc.assert(
      fc.asyncProperty(
        settingsArb,
        seriesArb,
        fc.array(fc.nat(), { minLength: 1, maxLength: 6 }),
        async (settings, points, picks) => {
          fc.pre(points.length >= 2);
          const series: MetricSeries = seriesFromPoints(METRIC, 3600, points);
          const config = parseConfig({
            detection: {
              scheduleMinutes: 60,
              settleMinutes: 0,
              metricSets: [
                { name: "s", selectors: [{ namespace: "Test", metricName: "M" }], settings },
              ],
            },
          }).detection;
          const first = points[0] as DataPoint;
          const last = points.at(-1) as DataPoint;
          fc.pre(last.timestamp - first.timestamp >= settings.minHistoryPeriods * HOUR);
          const report = await runBacktest(
            { clock: () => 0 },
            {
              target: { kind: "series", series: [series] },
              config,
              metricSet: "s",
              variants: [],
              keepTraces: true,
            },
          );
          const variant = report.metrics[0]?.variants[0];
          const trace = variant?.trace;
          if (!variant || !trace) throw new Error("no trace");
          const flagged = new Set(variant.flagged.map((v) => v.timestamp));

          for (const pick of picks) {
            const offset = pick % trace.observed.length;
            const period = trace.start + offset * HOUR;
            // Known, documented limit: with missingData "zero", periods before the first datapoint
            // detect can see (its fetch starts window + look-back periods back) are unusable to it,
            // while backtest knows older data. Only differs after a silence that long.
            const lookback = 3 + settings.rearmQuietPeriods; // sustainedPeriods (3) + rearm
            const fetchStart = period - (settings.windowDays * 24 + lookback) * HOUR;
            const firstSeen = points.find((p) => p.timestamp >= fetchStart)?.timestamp;
            if (settings.missingData === "zero" && first.timestamp < fetchStart) {
              if (firstSeen === undefined || firstSeen > period - settings.windowDays * 24 * HOUR)
                continue;
            }
            const detected = await detectAnomalies(
              {
                source: new FakeMetricSource([series]),
                notifier: new MemoryNotifier(),
                config,
                clock: () => period + HOUR + 60_000,
                region: "eu-west-1",
                logger: quietLogger,
              },
              { force: true, dryRun: true },
            );
            const verdict = detected.results[0]?.verdict;
            if (!verdict) throw new Error("detect judged nothing");
            expect(verdict.timestamp).toBe(period);
            expect(verdict.status === "anomalous").toBe(flagged.has(period));
            expect(same(verdict.observed, trace.observed[offset] as number)).toBe(true);
            expect(same(verdict.expected, trace.expected[offset] as number)).toBe(true);
            expect(same(verdict.sigma, trace.sigma[offset] as number)).toBe(true);
            expect(same(verdict.z, trace.z[offset] as number)).toBe(true);
            expect(same(verdict.upperThreshold, trace.upper[offset] as number)).toBe(true);
            expect(same(verdict.lowerThreshold, trace.lower[offset] as number)).toBe(true);
            // A flagged period is reported with the verdict detect pages with, why-line included.
            if (verdict.status === "anomalous") {
              const reported = variant.flagged.find((v) => v.timestamp === period);
              expect(reported?.why).toBe(verdict.why);
              expect(reported?.severity).toBe(verdict.severity);
            }
          }
        },
      ),
      { numRuns: 50 },
    );
  });
});
