import { describe, expect, it } from "vitest";
import { binomialUpperTail } from "../../src/domain/baseline/excursion-density.ts";
import { evaluateRange } from "../../src/domain/baseline.ts";
import {
  DEFAULT_DETECTION_SETTINGS,
  type DetectionSettings,
  type Verdict,
} from "../../src/domain/detection.ts";
import { buildEpisodes } from "../../src/domain/episodes.ts";
import type { MetricIdentity } from "../../src/domain/metric.ts";
import { RULE_TEST_AT, sawtoothThen, seriesFrom } from "../support/series.ts";

const HOUR = 3_600_000;

const EGRESS: MetricIdentity = {
  namespace: "AWS/EC2",
  metricName: "NetworkOut",
  dimensions: { InstanceId: "i-0abc" },
  stat: "Sum",
};

/** The rule alone: 2.5σ excursions counted over 6 h; the level-shift rule off. */
const DENSITY: DetectionSettings = {
  ...DEFAULT_DETECTION_SETTINGS,
  method: "robust",
  direction: "up",
  levelShiftBand: 0,
  densityBand: 0.5,
  densitySeconds: 6 * 3600,
};

function judgeAll(
  after: readonly number[],
  settings = DENSITY,
  replace?: (period: number) => number | undefined,
): Verdict[] {
  const series = seriesFrom(EGRESS, 3600, sawtoothThen(after, replace));
  return evaluateRange(series, RULE_TEST_AT, RULE_TEST_AT + (after.length - 1) * HOUR, settings);
}

// 120 on the 100 … 109 sawtooth (median 104.5, robust σ ≈ 3.3) is ~4.7σ: inside the 5σ band,
// beyond the 2.5σ excursion threshold; the 30-day window never went there.
const BURST = 120;
const QUIET = 104;

describe("excursion-density rule", () => {
  // The stretch is part of the window too: at the 4th burst in 6 h the window holds 3, so the
  // share is (3 + 1) / 722 and P(≥ 4 of 6) ≈ 15 · 0.0055⁴ ≈ 1e-8; at the 3rd it is ≈ 1.4e-6.
  it("moderate bursts that become frequent are anomalous at the fourth in 6 h, as a warning that says why", () => {
    const after = [QUIET, BURST, BURST, QUIET, BURST, BURST, QUIET, BURST];
    const verdicts = judgeAll(after);
    expect(verdicts.map((v) => v.status)).toEqual([
      ...Array(5).fill("normal"),
      "anomalous",
      "normal",
      "anomalous",
    ]);
    // Each burst alone is inside the band: without the rule nothing is flagged.
    const off = judgeAll(after, { ...DENSITY, densityBand: 0 });
    expect(off.every((v) => v.status === "normal")).toBe(true);
    expect(off[1]?.why).toMatch(/^within band/);

    const third = verdicts[5] as Verdict;
    expect(third.z).toBeGreaterThan(2.5);
    expect(third.z).toBeLessThan(5);
    expect(third.rule).toBe("excursion-density");
    expect(third.severity).toBe("warning");
    expect(third.why).toMatch(
      /^excursions up more frequent: 4 of the last 6 h beyond 11\d(\.\d+)? \(2\.5σ; robust: median and quantile spread of 720 hourly periods\); its 720-period baseline has ~0\.0\d+ per 6 h \(chance below 0\.000001\): observed 120 is 4\.\dσ above expected 10[45](\.5)?; stays a warning$/,
    );
  });

  it("a day of frequent bursts stays one warning episode: the rule does not escalate through sustainedPeriods", () => {
    const day = judgeAll(Array.from({ length: 24 }, (_, i) => (i % 3 ? BURST : QUIET)));
    const flagged = day.filter((v) => v.status === "anomalous");
    expect(flagged.length).toBeGreaterThanOrEqual(DENSITY.sustainedPeriods);
    expect(flagged.every((v) => v.rule === "excursion-density")).toBe(true);
    const episodes = buildEpisodes(day, DENSITY);
    expect(episodes).toHaveLength(1);
    expect(episodes[0]?.severity).toBe("warning");
  });

  it("a metric that was always that spiky is not flagged: its window has the same share of bursts", () => {
    // Every 20th hour of the 30 days went to 150 (robust σ ≈ 10.7 then, so 150 is ~4σ: an
    // excursion inside the band); 4 of 6 hours at a 5 % share is P ≈ 1e-4, not improbable.
    const SPIKE = 150;
    const after = [QUIET, SPIKE, SPIKE, QUIET, SPIKE, SPIKE, QUIET, SPIKE];
    const verdicts = judgeAll(after, DENSITY, (i) => (i % 20 === 0 ? SPIKE : undefined));
    const bursts = verdicts.filter((v) => v.observed === SPIKE);
    // The bursts are still excursions against its (wider) band, so the rule did look at them.
    expect(bursts.every((v) => (v.z ?? 0) > 0.5 * DENSITY.k)).toBe(true);
    expect(verdicts.every((v) => v.status === "normal")).toBe(true);
  });

  it("a one-off burst, or two in 6 h, is not flagged", () => {
    expect(judgeAll([QUIET, BURST, QUIET, QUIET]).every((v) => v.status === "normal")).toBe(true);
    const two = judgeAll([QUIET, BURST, QUIET, BURST, QUIET, QUIET, QUIET, QUIET]);
    // Three in 6 h, alternating: P ≈ 1.4e-6 against the window's share, not below 1e-6.
    const three = judgeAll([QUIET, BURST, QUIET, BURST, QUIET, BURST, QUIET, QUIET]);
    expect(three.every((v) => v.status === "normal")).toBe(true);
    expect(two.every((v) => v.status === "normal")).toBe(true);
  });

  it("is off by default", () => {
    expect(DEFAULT_DETECTION_SETTINGS.densityBand).toBe(0);
    const defaults = {
      ...DEFAULT_DETECTION_SETTINGS,
      method: "robust" as const,
      levelShiftBand: 0,
    };
    const verdicts = judgeAll([QUIET, BURST, BURST, QUIET, BURST, BURST, QUIET, BURST], defaults);
    expect(verdicts.every((v) => v.status === "normal")).toBe(true);
  });
});

describe("binomialUpperTail", () => {
  it("matches the distribution summed directly", () => {
    const direct = (k: number, n: number, p: number) => {
      let total = 0;
      for (let i = k; i <= n; i++) {
        let choose = 1;
        for (let j = 0; j < i; j++) choose = (choose * (n - j)) / (j + 1);
        total += choose * p ** i * (1 - p) ** (n - i);
      }
      return total;
    };
    for (const [k, n, p] of [
      [1, 6, 0.1],
      [2, 3, 0.5],
      [3, 6, 1 / 722],
      [10, 72, 0.02],
      [40, 288, 0.05],
    ] as const) {
      expect(binomialUpperTail(k, n, p)).toBeCloseTo(direct(k, n, p), 12);
      expect(binomialUpperTail(k, n, p) / direct(k, n, p)).toBeCloseTo(1, 9);
    }
    expect(binomialUpperTail(0, 5, 0.2)).toBe(1);
    expect(binomialUpperTail(6, 5, 0.2)).toBe(0);
  });
});
