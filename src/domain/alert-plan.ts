import { type DigestEntry, type DigestStatus, digestNotification } from "./alert-digest.ts";
import { type ResourceGroup, resourceOf } from "./alert-grouping.ts";
import {
  compareAlerts,
  type Incident,
  incidentDedupKey,
  incidentNotification,
} from "./alert-incident.ts";
import type { AlertRoute } from "./alert-route.ts";
import { destinationsFor } from "./alert-routing.ts";
import { type AnomalyAlert, anomalyNotification } from "./anomaly-notification.ts";
import type { Episode } from "./detection.ts";
import { type MetricIdentity, metricKey, metricLabel } from "./metric.ts";
import type { Notification } from "./notification.ts";
import { applyPageBudget, runPageAllowance, stormNotification } from "./page-budget.ts";
import {
  type ActiveSilence,
  activeSilenceFor,
  expiredSilences,
  type SilenceRule,
} from "./silences.ts";

/**
 * What one detect run sends, decided in one place once every metric is judged: silences, grouping by
 * resource, the page budget, then either one digest (SNS) plus the pages (PagerDuty), or one message
 * per incident (per-episode mode). Pure: the use case sends what this returns and journals the
 * summary in its run log.
 */

export interface AlertPolicy {
  mode: "digest" | "per-episode";
  digest: { top: number };
  pageBudget: number;
  silences: readonly SilenceRule[];
  resourceGroups: readonly ResourceGroup[];
  routes: readonly AlertRoute[];
}

export interface PlanContext {
  now: number;
  account?: string | undefined;
  region: string;
  /** Under fan-out: this shard's part of the account. */
  part?: { index: number; count: number } | undefined;
  /**
   * Pages this run may send on its own: the slots it took in the account-hour's page ledger.
   * Absent: its share of the budget (runPageAllowance), as when no ledger is shared.
   */
  allowance?: number | undefined;
  /** Resource key → what Vigil's remediations did to it lately (one line each, journal id in it). */
  remediations?: ReadonlyMap<string, string[]> | undefined;
}

/** An episode still open after this run (from the run's results): holds its incident's resolve. */
export interface OpenEpisode {
  metric: MetricIdentity;
  episode: Episode;
}

/** Journaled in the run summary: what paged, what was folded, what was silenced, and why. */
export interface AlertingSummary {
  mode: AlertPolicy["mode"];
  alerts: number;
  incidents: number;
  pages: {
    budgetPerHour: number;
    allowance: number;
    /** The allowance came from slots taken in the page ledger shared across runs. */
    shared: boolean;
    paged: string[];
    folded: string[];
    storm: string | null;
  };
  /** Storm incidents of earlier hours this run resolved (nothing they folded is open any more). */
  stormsResolved: string[];
  silenced: Array<{ incident: string; silence: string }>;
  heldResolves: string[];
  expiredSilences: string[];
  digest: boolean;
}

export interface AlertPlan {
  notifications: Notification[];
  summary: AlertingSummary;
  /** Incidents that would page, most urgent first (before the budget). */
  wantedPages: number;
  /** Incidents folded into the storm and the metrics (keys) that keep each open. */
  folded: Array<{ incident: string; metrics: string[] }>;
}

interface Placed {
  alert: AnomalyAlert;
  entry: DigestEntry;
}

function silencedCopy(notification: Notification, silence: ActiveSilence): Notification {
  return {
    ...notification,
    subject: notification.subject.replace(/^\[Vigil ([A-Z]+)\]/, "[Vigil $1, silenced]"),
    body: [
      `Silenced by ${silence.name} until ${silence.end} (${silence.reason}): nobody was paged.`,
      "",
      notification.body,
    ].join("\n"),
    attributes: { ...notification.attributes, silenced: silence.name },
    destinations: ["sns"],
  };
}

