/**
 * An episode must survive a gap. A metric whose missing periods are gaps (an Average) can stop
 * reporting mid-incident for longer than detect's look-back; detect keeps no state, so its look-back
 * reaches across the gap to the judged periods before it (episodeLookbackSpan). When the metric
 * reports again, still anomalous, it is the same episode, as in backtest: no second PagerDuty
 * trigger, and the resolve comes at the very period backtest closes the episode.
 */
import { describe, expect, it } from "vitest";
import { MemoryNotifier } from "../../src/adapters/sns-notifier.ts";
import { setSettings } from "../../src/config/detection-config.ts";
import { evaluateRange } from "../../src/domain/baseline.ts";
import { buildEpisodes } from "../../src/domain/episodes.ts";
import type { DataPoint, MetricIdentity } from "../../src/domain/metric.ts";
import { seriesFromPoints } from "../../src/domain/metric.ts";
import { detectAnomalies } from "../../src/usecases/detect-anomalies.ts";
import { FakeMetricSource } from "../support/fake-metric-source.ts";
import {
  detectEachHour,
  pagingTestConfig,
  quietLogger,
  seededRandom,
} from "../support/hourly-detect.ts";

const HOUR = 3_600_000;
const START = Date.parse("2026-06-01T00:00:00Z");
const DAYS = 35;
const INCIDENT_AT = (DAYS - 3) * 24; // the incident's first hour
const GAP = { from: 4, hours: 15 }; // hours 4..18 of the incident: no datapoint
const METRIC: MetricIdentity = {
  namespace: "AWS/Lambda",
  metricName: "Duration",
  dimensions: { FunctionName: "checkout" },
  stat: "Average",
};

/** Latency around 100 ms; the incident: 600 ms for 4 hours, 15 hours without data, 3 more at 600. */
function incidentSeries() {
  const random = seededRandom(11);
  const points: DataPoint[] = [];
  for (let i = 0; i < DAYS * 24; i++) {
    const hour = i - INCIDENT_AT;
    if (hour >= GAP.from && hour < GAP.from + GAP.hours) continue;
    const slow = (hour >= 0 && hour < GAP.from) || (hour >= 19 && hour < 22);
    points.push({ timestamp: START + i * HOUR, value: slow ? 600 : 100 + 20 * (random() - 0.5) });
  }
  return seriesFromPoints(METRIC, 3600, points);
}

const config = pagingTestConfig("latency", {
  namespace: "AWS/Lambda",
  metricName: "Duration",
  dimensionNames: ["FunctionName"],
  stat: "Average",
});

/** The incident hour at which backtest's episode (whole history) is first closed. */
function backtestCloseHour(): number | undefined {
  const series = incidentSeries();
  const settings = setSettings(config, config.metricSets[0] as never);
  const verdicts = evaluateRange(
    series,
    START + INCIDENT_AT * HOUR,
    START + (INCIDENT_AT + 40) * HOUR,
    settings,
  );
  for (let t = 0; t < verdicts.length; t++) {
    const episodes = buildEpisodes(verdicts.slice(0, t + 1), settings);
    if (episodes.length > 1) throw new Error("backtest split the episode");
    if (episodes[0]?.open === false) return t;
  }
  return undefined;
}

describe("an episode across a gap longer than the look-back", () => {
  it("is one page, resolved when backtest closes the episode", async () => {
    const { events, paged, resolved } = await detectEachHour({
      series: incidentSeries(),
      config,
      start: START,
      origin: INCIDENT_AT,
      from: -2,
      to: 40,
    });

    // Critical at once (6× its usual latency: a page); the metric reports again at hour 19, still
    // slow: the same episode (no new-episode, no trigger after the gap); six normal hours after its
    // last slow hour (21) it resolves, at hour 27, where backtest closes it.
    const closeHour = backtestCloseHour();
    expect(closeHour).toBe(27);
    expect(events).toEqual(["0:new-episode", `${closeHour}:resolved`]);
    expect(paged.length).toBeGreaterThan(0);
    expect(paged.filter((s) => s.hour >= GAP.from)).toEqual([]);
    expect(resolved.map((s) => s.hour)).toEqual([closeHour]);
    const keys = (sent: typeof paged) => new Set(sent.map((s) => s.notification.dedupKey));
    expect(keys(resolved)).toEqual(keys(paged));
  });

  it("fetches 3 days more of a metric with gaps than of a Sum, in one fetch", async () => {
    const sum = seriesFromPoints({ ...METRIC, stat: "Sum" }, 3600, [
      { timestamp: START, value: 1 },
    ]);
    const periods = async (series: ReturnType<typeof incidentSeries>) => {
      const source = new FakeMetricSource([series]);
      await detectAnomalies(
        {
          source,
          notifier: new MemoryNotifier(),
          config,
          clock: () => START + (INCIDENT_AT + 1) * HOUR,
          region: "eu-west-1",
          logger: quietLogger,
        },
        { force: true, dryRun: true },
      );
      expect(source.fetchCalls).toHaveLength(1);
      const range = source.fetchCalls[0]?.range ?? { start: 0, end: 0 };
      return (range.end - range.start) / HOUR;
    };
    // 720 baseline periods before the furthest look-back, the look-back (3 + 6), the newest period.
    expect(await periods(sum)).toBe(720 + 9 + 1);
    expect(await periods(incidentSeries())).toBe(720 + 9 + 72 + 1);
  });
});
