import { describe, expect, it } from "vitest";
import { syntheticSeries, withBurst, withValue } from "../../sandbox/synthetic.ts";
import { parseConfig } from "../../src/config/load.ts";
import { type MetricIdentity, type MetricSeries, metricKey } from "../../src/domain/metric.ts";
import {
  BacktestInputError,
  type FetchProgress,
  type MetricBacktest,
  resampleSeries,
  runBacktest,
  runTune,
  type SettingsVariant,
  type VariantResult,
} from "../../src/usecases/backtest.ts";
import { FakeMetricSource } from "../support/fake-metric-source.ts";
import { MEAN_SD_CONFIG } from "../support/mean-sd-settings.ts";
import { pointsOf, seriesFrom } from "../support/series.ts";
import {
  allScenarios,
  DAY,
  EVALUATED_FROM,
  EVALUATED_TO,
  FLAT_BIG_BLIP_AT,
  FLAT_SMALL_BLIP_AT,
  GAP_FROM,
  GAP_PERIODS,
  HOUR,
  RAMP_FROM,
  SHIFT_AT,
  SPIKE_AT,
  START,
  scenarios,
  testMetric,
  WEEKEND_ANOMALY_AT,
  ZEROS_BURST_AT,
} from "./scenarios.ts";

const variant = (label: string, changes: SettingsVariant["changes"]): SettingsVariant => ({
  label,
  changes,
});
const K = [2.5, 3, 4, 6].map((k) => variant(`k=${k}`, { k }));

/**
 * The scenarios put their anomalies in the last 14 days, after a full 30-day baseline. Their k
 * columns compare the mean-sd engine (the default `auto` is seasonal on 6 weeks of history).
 */
async function backtestSeries(series: MetricSeries[], variants: SettingsVariant[], extra = {}) {
  return runBacktest(
    { clock: () => EVALUATED_TO },
    {
      target: { kind: "series", series },
      variants,
      days: 14,
      base: { method: "mean-sd" },
      ...extra,
    },
  );
}

function flaggedAt(result: VariantResult): number[] {
  return result.flagged.map((f) => f.timestamp);
}

function byLabel(metric: MetricBacktest, label: string): VariantResult {
  const found = metric.variants.find((v) => v.label === label);
  if (!found) throw new Error(`no variant ${label}`);
  return found;
}

