import { describe, expect, it } from "vitest";
import {
  type DetectionSettings,
  rearmQuietPeriods,
  type Verdict,
  type VerdictStatus,
} from "../../src/domain/detection.ts";
import { buildEpisodes, episodeStartSeen } from "../../src/domain/episodes.ts";
import type { MetricIdentity } from "../../src/domain/metric.ts";
import { MEAN_SD_SETTINGS } from "../support/mean-sd-settings.ts";

const HOUR = 3_600_000;
const T0 = Date.UTC(2025, 5, 2);
const METRIC: MetricIdentity = {
  namespace: "AWS/S3",
  metricName: "BytesDownloaded",
  dimensions: { BucketName: "analytics", FilterId: "EntireBucket" },
  stat: "Sum",
};
// k = 3, criticalK = 6, sustainedPeriods = 3, rearmQuietPeriods = 3, direction "up".
const SETTINGS: DetectionSettings = { ...MEAN_SD_SETTINGS };

/** Compact timeline: "A" anomalous (z 4), "C" anomalous (z 7), "S" anomalous by the level-shift rule
 *  alone (z 2, inside the band), "n" normal (z 0.5), "l" normal but near the threshold (z 2.9),
 *  "-" no-data, "?" insufficient-data. */
function timeline(pattern: string, metric = METRIC): Verdict[] {
  return [...pattern].map((symbol, i) => {
    const z = { A: 4, C: 7, S: 2, n: 0.5, l: 2.9, "-": null, "?": null }[symbol];
    if (z === undefined) throw new Error(`unknown symbol ${symbol}`);
    const period = verdict(i, statusOf(symbol), z, metric);
    if (symbol === "S") period.rule = "level-shift";
    else if (period.status === "anomalous") period.rule = "band";
    return period;
  });
}

function statusOf(symbol: string): VerdictStatus {
  if (symbol === "A" || symbol === "C" || symbol === "S") return "anomalous";
  if (symbol === "-") return "no-data";
  if (symbol === "?") return "insufficient-data";
  return "normal";
}

function verdict(index: number, status: VerdictStatus, z: number | null, metric = METRIC): Verdict {
  const anomalous = status === "anomalous";
  return {
    metric,
    timestamp: T0 + index * HOUR,
    periodSeconds: 3600,
    status,
    observed: z === null ? null : 100 + 10 * z,
    expected: z === null ? null : 100,
    sigma: z === null ? null : 10,
    z,
    upperThreshold: z === null ? null : 130,
    lowerThreshold: null,
    severity: anomalous ? (Math.abs(z ?? 0) >= 6 ? "critical" : "warning") : null,
    why: "test",
    baselinePeriods: 720,
  };
}

