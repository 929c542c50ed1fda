import { describe, expect, it } from "vitest";
import { evaluateRange } from "../../src/domain/baseline.ts";
import {
  DEFAULT_DETECTION_SETTINGS,
  type DetectionSettings,
  type Verdict,
} from "../../src/domain/detection.ts";
import type { DataPoint, MetricIdentity } from "../../src/domain/metric.ts";
import { rejudgeStatuses } from "../../src/domain/tune.ts";
import { RULE_TEST_AT, sawtoothThen, seriesFrom } from "../support/series.ts";

const HOUR = 3_600_000;
const AT = RULE_TEST_AT;

const CALLS: MetricIdentity = {
  namespace: "AWS/Usage",
  metricName: "CallCount",
  dimensions: { Service: "S3", Type: "API" },
  stat: "Sum",
};

/**
 * 30 days of the sawtooth (median 104.5, robust σ ≈ 3.3) with `bursts` one-hour bursts to `burst`
 * spread over the window (fewer than 1 %, so the quantile σ does not see them), then `after`, hourly.
 */
function history(bursts: number, burst: number, after: readonly number[]): DataPoint[] {
  return sawtoothThen(after, (i) => (i % 100 === 50 && i / 100 < bursts ? burst : undefined));
}

const ROBUST: DetectionSettings = {
  ...DEFAULT_DETECTION_SETTINGS,
  method: "robust",
  direction: "both",
  k: 5,
  seenBefore: 5,
  // The band's tail alone; extremeSeenBefore has its own test below.
  extremeSeenBefore: 0,
};

function judgeAll(points: DataPoint[], last: number, settings = ROBUST): Verdict[] {
  return evaluateRange(seriesFrom(CALLS, 3600, points), AT, AT + last * HOUR, settings);
}

