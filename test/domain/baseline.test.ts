import { mean, median, medianAbsoluteDeviation, sampleStandardDeviation } from "simple-statistics";
import { describe, expect, it } from "vitest";
import {
  mulberry32,
  syntheticSeries,
  withBurst,
  withoutPeriods,
  withValue,
} from "../../sandbox/synthetic.ts";
import {
  evaluatePeriod,
  evaluateRange,
  newestCompletePeriodStart,
  robustSpread,
  windowPeriods,
} from "../../src/domain/baseline.ts";
import type { DetectionSettings, Verdict } from "../../src/domain/detection.ts";
import { DEFAULT_DETECTION_SETTINGS } from "../../src/domain/detection.ts";
import { buildEpisodes } from "../../src/domain/episodes.ts";
import type { DataPoint, MetricIdentity, MetricSeries } from "../../src/domain/metric.ts";
import { MEAN_SD_SETTINGS } from "../support/mean-sd-settings.ts";
import { seriesFrom } from "../support/series.ts";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const WINDOW = 720;
/** Monday 2025-06-02 00:00 UTC: the period most tests evaluate. */
const MONDAY = Date.UTC(2025, 5, 2);

const EGRESS: MetricIdentity = {
  namespace: "AWS/S3",
  metricName: "BytesDownloaded",
  dimensions: { BucketName: "analytics", FilterId: "EntireBucket" },
  stat: "Sum",
};
const API_CALLS: MetricIdentity = {
  namespace: "AWS/Usage",
  metricName: "CallCount",
  dimensions: { Class: "None", Resource: "GetObject", Service: "S3", Type: "API" },
  stat: "Sum",
};

function settings(overrides: Partial<DetectionSettings> = {}): DetectionSettings {
  return { ...MEAN_SD_SETTINGS, ...overrides };
}

function series(points: DataPoint[], metric = EGRESS, periodSeconds = 3600): MetricSeries {
  return seriesFrom(metric, periodSeconds, points);
}

/** `periods` hourly points ending just before `end` (the window of a period starting at `end`). */
function hourlyHistory(
  end: number,
  periods: number,
  options: Partial<Parameters<typeof syntheticSeries>[0]> = {},
): DataPoint[] {
  return syntheticSeries({
    start: end - periods * HOUR,
    periods,
    periodSeconds: 3600,
    base: 1e9,
    noise: 0.05,
    seed: 11,
    ...options,
  });
}

function flat(end: number, periods: number, value: number, periodMs = HOUR): DataPoint[] {
  return Array.from({ length: periods }, (_, i) => ({
    timestamp: end - (periods - i) * periodMs,
    value,
  }));
}

/** Values of the baseline points of the period starting at `periodStart` (the 720 before it). */
function baselineValues(points: DataPoint[], periodStart: number, window = WINDOW): number[] {
  return points
    .filter((p) => p.timestamp >= periodStart - window * HOUR && p.timestamp < periodStart)
    .map((p) => p.value);
}

/**
 * Same verdict up to float rounding: mean-sd keeps running sums while sliding, so a period reached by
 * sliding and the same period judged from scratch may differ in the last bits of non-integer values.
 */
function expectSameVerdict(actual: Verdict, expected: Verdict): void {
  const numbers = [
    "observed",
    "expected",
    "sigma",
    "z",
    "upperThreshold",
    "lowerThreshold",
  ] as const;
  const { why: _a, ...restActual } = actual;
  const { why: _b, ...restExpected } = expected;
  for (const key of numbers) {
    const a = actual[key];
    const b = expected[key];
    if (a === null || b === null) expect(a).toBe(b);
    else expect(Math.abs(a - b)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(b)));
  }
  const withoutNumbers = (v: Omit<Verdict, "why">) =>
    Object.fromEntries(
      Object.entries(v).filter(([key]) => !(numbers as readonly string[]).includes(key)),
    );
  expect(withoutNumbers(restActual)).toEqual(withoutNumbers(restExpected));
  expect(actual.why).toBe(expected.why);
}

function expectSerialisable(verdicts: Verdict[]): void {
  for (const verdict of verdicts) {
    for (const key of ["observed", "expected", "sigma", "z", "upperThreshold", "lowerThreshold"]) {
      const value = verdict[key as keyof Verdict];
      if (value !== null) expect(Number.isFinite(value), `${key} of ${verdict.why}`).toBe(true);
    }
    expect(JSON.parse(JSON.stringify(verdict))).toEqual(verdict);
  }
}

describe("newestCompletePeriodStart", () => {
  it("mid-period returns the previous period's start, never the partial one", () => {
    const now = Date.parse("2025-06-02T10:17:05.123Z");
    expect(newestCompletePeriodStart(now, 3600)).toBe(Date.parse("2025-06-02T09:00:00Z"));
  });

  it("at an exact boundary returns the period that just ended", () => {
    const now = Date.parse("2025-06-02T10:00:00.000Z");
    expect(newestCompletePeriodStart(now, 3600)).toBe(Date.parse("2025-06-02T09:00:00Z"));
    expect(newestCompletePeriodStart(now - 1, 3600)).toBe(Date.parse("2025-06-02T08:00:00Z"));
  });

  it("works for daily periods (UTC midnight)", () => {
    expect(newestCompletePeriodStart(Date.parse("2025-06-02T00:00:01Z"), 86400)).toBe(
      Date.parse("2025-06-01T00:00:00Z"),
    );
    expect(newestCompletePeriodStart(Date.parse("2025-06-02T23:59:59Z"), 86400)).toBe(
      Date.parse("2025-06-01T00:00:00Z"),
    );
  });

  it("rejects a period that is not a positive whole number of seconds", () => {
    expect(() => newestCompletePeriodStart(MONDAY, 0)).toThrow(RangeError);
    expect(() => newestCompletePeriodStart(MONDAY, 1.5)).toThrow(RangeError);
    expect(() => newestCompletePeriodStart(Number.NaN, 3600)).toThrow(RangeError);
  });
});

describe("windowPeriods", () => {
  it("is windowDays · 86400 / periodSeconds", () => {
    expect(windowPeriods(settings())).toBe(720);
    expect(windowPeriods(settings({ periodSeconds: 86400 }))).toBe(30);
    expect(windowPeriods(settings({ windowDays: 7 }))).toBe(168);
  });

  it("rejects a window shorter than one period", () => {
    expect(() => windowPeriods(settings({ windowDays: 0.5, periodSeconds: 86400 }))).toThrow(
      /shorter than one/,
    );
  });
});

