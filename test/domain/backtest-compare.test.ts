import { describe, expect, it } from "vitest";
import {
  compareVariants,
  mergeSpans,
  type TimeSpan,
  type VariantOutcome,
  weeksIn,
} from "../../src/domain/backtest-compare.ts";
import {
  DEFAULT_DETECTION_SETTINGS,
  type DetectionSettings,
  type Verdict,
  type VerdictStatus,
} from "../../src/domain/detection.ts";
import { buildEpisodes } from "../../src/domain/episodes.ts";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const T0 = Date.parse("2026-05-04T00:00:00Z");
const metric = { namespace: "N", metricName: "m", dimensions: {}, stat: "Sum" };

function verdict(timestamp: number, status: VerdictStatus, periodSeconds = 3600): Verdict {
  const judged = status === "normal" || status === "anomalous";
  return {
    metric,
    timestamp,
    periodSeconds,
    status,
    observed: 1,
    expected: judged ? 1 : null,
    sigma: judged ? 1 : null,
    z: status === "anomalous" ? 5 : judged ? 0 : null,
    upperThreshold: judged ? 4 : null,
    lowerThreshold: null,
    severity: status === "anomalous" ? "warning" : null,
    why: "",
    baselinePeriods: 10,
  };
}

/** Verdicts for `count` periods from T0; anomalous at the given period indexes. */
function run(
  count: number,
  anomalous: number[],
  settings: DetectionSettings = DEFAULT_DETECTION_SETTINGS,
  other: Partial<Record<number, VerdictStatus>> = {},
) {
  const periodMs = settings.periodSeconds * 1000;
  return Array.from({ length: count }, (_, i) =>
    verdict(
      T0 + i * periodMs,
      anomalous.includes(i) ? "anomalous" : (other[i] ?? "normal"),
      settings.periodSeconds,
    ),
  );
}

/** One setting's outcome from per-period verdicts, as the backtest builds it from its columns. */
function summarizeVerdicts(
  label: string,
  settings: DetectionSettings,
  range: TimeSpan,
  verdicts: readonly Verdict[],
  episodes: VariantOutcome["episodes"],
): VariantOutcome {
  const count = (status: VerdictStatus) => verdicts.filter((v) => v.status === status).length;
  return {
    label,
    settings,
    range,
    periodsEvaluated: verdicts.length,
    insufficientData: count("insufficient-data"),
    noData: count("no-data"),
    flagged: verdicts.filter((v) => v.status === "anomalous"),
    episodes,
  };
}

function outcome(label: string, verdicts: Verdict[], settings = DEFAULT_DETECTION_SETTINGS) {
  const range = { start: T0, end: T0 + 14 * DAY };
  return summarizeVerdicts(label, settings, range, verdicts, buildEpisodes(verdicts, settings));
}

describe("compareVariants", () => {
  it("counts alerts and episodes per week over the evaluated range", () => {
    const verdicts = run(14 * 24, [10, 11, 12, 100, 200], DEFAULT_DETECTION_SETTINGS, {
      3: "insufficient-data",
      4: "no-data",
    });
    const [row] = compareVariants([outcome("k=3", verdicts)]);
    expect(row).toMatchObject({
      label: "k=3",
      periodSeconds: 3600,
      periodsEvaluated: 336,
      insufficientData: 1,
      noData: 1,
      flaggedPeriods: 5,
      episodeCount: 3,
      weeks: 2,
      onlyThis: [],
      onlyThisPeriods: 0,
    });
    // The period with too little history was not judged: rates divide by the 335 judged periods.
    expect(row?.evaluatedWeeks).toBeCloseTo(335 / 168, 12);
    expect(row?.alertsPerWeek).toBeCloseTo(5 / (335 / 168), 12);
    expect(row?.episodesPerWeek).toBeCloseTo(3 / (335 / 168), 12);
  });

  it("divides by the periods it could judge: 35 days of history over a 90-day range", () => {
    // 1,326 of 2,160 hourly periods had too little history; 10 alerts in the 834 judged ones.
    const statuses: Record<number, "insufficient-data"> = {};
    for (let index = 0; index < 1326; index++) statuses[index] = "insufficient-data";
    const flagged = Array.from({ length: 10 }, (_, i) => 1400 + i * 50);
    const verdicts = run(2160, flagged, DEFAULT_DETECTION_SETTINGS, statuses);
    const range = { start: T0, end: T0 + 90 * DAY };
    const [row] = compareVariants([
      summarizeVerdicts(
        "current",
        DEFAULT_DETECTION_SETTINGS,
        range,
        verdicts,
        buildEpisodes(verdicts, DEFAULT_DETECTION_SETTINGS),
      ),
    ]);
    expect(row?.weeks).toBeCloseTo(2160 / 168, 9);
    expect(row?.evaluatedWeeks).toBeCloseTo(834 / 168, 9);
    expect(row?.alertsPerWeek).toBeCloseTo(10 / (834 / 168), 9);
  });

  it("lists the periods only one setting flags, merged into runs", () => {
    const low = outcome("k=2.5", run(100, [5, 6, 7, 20, 50]));
    const high = outcome("k=4", run(100, [6, 50]));
    const [lowRow, highRow] = compareVariants([low, high]);
    expect(lowRow?.onlyThis).toEqual([
      { start: T0 + 5 * HOUR, end: T0 + 6 * HOUR, periods: 1 },
      { start: T0 + 7 * HOUR, end: T0 + 8 * HOUR, periods: 1 },
      { start: T0 + 20 * HOUR, end: T0 + 21 * HOUR, periods: 1 },
    ]);
    expect(lowRow?.onlyThisPeriods).toBe(3);
    expect(highRow?.onlyThis).toEqual([]);

    const third = outcome("seasonal", run(100, [30, 31, 32]));
    const rows = compareVariants([low, high, third]);
    expect(rows[2]?.onlyThis).toEqual([{ start: T0 + 30 * HOUR, end: T0 + 33 * HOUR, periods: 3 }]);
  });

  it("compares hourly with daily settings by time overlap", () => {
    const daily = { ...DEFAULT_DETECTION_SETTINGS, periodSeconds: 86_400 };
    const hourly = outcome("1h", run(14 * 24, [24 + 5, 5 * 24 + 1]));
    const days = outcome("1d", run(14, [1, 9], daily), daily);
    const [hourRow, dayRow] = compareVariants([hourly, days]);
    // Hour 29 lies in day 1 (flagged by the daily setting); hour 121 in day 5 (not flagged daily).
    expect(hourRow?.onlyThis).toEqual([
      { start: T0 + 121 * HOUR, end: T0 + 122 * HOUR, periods: 1 },
    ]);
    expect(dayRow?.onlyThis).toEqual([{ start: T0 + 9 * DAY, end: T0 + 10 * DAY, periods: 1 }]);
  });
});

describe("helpers", () => {
  it("merges overlapping and touching spans", () => {
    expect(
      mergeSpans([
        { start: 5, end: 7 },
        { start: 1, end: 3 },
        { start: 3, end: 4 },
        { start: 6, end: 9 },
      ]),
    ).toEqual([
      { start: 1, end: 4 },
      { start: 5, end: 9 },
    ]);
  });

  it("weeksIn is 0 for an empty span", () => {
    expect(weeksIn({ start: 10, end: 10 })).toBe(0);
    expect(weeksIn({ start: 0, end: 7 * DAY })).toBe(1);
  });
});