describe("seen-before band (seenBefore)", () => {
  it("a burst the window already reached seenBefore times is normal, and the why says so", () => {
    const [verdict] = judgeAll(history(6, 150, [150]), 0);
    expect(verdict?.status).toBe("normal");
    // Without the rule the same burst is an extreme anomaly (z ≈ 14).
    expect(verdict?.z).toBeGreaterThan(9);
    expect(verdict?.upperThreshold).toBe(150);
    expect(verdict?.tailUp).toBe(150 - (verdict?.expected ?? 0));
    expect(verdict?.why).toMatch(
      /^seen before: observed 150 is 1\d\.\dσ above expected 10[45](\.5)?, inside its usual bursts \(threshold 150; widened from 12\d(\.\d+)? \(5σ\): its 720-period baseline went this far 5 times, robust: /,
    );
    const [off] = judgeAll(history(6, 150, [150]), 0, {
      ...ROBUST,
      seenBefore: 0,
      extremeSeenBefore: 0,
    });
    expect(off?.status).toBe("anomalous");
  });

  it("extremeSeenBefore: past criticalK, a burst the window made that often must persist; a bigger one pages at once", () => {
    const settings = { ...ROBUST, seenBefore: 0, extremeSeenBefore: 5 };
    // Six earlier bursts to 150: a seventh single one is routine for this metric.
    const [routine] = judgeAll(history(6, 150, [150]), 0, settings);
    expect(routine?.z).toBeGreaterThan(9);
    expect(routine?.status).toBe("normal");
    expect(routine?.extremeUp).toBe(150 - (routine?.expected ?? 0));
    expect(routine?.why).toMatch(
      new RegExp(
        `^not yet confirmed: .*; past extremeK ${settings.extremeK}σ, but its window went this far 5 times, so it must persist$`,
      ),
    );
    // The same burst held for two periods is confirmed like any other, and critical by its z.
    const held = judgeAll(history(6, 150, [150, 150]), 1, settings);
    expect(held.map((v) => v.status)).toEqual(["normal", "anomalous"]);
    expect(held[1]?.severity).toBe("critical");
    // Bigger than all but four of them (an exfiltration after routine bursts): at once.
    const [bigger] = judgeAll(history(6, 150, [180]), 0, settings);
    expect(bigger?.status).toBe("anomalous");
    expect(bigger?.severity).toBe("critical");
    // Four earlier bursts only: the window did not go there 5 times, so 150 is extreme at once.
    const [rare] = judgeAll(history(4, 150, [150]), 0, settings);
    expect(rare?.status).toBe("anomalous");
  });

  it("fires when the window went that far fewer than seenBefore times", () => {
    const [verdict] = judgeAll(history(4, 150, [150]), 0);
    expect(verdict?.status).toBe("anomalous");
    expect(verdict?.severity).toBe("critical");
    expect(verdict?.why).not.toMatch(/widened/);
  });

  it("a larger burst after many smaller ones (exfiltration after routine bursts) pages at once", () => {
    const [verdict] = judgeAll(history(7, 150, [180]), 0);
    expect(verdict?.status).toBe("anomalous");
    expect(verdict?.severity).toBe("critical");
    expect(verdict?.why).toMatch(
      /^observed 180 is 2\d\.\dσ above expected 105 \(threshold 150; widened from 12\d(\.\d+)? \(5σ\): its 720-period baseline went this far 5 times, at once: past extremeK 7σ, robust: /,
    );
  });

  it("widens each side on its own: routine bursts up do not hide a drop", () => {
    const verdicts = judgeAll(history(6, 150, [60, 60]), 1);
    expect(verdicts.map((v) => v.status)).toEqual(["anomalous", "anomalous"]);
    const [drop] = verdicts as [Verdict];
    expect(drop.lowerThreshold).toBeCloseTo((drop.expected ?? 0) - 5 * (drop.sigma ?? 0), 6);
  });

  it("leaves a metric without a heavy tail on its k·σ band", () => {
    const [verdict] = judgeAll(history(0, 0, [140]), 0);
    expect(verdict?.status).toBe("anomalous");
    expect(verdict?.upperThreshold).toBeCloseTo(104.5 + 5 * (verdict?.sigma ?? 0), 6);
  });

  it("on seasonal, measures the tail per time of day: routine peak-hour bursts do not hide an 8× burst at a quiet hour", () => {
    // Five weeks hourly: 100 at night (00–07 UTC), 1,000 by day, ±3 % wiggle; a +600 burst at 14:00
    // on 8 days of the last 30.
    const days = 35;
    const points: DataPoint[] = [];
    const start = AT - days * 24 * HOUR;
    for (let i = 0; i < days * 24 + 24; i++) {
      const hour = i % 24;
      const level = hour < 8 ? 100 : 1000;
      const day = Math.floor(i / 24);
      let value = level * (1 + 0.03 * Math.sin(i * 1.7));
      if (hour === 14 && day >= days - 24 && day % 3 === 0 && day < days) value += 600;
      points.push({ timestamp: start + i * HOUR, value });
    }
    const settings: DetectionSettings = { ...ROBUST, method: "seasonal" };
    const at = (hour: number, value: number) =>
      evaluateRange(
        seriesFrom(
          CALLS,
          3600,
          points.map((p) => (p.timestamp === AT + hour * HOUR ? { ...p, value } : p)),
        ),
        AT + hour * HOUR,
        AT + hour * HOUR,
        settings,
      )[0] as Verdict;
    // A peak-hour burst a little smaller than the routine ones is seen before...
    const peak = at(14, 1550);
    expect(peak.z).toBeGreaterThan(9);
    expect(peak.status).toBe("normal");
    expect(peak.why).toMatch(
      /^seen before: .*its 720-period baseline went this far 5 times, seasonal/,
    );
    // ...a larger one is not, and an 8× burst at a quiet hour pages: the tail is how far the
    // window rose above the usual value of its slot, not the height of the daytime peaks.
    expect(at(14, 1800).status).toBe("anomalous");
    const night = at(3, 800);
    expect(night.status).toBe("anomalous");
    expect(night.upperThreshold).toBeLessThan(800);
  });

  it("vigil tune re-judges it from the stored tails for other k", () => {
    const verdicts = judgeAll(history(6, 150, [150, 104]), 1, {
      ...ROBUST,
      sigmaFloor: 0,
      relativeSigmaFloor: 0,
    });
    for (const k of [3, 5, 20]) {
      const settings = { ...ROBUST, k };
      const engine = judgeAll(history(6, 150, [150, 104]), 1, settings).map((v) => v.status);
      expect(rejudgeStatuses(verdicts, settings)).toEqual(engine);
    }
    // At k = 20 the band is past the tail: the k·σ band decides again.
    expect(rejudgeStatuses(verdicts, { ...ROBUST, k: 20 })).toEqual(["normal", "normal"]);
  });
});