describe("backtest: synthetic series with known anomalies, at each setting", () => {
  it("evaluates every file from minHistoryPeriods after its first period (as detect would) to its last period", async () => {
    const all = await backtestSeries(allScenarios(), K, { days: undefined });
    expect(all.metrics).toHaveLength(7);
    for (const metric of all.metrics) {
      // DEFAULT_DETECTION_SETTINGS.minHistoryPeriods = 7 hourly periods.
      expect(metric.range).toEqual({ start: START + 7 * HOUR, end: EVALUATED_TO });
      for (const v of metric.variants) {
        expect(v.periodsEvaluated).toBe((EVALUATED_TO - START) / HOUR - 7);
      }
    }
    const lastDays = await backtestSeries(allScenarios(), K);
    for (const metric of lastDays.metrics) {
      expect(metric.range).toEqual({ start: EVALUATED_FROM, end: EVALUATED_TO });
      for (const v of metric.variants) expect(v.periodsEvaluated).toBe(14 * 24);
    }
  });

  it("spike: flagged at every k; above 2.5 it is the only flag", async () => {
    const [metric] = (await backtestSeries([scenarios.spike()], K)).metrics;
    for (const v of metric?.variants ?? []) {
      expect(flaggedAt(v)).toContain(SPIKE_AT);
      if (v.settings.k >= 3) expect(flaggedAt(v)).toEqual([SPIKE_AT]);
      expect(v.episodes.find((e) => e.start === SPIKE_AT)?.severity).toBe("critical");
    }
  });

  it("level shift: the first shifted hour is flagged at every k, fewer hours as k grows", async () => {
    const [metric] = (await backtestSeries([scenarios.levelShift()], K)).metrics;
    const counts = (metric?.variants ?? []).map((v) => v.flaggedPeriods);
    for (const v of metric?.variants ?? []) expect(flaggedAt(v)).toContain(SHIFT_AT);
    expect(counts).toEqual([...counts].sort((a, b) => b - a));
    expect(counts[0]).toBeGreaterThan(counts[3] as number);
  });

  it("slow ramp: caught late in the ramp up to k=4; at k=6 only by the level-shift rule (on by default), once it has lasted 6 h", async () => {
    const [metric] = (
      await backtestSeries(
        [scenarios.slowRamp()],
        [...K, variant("off", { k: 6, levelShiftBand: 0 })],
      )
    ).metrics;
    for (const label of ["k=2.5", "k=3", "k=4"]) {
      const v = byLabel(metric as MetricBacktest, label);
      expect(v.flaggedPeriods).toBeGreaterThan(0);
      expect(Math.min(...flaggedAt(v))).toBeGreaterThanOrEqual(RAMP_FROM);
    }
    // With the rule off, the k = 6 band alone misses it.
    expect(byLabel(metric as MetricBacktest, "off").flaggedPeriods).toBe(0);
    // The ramp never reaches 6σ, but it stays beyond 0.6 · 6 = 3.6σ for 6 hours: a warning.
    const k6 = byLabel(metric as MetricBacktest, "k=6");
    expect(k6.flaggedPeriods).toBeGreaterThan(0);
    expect(Math.min(...flaggedAt(k6))).toBeGreaterThanOrEqual(RAMP_FROM + 5 * HOUR);
    for (const episode of k6.episodes) {
      expect(episode.peak.why).toMatch(/^level shift up for 6 h/);
      expect(episode.severity).toBe("warning");
    }
  });

  it("weekly pattern: mean-sd sees nothing; seasonal flags exactly the weekday-sized Saturday hour", async () => {
    const [metric] = (
      await backtestSeries(
        [scenarios.weekly()],
        [...K, variant("seasonal", { method: "seasonal", k: 3 })],
      )
    ).metrics;
    for (const v of (metric as MetricBacktest).variants.slice(0, 4))
      expect(v.flaggedPeriods).toBe(0);
    const seasonal = byLabel(metric as MetricBacktest, "seasonal");
    expect(flaggedAt(seasonal)).toEqual([WEEKEND_ANOMALY_AT]);
    expect(seasonal.onlyThis).toEqual([
      { start: WEEKEND_ANOMALY_AT, end: WEEKEND_ANOMALY_AT + HOUR, periods: 1 },
    ]);
  });

  it("flat: +50 % is flagged at every k, +1 % never (relative σ floor); a minimum change silences both", async () => {
    const [metric] = (
      await backtestSeries([scenarios.flat()], [...K, variant("delta", { minAbsoluteDelta: 500 })])
    ).metrics;
    for (const v of (metric as MetricBacktest).variants.slice(0, 4)) {
      expect(flaggedAt(v)).toEqual([FLAT_BIG_BLIP_AT]);
      expect(flaggedAt(v)).not.toContain(FLAT_SMALL_BLIP_AT);
    }
    expect(byLabel(metric as MetricBacktest, "delta").flaggedPeriods).toBe(0);
  });

  it("mostly zero: the burst is flagged at every setting; k=6 or a minimum change flag only the burst", async () => {
    const [metric] = (
      await backtestSeries(
        [scenarios.mostlyZero()],
        [...K, variant("delta", { minAbsoluteDelta: 500 })],
      )
    ).metrics;
    for (const v of (metric as MetricBacktest).variants)
      expect(flaggedAt(v)).toContain(ZEROS_BURST_AT);
    expect(flaggedAt(byLabel(metric as MetricBacktest, "k=6"))).toEqual([ZEROS_BURST_AT]);
    expect(flaggedAt(byLabel(metric as MetricBacktest, "delta"))).toEqual([ZEROS_BURST_AT]);
    // The robust default's quantile σ sees the metric's usual small bursts: even k = 2.5 flags
    // only the 100× burst (mean-sd at k = 2.5 flags ordinary bursts too).
    expect(byLabel(metric as MetricBacktest, "k=2.5").flaggedPeriods).toBe(1);
    const meanSd = (
      await backtestSeries(
        [scenarios.mostlyZero()],
        [variant("mean-sd", { ...MEAN_SD_CONFIG, k: 2.5 })],
      )
    ).metrics[0] as MetricBacktest;
    expect(byLabel(meanSd, "mean-sd").flaggedPeriods).toBeGreaterThan(1);
  });

  it("gaps: as a gap the missing hours are no-data and never flagged; as zeros, watched both ways, every one is a drop", async () => {
    const [metric] = (
      await backtestSeries(
        [scenarios.gaps()],
        [
          variant("gap", { missingData: "gap", direction: "both", k: 3 }),
          variant("zero", { missingData: "zero", direction: "both", k: 3 }),
        ],
      )
    ).metrics;
    const gapHours = Array.from({ length: GAP_PERIODS }, (_, i) => GAP_FROM + i * HOUR);
    const asGap = byLabel(metric as MetricBacktest, "gap");
    expect(asGap.noData).toBe(GAP_PERIODS);
    expect(flaggedAt(asGap).filter((t) => gapHours.includes(t))).toEqual([]);
    const asZero = byLabel(metric as MetricBacktest, "zero");
    expect(asZero.noData).toBe(0);
    expect(flaggedAt(asZero).filter((t) => gapHours.includes(t))).toEqual(gapHours);
    expect(asZero.onlyThisPeriods).toBeGreaterThanOrEqual(GAP_PERIODS);
  });
});

