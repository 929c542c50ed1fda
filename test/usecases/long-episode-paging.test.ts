/**
 * A page must close. Detect keeps no state and re-reads only a short look-back (sustainedPeriods +
 * rearmQuiet periods), so by the time an episode longer than that resolves, the run sees a later
 * "start" and, once the band periods that escalated it left the look-back, a warning. Every
 * PagerDuty trigger of the episode must still get a PagerDuty resolve with the same dedup key.
 */
import { describe, expect, it } from "vitest";
import type { DataPoint, MetricIdentity } from "../../src/domain/metric.ts";
import { seriesFromPoints } from "../../src/domain/metric.ts";
import { detectEachHour, pagingTestConfig, seededRandom } from "../support/hourly-detect.ts";

const HOUR = 3_600_000;
const START = Date.parse("2026-06-01T00:00:00Z");
const DAYS = 35;
const SHIFT_AT = (DAYS - 3) * 24; // the incident's first hour
const METRIC: MetricIdentity = {
  namespace: "AWS/NATGateway",
  metricName: "BytesOutToDestination",
  dimensions: { NatGatewayId: "nat-0abc" },
  stat: "Sum",
};

/** Noise around 1,000, then an incident: bursts past the band at hours 0, 5, 9 and 13 of it. */
function incidentSeries() {
  const random = seededRandom(7);
  const points: DataPoint[] = [];
  for (let i = 0; i < DAYS * 24; i++) {
    const hour = i - SHIFT_AT;
    const burst = [0, 5, 9, 13].includes(hour) ? 600 : 0;
    points.push({ timestamp: START + i * HOUR, value: 1_000 + 200 * (random() - 0.5) + burst });
  }
  return seriesFromPoints(METRIC, 3600, points);
}

const config = pagingTestConfig("nat", {
  namespace: "AWS/NATGateway",
  metricName: "BytesOutToDestination",
  dimensionNames: ["NatGatewayId"],
});

describe("a long episode's page", () => {
  it("is resolved in PagerDuty with the key it was opened with", async () => {
    const { events, paged, resolved } = await detectEachHour({
      series: incidentSeries(),
      config,
      start: START,
      origin: SHIFT_AT,
      from: -2,
      to: 30,
    });
    // The episode: a warning, escalated at its third band period (hour 9), resolved 6 quiet hours
    // after the last band period (hour 19) — 19 hours, twice the 9-period look-back. At hour 13
    // the look-back no longer holds hour 0, so detect escalates again: a repeat trigger of the open
    // incident's key, which PagerDuty folds into it.
    expect(events).toEqual(["0:new-episode", "9:escalated", "13:escalated", "19:resolved"]);
    expect(paged.length).toBeGreaterThan(0);
    const keys = (sent: typeof paged) => new Set(sent.map((s) => s.notification.dedupKey));
    expect(keys(resolved)).toEqual(keys(paged));
    // The resolving run sees only the look-back: it says the episode may be older than it shows.
    expect(resolved[0]?.notification.body).toMatch(
      /episode since 2026-07-03T13:00:00.000Z or earlier \(it began before the look-back this run re-reads\), 1 anomalous period\(s\) in the look-back\./,
    );
  });
});
