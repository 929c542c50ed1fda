import type { AnomalyAlert } from "./anomaly-notification.ts";
import { formatNumber } from "./format.ts";
import type { MetricIdentity } from "./metric.ts";

/**
 * The words of an anomaly alert for a person paged at 3 a.m.: the number with its unit first
 * ("8.5 GB out of acme-prod-customer-exports in 1 h, 7.9× normal (1.1 GB)"), then what to look at
 * next for this kind of metric, with links that open on the right API and window.
 */

export type MetricUnit = "bytes" | "calls" | "count";

/** Bytes for the egress byte counters, calls for API-call counts, a plain count otherwise. */
export function metricUnit(metricSet: string, metric: MetricIdentity): MetricUnit {
  if (/bytes|network(in|out)/i.test(metric.metricName)) return "bytes";
  if (metric.metricName === "CallCount" || metricSet === "api-calls") return "calls";
  return "count";
}

/** 8.5e9 bytes → "8.5 GB" (decimal, as CloudWatch counts), 48200 calls → "48.2k calls". */
export function formatQuantity(value: number, unit: MetricUnit): string {
  const text = formatNumber(value);
  if (unit === "bytes") {
    const match = /^(-?[\d.]+)([kMGTPE]?)$/.exec(text);
    return match ? `${match[1]} ${match[2]}B` : `${text} B`;
  }
  return unit === "calls" ? `${text} call${value === 1 ? "" : "s"}` : text;
}

/** 3600 → "1 h", 86400 → "1 day", 300 → "5 min". */
export function formatPeriod(periodSeconds: number): string {
  if (periodSeconds % 86_400 === 0) {
    const days = periodSeconds / 86_400;
    return `${days} day${days === 1 ? "" : "s"}`;
  }
  if (periodSeconds % 3600 === 0) return `${periodSeconds / 3600} h`;
  return `${Math.round(periodSeconds / 60)} min`;
}

/** 7.93 → "7.9×", 31.4 → "31×", 0.04 → "0.04×". */
function formatRatio(ratio: number): string {
  if (ratio >= 10) return `${Math.round(ratio)}×`;
  if (ratio >= 1) return `${ratio.toFixed(1)}×`;
  return `${Number(ratio.toPrecision(1))}×`;
}

/** The dimension that names the resource, in the order people know them by. */
const RESOURCE_DIMENSIONS = ["BucketName", "InstanceId", "NatGatewayId", "DistributionId"];

/** "acme-prod-customer-exports", "S3 GetObject", or the dimension values joined. */
export function resourceName(metric: MetricIdentity): string {
  const d = metric.dimensions;
  for (const name of RESOURCE_DIMENSIONS) if (d[name]) return d[name];
  if (d.Service && d.Resource) return `${d.Service} ${d.Resource}`;
  const values = Object.values(d);
  return values.length > 0 ? values.join("/") : metric.metricName;
}

/**
 * The number first: what was observed in the period, against normal.
 * "8.5 GB out of acme-prod-customer-exports in 1 h, 7.9× normal (1.1 GB)"
 * "48.2k S3 GetObject calls in 1 h, 31× normal (1.5k)"
 * "0 S3 GetObject calls in 1 h, normally 5k calls"
 */
export function leadSentence(alert: AnomalyAlert): string {
  const verdict = alert.event === "resolved" ? alert.verdict : alert.episode.peak;
  const { metric, observed, expected } = verdict;
  const unit = metricUnit(alert.metricSet, metric);
  const period = formatPeriod(verdict.periodSeconds);
  const name = resourceName(metric);
  if (observed === null) return `no datapoint for ${name} (${metric.metricName}) in ${period}`;
  const amount =
    unit === "bytes"
      ? `${formatQuantity(observed, unit)} out of ${name}`
      : unit === "calls"
        ? `${formatNumber(observed)} ${name} call${observed === 1 ? "" : "s"}`
        : `${formatNumber(observed)} ${metric.metricName} on ${name}`;
  if (expected === null) return `${amount} in ${period}`;
  const normal = formatQuantity(expected, unit);
  if (expected > 0 && observed >= expected) {
    return `${amount} in ${period}, ${formatRatio(observed / expected)} normal (${normal})`;
  }
  return `${amount} in ${period}, normally ${normal}`;
}

/** The API an AWS/Usage CallCount metric counts ("GetObject"), when it says. */
function apiOf(metric: MetricIdentity): { service?: string; api?: string } {
  const d = metric.dimensions;
  if (metric.namespace === "AWS/Usage" && d.Resource) {
    return { api: d.Resource, ...(d.Service ? { service: d.Service } : {}) };
  }
  return {};
}

/** CloudTrail event history for one API and window (management events, last 90 days). */
export function cloudTrailEventsUrl(
  region: string,
  window: { start: number; end: number },
  eventName?: string,
): string {
  const query = new URLSearchParams();
  if (eventName) query.set("EventName", eventName);
  query.set("StartTime", new Date(window.start).toISOString());
  query.set("EndTime", new Date(window.end).toISOString());
  return `https://${region}.console.aws.amazon.com/cloudtrailv2/home?region=${region}#/events?${query}`;
}

/**
 * What to do next, per kind of metric: an API-call storm or drop points at CloudTrail for that API
 * and window; egress points at who read the data (S3 server access logs, CloudTrail data events,
 * VPC flow logs for instances and NAT gateways).
 */
export function nextSteps(alert: AnomalyAlert): string[] {
  const { metric, periodSeconds } = alert.verdict;
  const window = {
    start: alert.episode.start - periodSeconds * 1000,
    end: alert.verdict.timestamp + periodSeconds * 1000,
  };
  const unit = metricUnit(alert.metricSet, metric);
  const dropped = (alert.episode.peak.z ?? 0) < 0;
  if (unit === "calls") {
    const { service, api } = apiOf(metric);
    const what = api ? `${service ? `${service} ` : ""}${api}` : metric.metricName;
    const link = cloudTrailEventsUrl(alert.region, window, api);
    if (dropped) {
      return [
        `Next step: ${what} calls stopped or fell: check that CloudTrail logging is still on (aws cloudtrail get-trail-status) and who changed it, in CloudTrail event history (StopLogging, DeleteTrail, PutEventSelectors): ${cloudTrailEventsUrl(alert.region, window, "StopLogging")}`,
        "If a deploy or a client change explains it, exempt or tune the metric with `vigil backtest`.",
      ];
    }
    return [
      `Next step: find who made the ${what} calls in this window (user, role, source IP) in CloudTrail event history: ${link}`,
      "If the caller is not known, revoke its sessions or quarantine the role; if expected, tune with `vigil backtest`.",
    ];
  }
  if (unit === "bytes") {
    const d = metric.dimensions;
    const who = d.BucketName
      ? `S3 server access logs or CloudTrail data events (GetObject) for bucket ${d.BucketName}`
      : d.DistributionId
        ? `CloudFront standard logs of distribution ${d.DistributionId}`
        : d.InstanceId || d.NatGatewayId
          ? `VPC flow logs of ${d.InstanceId ?? d.NatGatewayId} (destinations and bytes)`
          : "S3 server access logs, CloudTrail data events or VPC flow logs";
    return [
      `Next step: find who moved the data and where to, from ${new Date(window.start).toISOString()} to ${new Date(window.end).toISOString()}: ${who}.`,
      "If this is expected (a backup, a backfill), silence it with `vigil silence add` or tune it with `vigil backtest`.",
    ];
  }
  return [
    "Next step: find what changed in this window (deploys, CloudTrail); if expected, tune the metric with `vigil backtest`.",
  ];
}