describe("backtest: ranges, periods and exclusions", () => {
  it("--days keeps only the last days of a file", async () => {
    const [metric] = (
      await backtestSeries([scenarios.spike()], [K[1] as SettingsVariant], { days: 3 })
    ).metrics;
    expect(metric?.range).toEqual({ start: EVALUATED_TO - 3 * DAY, end: EVALUATED_TO });
    expect(metric?.variants[0]?.periodsEvaluated).toBe(72);
  });

  it("a file shorter than the window is judged from minHistoryPeriods; one too short even for that is refused", async () => {
    const spike = scenarios.spike();
    const short = seriesFrom(
      spike.metric,
      spike.periodSeconds,
      pointsOf(spike).filter((p) => p.timestamp < START + 20 * DAY),
    );
    const judged = await backtestSeries([short], [variant("window=30", { windowDays: 30 })], {
      days: undefined,
    });
    expect(judged.metrics[0]?.range).toEqual({ start: START + 7 * HOUR, end: START + 20 * DAY });
    const tiny = seriesFrom(short.metric, short.periodSeconds, pointsOf(short).slice(0, 10));
    const run = backtestSeries([tiny], [variant("history=12", { minHistoryPeriods: 12 })], {
      days: undefined,
    });
    await expect(run).rejects.toThrow(BacktestInputError);
    await expect(run).rejects.toThrow(
      /10 points .* leave no period to judge: setting "history=12" needs minHistoryPeriods=12 hourly periods/,
    );
  });

  it("compares hourly and daily settings in time: a flagged day overlapping a flagged hour is not 'only'", async () => {
    const points = withBurst(
      syntheticSeries({
        start: START,
        periods: 44 * 24,
        periodSeconds: 3600,
        base: 1000,
        noise: 0.02,
        seed: 21,
      }),
      SPIKE_AT - 4 * HOUR,
      8,
      12,
    );
    const [metric] = (
      await backtestSeries(
        [seriesFrom(testMetric("burst"), 3600, points)],
        [variant("hourly", {}), variant("daily", { periodSeconds: 86_400 })],
      )
    ).metrics;
    const daily = byLabel(metric as MetricBacktest, "daily");
    const hourly = byLabel(metric as MetricBacktest, "hourly");
    const burstDay = Math.floor(SPIKE_AT / DAY) * DAY;
    expect(daily.periodSeconds).toBe(86_400);
    expect(daily.periodsEvaluated).toBe(14);
    expect(flaggedAt(daily)).toEqual([burstDay]);
    expect(flaggedAt(hourly)).toContain(SPIKE_AT);
    expect(daily.onlyThis).toEqual([]);
    // Hours of the burst day are covered by the flagged day; other (noise) hours may be only hourly's.
    expect(
      hourly.onlyThis.filter((run) => run.start >= burstDay && run.start < burstDay + DAY),
    ).toEqual([]);
  });

  it("resamples to a longer period by the statistic, keeping only fully covered periods", () => {
    const points = [0, 1, 2, 23, 24, 25, 47, 48].map((h) => ({
      timestamp: START + 12 * HOUR + h * HOUR,
      value: h + 1,
    }));
    const hourly: MetricSeries = seriesFrom(testMetric("r"), 3600, points);
    const coverage = { start: START + 12 * HOUR, end: START + 61 * HOUR };
    // Only the day starting START + 1 day (hours 12..35 of the data) is fully covered: 23, 24, 25.
    expect(pointsOf(resampleSeries(hourly, 86_400, coverage))).toEqual([
      { timestamp: START + DAY, value: 24 + 25 + 26 },
    ]);
    const max = { ...hourly, metric: { ...hourly.metric, stat: "Maximum" } };
    expect(pointsOf(resampleSeries(max, 86_400, coverage))[0]?.value).toBe(26);
    const p99 = { ...hourly, metric: { ...hourly.metric, stat: "p99" } };
    expect(() => resampleSeries(p99, 86_400, coverage)).toThrow(
      /cannot re-aggregate the statistic p99/,
    );
  });

  it("a finer period than the file's is refused, naming the setting", async () => {
    const daily: MetricSeries = seriesFrom(
      testMetric("daily"),
      86_400,
      Array.from({ length: 60 }, (_, i) => ({ timestamp: START + i * DAY, value: 10 })),
    );
    await expect(
      backtestSeries([daily], [variant("period=1h", { periodSeconds: 3600 })]),
    ).rejects.toThrow(
      /setting "period=1h" asks for hourly periods, but the file's points are 86400 s apart/,
    );
  });

  it("excluding a confirmed incident from baselines reveals what it masked", async () => {
    let points = syntheticSeries({
      start: START,
      periods: 44 * 24,
      periodSeconds: 3600,
      base: 1000,
      noise: 0.05,
      seed: 9,
    });
    points = withBurst(points, START + 20 * DAY, 3 * 24, 4);
    const masked = START + 35 * DAY + 10 * HOUR;
    points = withValue(points, masked, 2500);
    const series = [seriesFrom(testMetric("incident"), 3600, points)];
    const without = await backtestSeries(series, [variant("k=3", {})]);
    expect(flaggedAt(without.metrics[0]?.variants[0] as VariantResult)).not.toContain(masked);
    const excluded = await backtestSeries(series, [variant("k=3", {})], {
      excludedRanges: [{ start: START + 20 * DAY, end: START + 23 * DAY }],
    });
    const v = excluded.metrics[0]?.variants[0] as VariantResult;
    expect(flaggedAt(v)).toContain(masked);
    expect(v.settings.excludedRanges).toEqual([{ start: START + 20 * DAY, end: START + 23 * DAY }]);
  });

  it("refuses the same setting twice", async () => {
    await expect(
      backtestSeries([scenarios.flat()], [variant("k=3", {}), variant("k=3", {})]),
    ).rejects.toThrow(/the same setting is given twice/);
  });
});