describe("evaluatePeriod: mean-sd", () => {
  it("uses the mean and sample σ of exactly the 720 periods before the evaluated one", () => {
    const points = [...hourlyHistory(MONDAY, WINDOW), { timestamp: MONDAY, value: 1.1e9 }];
    const baseline = baselineValues(points, MONDAY);
    const verdict = evaluatePeriod(series(points), MONDAY, settings());

    expect(verdict.status).toBe("normal");
    expect(verdict.baselinePeriods).toBe(720);
    expect(verdict.expected).toBeCloseTo(mean(baseline), 0);
    expect(verdict.sigma).toBeCloseTo(sampleStandardDeviation(baseline), 0);
    const sigma = verdict.sigma as number;
    const expected = verdict.expected as number;
    expect(verdict.z).toBeCloseTo((1.1e9 - expected) / sigma, 9);
    expect(verdict.upperThreshold).toBeCloseTo(expected + 3 * sigma, 0);
    expect(verdict.lowerThreshold).toBeNull();
    expect(verdict.severity).toBeNull();
    expect(verdict.timestamp).toBe(MONDAY);
    expect(verdict.metric).toBe(EGRESS);
  });

  it("does not let the evaluated period or anything older than the window into the baseline", () => {
    const base = flat(MONDAY, WINDOW + 5, 100);
    const outsideChanged = withValue(base, MONDAY - 721 * HOUR, 5000);
    const oldestInsideChanged = withValue(base, MONDAY - 720 * HOUR, 5000);
    const evaluated = { timestamp: MONDAY, value: 100 };

    const outside = evaluatePeriod(series([...outsideChanged, evaluated]), MONDAY, settings());
    const inside = evaluatePeriod(series([...oldestInsideChanged, evaluated]), MONDAY, settings());
    const big = evaluatePeriod(
      series([...base, { timestamp: MONDAY, value: 1e6 }]),
      MONDAY,
      settings(),
    );

    expect(outside.expected).toBe(100);
    expect(inside.expected).toBeCloseTo(100 + 4900 / 720, 9);
    expect(big.expected).toBe(100);
  });

  it("gives z the sign of the deviation and a why-line a person can read", () => {
    const points = [...flat(MONDAY, WINDOW, 1.2e9), { timestamp: MONDAY, value: 9.1e9 }];
    const verdict = evaluatePeriod(series(points), MONDAY, settings());
    // σ of a flat baseline is 0, so the relative floor (2 % of 1.2G = 24M) is the effective σ.
    expect(verdict.sigma).toBeCloseTo(2.4e7, 0);
    expect(verdict.z).toBeCloseTo((9.1e9 - 1.2e9) / 2.4e7, 6);
    expect(verdict.why).toBe(
      "observed 9.1G is 329σ above expected 1.2G (threshold 1.27G, mean-sd over 720 hourly periods)",
    );

    const below = evaluatePeriod(
      series([...flat(MONDAY, WINDOW, 1.2e9), { timestamp: MONDAY, value: 1.19e9 }]),
      MONDAY,
      settings({ direction: "both" }),
    );
    expect(below.z).toBeLessThan(0);
    expect(below.why).toBe(
      "within band: observed 1.19G is 0.4σ below expected 1.2G (band 1.13G to 1.27G, mean-sd over 720 hourly periods)",
    );
  });
});

