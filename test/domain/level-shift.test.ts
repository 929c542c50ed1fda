import { describe, expect, it } from "vitest";
import { evaluateRange } from "../../src/domain/baseline.ts";
import {
  DEFAULT_DETECTION_SETTINGS,
  type DetectionSettings,
  type Verdict,
} from "../../src/domain/detection.ts";
import { buildEpisodes } from "../../src/domain/episodes.ts";
import type { DataPoint, MetricIdentity } from "../../src/domain/metric.ts";
import { RULE_TEST_AT, sawtoothThen, seriesFrom } from "../support/series.ts";

const HOUR = 3_600_000;
const AT = RULE_TEST_AT;

const TEMPERATURE: MetricIdentity = {
  namespace: "Factory",
  metricName: "MachineTemperature",
  dimensions: { Machine: "press-4" },
  stat: "Average",
};

/** 30 days of the sawtooth (median 104.5, robust σ ≈ 3.3), then `after`, hourly. */
function history(after: readonly number[]): DataPoint[] {
  return sawtoothThen(after);
}

const ROBUST: DetectionSettings = {
  ...DEFAULT_DETECTION_SETTINGS,
  method: "robust",
  direction: "both",
  k: 5,
  levelShiftBand: 0.6,
  levelShiftSeconds: 6 * 3600,
};

function judgeAll(after: readonly number[], settings = ROBUST): Verdict[] {
  const series = seriesFrom(TEMPERATURE, 3600, history(after));
  return evaluateRange(series, AT, AT + (after.length - 1) * HOUR, settings);
}

describe("level-shift rule", () => {
  // 4σ below the median: beyond 3σ (the shift threshold), inside the 5σ band.
  const shifted = 104.5 - 4 * 3.3;

  it("a moderate drop that lasts the shift duration is anomalous at its 6th hour, said so in the why", () => {
    const verdicts = judgeAll(Array(8).fill(shifted));
    expect(verdicts.map((v) => v.status)).toEqual([
      ...Array(5).fill("normal"),
      "anomalous",
      "anomalous",
      "anomalous",
    ]);
    expect(verdicts[4]?.why).toMatch(/^within band/);
    const first = verdicts[5] as Verdict;
    expect(first.z).toBeGreaterThan(-5);
    expect(first.z).toBeLessThan(-3);
    expect(first.severity).toBe("warning");
    expect(first.why).toMatch(
      /^level shift down for 6 h: observed 91\.3 is [34]\.\dσ below expected 10[45](\.5)?, every period of the last 6 h beyond 9\d\.\d+ \(3σ; robust: median and quantile spread of 720 hourly periods\); a shift inside the 5σ band stays a warning, however long it lasts$/,
    );
    expect(first.rule).toBe("level-shift");
    // One incident, one alert: the shift is a single episode.
    expect(buildEpisodes(verdicts, ROBUST)).toHaveLength(1);
  });

  it("a shift that lasts a day stays one warning episode; past the band for sustainedPeriods it escalates", () => {
    const day = judgeAll(Array(24).fill(shifted));
    const [episode] = buildEpisodes(day, ROBUST);
    expect(episode?.anomalousPeriods).toBe(19);
    expect(episode?.severity).toBe("warning");
    expect(day.filter((v) => v.status === "anomalous").every((v) => v.rule === "level-shift")).toBe(
      true,
    );

    // The same shift, then four hours 7σ below (past the 5σ band, under criticalK 9). The first is
    // not yet confirmed by the band (confirmPeriods 2), so the shift rule still names it; the third
    // band period makes the episode critical.
    const deeper = judgeAll([...Array(8).fill(shifted), ...Array(4).fill(104.5 - 7 * 3.3)]);
    expect(deeper.slice(-4).map((v) => v.rule)).toEqual(["level-shift", "band", "band", "band"]);
    expect(deeper.slice(-4).every((v) => v.severity === "warning")).toBe(true);
    expect(buildEpisodes(deeper.slice(0, -1), ROBUST)[0]?.severity).toBe("warning");
    expect(buildEpisodes(deeper, ROBUST)[0]?.severity).toBe("critical");
  });

  it("does not fire when the run is shorter than the duration, broken by one normal period, or below levelShiftBand·k", () => {
    expect(judgeAll(Array(5).fill(shifted)).map((v) => v.status)).not.toContain("anomalous");
    const broken = [shifted, shifted, shifted, 104, shifted, shifted, shifted];
    expect(judgeAll(broken).map((v) => v.status)).not.toContain("anomalous");
    // 2σ below: within the shift threshold however long it lasts.
    const small = judgeAll(Array(12).fill(104.5 - 2 * 3.3));
    expect(small.map((v) => v.status)).not.toContain("anomalous");
  });

  it("is off at levelShiftBand 0, and respects direction and the minimum change", () => {
    const long = Array(8).fill(shifted);
    expect(judgeAll(long, { ...ROBUST, levelShiftBand: 0 }).at(-1)?.status).toBe("normal");
    expect(judgeAll(long, { ...ROBUST, direction: "up" }).at(-1)?.status).toBe("normal");
    expect(judgeAll(long, { ...ROBUST, minAbsoluteDelta: 20 }).at(-1)?.status).toBe("normal");
    const up = judgeAll(Array(8).fill(104.5 + 4 * 3.3), { ...ROBUST, direction: "up" });
    expect(up.at(-1)?.status).toBe("anomalous");
    expect(up.at(-1)?.why).toMatch(/^level shift up for 6 h/);
  });

  it("counts the duration in whole periods of the metric: 6 h is 72 five-minute periods", () => {
    const fiveMinutes = 300_000;
    const points = [
      ...Array.from({ length: 30 * 288 }, (_, i) => ({
        timestamp: AT - (30 * 288 - i) * fiveMinutes,
        value: 100 + (i % 10),
      })),
      ...Array.from({ length: 73 }, (_, i) => ({
        timestamp: AT + i * fiveMinutes,
        value: shifted,
      })),
    ];
    const settings = { ...ROBUST, periodSeconds: 300 };
    const verdicts = evaluateRange(
      seriesFrom(TEMPERATURE, 300, points),
      AT,
      AT + 72 * fiveMinutes,
      settings,
    );
    expect(verdicts.findIndex((v) => v.status === "anomalous")).toBe(71);
  });
});