// -----------------------------------------------------------------------------------------------

const NOW = Date.parse("2026-04-15T00:25:00Z");

function cloudConfig(extra: Record<string, unknown> = {}) {
  return parseConfig({
    detection: {
      settleMinutes: 10,
      defaults: { k: 3, windowDays: 30 },
      metricSets: [
        {
          name: "egress",
          selectors: [{ namespace: "Vigil/Test", metricName: "spike", dimensionNames: [] }],
          settings: { periodSeconds: 3600 },
          overrides: [{ match: { metricName: "spike" }, settings: { k: 4 } }],
        },
        {
          name: "everything",
          selectors: [
            { namespace: "Vigil/Test", metricName: "spike", dimensionNames: [] },
            { namespace: "Vigil/Test", metricName: "level-shift", dimensionNames: [] },
          ],
          settings: { periodSeconds: 3600 },
        },
        {
          name: "off",
          enabled: false,
          selectors: [{ namespace: "Vigil/Test", metricName: "flat", dimensionNames: [] }],
        },
      ],
      ...extra,
    },
  }).detection;
}

/** Scenario series shifted so the history ends at NOW's newest complete hour. */
function liveSeries(): MetricSeries[] {
  const shift = Date.parse("2026-04-15T00:00:00Z") - EVALUATED_TO;
  return [scenarios.spike(), scenarios.levelShift(), scenarios.flat()].map((s) => ({
    ...s,
    points: pointsOf(s).map((p) => ({ ...p, timestamp: p.timestamp + shift })),
  }));
}