export function planAlerts(
  alerts: readonly AnomalyAlert[],
  open: readonly OpenEpisode[],
  policy: AlertPolicy,
  ctx: PlanContext,
): AlertPlan {
  const where = { account: ctx.account, region: ctx.region };
  const placed: Placed[] = [...alerts].sort(compareAlerts).map((alert) => {
    const resource = resourceOf(alert.verdict.metric, policy.resourceGroups);
    const incidentKey = incidentDedupKey(alert.verdict.metric, resource, where);
    const silence =
      alert.event === "resolved"
        ? undefined
        : activeSilenceFor(
            policy.silences,
            { metricSet: alert.metricSet, account: ctx.account, metric: alert.verdict.metric },
            ctx.now,
          );
    const status: DigestStatus =
      alert.event === "resolved" ? "resolved" : silence ? "silenced" : "not-paged";
    return {
      alert,
      entry: { alert, resource, incidentKey, status, ...(silence ? { silence } : {}) },
    };
  });

  // Open episodes by incident key, and by resource for the "also open" line.
  const openByKey = new Map<string, string[]>();
  const openByResource = new Map<string, Array<{ metric: string; text: string }>>();
  for (const o of open) {
    const resource = resourceOf(o.metric, policy.resourceGroups);
    const key = incidentDedupKey(o.metric, resource, where);
    openByKey.set(key, [...(openByKey.get(key) ?? []), metricKey(o.metric)]);
    if (resource) {
      const list = openByResource.get(resource.key) ?? [];
      list.push({
        metric: metricKey(o.metric),
        text: `${metricLabel(o.metric)} since ${new Date(o.episode.start).toISOString()}`,
      });
      openByResource.set(resource.key, list);
    }
  }

  // Incidents: triggers that are not silenced, grouped by key, in rank order of their lead.
  const incidents = new Map<string, Incident & { placed: Placed[] }>();
  for (const p of placed) {
    if (p.alert.event === "resolved" || p.entry.silence) continue;
    const existing = incidents.get(p.entry.incidentKey);
    if (existing) {
      existing.alerts.push(p.alert);
      existing.placed.push(p);
      continue;
    }
    // The resource's other open episodes (its metrics not alerting in this run's incident).
    const alerting = new Set(
      placed
        .filter((q) => q.entry.incidentKey === p.entry.incidentKey && q.alert.event !== "resolved")
        .map((q) => metricKey(q.alert.verdict.metric)),
    );
    const related = p.entry.resource
      ? (openByResource.get(p.entry.resource.key) ?? [])
          .filter((o) => !alerting.has(o.metric))
          .map((o) => o.text)
      : [];
    incidents.set(p.entry.incidentKey, {
      key: p.entry.incidentKey,
      resource: p.entry.resource,
      alerts: [p.alert],
      related,
      remediations: p.entry.resource ? ctx.remediations?.get(p.entry.resource.key) : undefined,
      placed: [p],
    });
  }
  const built = [...incidents.values()].map((incident) => {
    const notification = incidentNotification(incident);
    return {
      incident,
      notification,
      pages: destinationsFor(policy.routes, notification).includes("pagerduty"),
    };
  });
  const wanted = built.filter((b) => b.pages);
  const allowance = ctx.allowance ?? runPageAllowance(policy.pageBudget, ctx.part?.count);
  const budget = applyPageBudget(wanted, allowance);
  for (const b of budget.paged) for (const p of b.incident.placed) p.entry.status = "paged";
  for (const b of budget.folded)
    for (const p of b.incident.placed) p.entry.status = "folded-into-storm";
  const storm =
    budget.folded.length > 0
      ? stormNotification(
          budget.folded.map((b) => b.notification),
          {
            account: ctx.account,
            region: ctx.region,
            now: ctx.now,
            pageBudget: policy.pageBudget,
            allowance,
            paged: budget.paged.length,
          },
        )
      : undefined;

  // Resolves: one per incident key, held while another metric of the incident is still open.
  const heldResolves: string[] = [];
  const resolves: Notification[] = [];
  const resolvedKeys = new Set<string>();
  for (const p of placed) {
    if (p.alert.event !== "resolved" || resolvedKeys.has(p.entry.incidentKey)) continue;
    const stillOpen = (openByKey.get(p.entry.incidentKey) ?? []).some(
      (key) => key !== metricKey(p.alert.verdict.metric),
    );
    if (stillOpen) {
      p.entry.status = "resolve-held";
      heldResolves.push(p.entry.incidentKey);
      continue;
    }
    resolvedKeys.add(p.entry.incidentKey);
    resolves.push({ ...anomalyNotification(p.alert), dedupKey: p.entry.incidentKey });
  }

  const notifications: Notification[] = [];
  // What needs reading first: loud triggers, then silenced ones, then resolves (each in rank order).
  const group = (e: DigestEntry) => (e.alert.event === "resolved" ? 2 : e.silence ? 1 : 0);
  const entries = placed.map((p) => p.entry).sort((a, b) => group(a) - group(b));
  if (policy.mode === "digest") {
    for (const b of budget.paged)
      notifications.push({ ...b.notification, destinations: ["pagerduty"] });
    if (storm) notifications.push({ ...storm, destinations: ["pagerduty"] });
    for (const r of resolves) {
      // The digest tells SNS; only an incident that may have paged needs its resolve.
      if (destinationsFor(policy.routes, r).includes("pagerduty")) {
        notifications.push({ ...r, destinations: ["pagerduty"] });
      }
    }
    if (entries.length > 0) {
      notifications.push(
        digestNotification(entries, {
          account: ctx.account,
          region: ctx.region,
          now: ctx.now,
          top: policy.digest.top,
          pageBudget: policy.pageBudget,
          stormKey: storm?.dedupKey,
          expiredSilences: expiredSilences(policy.silences, ctx.now),
          part: ctx.part,
        }),
      );
    }
  } else {
    const folded = new Set(budget.folded.map((b) => b.incident.key));
    for (const b of built) {
      notifications.push(
        folded.has(b.incident.key) ? { ...b.notification, destinations: ["sns"] } : b.notification,
      );
    }
    if (storm) notifications.push(storm);
    for (const p of placed) {
      if (p.entry.silence) {
        const n = anomalyNotification(p.alert);
        notifications.push(silencedCopy({ ...n, dedupKey: p.entry.incidentKey }, p.entry.silence));
      }
    }
    notifications.push(...resolves);
  }

  return {
    notifications,
    wantedPages: wanted.length,
    folded: budget.folded.map((b) => ({
      incident: b.incident.key,
      metrics: [...new Set(b.incident.alerts.map((a) => metricKey(a.verdict.metric)))],
    })),
    summary: {
      mode: policy.mode,
      alerts: alerts.length,
      incidents: incidents.size,
      pages: {
        budgetPerHour: policy.pageBudget,
        allowance,
        shared: ctx.allowance !== undefined,
        paged: budget.paged.map((b) => b.incident.key),
        folded: budget.folded.map((b) => b.incident.key),
        storm: storm?.dedupKey ?? null,
      },
      stormsResolved: [],
      silenced: placed.flatMap((p) =>
        p.entry.silence ? [{ incident: p.entry.incidentKey, silence: p.entry.silence.name }] : [],
      ),
      heldResolves,
      expiredSilences: expiredSilences(policy.silences, ctx.now).map((s) => s.name),
      digest: policy.mode === "digest" && entries.length > 0,
    },
  };
}