describe("robustness", () => {
  it("1. flat baseline (σ = 0): tiny wiggles are normal, a real jump is flagged", () => {
    const history = flat(MONDAY, WINDOW, 5e8);
    const wiggle = evaluatePeriod(
      series([...history, { timestamp: MONDAY, value: 5e8 + 2e6 }]),
      MONDAY,
      settings(),
    );
    const jump = evaluatePeriod(
      series([...history, { timestamp: MONDAY, value: 1e9 }]),
      MONDAY,
      settings(),
    );

    expect(wiggle.status).toBe("normal");
    expect(jump.status).toBe("anomalous");
    expect(jump.severity).toBe("critical");
    expect(jump.z).toBeCloseTo(5e8 / (0.02 * 5e8), 6);
    expectSerialisable([wiggle, jump]);
  });

  it("1b. flat all-zero baseline with every floor at 0 keeps z finite", () => {
    const noFloors = settings({ relativeSigmaFloor: 0, sigmaFloor: 0, minAbsoluteDelta: 0 });
    const history = flat(MONDAY, WINDOW, 0);
    const still = evaluatePeriod(
      series([...history, { timestamp: MONDAY, value: 0 }]),
      MONDAY,
      noFloors,
    );
    const moved = evaluatePeriod(
      series([...history, { timestamp: MONDAY, value: 1 }]),
      MONDAY,
      noFloors,
    );
    expect(still.status).toBe("normal");
    expect(still.z).toBe(0);
    expect(moved.status).toBe("anomalous");
    expectSerialisable([still, moved]);
  });

  it("2. mostly-zero baseline: a normal small value passes with minAbsoluteDelta, a burst is flagged", () => {
    const history = hourlyHistory(MONDAY, WINDOW, {
      base: 5e6,
      noise: 0.3,
      zeroProbability: 0.95,
      seed: 3,
    });
    const zeros = history.filter((p) => p.value === 0).length;
    expect(zeros / WINDOW).toBeGreaterThan(0.9);
    const smallNormal = [...history, { timestamp: MONDAY, value: 5e6 }];
    const burst = [...history, { timestamp: MONDAY, value: 5e9 }];
    const withDelta = settings({ minAbsoluteDelta: 1e8 });

    // Without a minimum change, an ordinary 5 MB hour would page against a baseline of zeros...
    expect(evaluatePeriod(series(smallNormal), MONDAY, settings()).status).toBe("anomalous");
    // ...with it, it does not; a 5 GB burst still does.
    const small = evaluatePeriod(series(smallNormal), MONDAY, withDelta);
    expect(small.status).toBe("normal");
    expect(small.sigma).toBeGreaterThanOrEqual(1e8 / 3);
    const big = evaluatePeriod(series(burst), MONDAY, withDelta);
    expect(big.status).toBe("anomalous");
    expect(big.severity).toBe("critical");
  });

  describe("3. weekly pattern (weekend lows)", () => {
    // Five weeks: 30 days of baseline for every hour of the evaluated week.
    const evaluatedWeek = MONDAY;
    const points = syntheticSeries({
      start: evaluatedWeek - 30 * DAY,
      periods: (30 + 7) * 24,
      periodSeconds: 3600,
      base: 1e9,
      dailyAmplitude: 0.5,
      weekendFactor: 0.3,
      noise: 0.05,
      seed: 5,
    });
    const lastHour = evaluatedWeek + 7 * DAY - HOUR;
    const saturdayNight = evaluatedWeek + 5 * DAY + 2 * HOUR; // Sat 02:00 UTC
    const wednesdayPeak = evaluatedWeek + 2 * DAY + 14 * HOUR; // Wed 14:00 UTC

    it("seasonal does not flag normal weekends nor normal weekday peaks", () => {
      const verdicts = evaluateRange(
        series(points),
        evaluatedWeek,
        lastHour,
        settings({ method: "seasonal" }),
      );
      expect(verdicts).toHaveLength(168);
      expect(verdicts.filter((v) => v.status === "anomalous")).toEqual([]);
      const weekendNight = verdicts.find((v) => v.timestamp === saturdayNight) as Verdict;
      const peak = verdicts.find((v) => v.timestamp === wednesdayPeak) as Verdict;
      expect(weekendNight.status).toBe("normal");
      expect(peak.status).toBe("normal");
      // The band follows the level: far narrower on a weekend night than at a weekday peak.
      expect(weekendNight.sigma as number).toBeLessThan((peak.sigma as number) / 1.5);
      expect(weekendNight.why).toContain("4 same-hour-of-week values");
      expectSerialisable(verdicts);
    });

    it("seasonal flags a Saturday-night value at weekday-peak level that mean-sd misses", () => {
      const weekdayPeakLevel = (points.find((p) => p.timestamp === wednesdayPeak) as DataPoint)
        .value;
      const tampered = withValue(points, saturdayNight, weekdayPeakLevel);

      const seasonal = evaluatePeriod(
        series(tampered),
        saturdayNight,
        settings({ method: "seasonal" }),
      );
      const plain = evaluatePeriod(series(tampered), saturdayNight, settings());

      expect(seasonal.status).toBe("anomalous");
      expect(seasonal.z as number).toBeGreaterThan(6);
      expect(seasonal.severity).toBe("critical");
      expect(plain.status).toBe("normal");
      expect(plain.upperThreshold as number).toBeGreaterThan(weekdayPeakLevel);
    });
  });

  it("seasonal: expected is the same-slot median, σ the leave-one-out relative residual σ at the slot's level", () => {
    // 28-day window = exactly 4 weeks. Busy hours (08–19 UTC) run at 1000, the rest at 100, and the four
    // weeks repeat the factors 0.9, 1, 1.1, 1. Worked by hand: each slot's leave-one-out residuals relative to
    // its level are −0.1333, 0, +0.1333, 0, so σ_rel = √(336 · 0.1333² / 671) = 0.094351; the window's mean
    // level is 550.
    const factors = [0.9, 1, 1.1, 1];
    const start = MONDAY - 28 * DAY;
    const points = Array.from({ length: 29 * 24 }, (_, i) => {
      const timestamp = start + i * HOUR;
      const hour = new Date(timestamp).getUTCHours();
      const base = hour >= 8 && hour <= 19 ? 1000 : 100;
      return { timestamp, value: base * (factors[Math.floor(i / 168) % 4] as number) };
    });
    const config = settings({ method: "seasonal", windowDays: 28, relativeSigmaFloor: 0 });
    const verdicts = evaluateRange(series(points), MONDAY, MONDAY + 13 * HOUR, config);
    const sigmaRelative = Math.sqrt((336 * (0.4 / 3) ** 2) / 671);

    const midnight = verdicts[0] as Verdict;
    expect(midnight.expected).toBeCloseTo(100, 9);
    // A quiet slot is never given a narrower band than one at the window's mean level.
    expect(midnight.sigma).toBeCloseTo(sigmaRelative * 550, 6);
    const busy = verdicts[13] as Verdict;
    expect(busy.expected).toBeCloseTo(1000, 9);
    expect(busy.sigma).toBeCloseTo(sigmaRelative * 1000, 6);
    expect(busy.why).toContain("seasonal over 672 hourly periods, 4 same-hour-of-week values");
    expect(verdicts.every((v) => v.status === "normal")).toBe(true);
  });

  it("seasonal: one bad week in a slot does not drag its expectation (median of the same-slot values)", () => {
    const history = hourlyHistory(MONDAY, WINDOW, {
      dailyAmplitude: 0.5,
      weekendFactor: 0.3,
      seed: 19,
    });
    // Last Monday 00:00 was a 5× incident; the three Mondays before were normal.
    const incident = withBurst(history, MONDAY - 7 * DAY, 1, 5);
    const normalMidnight = (history.find((p) => p.timestamp === MONDAY - 14 * DAY) as DataPoint)
      .value;
    const verdict = evaluatePeriod(
      series([...incident, { timestamp: MONDAY, value: normalMidnight }]),
      MONDAY,
      settings({ method: "seasonal" }),
    );
    expect(verdict.status).toBe("normal");
    expect(Math.abs((verdict.expected as number) / normalMidnight - 1)).toBeLessThan(0.1);
  });

  describe("4. one old spike", () => {
    const spikeAt = MONDAY - 20 * DAY;
    const history = hourlyHistory(MONDAY, WINDOW, { noise: 0.1, dailyAmplitude: 0.3, seed: 8 });
    const spiked = withBurst(history, spikeAt, 1, 50);
    const today = { timestamp: MONDAY, value: 3e9 };

    it("a 50× hour 20 days ago does not mask today's 3× anomaly (the naive baseline would)", () => {
      const baseline = baselineValues(spiked, MONDAY);
      const naiveThreshold = mean(baseline) + 3 * sampleStandardDeviation(baseline);
      // Proof that plain mean + k·σ is blinded by the spike:
      expect(today.value).toBeLessThan(naiveThreshold);

      const verdict = evaluatePeriod(series([...spiked, today]), MONDAY, settings());
      expect(verdict.status).toBe("anomalous");
      expect(verdict.baselinePeriods).toBe(719);
      expect(verdict.why).toContain("1 outlier left out");
      expect(verdict.upperThreshold as number).toBeLessThan(2e9);
    });

    it("seasonal is not blinded by the spike either", () => {
      const points = [...spiked, today];
      const verdict = evaluatePeriod(series(points), MONDAY, settings({ method: "seasonal" }));
      expect(verdict.status).toBe("anomalous");
      expect(verdict.why).toMatch(/outliers? left out/);
    });

    it("a burst every day is a pattern, not an isolated outlier: nothing is left out", () => {
      // A nightly 20× backup at 03:00: 30 points, more than 2 % of the window.
      let backups = history;
      for (let day = 1; day <= 30; day++)
        backups = withBurst(backups, MONDAY - day * DAY + 3 * HOUR, 1, 20);
      const tonight = MONDAY + 3 * HOUR;
      const backupValue = 20e9;
      const points = [
        ...backups,
        ...hourlyHistory(tonight, 3, { seed: 9 }),
        { timestamp: tonight, value: backupValue },
      ];

      const plain = evaluatePeriod(series(points), tonight, settings());
      expect(plain.baselinePeriods).toBe(720);
      expect(plain.why).not.toContain("left out");
      // seasonal learns that 03:00 is the backup hour.
      const seasonal = evaluatePeriod(series(points), tonight, settings({ method: "seasonal" }));
      expect(seasonal.status).toBe("normal");
    });
  });

  describe("5. level shift to 3×", () => {
    const shiftAt = MONDAY;
    const lastPeriod = shiftAt + (30 * 24 - 1) * HOUR;
    const shifted = (noise: number, seed: number) => [
      ...hourlyHistory(shiftAt, WINDOW, { noise, seed }),
      ...syntheticSeries({
        start: shiftAt,
        periods: 30 * 24,
        periodSeconds: 3600,
        base: 3e9,
        noise,
        seed: seed + 1,
      }),
    ];

    it("a steady metric: flagged at the shift, ONE critical episode, normal again once the window has moved", () => {
      const verdicts = evaluateRange(
        series(shifted(0.005, 21)),
        shiftAt - 2 * HOUR,
        lastPeriod,
        settings(),
      );

      expect(verdicts[0]?.status).toBe("normal");
      expect(verdicts[1]?.status).toBe("normal");
      const atShift = verdicts[2] as Verdict;
      expect(atShift.timestamp).toBe(shiftAt);
      expect(atShift.status).toBe("anomalous");
      expect(atShift.severity).toBe("critical");

      const episodes = buildEpisodes(verdicts, settings());
      expect(episodes).toHaveLength(1);
      expect(episodes[0]?.start).toBe(shiftAt);
      expect(episodes[0]?.severity).toBe("critical");
      expect(episodes[0]?.open).toBe(false);
      // mean-sd absorbs the new level once ~10 % of the window holds it (z ≈ √((1 − f)/f)).
      expect(episodes[0]?.anomalousPeriods).toBeGreaterThan(48);

      // Once most of the window is the new level, 3G is simply normal.
      const late = verdicts.filter((v) => v.timestamp >= shiftAt + 15 * DAY);
      expect(late.length).toBeGreaterThan(300);
      expect(late.every((v) => v.status === "normal")).toBe(true);
      expect(late.at(-1)?.expected as number).toBeGreaterThan(2.9e9);
    });

    it("a noisy metric: the shift opens a critical episode lasting days, and the new level ends up normal", () => {
      const verdicts = evaluateRange(series(shifted(0.05, 21)), shiftAt, lastPeriod, settings());
      const [first] = buildEpisodes(verdicts, settings());
      expect(first?.start).toBe(shiftAt);
      expect(first?.severity).toBe("critical");
      expect(first?.anomalousPeriods).toBeGreaterThan(48);
      const late = verdicts.filter((v) => v.timestamp >= shiftAt + 15 * DAY);
      expect(late.every((v) => v.status === "normal")).toBe(true);
    });
  });

  describe("6. gaps: zero vs gap", () => {
    const gapStart = MONDAY - 10 * DAY;
    const history = withoutPeriods(hourlyHistory(MONDAY, WINDOW, { seed: 4 }), gapStart, 48);
    const present = baselineValues(history, MONDAY);

    it("gap: absent baseline periods are skipped", () => {
      const verdict = evaluatePeriod(
        series([...history, { timestamp: MONDAY, value: 1e9 }]),
        MONDAY,
        settings({ missingData: "gap" }),
      );
      expect(present).toHaveLength(672);
      expect(verdict.baselinePeriods).toBe(672);
      expect(verdict.expected).toBeCloseTo(mean(present), 0);
      expect(verdict.status).toBe("normal");
    });

    it("gap: an absent evaluated period is no-data, never an alert", () => {
      const verdict = evaluatePeriod(series(history), MONDAY, settings({ missingData: "gap" }));
      expect(verdict.status).toBe("no-data");
      expect(verdict.observed).toBeNull();
      expect(verdict.severity).toBeNull();
      expect(verdict.z).toBeNull();
      expect(verdict.why).toContain("no datapoint");
      expectSerialisable([verdict]);
    });

    it("zero: absent baseline periods count as 0", () => {
      const verdict = evaluatePeriod(
        series([...history, { timestamp: MONDAY, value: 1e9 }]),
        MONDAY,
        settings({ missingData: "zero", direction: "both" }),
      );
      expect(verdict.baselinePeriods).toBe(720);
      expect(verdict.expected).toBeCloseTo(mean([...present, ...new Array(48).fill(0)]), 0);
    });

    it("zero: an absent evaluated period counts as 0 and is judged (a drop for a both-way metric)", () => {
      const calls = hourlyHistory(MONDAY, WINDOW, { base: 5000, seed: 6 });
      const verdict = evaluatePeriod(
        series(calls, API_CALLS),
        MONDAY,
        settings({ missingData: "zero", direction: "both" }),
      );
      expect(verdict.observed).toBe(0);
      expect(verdict.status).toBe("anomalous");
      expect(verdict.z as number).toBeLessThan(-6);
    });

    it("zero: periods before the metric's first datapoint are not invented zeros", () => {
      const young = hourlyHistory(MONDAY, 72, { seed: 7 });
      const verdict = evaluatePeriod(
        series([...young, { timestamp: MONDAY, value: 1e9 }]),
        MONDAY,
        settings({ missingData: "zero" }),
      );
      expect(verdict.baselinePeriods).toBe(72);
      expect(verdict.status).toBe("normal");
      expect(verdict.expected as number).toBeGreaterThan(0.9e9);
    });

    it("auto: an absent Sum counts as 0 (no bytes, no calls), an absent Average is a gap", () => {
      const calls = hourlyHistory(MONDAY, WINDOW, { base: 5000, seed: 6 });
      const auto = settings({ missingData: "auto", direction: "both" });
      const sum = evaluatePeriod(series(calls, API_CALLS), MONDAY, auto);
      expect(sum.observed).toBe(0);
      expect(sum.status).toBe("anomalous");

      const latency = { ...API_CALLS, metricName: "Latency", stat: "Average" };
      const average = evaluatePeriod(series(calls, latency), MONDAY, auto);
      expect(average.status).toBe("no-data");
      expect(average.observed).toBeNull();
      // Holes in an Average's baseline are skipped, not zeros that would widen its band.
      const holed = withoutPeriods(calls, gapStart, 48);
      const p99 = { ...latency, stat: "p99" };
      const judged = evaluatePeriod(
        series([...holed, { timestamp: MONDAY, value: 5000 }], p99),
        MONDAY,
        auto,
      );
      expect(judged.baselinePeriods).toBe(672);
      expect(judged.status).toBe("normal");
    });

    it("auto: the stopped-reporting rule applies to Sum metrics only", () => {
      const calls = hourlyHistory(MONDAY - 2 * HOUR, WINDOW, { base: 5000, noise: 0.6, seed: 8 });
      const silent = [...calls, { timestamp: MONDAY - 2 * HOUR, value: 0 }];
      silent.push({ timestamp: MONDAY - HOUR, value: 0 }, { timestamp: MONDAY, value: 0 });
      const auto = settings({ missingData: "auto", direction: "both", k: 50, criticalK: 60 });
      const sum = evaluatePeriod(series(silent, API_CALLS), MONDAY, auto);
      expect(sum.stoppedPeriods).toBe(3);
      expect(sum.status).toBe("anomalous");
      const average = { ...API_CALLS, stat: "Average" };
      expect(evaluatePeriod(series(silent, average), MONDAY, auto).stoppedPeriods).toBeUndefined();
    });
  });

  describe("7. direction", () => {
    const calls = hourlyHistory(MONDAY, WINDOW, { base: 5000, noise: 0.05, seed: 12 });
    const loggingOff = [...calls, { timestamp: MONDAY, value: 0 }];

    it("up ignores a drop", () => {
      const verdict = evaluatePeriod(series(loggingOff, API_CALLS), MONDAY, settings());
      expect(verdict.status).toBe("normal");
      expect(verdict.z as number).toBeLessThan(-6);
      expect(verdict.lowerThreshold).toBeNull();
      expect(verdict.upperThreshold).not.toBeNull();
    });

    it("both flags a drop to 0 of an API-call metric (logging turned off)", () => {
      const verdict = evaluatePeriod(
        series(loggingOff, API_CALLS),
        MONDAY,
        settings({ direction: "both" }),
      );
      expect(verdict.status).toBe("anomalous");
      expect(verdict.severity).toBe("critical");
      expect(verdict.z as number).toBeLessThan(-6);
      expect(verdict.why).toMatch(
        /^observed 0 is \d+(\.\d)?σ below expected 5k \(threshold 4\.\d+k/,
      );
    });

    it("down ignores a rise", () => {
      const rise = [...calls, { timestamp: MONDAY, value: 50_000 }];
      const verdict = evaluatePeriod(
        series(rise, API_CALLS),
        MONDAY,
        settings({ direction: "down" }),
      );
      expect(verdict.status).toBe("normal");
      expect(verdict.upperThreshold).toBeNull();
      expect(verdict.lowerThreshold).not.toBeNull();
    });
  });

  describe("7b. stopped reporting (logging turned off on a noisy metric)", () => {
    // 30 % noise: a drop to 0 is only about 3σ deep, inside the 4σ band.
    const noisy = hourlyHistory(MONDAY - HOUR, WINDOW + 1, { base: 5000, noise: 0.3, seed: 21 });
    const both = settings({
      direction: "both",
      missingData: "zero",
      k: 4,
      criticalK: 9,
      confirmPeriods: 2,
    });
    const silentFrom = (points: DataPoint[], from: number) =>
      points.filter((p) => p.timestamp < from);

    it("flags a metric that never stopped in its window and now reports nothing for confirmPeriods periods", () => {
      expect(baselineValues(noisy, MONDAY - HOUR).filter((v) => v <= 0)).toEqual([]);
      const [first, second] = evaluateRange(
        series(silentFrom(noisy, MONDAY - HOUR), API_CALLS),
        MONDAY - HOUR,
        MONDAY,
        both,
      );
      expect(first?.status).toBe("normal");
      expect(first?.why).toMatch(/^within band/);
      expect(second?.status).toBe("anomalous");
      expect(Math.abs(second?.z as number)).toBeLessThan(both.k);
      expect(second?.why).toMatch(/^stopped reporting\? 2 periods in a row/);
    });

    it("stays quiet for a metric whose window already had a silence that long", () => {
      const withOutage = noisy.map((p) =>
        p.timestamp === MONDAY - 5 * DAY || p.timestamp === MONDAY - 5 * DAY + HOUR
          ? { ...p, value: 0 }
          : p,
      );
      const verdict = evaluatePeriod(
        series(silentFrom(withOutage, MONDAY - HOUR), API_CALLS),
        MONDAY,
        both,
      );
      expect(verdict.status).toBe("normal");
    });

    it("is not applied to an up-only metric or to one whose missing periods are gaps", () => {
      for (const other of [
        settings({ ...both, direction: "up" }),
        settings({ ...both, missingData: "gap" }),
      ]) {
        const verdict = evaluatePeriod(
          series(silentFrom(noisy, MONDAY - HOUR), API_CALLS),
          MONDAY,
          other,
        );
        expect(verdict.status).not.toBe("anomalous");
      }
    });
  });

  describe("8. insufficient history", () => {
    it("fewer than minHistoryPeriods usable periods: insufficient-data, no alert", () => {
      const points = [...hourlyHistory(MONDAY, 5), { timestamp: MONDAY, value: 1e12 }];
      const verdict = evaluatePeriod(series(points), MONDAY, settings());
      expect(verdict.status).toBe("insufficient-data");
      expect(verdict.severity).toBeNull();
      expect(verdict.expected).toBeNull();
      expect(verdict.observed).toBe(1e12);
      expect(verdict.baselinePeriods).toBe(5);
      expect(verdict.why).toBe("only 5 of 720 baseline periods have data (need 7)");
    });

    it("exactly minHistoryPeriods periods are enough", () => {
      const points = [...hourlyHistory(MONDAY, 7), { timestamp: MONDAY, value: 1e12 }];
      const verdict = evaluatePeriod(series(points), MONDAY, settings());
      expect(verdict.status).toBe("anomalous");
      expect(verdict.baselinePeriods).toBe(7);
    });
  });

  describe("10. excludedRanges", () => {
    // A confirmed two-day incident at 10× ten days ago: too long to be an "isolated outlier".
    const incidentStart = MONDAY - 10 * DAY;
    const history = withBurst(hourlyHistory(MONDAY, WINDOW, { seed: 14 }), incidentStart, 48, 10);
    const points = [...history, { timestamp: MONDAY, value: 3e9 }];

    it("a confirmed incident inside the window is left out of the baseline", () => {
      const polluted = evaluatePeriod(series(points), MONDAY, settings());
      const cleaned = evaluatePeriod(
        series(points),
        MONDAY,
        settings({ excludedRanges: [{ start: incidentStart, end: incidentStart + 48 * HOUR }] }),
      );
      expect(polluted.status).toBe("normal");
      expect(polluted.baselinePeriods).toBe(720);
      expect(cleaned.status).toBe("anomalous");
      expect(cleaned.baselinePeriods).toBe(672);
      expect(cleaned.expected as number).toBeLessThan(1.1e9);
    });

    it("a range that only overlaps part of a period leaves the whole period out", () => {
      const verdict = evaluatePeriod(
        series(points),
        MONDAY,
        settings({
          excludedRanges: [
            { start: incidentStart + 30 * 60_000, end: incidentStart + 47 * HOUR + 1 },
          ],
        }),
      );
      expect(verdict.baselinePeriods).toBe(672);
    });

    it("an excluded period is still judged when it is the evaluated one", () => {
      const verdict = evaluatePeriod(
        series(points),
        MONDAY,
        settings({ excludedRanges: [{ start: MONDAY, end: MONDAY + HOUR }] }),
      );
      expect(verdict.observed).toBe(3e9);
      expect(verdict.status).not.toBe("no-data");
    });
  });

  describe("11. daily periods", () => {
    const daily = settings({ periodSeconds: 86400 });
    const points = syntheticSeries({
      start: MONDAY - 30 * DAY,
      periods: 30,
      periodSeconds: 86400,
      base: 5e10,
      weekendFactor: 0.5,
      noise: 0.05,
      seed: 31,
    });
    const dailySeries = (extra: DataPoint[]) => series([...points, ...extra], EGRESS, 86400);

    it("mean-sd judges a normal day normal and a 3× day anomalous", () => {
      const normal = evaluatePeriod(
        dailySeries([{ timestamp: MONDAY, value: 5e10 }]),
        MONDAY,
        daily,
      );
      const tripled = evaluatePeriod(
        dailySeries([{ timestamp: MONDAY, value: 1.5e11 }]),
        MONDAY,
        daily,
      );
      expect(normal.status).toBe("normal");
      expect(normal.baselinePeriods).toBe(30);
      expect(normal.why).toContain("over 30 daily periods");
      expect(tripled.status).toBe("anomalous");
    });

    it("seasonal compares weekdays: a Saturday at weekday level is flagged", () => {
      const seasonalDaily = settings({ periodSeconds: 86400, method: "seasonal" });
      const saturday = MONDAY - 2 * DAY;
      const history = points.filter((p) => p.timestamp < saturday);
      const busySaturday = series(
        [...history, { timestamp: saturday, value: 5e10 }],
        EGRESS,
        86400,
      );
      const quietSaturday = series(
        [...history, { timestamp: saturday, value: 2.5e10 }],
        EGRESS,
        86400,
      );

      const busy = evaluatePeriod(busySaturday, saturday, seasonalDaily);
      expect(busy.status).toBe("anomalous");
      expect(busy.why).toContain("same-weekday");
      expect(evaluatePeriod(quietSaturday, saturday, seasonalDaily).status).toBe("normal");
    });
  });
});

describe("evaluateRange", () => {
  it("returns one verdict per period, ascending, identical to evaluatePeriod for each", () => {
    const start = MONDAY - 5 * DAY;
    let points = hourlyHistory(MONDAY + 2 * DAY, WINDOW + 7 * 24, {
      dailyAmplitude: 0.4,
      weekendFactor: 0.5,
      seed: 17,
    });
    points = withoutPeriods(points, MONDAY - 12 * DAY, 30);
    points = withBurst(points, MONDAY - 3 * DAY, 1, 40);
    points = withBurst(points, MONDAY - 20 * DAY, 2, 25);
    points = withValue(points, MONDAY - DAY, 0);
    const excludedRanges = [{ start: MONDAY - 25 * DAY, end: MONDAY - 24 * DAY }];

    for (const method of ["mean-sd", "seasonal"] as const) {
      for (const missingData of ["zero", "gap"] as const) {
        const config = settings({ method, missingData, excludedRanges, direction: "both" });
        const verdicts = evaluateRange(series(points), start, MONDAY + DAY, config);
        expect(verdicts).toHaveLength(6 * 24 + 1);
        verdicts.forEach((verdict, i) => {
          expect(verdict.timestamp).toBe(start + i * HOUR);
          if (i % 7 === 0 || verdict.status === "anomalous") {
            expectSameVerdict(verdict, evaluatePeriod(series(points), verdict.timestamp, config));
          }
        });
        expectSerialisable(verdicts);
      }
    }
  });

  it("gives bit-identical verdicts to evaluatePeriod for integer values (byte and call counts)", () => {
    const start = MONDAY - 5 * DAY;
    let points = hourlyHistory(MONDAY + 2 * DAY, WINDOW + 7 * 24, { dailyAmplitude: 0.4, seed: 5 });
    points = withBurst(points, MONDAY - 3 * DAY, 1, 40).map((p) => ({
      timestamp: p.timestamp,
      value: Math.round(p.value),
    }));
    for (const method of ["mean-sd", "seasonal"] as const) {
      const config = settings({ method, direction: "both" });
      const verdicts = evaluateRange(series(points), start, MONDAY + DAY, config);
      verdicts.forEach((verdict, i) => {
        if (i % 5 === 0 || verdict.status === "anomalous") {
          expect(verdict).toEqual(evaluatePeriod(series(points), verdict.timestamp, config));
        }
      });
    }
  });

  it("explains only what is shown when asked: anomalous verdicts, and the newest one for detect", () => {
    const start = MONDAY - 2 * DAY;
    let points = hourlyHistory(MONDAY + DAY, WINDOW + 3 * 24, { dailyAmplitude: 0.4, seed: 23 });
    points = withBurst(points, MONDAY - DAY, 2, 40);
    const config = settings({ direction: "both" });
    const all = evaluateRange(series(points), start, MONDAY, config);
    expect(all.filter((v) => v.status === "anomalous").length).toBeGreaterThan(0);
    expect(all.at(-1)?.status).toBe("normal");
    for (const explain of ["anomalous", "anomalous-and-newest"] as const) {
      const quiet = evaluateRange(series(points), start, MONDAY, config, { explain });
      quiet.forEach((verdict, i) => {
        const full = all[i] as Verdict;
        const shown =
          full.status !== "normal" || (explain === "anomalous-and-newest" && i === all.length - 1);
        // Same verdict in every other field; the why-line only where it is shown.
        expect(verdict).toEqual({ ...full, why: shown ? full.why : "" });
      });
    }
  });

  it("returns [] when the range is empty", () => {
    expect(evaluateRange(series([]), MONDAY, MONDAY - HOUR, settings())).toEqual([]);
  });

  it("refuses settings that would produce meaningless verdicts", () => {
    const s = series(flat(MONDAY, 10, 1));
    expect(() => evaluateRange(s, MONDAY, MONDAY, settings({ periodSeconds: 86400 }))).toThrow(
      /series has 3600s periods/,
    );
    expect(() => evaluateRange(s, MONDAY, MONDAY, settings({ k: 0 }))).toThrow(/k must be/);
    expect(() => evaluateRange(s, MONDAY, MONDAY, settings({ sigmaFloor: -1 }))).toThrow(
      /sigmaFloor/,
    );
    const odd = series(flat(MONDAY, 10, 1), EGRESS, 5000);
    expect(() =>
      evaluateRange(odd, MONDAY, MONDAY, settings({ periodSeconds: 5000, method: "seasonal" })),
    ).toThrow(/divides a week/);
  });

  it("1,000 normal metrics × 7 periods: a handful of false anomalies at most", () => {
    // How fast this runs is measured by `npm run bench detect-wire`, not asserted here: a timed
    // test fails on a loaded machine and proves nothing about the deployed function.
    const histories = Array.from({ length: 1000 }, (_, m) =>
      series(hourlyHistory(MONDAY + 7 * HOUR, WINDOW + 7, { dailyAmplitude: 0.5, seed: m + 1 })),
    );
    for (const method of ["mean-sd", "seasonal"] as const) {
      const config = settings({ method });
      let anomalous = 0;
      for (const history of histories) {
        const verdicts = evaluateRange(history, MONDAY, MONDAY + 6 * HOUR, config);
        anomalous += verdicts.filter((v) => v.status === "anomalous").length;
      }
      expect(anomalous).toBeLessThan(30);
    }
  });

  it("a 90-day hourly backtest of one metric judges every period", () => {
    const days = 90;
    const points = hourlyHistory(MONDAY, WINDOW + days * 24, { dailyAmplitude: 0.5, seed: 2 });
    for (const method of ["mean-sd", "seasonal"] as const) {
      const verdicts = evaluateRange(
        series(points),
        MONDAY - days * DAY,
        MONDAY - HOUR,
        settings({ method }),
      );
      expect(verdicts).toHaveLength(days * 24);
    }
  });
});

describe("robustSpread (isolated-outlier rule)", () => {
  /** The rule as documented, computed the slow obvious way with simple-statistics. */
  function reference(values: number[]) {
    const center = median(values);
    const mad = medianAbsoluteDeviation(values);
    let kept = values;
    if (values.length >= 20 && mad > 0) {
      const cutoff = 6 * 1.4826 * mad;
      const outliers = values.filter((v) => Math.abs(v - center) > cutoff).length;
      if (outliers > 0 && outliers <= Math.max(1, Math.floor(values.length * 0.02))) {
        kept = values.filter((v) => Math.abs(v - center) <= cutoff);
      }
    }
    return { mean: mean(kept), kept: kept.length };
  }

  it("matches the documented rule on varied windows (shortcuts included)", () => {
    const random = mulberry32(99);
    let leftOutSomewhere = 0;
    for (let trial = 0; trial < 300; trial++) {
      const size = 20 + Math.floor(random() * 700);
      const kind = trial % 5;
      const values = Array.from({ length: size }, () => {
        if (kind === 0) return 1000 + random() * 10; // tight
        if (kind === 1) return random() < 0.9 ? 0 : random() * 100; // mostly zero
        if (kind === 2) return Math.round(random() * 3); // heavy ties
        return 1000 * (1 + 0.1 * (random() - 0.5));
      });
      // Sprinkle a few spikes into the last kinds.
      if (kind >= 3) {
        const spikes = kind === 3 ? 1 + Math.floor(random() * 3) : 30;
        for (let s = 0; s < spikes; s++) values[Math.floor(random() * size)] = 50_000;
      }
      const sorted = [...values].sort((a, b) => a - b);
      const actual = robustSpread(sorted);
      const expected = reference(values);
      expect(actual.kept).toBe(expected.kept);
      expect(actual.mean).toBeCloseTo(expected.mean, 6);
      if (actual.leftOut > 0) leftOutSomewhere++;
    }
    expect(leftOutSomewhere).toBeGreaterThan(20);
  });

  it("never leaves out more than 2 % of the window", () => {
    const values = [
      ...new Array(700).fill(100).map((v, i) => v + (i % 7)),
      ...new Array(20).fill(1e6),
    ];
    const spread = robustSpread(values.sort((a, b) => a - b));
    expect(spread.leftOut).toBe(0);
    expect(spread.kept).toBe(720);
  });
});

describe("robust, auto and the confirmation rule (the shipped defaults)", () => {
  describe("auto: time-of-day baseline in a metric's first weeks", () => {
    const at = MONDAY + 3 * HOUR; // 03:00 UTC: the quiet hour of a cycle peaking at 14:00
    const young = (options: Partial<Parameters<typeof syntheticSeries>[0]>) =>
      hourlyHistory(at, 6 * 24, { base: 1000, noise: 0.03, seed: 21, ...options });
    const auto = { ...DEFAULT_DETECTION_SETTINGS, direction: "both" as const };
    const twoHours = (history: DataPoint[], value: number) =>
      evaluateRange(
        series([...history, { timestamp: at, value }, { timestamp: at + HOUR, value }]),
        at,
        at + HOUR,
        auto,
      );

    it("a strong daily cycle: a day-time level at the quiet hour fires (robust alone does not)", () => {
      const cycling = young({ dailyAmplitude: 0.8 });
      const [first] = twoHours(cycling, 1000);
      expect(first?.status).toBe("anomalous");
      expect(first?.why).toContain("same-hour-of-day");
      expect(first?.why).toContain("auto: strong daily cycle over 6 days");
      const robust = evaluateRange(
        series([...cycling, { timestamp: at, value: 1000 }, { timestamp: at + HOUR, value: 1000 }]),
        at,
        at + HOUR,
        { ...auto, method: "robust" },
      );
      expect(robust.map((v) => v.status)).toEqual(["normal", "normal"]);
      // An ordinary night stays normal on the time-of-day band.
      const quiet = twoHours(cycling, (cycling[cycling.length - 24] as DataPoint).value);
      expect(quiet.map((v) => v.status)).toEqual(["normal", "normal"]);
    });

    it("not before AUTO_MIN_DAYS days of history", () => {
      const cycling = young({ dailyAmplitude: 0.8 }).slice(-2 * 24);
      const [first] = twoHours(cycling, 1000);
      expect(first?.why).toContain("robust: median and quantile spread");
      expect(first?.status).toBe("normal");
    });

    it("a flat metric with bursts stays on robust: its bursts do not page", () => {
      const flat = young({ noise: 0.1 });
      const random = mulberry32(5);
      for (const point of flat) if (random() < 0.05) point.value *= 3;
      const verdicts = twoHours(flat, 2900);
      expect(verdicts[1]?.why).toContain("robust: median and quantile spread");
      expect(verdicts[1]?.why).not.toContain("daily cycle");
      expect(verdicts.map((v) => v.status)).toEqual(["normal", "normal"]);
    });
  });

  /** Hourly values 100, 101, …, 109 repeating, up to (excluding) `end`. */
  function sawtooth(end: number, periods: number): DataPoint[] {
    return Array.from({ length: periods }, (_, i) => ({
      timestamp: end - (periods - i) * HOUR,
      value: 100 + (i % 10),
    }));
  }

  it("robust: expected is the window's median and σ the larger of IQR/1.349 and (q99 − q1)/4.653", () => {
    const at = MONDAY + 40 * DAY;
    const points = sawtooth(at, WINDOW);
    // An old 50× spike: it moves neither the median nor the quantiles.
    (points[10] as DataPoint).value = 5000;
    const verdict = evaluatePeriod(series([...points, { timestamp: at, value: 104 }]), at, {
      ...DEFAULT_DETECTION_SETTINGS,
      method: "robust",
    });
    const window = points.map((p) => p.value).sort((a, b) => a - b);
    const q = (p: number) => {
      const position = p * (window.length - 1);
      const below = Math.floor(position);
      const low = window[below] as number;
      return low + (position - below) * ((window[below + 1] as number) - low);
    };
    expect(verdict.expected).toBe(q(0.5));
    expect(verdict.sigma).toBeCloseTo(
      Math.max((q(0.75) - q(0.25)) / 1.349, (q(0.99) - q(0.01)) / 4.6527),
      9,
    );
    expect(verdict.status).toBe("normal");
    expect(verdict.why).toContain("robust: median and quantile spread of 720 hourly periods");
  });

  it("a moderate deviation must last confirmPeriods periods; an extreme one alerts at once, whatever the minimum change", () => {
    const at = MONDAY + 40 * DAY;
    const base = sawtooth(at, WINDOW);
    const robust = { ...DEFAULT_DETECTION_SETTINGS, method: "robust" as const };
    // σ ≈ 3.2 here: 130 is ~7σ above 104.5 (beyond k = 4, below criticalK = 9).
    const once = evaluateRange(series([...base, { timestamp: at, value: 130 }]), at, at, robust);
    expect(once[0]?.status).toBe("normal");
    expect(once[0]?.why).toMatch(/^not yet confirmed: .* 1 of 2 periods in a row beyond it/);
    const twice = evaluateRange(
      series([...base, { timestamp: at, value: 130 }, { timestamp: at + HOUR, value: 130 }]),
      at,
      at + HOUR,
      robust,
    );
    expect(twice.map((v) => v.status)).toEqual(["normal", "anomalous"]);
    expect(twice[1]?.why).toContain("2 periods in a row");
    // 100× the usual: anomalous at once, even when a minimum change widens σ below criticalK.
    const burst = evaluateRange(series([...base, { timestamp: at, value: 10_000 }]), at, at, {
      ...robust,
      minAbsoluteDelta: 5000,
    });
    expect(burst[0]?.status).toBe("anomalous");
  });

  it("confirmWithin: a moderate deviation recurring within the duration is confirmed; a lone one and one recurring later are not", () => {
    const at = MONDAY + 40 * DAY;
    const base = sawtooth(at, WINDOW);
    const inARow = {
      ...DEFAULT_DETECTION_SETTINGS,
      method: "robust" as const,
      confirmWithinSeconds: 0,
    };
    const within3h = { ...inARow, confirmWithinSeconds: 3 * 3600 };
    // σ ≈ 3.2: 130 is ~7σ above 104.5 (beyond k, below criticalK), 104 is ordinary.
    const flicker = (gap: number) =>
      series([
        ...base,
        { timestamp: at, value: 130 },
        ...Array.from({ length: gap }, (_, i) => ({ timestamp: at + (i + 1) * HOUR, value: 104 })),
        { timestamp: at + (gap + 1) * HOUR, value: 130 },
      ]);
    const last = (gap: number) => at + (gap + 1) * HOUR;
    expect(evaluateRange(flicker(1), at, last(1), inARow).map((v) => v.status)).toEqual([
      "normal",
      "normal",
      "normal",
    ]);
    const confirmed = evaluateRange(flicker(1), at, last(1), within3h);
    expect(confirmed.map((v) => v.status)).toEqual(["normal", "normal", "anomalous"]);
    expect(confirmed[2]?.why).toContain("2 of the last 3 periods beyond it");
    expect(confirmed[0]?.why).toMatch(
      /^not yet confirmed: .* 1 of 2 periods of the last 3 beyond it/,
    );
    // Three hours apart: outside the 3-hour duration, still a lone deviation each time.
    expect(evaluateRange(flicker(3), at, last(3), within3h).map((v) => v.status)).not.toContain(
      "anomalous",
    );
  });

  it("quietSlotPrior: a burst at a quiet hour of a strongly daily, noisy metric stands out; ordinary quiet hours stay quiet", () => {
    const end = MONDAY + 40 * DAY;
    // Peak 1.9×, night 0.1× the base, 30 % noise: the pooled band is the window-average level's.
    const points = hourlyHistory(end, 40 * 24, { dailyAmplitude: 0.9, noise: 0.3, seed: 5 });
    // extremeSeenBefore off: its tail is one number for every hour (see below).
    const seasonal = {
      ...DEFAULT_DETECTION_SETTINGS,
      method: "seasonal" as const,
      extremeSeenBefore: 0,
    };
    const off = { ...seasonal, quietSlotPrior: 0 };
    const on = { ...seasonal, quietSlotPrior: 10 };
    const night = end - DAY + 3 * HOUR; // 03:00 UTC, the quiet hour
    const level = (points.find((p) => p.timestamp === night) as DataPoint).value;
    const burst = series(withValue(points, night, 8 * level));
    const [before] = evaluateRange(burst, night, night, off);
    const [after] = evaluateRange(burst, night, night, on);
    expect(before?.status).toBe("normal");
    expect(Math.abs(before?.z ?? 0)).toBeLessThan(5);
    expect(after?.status).toBe("anomalous");
    expect(after?.why).toContain("quiet time of day: band from");
    expect(after?.sigma ?? Number.POSITIVE_INFINITY).toBeLessThan(before?.sigma ?? 0);
    // Known limit: the extremeSeenBefore tail is pooled over every hour, and this metric's peak-hour
    // noise goes further than the night burst, so with it on a single such burst must persist.
    const [pooledTail] = evaluateRange(burst, night, night, { ...on, extremeSeenBefore: 5 });
    expect(pooledTail?.status).toBe("normal");
    expect(pooledTail?.why).toMatch(/so it must persist$/);
    // The week before, without the burst: no more anomalies than without the rule (none here).
    const week = evaluateRange(series(points), end - 8 * DAY, end - DAY - HOUR, on);
    expect(week.filter((v) => v.status === "anomalous")).toHaveLength(0);
    // A busy hour keeps the pooled band.
    const busy = end - DAY + 14 * HOUR;
    const [peakOff] = evaluateRange(series(points), busy, busy, off);
    const [peakOn] = evaluateRange(series(points), busy, busy, on);
    expect(peakOn?.sigma).toBe(peakOff?.sigma);
  });

  it("auto: robust (or time-of-day on a daily cycle) until 3 weeks of same-hour history, then seasonal", () => {
    const points = hourlyHistory(MONDAY + 40 * DAY, 40 * 24, { dailyAmplitude: 0.5, seed: 3 });
    const young = MONDAY + 20 * DAY; // 2 weeks of history before it (the series starts at day 0)
    const old = MONDAY + 39 * DAY;
    const start = (points[0] as DataPoint).timestamp;
    const [early] = evaluateRange(series(points), young, young, DEFAULT_DETECTION_SETTINGS);
    const [late] = evaluateRange(series(points), old, old, DEFAULT_DETECTION_SETTINGS);
    expect(Math.floor((young - start) / (7 * DAY))).toBeLessThan(3);
    // A strong daily cycle: the time-of-day baseline until the weekly one has 3 weeks.
    expect(early?.why).toMatch(
      /seasonal over .*same-hour-of-day.*; auto: strong daily cycle over 20 days, 2 of 3 weeks for seasonal/,
    );
    const acyclic = hourlyHistory(MONDAY + 40 * DAY, 40 * 24, { noise: 0.1, seed: 3 });
    const [flat] = evaluateRange(series(acyclic), young, young, DEFAULT_DETECTION_SETTINGS);
    expect(flat?.why).toMatch(/robust: .*; auto: 2 of 3 weeks for seasonal/);
    expect(late?.why).toMatch(/seasonal over .*; auto: [3-9] weeks of history/);
  });
});
