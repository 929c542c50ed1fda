/**
 * What each function counts about its own run, as CloudWatch metrics (EMF lines in its log, no
 * API call, no IAM permission): the numbers the dashboard shows and an operator asks at 3 a.m. —
 * did detection run, how much did it read, what did it flag, what did remediation do, did alerts
 * reach anyone. Pure mappings from a use case's report; defineHandler publishes them.
 */
import type { DetectReport } from "./detect-anomalies.ts";
import type { HandledEvent } from "./handle-intake-result.ts";
import type { FanoutReport } from "./plan-shards.ts";
import type { ReconcileReport } from "./reconcile.ts";

/**
 * Namespace of Vigil's own metrics when POWERTOOLS_METRICS_NAMESPACE is not set; the stack sets it
 * to `Vigil/<stage>` (the namespace of its log-metric alarms), which the dashboard reads.
 */
export const METRICS_NAMESPACE = "Vigil";

/** Every count a run publishes, by name: the dashboard draws these and nothing else. */
export const RUN_METRIC_NAMES = {
  invocation: ["Runs", "RunsFailed", "EventsRejected"],
  duration: "RunDuration",
  detection: [
    "MetricsEvaluated",
    "MetricsNotEvaluated",
    "GetMetricDataCalls",
    "ShardsEnqueued",
    "ShardsNotEnqueued",
    "ShardsFailed",
  ],
  alerting: ["NotificationsSent", "AlertDeliveryFailures"],
  bySeverity: "Anomalies",
  byOutcome: "Remediations",
  sweep: ["SweepEvaluations", "SweepErrors"],
} as const;

export interface MetricCount {
  name: string;
  value: number;
  /** One extra dimension (besides `service`), e.g. Severity=critical or Outcome=applied. */
  dimension?: { name: string; value: string };
}

export function detectRunMetrics(report: DetectReport): MetricCount[] {
  const counts: MetricCount[] = [
    { name: "MetricsEvaluated", value: report.results.length },
    { name: "MetricsNotEvaluated", value: report.fetchFailures.length },
    { name: "AlertDeliveryFailures", value: report.notificationFailures.length },
    { name: "NotificationsSent", value: report.notificationsSent },
    { name: "GetMetricDataCalls", value: report.stats.getMetricDataCalls },
  ];
  const bySeverity = new Map<string, number>();
  for (const result of report.results) {
    if (result.verdict.status !== "anomalous") continue;
    const severity = result.verdict.severity ?? "warning";
    bySeverity.set(severity, (bySeverity.get(severity) ?? 0) + 1);
  }
  for (const [severity, value] of bySeverity) {
    counts.push({ name: "Anomalies", value, dimension: { name: "Severity", value: severity } });
  }
  return counts;
}

export function remediationRunMetrics(result: HandledEvent | { ok: false }): MetricCount[] {
  if (!("outcome" in result)) return [];
  return [
    { name: "Remediations", value: 1, dimension: { name: "Outcome", value: result.outcome } },
  ];
}

export function reconcileRunMetrics(report: ReconcileReport): MetricCount[] {
  const counts: MetricCount[] = [
    { name: "SweepEvaluations", value: report.evaluations },
    { name: "SweepErrors", value: report.errors.length },
  ];
  for (const [outcome, value] of Object.entries(report.outcomes)) {
    if (value)
      counts.push({ name: "Remediations", value, dimension: { name: "Outcome", value: outcome } });
  }
  return counts;
}

export function fanoutRunMetrics(report: FanoutReport): MetricCount[] {
  return [
    { name: "ShardsEnqueued", value: report.enqueued },
    { name: "ShardsNotEnqueued", value: report.failed.length },
  ];
}
