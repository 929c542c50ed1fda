import type { Logger } from "@aws-lambda-powertools/logger";
import { resourceOf } from "../domain/alert-grouping.ts";
import { incidentDedupKey } from "../domain/alert-incident.ts";
import {
  type AlertingSummary,
  type AlertPolicy,
  type OpenEpisode,
  planAlerts,
} from "../domain/alert-plan.ts";
import type { AnomalyAlert } from "../domain/anomaly-notification.ts";
import { type MetricIdentity, metricKey, metricLabel } from "../domain/metric.ts";
import type { Notification } from "../domain/notification.ts";
import { pageHour, pageScope } from "../domain/page-budget.ts";
import type { Notifier } from "../ports/notifier.ts";
import type { PageLedger } from "../ports/page-ledger.ts";
import { noteAnomalies, remediationLinks, settleOpenStorms, takePages } from "./paging.ts";

/**
 * What a detect run sends once every metric is judged: the plan (digest, pages, storm), with the
 * pages counted in the account-hour's shared ledger when there is one, and the resolves of earlier
 * hours' storms that have nothing left open.
 */

export interface SendRunAlertsDeps {
  notifier: Notifier;
  policy: AlertPolicy;
  region: string;
  account?: string | undefined;
  part?: { index: number; count: number } | undefined;
  pages?: PageLedger | undefined;
  logger: Pick<Logger, "error">;
}

export interface SendRunAlertsInput {
  alerts: readonly AnomalyAlert[];
  open: readonly OpenEpisode[];
  /** Every metric this run judged: a storm's folded incident closes only on metrics judged here. */
  judged: readonly MetricIdentity[];
  now: number;
  dryRun: boolean;
}

export interface SentRunAlerts {
  summary: AlertingSummary;
  notificationsSent: number;
  notificationFailures: Array<{ dedupKey: string; error: string }>;
  partialFailure: boolean;
}

export async function sendRunAlerts(
  deps: SendRunAlertsDeps,
  input: SendRunAlertsInput,
): Promise<SentRunAlerts> {
  const { policy, logger } = deps;
  const { alerts, open, now } = input;
  const result: Omit<SentRunAlerts, "summary"> = {
    notificationsSent: 0,
    notificationFailures: [],
    partialFailure: false,
  };
  const ledger = input.dryRun ? undefined : deps.pages;
  const scope = pageScope(deps.account, deps.region);
  const hour = pageHour(now);
  const ledgerFailed = (what: string, error: unknown) => {
    result.partialFailure = true;
    logger.error(`page ledger: ${what}`, {
      scope,
      hour,
      error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
    });
  };
  // What Vigil's remediations did lately to the resources anomalous now: named in the incident.
  const triggers = alerts.flatMap((alert) => {
    const resource =
      alert.event === "resolved"
        ? undefined
        : resourceOf(alert.verdict.metric, policy.resourceGroups);
    return resource ? [{ alert, resource }] : [];
  });
  let remediations: Map<string, string[]> | undefined;
  if (ledger && triggers.length > 0) {
    try {
      remediations = await remediationLinks(
        ledger,
        scope,
        triggers.map((t) => t.resource),
        now,
      );
    } catch (error) {
      ledgerFailed("remediations on the anomalous resources not read", error);
    }
  }
  const ctx = { now, account: deps.account, region: deps.region, part: deps.part, remediations };
  let plan = planAlerts(alerts, open, policy, ctx);

  if (ledger && plan.wantedPages > 0) {
    // Slots of the account-hour shared with every other run; the rest fold into the storm. An
    // unreadable ledger never holds a page back: the run falls back to its own share.
    try {
      const holder = `detect:${new Date(now).toISOString()}${deps.part ? `:${deps.part.index}/${deps.part.count}` : ""}`;
      const allowance = await takePages(
        ledger,
        scope,
        hour,
        policy.pageBudget,
        plan.wantedPages,
        holder,
      );
      plan = planAlerts(alerts, open, policy, { ...ctx, allowance });
      if (plan.folded.length > 0) await ledger.noteFolded(scope, hour, plan.folded);
    } catch (error) {
      ledgerFailed(
        "pages not counted across runs; this run kept its own share of the budget",
        error,
      );
    }
  }
  const summary = plan.summary;
  if (ledger && triggers.length > 0) {
    // …and the other way round: a remediation on these resources will name the anomaly.
    try {
      await noteAnomalies(
        ledger,
        scope,
        triggers.map(({ alert, resource }) => ({
          resource,
          ref: incidentDedupKey(alert.verdict.metric, resource, {
            account: deps.account,
            region: deps.region,
          }),
          text: `${alert.episode.severity} anomaly ${metricLabel(alert.verdict.metric)}: ${alert.verdict.why}`,
        })),
        now,
      );
    } catch (error) {
      ledgerFailed("anomalies not noted for remediations to link to", error);
    }
  }

  // Storms of earlier hours with nothing left open are resolved (a PagerDuty resolve event).
  let stormResolves: Array<{ hour: string; notification: Notification }> = [];
  if (ledger) {
    try {
      stormResolves = await settleOpenStorms(
        ledger,
        { scope, region: deps.region, now },
        new Set(input.judged.map(metricKey)),
        new Set(open.map((o) => metricKey(o.metric))),
      );
    } catch (error) {
      ledgerFailed("open storms not checked", error);
    }
  }
  if (input.dryRun) return { ...result, summary };

  const delivered = new Set<string>();
  await Promise.all(
    [...plan.notifications, ...stormResolves.map((r) => r.notification)].map((notification) =>
      deps.notifier.notify(notification).then(
        () => {
          result.notificationsSent += 1;
          delivered.add(notification.dedupKey);
        },
        (error: Error) => {
          result.notificationFailures.push({
            dedupKey: notification.dedupKey,
            error: `${error.name}: ${error.message}`,
          });
          result.partialFailure = true;
        },
      ),
    ),
  );
  for (const r of stormResolves) {
    // A resolve not delivered keeps the storm open: the next run tries again.
    if (!ledger || !delivered.has(r.notification.dedupKey)) continue;
    try {
      await ledger.closeStorm(scope, r.hour);
      summary.stormsResolved.push(r.notification.dedupKey);
    } catch (error) {
      ledgerFailed("storm resolved but not closed in the ledger", error);
    }
  }
  return { ...result, summary };
}
