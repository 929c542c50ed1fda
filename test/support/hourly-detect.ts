/**
 * Runs the deployed detect once an hour over a stretch of a series, as the schedule would, and
 * collects what each run sent: the paging tests follow one incident from its first to its last run.
 */
import { MemoryNotifier } from "../../src/adapters/sns-notifier.ts";
import type { DetectionConfig } from "../../src/config/detection-config.ts";
import { parseConfig } from "../../src/config/load.ts";
import { destinationsFor } from "../../src/domain/alert-routing.ts";
import type { MetricSeries } from "../../src/domain/metric.ts";
import type { Notification } from "../../src/domain/notification.ts";
import { DEFAULT_ALERT_POLICY, detectAnomalies } from "../../src/usecases/detect-anomalies.ts";
import { FakeMetricSource } from "./fake-metric-source.ts";

const HOUR = 3_600_000;
export const quietLogger = { info: () => {}, warn: () => {}, error: () => {} };

/** A repeatable uniform random in [0, 1) (Park–Miller), for noise that does not change per run. */
export function seededRandom(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 16_807) % 2_147_483_647;
    return state / 2_147_483_647;
  };
}

/**
 * The paging tests' detection config: one metric set, robust, k 4, every period past the band
 * anomalous, 3 of them escalate, 6 quiet hours close an episode; nothing critical by |z| alone.
 */
export function pagingTestConfig(
  name: string,
  selector: { namespace: string; metricName: string; dimensionNames: string[]; stat?: string },
): DetectionConfig {
  return parseConfig({
    detection: {
      scheduleMinutes: 60,
      settleMinutes: 0,
      defaults: { k: 4, criticalK: 50, confirmPeriods: 1, sustainedPeriods: 3, rearmQuiet: "6h" },
      metricSets: [{ name, selectors: [selector], settings: { method: "robust" } }],
    },
  }).detection;
}

export interface HourlyRuns {
  /** "hour:event" of every run whose metric made an episode event (hours from `origin`). */
  events: string[];
  paged: Array<{ hour: number; notification: Notification }>;
  resolved: Array<{ hour: number; notification: Notification }>;
}

/**
 * One forced detect run right after each hour from `origin + from` to `origin + to` (exclusive),
 * hours counted from `start`; triggers and resolves that reach PagerDuty (default routes).
 */
export async function detectEachHour(input: {
  series: MetricSeries;
  config: DetectionConfig;
  start: number;
  origin: number;
  from: number;
  to: number;
}): Promise<HourlyRuns> {
  const runs: HourlyRuns = { events: [], paged: [], resolved: [] };
  const toPagerDuty = (n: Notification) =>
    (n.destinations ?? destinationsFor(DEFAULT_ALERT_POLICY.routes, n)).includes("pagerduty");
  for (let hour = input.from; hour < input.to; hour++) {
    const notifier = new MemoryNotifier();
    const report = await detectAnomalies(
      {
        source: new FakeMetricSource([input.series]),
        notifier,
        config: input.config,
        clock: () => input.start + (input.origin + hour + 1) * HOUR + 60_000,
        region: "eu-west-1",
        logger: quietLogger,
      },
      { force: true },
    );
    const alert = report.results[0]?.alert;
    if (alert) runs.events.push(`${hour}:${alert}`);
    for (const notification of notifier.sent) {
      if (!toPagerDuty(notification)) continue;
      if (notification.action === "trigger") runs.paged.push({ hour, notification });
      if (notification.action === "resolve") runs.resolved.push({ hour, notification });
    }
  }
  return runs;
}