describe("buildEpisodes", () => {
  it("consecutive anomalies form one episode", () => {
    const episodes = buildEpisodes(timeline("nnAAnnnn"), SETTINGS);
    expect(episodes).toHaveLength(1);
    expect(episodes[0]).toMatchObject({
      start: T0 + 2 * HOUR,
      end: T0 + 3 * HOUR,
      anomalousPeriods: 2,
      severity: "warning",
      open: false,
      metric: METRIC,
    });
  });

  it("stays open through fewer than rearmQuietPeriods normal periods", () => {
    const episodes = buildEpisodes(timeline("AnnAnnA"), SETTINGS);
    expect(episodes).toHaveLength(1);
    expect(episodes[0]?.anomalousPeriods).toBe(3);
    expect(episodes[0]?.end).toBe(T0 + 6 * HOUR);
    expect(episodes[0]?.open).toBe(true);
  });

  it("is re-armed after rearmQuietPeriods normal periods: the next anomaly is a new episode", () => {
    const episodes = buildEpisodes(timeline("AAnnnAn"), SETTINGS);
    expect(episodes).toHaveLength(2);
    expect(episodes[0]).toMatchObject({ start: T0, end: T0 + HOUR, open: false });
    expect(episodes[1]).toMatchObject({ start: T0 + 5 * HOUR, end: T0 + 5 * HOUR, open: true });
  });

  it("any normal period counts toward closing, however close to the threshold", () => {
    // Detection re-evaluates only sustainedPeriods + rearmQuietPeriods periods per run, so closing must not
    // depend on anything older than the last rearmQuietPeriods periods.
    expect(buildEpisodes(timeline("AlllA"), SETTINGS)).toHaveLength(2);
    expect(buildEpisodes(timeline("Alll"), SETTINGS)[0]?.open).toBe(false);
  });

  it("honours a different rearm duration", () => {
    const settings = { ...SETTINGS, rearmQuietSeconds: 5 * SETTINGS.periodSeconds };
    expect(buildEpisodes(timeline("AnnnnA"), settings)).toHaveLength(1);
    expect(buildEpisodes(timeline("AnnnnnA"), settings)).toHaveLength(2);
  });

  it("counts the rearm duration in the metric's own periods (a part period counts whole)", () => {
    // 4 h: four quiet hours close an hourly episode; on a daily metric one quiet day does.
    const hourly = { ...SETTINGS, periodSeconds: 3600, rearmQuietSeconds: 4 * 3600 };
    expect(rearmQuietPeriods(hourly)).toBe(4);
    expect(rearmQuietPeriods({ ...hourly, periodSeconds: 300 })).toBe(48);
    expect(rearmQuietPeriods({ ...hourly, periodSeconds: 86_400 })).toBe(1);
    expect(rearmQuietPeriods({ ...hourly, rearmQuietSeconds: 90 * 60 })).toBe(2);
    expect(buildEpisodes(timeline("AnnnA"), hourly)).toHaveLength(1);
    expect(buildEpisodes(timeline("AnnnnA"), hourly)).toHaveLength(2);
  });

  it("escalates to critical once sustained for sustainedPeriods anomalous periods", () => {
    expect(buildEpisodes(timeline("AAnn"), SETTINGS)[0]?.severity).toBe("warning");
    expect(buildEpisodes(timeline("AAA"), SETTINGS)[0]?.severity).toBe("critical");
    // A short blip inside the episode does not reset the count.
    expect(buildEpisodes(timeline("AAnA"), SETTINGS)[0]?.severity).toBe("critical");
  });

  it("escalates only when sustainedPeriods band periods fall within one look-back (what detect re-reads)", () => {
    // Look-back: sustainedPeriods 3 + rearmQuietPeriods 3 = 6 periods before the judged one.
    // Band periods 6 apart, the episode kept open by a level shift between them: 3 in one look-back.
    expect(buildEpisodes(timeline("ASSSSSASSSSSA"), SETTINGS)[0]?.severity).toBe("warning");
    expect(buildEpisodes(timeline("ASSASSA"), SETTINGS)[0]?.severity).toBe("critical");
    // 8 apart: one episode of 17 periods with 3 band periods, never 3 within a look-back: detect
    // never sees them together, so it never pages, and neither does backtest.
    const scattered = buildEpisodes(timeline("ASSSSSSSASSSSSSSA"), SETTINGS);
    expect(scattered).toHaveLength(1);
    expect(scattered[0]?.anomalousPeriods).toBe(17);
    expect(scattered[0]?.severity).toBe("warning");
  });

  it("says whether a look-back shows where its last episode began", () => {
    const seen = (pattern: string) => {
      const verdicts = timeline(pattern);
      const episode = buildEpisodes(verdicts, SETTINGS).at(-1);
      if (!episode) throw new Error("no episode");
      return episodeStartSeen(verdicts, episode, SETTINGS);
    };
    // rearmQuietPeriods (3) normal periods before it: nothing older can be part of it.
    expect(seen("nnnAnn")).toBe(true);
    // An earlier episode closed inside the look-back.
    expect(seen("AnnnA")).toBe(true);
    // Fewer normal periods before it (or only unjudged ones): it may have begun earlier.
    expect(seen("nnAnn")).toBe(false);
    expect(seen("---Ann")).toBe(false);
  });

  it("a level shift stays a warning however long it lasts; band periods inside it still escalate", () => {
    const shift = buildEpisodes(timeline("SSSSSSSSSSSS"), SETTINGS);
    expect(shift).toHaveLength(1);
    expect(shift[0]?.severity).toBe("warning");
    expect(shift[0]?.anomalousPeriods).toBe(12);
    // Two band periods are not sustained, with or without a shift around them.
    expect(buildEpisodes(timeline("SSAASS"), SETTINGS)[0]?.severity).toBe("warning");
    // The third band period escalates, whether or not the shift came first.
    expect(buildEpisodes(timeline("SSSASASA"), SETTINGS)[0]?.severity).toBe("critical");
    // A period past criticalK escalates at once.
    expect(buildEpisodes(timeline("SSSSC"), SETTINGS)[0]?.severity).toBe("critical");
    // A verdict without a rule (older callers) counts as the band, as before.
    const unmarked = timeline("AAA").map(({ rule: _rule, ...rest }) => rest);
    expect(buildEpisodes(unmarked, SETTINGS)[0]?.severity).toBe("critical");
  });

  it("is critical at once when one period has |z| ≥ criticalK", () => {
    const [episode] = buildEpisodes(timeline("nCnnn"), SETTINGS);
    expect(episode?.severity).toBe("critical");
    expect(episode?.anomalousPeriods).toBe(1);

    const drop = [verdict(0, "anomalous", -6.5), verdict(1, "normal", 0)];
    expect(buildEpisodes(drop, { ...SETTINGS, direction: "both" })[0]?.severity).toBe("critical");
  });

  it("peak is the verdict with the largest |z|, negative ones included", () => {
    const verdicts = [
      verdict(0, "anomalous", 4),
      verdict(1, "anomalous", -9),
      verdict(2, "anomalous", 8),
      verdict(3, "normal", 0),
    ];
    const [episode] = buildEpisodes(verdicts, { ...SETTINGS, direction: "both" });
    expect(episode?.peak).toBe(verdicts[1]);
  });

  it("no-data and insufficient-data periods neither extend nor close an episode", () => {
    // Three unjudged periods between two anomalies: still one episode, ending at the second anomaly.
    const bridged = buildEpisodes(timeline("A-?-A"), SETTINGS);
    expect(bridged).toHaveLength(1);
    expect(bridged[0]).toMatchObject({ end: T0 + 4 * HOUR, anomalousPeriods: 2, open: true });
    // Quiet periods interrupted by missing data still count towards closing.
    const closed = buildEpisodes(timeline("An-n-n"), SETTINGS);
    expect(closed[0]?.open).toBe(false);
    expect(closed[0]?.end).toBe(T0);
  });

  it("counts the look-back in judged periods across gaps, up to the furthest look-back (a metric with gaps)", () => {
    const average: MetricIdentity = { ...METRIC, stat: "Average" };
    const gap = "-".repeat(10);
    // Three band periods 11 apart, ten missing periods between: within one look-back of 6 judged
    // periods (what detect re-reads across the gaps), so critical, as detect pages it.
    const gapped = buildEpisodes(timeline(`A${gap}A${gap}A`, average), SETTINGS);
    expect(gapped).toHaveLength(1);
    expect(gapped[0]?.severity).toBe("critical");
    // Furthest look-back: 6 + 72 (GAP_BRIDGE_SECONDS, hourly) = 78 periods. A gap after which the
    // last anomaly is still within it keeps one episode; one period more and it has expired (no
    // resolve: detect no longer sees it), and the next anomaly opens a new episode.
    const bridged = buildEpisodes(timeline(`A${"-".repeat(77)}A`, average), SETTINGS);
    expect(bridged).toHaveLength(1);
    expect(bridged[0]).toMatchObject({ open: true, anomalousPeriods: 2 });
    const expired = buildEpisodes(timeline(`A${"-".repeat(78)}A`, average), SETTINGS);
    expect(expired.map((e) => ({ open: e.open, expired: e.expired }))).toEqual([
      { open: false, expired: true },
      { open: true, expired: undefined },
    ]);
  });

  it("returns no episode without anomalies, and sorts its input by time", () => {
    expect(buildEpisodes([], SETTINGS)).toEqual([]);
    expect(buildEpisodes(timeline("nn-?n"), SETTINGS)).toEqual([]);
    const shuffled = timeline("AAnnnA").reverse();
    expect(buildEpisodes(shuffled, SETTINGS).map((e) => e.start)).toEqual([T0, T0 + 5 * HOUR]);
  });

  it("refuses verdicts of more than one metric", () => {
    const other = { ...METRIC, dimensions: { BucketName: "logs", FilterId: "EntireBucket" } };
    expect(() => buildEpisodes([...timeline("A"), ...timeline("nA", other)], SETTINGS)).toThrow(
      /one metric/,
    );
  });
});
