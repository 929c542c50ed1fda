/**
 * Synthetic hourly histories with known anomalies, shared by the backtest, tune, report and browser
 * tests. 44 days from a Monday: 30 days of baseline, then 14 evaluated days (2026-04-01 → 04-15).
 */

import { syntheticSeries, withBurst, withoutPeriods, withValue } from "../../sandbox/synthetic.ts";
import type { DataPoint, MetricIdentity, MetricSeries } from "../../src/domain/metric.ts";
import { seriesFrom } from "../support/series.ts";

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;
/** A Monday. */
export const START = Date.parse("2026-03-02T00:00:00Z");
export const DAYS = 44;
export const EVALUATED_FROM = START + 30 * DAY;
export const EVALUATED_TO = START + DAYS * DAY;

export const SPIKE_AT = START + 37 * DAY + 14 * HOUR;
export const SHIFT_AT = START + 36 * DAY;
export const RAMP_FROM = START + 30 * DAY;
/** Saturday 2026-04-11 12:00Z: a weekday-sized value on a quiet weekend. */
export const WEEKEND_ANOMALY_AT = START + 40 * DAY + 12 * HOUR;
export const FLAT_SMALL_BLIP_AT = START + 35 * DAY;
export const FLAT_BIG_BLIP_AT = START + 38 * DAY;
export const ZEROS_BURST_AT = START + 39 * DAY + 3 * HOUR;
export const GAP_FROM = START + 34 * DAY;
export const GAP_PERIODS = 48;

export function testMetric(name: string, dimensions: Record<string, string> = {}): MetricIdentity {
  return { namespace: "Vigil/Test", metricName: name, dimensions, stat: "Sum" };
}

function hourly(seed: number, extra: Partial<Parameters<typeof syntheticSeries>[0]> = {}) {
  return syntheticSeries({
    start: START,
    periods: DAYS * 24,
    periodSeconds: 3600,
    base: 1000,
    noise: 0.05,
    seed,
    ...extra,
  });
}

function series(name: string, points: DataPoint[]): MetricSeries {
  return seriesFrom(testMetric(name), 3600, points);
}

export const scenarios = {
  /** One hour at 8× the usual ~1000. */
  spike: () => series("spike", withValue(hourly(1), SPIKE_AT, 8000)),
  /** Doubles for 8 days from SHIFT_AT. */
  levelShift: () => series("level-shift", withBurst(hourly(2), SHIFT_AT, 8 * 24, 2)),
  /** Grows linearly to 2× over the 14 evaluated days. */
  slowRamp: () =>
    series(
      "slow-ramp",
      hourly(3).map((p) =>
        p.timestamp >= RAMP_FROM
          ? { ...p, value: p.value * (1 + (p.timestamp - RAMP_FROM) / (14 * DAY)) }
          : p,
      ),
    ),
  /** Weekends at 30 % of weekdays, and one Saturday hour at the weekday level. */
  weekly: () =>
    series("weekly", withValue(hourly(4, { weekendFactor: 0.3 }), WEEKEND_ANOMALY_AT, 1000)),
  /** Exactly 100 every hour, with a +1 % and a +50 % blip. */
  flat: () =>
    series(
      "flat",
      withValue(
        withValue(hourly(5, { base: 100, noise: 0 }), FLAT_SMALL_BLIP_AT, 101),
        FLAT_BIG_BLIP_AT,
        150,
      ),
    ),
  /** 95 % zeros, small values otherwise, one burst of 1000. */
  mostlyZero: () =>
    series(
      "mostly-zero",
      withValue(hourly(6, { base: 10, noise: 0.2, zeroProbability: 0.95 }), ZEROS_BURST_AT, 1000),
    ),
  /** Two days without datapoints. */
  gaps: () => series("gaps", withoutPeriods(hourly(7), GAP_FROM, GAP_PERIODS)),
};

export type ScenarioName = keyof typeof scenarios;

export function allScenarios(): MetricSeries[] {
  return Object.values(scenarios).map((make) => make());
}

/** CSV text of a series, as `vigil backtest --input` reads it. */
export function toCsv(points: readonly DataPoint[]): string {
  return [
    "timestamp,value",
    ...points.map((p) => `${new Date(p.timestamp).toISOString()},${p.value}`),
  ].join("\n");
}
