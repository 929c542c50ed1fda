import { leadSentence, metricUnit, nextSteps } from "./alert-text.ts";
import type { MetricWidget } from "./cloudwatch-link.ts";
import type { Episode, Verdict } from "./detection.ts";
import { type MetricIdentity, metricKey, metricLabel } from "./metric.ts";
import { jsonBlock, type Notification } from "./notification.ts";

export type AnomalyEvent = "new-episode" | "escalated" | "resolved";

export interface AnomalyAlert {
  event: AnomalyEvent;
  metricSet: string;
  account?: string;
  region: string;
  /** The newest evaluated period's verdict. */
  verdict: Verdict;
  episode: Episode;
  method: string;
  k: number;
  windowDays: number;
  consoleUrl: string;
  /** The widget consoleUrl opens: the metric with the band it was judged against. */
  graph?: MetricWidget;
  /**
   * False when the episode may have begun before the look-back detect re-read (a long one): its
   * start is then only the earliest anomaly that run saw, and the message says "or earlier".
   */
  episodeStartSeen?: false;
}

/**
 * The metric's incident key (PagerDuty dedup_key): one per metric, with no episode start in it.
 * Detect keeps no state and re-reads only a short look-back, so once an episode outlasts it a later
 * run sees a later "start": a key built from the start made the escalation page a second incident
 * and sent the resolve to a key nothing had triggered (the page stayed open). PagerDuty folds a
 * trigger into the open incident of its key and opens a new incident once that one is resolved, so
 * the metric's next episode still pages anew.
 */
export function anomalyDedupKey(metric: MetricIdentity): string {
  return `vigil:anomaly:${metricKey(metric)}`;
}

/** PagerDuty's summary limit (Events API v2). */
export const SUMMARY_MAX = 1024;

export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 3)}...`;
}

function shortMetric(metric: MetricIdentity): string {
  const dims = Object.values(metric.dimensions).join("/");
  return `${metric.metricName}${dims ? ` ${dims}` : ""}`;
}

/** The message people read: subject says what and where, body says why with numbers, then JSON. */
export function anomalyNotification(alert: AnomalyAlert): Notification {
  const { verdict, episode } = alert;
  const severity = alert.event === "resolved" ? "info" : episode.severity;
  const where = `${alert.account ? `${alert.account} ` : ""}${alert.region}`;
  const z = verdict.z ?? 0;
  const headline =
    alert.event === "resolved"
      ? `back to normal`
      : `${Math.abs(z).toFixed(1)}σ ${z >= 0 ? "above" : "below"} baseline`;
  // What and where first: a cut subject must still say which account and metric.
  const subject = truncate(
    `[Vigil ${severity.toUpperCase()}] ${where} ${alert.metricSet}: ${shortMetric(verdict.metric)} ${headline}`.replace(
      "σ",
      "sigma",
    ),
    100,
  );
  const lead = leadSentence(alert);
  const summary = truncate(
    `${lead}. ${severity.toUpperCase()} ${alert.metricSet} anomaly${alert.event === "escalated" ? " (escalated)" : alert.event === "resolved" ? " resolved" : ""} in ${where}: ${metricLabel(verdict.metric)}; ${verdict.why}`,
    SUMMARY_MAX,
  );
  const details = {
    event: alert.event,
    summary,
    unit: metricUnit(alert.metricSet, verdict.metric),
    metricSet: alert.metricSet,
    metric: verdict.metric,
    account: alert.account ?? null,
    region: alert.region,
    period: new Date(verdict.timestamp).toISOString(),
    periodSeconds: verdict.periodSeconds,
    observed: verdict.observed,
    expected: verdict.expected,
    sigma: verdict.sigma,
    z: verdict.z,
    threshold: { upper: verdict.upperThreshold, lower: verdict.lowerThreshold },
    window: {
      days: alert.windowDays,
      method: alert.method,
      k: alert.k,
      periods: verdict.baselinePeriods,
    },
    severity: episode.severity,
    episode: {
      start: new Date(episode.start).toISOString(),
      end: new Date(episode.end).toISOString(),
      anomalousPeriods: episode.anomalousPeriods,
      peakZ: episode.peak.z,
    },
    why: verdict.why,
    consoleUrl: alert.consoleUrl,
  };
  const opening =
    alert.event === "resolved"
      ? `${metricLabel(verdict.metric)} in ${where} is back within its baseline; the episode that started ${details.episode.start} is closed.`
      : `${episode.severity === "critical" ? "CRITICAL" : "Warning"}: ${lead}. ${metricLabel(verdict.metric)} in ${where} is anomalous (${alert.event === "escalated" ? "episode escalated" : "new episode"}).`;
  const body = [
    opening,
    "",
    `Why: ${verdict.why}`,
    `Period: ${details.period} (${verdict.periodSeconds / 3600} h); episode since ${details.episode.start}${alert.episodeStartSeen === false ? " or earlier (it began before the look-back this run re-reads)" : ""}, ${episode.anomalousPeriods} anomalous period(s)${alert.episodeStartSeen === false ? " in the look-back" : ""}.`,
    `Baseline: ${alert.method}, k=${alert.k}, ${alert.windowDays} days (${verdict.baselinePeriods} periods).`,
    `Graph (with the expected band): ${alert.consoleUrl}`,
    "",
    ...(alert.event === "resolved" ? [] : [...nextSteps(alert), ""]),
    ...jsonBlock(details),
  ].join("\n");
  return {
    action: alert.event === "resolved" ? "resolve" : "trigger",
    dedupKey: anomalyDedupKey(verdict.metric),
    severity,
    source: "anomaly",
    subject,
    summary,
    body,
    details,
    attributes: { metricSet: alert.metricSet, event: alert.event },
    ...(alert.graph && alert.event !== "resolved" ? { graph: alert.graph } : {}),
  };
}
