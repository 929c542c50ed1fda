import type { Resource } from "./alert-grouping.ts";
import {
  type AnomalyAlert,
  anomalyDedupKey,
  anomalyNotification,
  SUMMARY_MAX,
  truncate,
} from "./anomaly-notification.ts";
import type { MetricIdentity } from "./metric.ts";
import { metricLabel } from "./metric.ts";
import type { Notification } from "./notification.ts";

/**
 * Incidents: the anomalies of one resource, paged as one with one dedup key while any of them is
 * open. The key is computed from the resource only (from the metric when it belongs to none), never
 * from an episode start: detect keeps no state and sees only a short look-back, so a later run finds
 * the same key for the escalation or the resolve however long the episode lasted (see
 * anomalyDedupKey). The resolve waits until no metric of the resource is open (planAlerts).
 */

export function incidentDedupKey(
  metric: MetricIdentity,
  resource: Resource | undefined,
  where: { account?: string | undefined; region: string },
): string {
  if (!resource) return anomalyDedupKey(metric);
  return `vigil:incident:${where.account ?? "-"}/${where.region}:${resource.key}`;
}

const SEVERITY_RANK = { critical: 2, warning: 1, info: 0 } as const;

/** Bytes or calls above (or below) expected at the episode's peak: what the incident cost. */
export function alertImpact(alert: AnomalyAlert): number {
  const { observed, expected } = alert.episode.peak;
  return observed !== null && expected !== null ? observed - expected : 0;
}

function alertSeverity(alert: AnomalyAlert): "critical" | "warning" | "info" {
  return alert.event === "resolved" ? "info" : alert.episode.severity;
}

/** Severity, then |z| at the peak, then impact: the order a person should read them in. */
export function compareAlerts(a: AnomalyAlert, b: AnomalyAlert): number {
  return (
    SEVERITY_RANK[alertSeverity(b)] - SEVERITY_RANK[alertSeverity(a)] ||
    Math.abs(b.episode.peak.z ?? 0) - Math.abs(a.episode.peak.z ?? 0) ||
    Math.abs(alertImpact(b)) - Math.abs(alertImpact(a))
  );
}

export interface Incident {
  key: string;
  resource: Resource | undefined;
  /** Ranked, most urgent first. */
  alerts: AnomalyAlert[];
  /** Other open episodes on the same resource (earlier starts): named in the text. */
  related: string[];
  /** What Vigil's remediations did to the resource lately, with their journal ids. */
  remediations?: string[] | undefined;
}

/** The page for an incident: one member reads as before; several list every member. */
export function incidentNotification(incident: Incident): Notification {
  const [lead, ...others] = incident.alerts as [AnomalyAlert, ...AnomalyAlert[]];
  const base = anomalyNotification(lead);
  const members = incident.alerts.map((a) => ({
    metricSet: a.metricSet,
    metric: metricLabel(a.verdict.metric),
    event: a.event,
    severity: a.episode.severity,
    z: a.episode.peak.z,
    why: a.verdict.why,
  }));
  const extra: string[] = [];
  if (others.length > 0) {
    extra.push(
      `${incident.alerts.length} anomalies on ${incident.resource?.label ?? "this resource"} in this period, one incident:`,
      ...members.map((m) => `  - [${m.severity}] ${m.metric}: ${m.why}`),
      "",
    );
  }
  if (incident.remediations && incident.remediations.length > 0) {
    extra.push(
      ...incident.remediations.map(
        (r) => `Remediation on ${incident.resource?.label ?? "this resource"}: ${r}`,
      ),
      "",
    );
  }
  if (incident.related.length > 0) {
    extra.push(
      `Also open on ${incident.resource?.label ?? "this resource"}: ${incident.related.join("; ")}`,
      "",
    );
  }
  const subject =
    others.length > 0
      ? base.subject.replace(/\] /, `] ${incident.alerts.length} on ${incident.resource?.label}: `)
      : base.subject;
  return {
    ...base,
    dedupKey: incident.key,
    severity: incident.alerts.some((a) => a.episode.severity === "critical")
      ? "critical"
      : "warning",
    subject: subject.length <= 100 ? subject : `${subject.slice(0, 97)}...`,
    ...(others.length > 0
      ? {
          summary: truncate(
            `${base.summary ?? base.subject} With it on ${incident.resource?.label ?? "this resource"}: ${others.map((a) => `${metricLabel(a.verdict.metric)} (${a.verdict.why})`).join("; ")}`,
            SUMMARY_MAX,
          ),
        }
      : {}),
    body: extra.length > 0 ? [...extra, base.body].join("\n") : base.body,
    details: {
      ...base.details,
      incident: {
        dedupKey: incident.key,
        resource: incident.resource?.label ?? null,
        members,
        related: incident.related,
        ...(incident.remediations?.length ? { remediations: incident.remediations } : {}),
      },
    },
  };
}