describe("backtest from CloudWatch (any MetricSource)", () => {
  it("discovers every enabled set, fetches once per period over days + window, applies overrides", async () => {
    const source = new FakeMetricSource(liveSeries());
    const progress: FetchProgress[] = [];
    const report = await runBacktest(
      { source, clock: () => NOW },
      {
        target: { kind: "sets" },
        config: cloudConfig(),
        variants: [],
        days: 14,
        onProgress: (p) => progress.push(p),
      },
    );
    // Newest complete hour at NOW − 10 min settle is 23:00 on the 14th: the range ends at 00:00.
    const end = Date.parse("2026-04-15T00:00:00Z");
    expect(source.fetchCalls).toHaveLength(1);
    expect(source.fetchCalls[0]?.range).toEqual({ start: end - 44 * DAY, end });
    expect(source.fetchCalls[0]?.metrics).toHaveLength(2); // spike once, though two sets hold it
    expect(report.metrics.map((m) => `${m.metricSet}:${m.metric.metricName}`).sort()).toEqual([
      "egress:spike",
      "everything:level-shift",
      "everything:spike",
    ]);
    const egressSpike = report.metrics.find((m) => m.metricSet === "egress");
    expect(egressSpike?.variants[0]?.settings.k).toBe(4); // the override
    expect(egressSpike?.range).toEqual({ start: end - 14 * DAY, end });
    expect(egressSpike?.variants[0]?.flagged.map((f) => f.timestamp)).toEqual([
      SPIKE_AT + (end - EVALUATED_TO),
    ]);
    expect(progress.at(-1)).toMatchObject({ done: 2, total: 2, getMetricDataCalls: 1 });
  });

  it("a daily setting adds one fetch at the daily period; named sets include disabled ones", async () => {
    const source = new FakeMetricSource(liveSeries());
    const report = await runBacktest(
      { source, clock: () => NOW },
      {
        target: { kind: "sets", names: ["off"] },
        config: cloudConfig(),
        variants: [variant("hourly", {}), variant("daily", { periodSeconds: 86_400 })],
        days: 14,
      },
    );
    expect(source.fetchCalls.map((c) => c.periodSeconds)).toEqual([3600, 86_400]);
    // The day of the 14th ended at 00:00 on the 15th: both periods end there.
    const end = Date.parse("2026-04-15T00:00:00Z");
    expect(source.fetchCalls[1]?.range).toEqual({ start: end - 44 * DAY, end });
    expect(report.metrics[0]?.variants.map((v) => v.periodSeconds)).toEqual([3600, 86_400]);
  });

  it("refuses a history reaching past CloudWatch's 455-day retention, naming --days", async () => {
    const run = runBacktest(
      { source: new FakeMetricSource(liveSeries()), clock: () => NOW },
      { target: { kind: "sets" }, config: cloudConfig(), variants: [], days: 440 },
    );
    await expect(run).rejects.toThrow(
      /--days 440 plus the 30-day baseline window .* use --days 424 or less/,
    );
  });

  it("an unknown set is an input error listing the sets", async () => {
    const run = runBacktest(
      { source: new FakeMetricSource([]), clock: () => NOW },
      { target: { kind: "sets", names: ["nope"] }, config: cloudConfig(), variants: [] },
    );
    await expect(run).rejects.toThrow(/no metric set named "nope" .*egress, everything, off/);
  });

  it("one metric: its set's settings; no data at all is an input error, not an empty report", async () => {
    const source = new FakeMetricSource(liveSeries());
    const report = await runBacktest(
      { source, clock: () => NOW },
      {
        target: { kind: "metric", metric: testMetric("spike") },
        config: cloudConfig(),
        variants: [],
        days: 14,
      },
    );
    expect(report.metrics[0]?.metricSet).toBe("egress");
    const missing: MetricIdentity = testMetric("nothing-here");
    await expect(
      runBacktest(
        { source, clock: () => NOW },
        {
          target: { kind: "metric", metric: missing },
          config: cloudConfig(),
          variants: [],
          days: 14,
        },
      ),
    ).rejects.toThrow(/Vigil\/Test nothing-here \(Sum\): no datapoints between/);
  });

  it("a metric that fails to fetch is reported; the others are still evaluated", async () => {
    const source = new FakeMetricSource(liveSeries());
    source.failing.set("Vigil/Test|level-shift||Sum", "AccessDenied: nope");
    const report = await runBacktest(
      { source, clock: () => NOW },
      {
        target: { kind: "sets", names: ["everything"] },
        config: cloudConfig(),
        variants: [],
        days: 14,
      },
    );
    expect(report.fetchFailures).toEqual([
      { metric: testMetric("level-shift"), error: "AccessDenied: nope" },
    ]);
    expect(report.metrics.map((m) => m.metric.metricName)).toEqual(["spike"]);
  });

  it("one metric reads with its set's statistic unless one is given; a failed fetch is reported", async () => {
    const config = parseConfig({
      detection: {
        metricSets: [
          {
            name: "avg",
            selectors: [{ namespace: "Vigil/Test", metricName: "spike", stat: "Average" }],
          },
        ],
      },
    }).detection;
    const average = liveSeries().map((s) => ({ ...s, metric: { ...s.metric, stat: "Average" } }));
    const source = new FakeMetricSource(average);
    const fromSet = await runBacktest(
      { source, clock: () => NOW },
      {
        target: { kind: "metric", metric: testMetric("spike"), statFromSet: true },
        config,
        variants: [],
        days: 14,
      },
    );
    expect(source.fetchCalls[0]?.metrics[0]?.stat).toBe("Average");
    expect(fromSet.metrics[0]?.metricSet).toBe("avg");

    source.failing.set("Vigil/Test|spike||Average", "AccessDenied: no");
    const failed = await runBacktest(
      { source, clock: () => NOW },
      {
        target: { kind: "metric", metric: { ...testMetric("spike"), stat: "Average" } },
        config,
        variants: [],
        days: 14,
      },
    );
    expect(failed.metrics).toEqual([]);
    expect(failed.fetchFailures[0]?.error).toBe("AccessDenied: no");
  });

  it("fetches in chunks of whole GetMetricData calls, and skips metrics without data", async () => {
    // 400-day window + 50 days hourly = 10,800 points: 9 metrics per call, 4 calls per chunk.
    const config = cloudConfig({ defaults: { windowDays: 400 } });
    const metrics = Array.from({ length: 40 }, (_, i) => testMetric("spike", { Id: `m${i}` }));
    const source = new FakeMetricSource(metrics.map((metric) => seriesFrom(metric, 3600, [])));
    const report = await runBacktest(
      { source, clock: () => NOW },
      {
        target: { kind: "metric", metric: metrics[0] as MetricIdentity },
        config,
        variants: [],
        days: 50,
      },
    ).catch((error: Error) => error);
    expect(report).toBeInstanceOf(BacktestInputError); // one named metric without data

    const set = parseConfig({
      detection: {
        defaults: { windowDays: 400 },
        metricSets: [
          {
            name: "many",
            selectors: [{ namespace: "Vigil/Test", metricName: "spike", dimensionNames: ["Id"] }],
          },
        ],
      },
    }).detection;
    const many = await runBacktest(
      { source, clock: () => NOW },
      { target: { kind: "sets" }, config: set, variants: [], days: 50 },
    );
    expect(source.fetchCalls.slice(1).map((c) => c.metrics.length)).toEqual([36, 4]);
    expect(many.metrics).toEqual([]);
    expect(many.skipped).toHaveLength(40);
    expect(many.skipped[0]?.reason).toMatch(/no datapoints between/);
  });

  it("reports fetch failures in chunk order while the next chunk is fetched ahead", async () => {
    // 9 metrics per call, 4 calls per chunk (as above): chunks of 36 and 4 metrics.
    const metrics = Array.from({ length: 40 }, (_, i) => testMetric("spike", { Id: `m${i}` }));
    const source = new FakeMetricSource(metrics.map((metric) => seriesFrom(metric, 3600, [])));
    source.failing.set(metricKey(metrics[38] as MetricIdentity), "Throttling: slow down");
    const fetchOf = source.fetch.bind(source);
    source.fetch = async (...args) => {
      const result = await fetchOf(...args);
      // The first chunk comes back without one of its series (judged: "no series returned").
      if (source.fetchCalls.length === 1) result.series = result.series.slice(1);
      return result;
    };
    const set = parseConfig({
      detection: {
        defaults: { windowDays: 400 },
        metricSets: [
          {
            name: "many",
            selectors: [{ namespace: "Vigil/Test", metricName: "spike", dimensionNames: ["Id"] }],
          },
        ],
      },
    }).detection;
    const report = await runBacktest(
      { source, clock: () => NOW },
      {
        target: { kind: "sets" },
        config: set,
        variants: [],
        days: 50,
      },
    );
    expect(source.fetchCalls.map((c) => c.metrics.length)).toEqual([36, 4]);
    expect(report.fetchFailures).toEqual([
      { metric: metrics[0], error: "no series returned for this metric" },
      { metric: metrics[38], error: "Throttling: slow down" },
    ]);
  });
});

describe("tune use case", () => {
  it("keeps every synthetic metric within the budget, or says it could not", async () => {
    const report = await runTune(
      { clock: () => EVALUATED_TO },
      // From the noisier mean-sd settings, so that some metric needs tuning.
      {
        target: { kind: "series", series: allScenarios() },
        budgetPerWeek: 1,
        base: MEAN_SD_CONFIG,
      },
    );
    expect(report.metrics).toHaveLength(7);
    for (const tuning of report.metrics) {
      const s = tuning.suggestion;
      if (s.status === "within-budget") {
        expect(s.current.episodesPerWeek).toBeLessThanOrEqual(1);
        expect(s.change).toBeUndefined();
      } else {
        expect(s.status).toBe("tuned");
        expect(s.suggested?.episodesPerWeek).toBeLessThanOrEqual(1);
      }
    }
    expect(report.metrics.some((t) => t.suggestion.status === "tuned")).toBe(true);
  });
});
