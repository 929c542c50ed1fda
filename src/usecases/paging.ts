import type { Logger } from "@aws-lambda-powertools/logger";
import { arnResource, type Resource } from "../domain/alert-grouping.ts";
import type { AlertRoute } from "../domain/alert-route.ts";
import { destinationsFor } from "../domain/alert-routing.ts";
import { formatAgo } from "../domain/format.ts";
import type { Notification } from "../domain/notification.ts";
import {
  foldedCopy,
  pageHour,
  pageScope,
  settleStorm,
  stormNotification,
  stormResolveNotification,
} from "../domain/page-budget.ts";
import type { Notifier } from "../ports/notifier.ts";
import type { PageLedger } from "../ports/page-ledger.ts";

/**
 * The page budget across runs: every run, shard and remediation that pages for an account takes a
 * slot of the account-hour in the shared ledger first; past the budget its page is folded into the
 * hour's storm incident (one dedup key per account and hour), which always pages. The first run
 * after the hour closes the storm once nothing it folded is still open.
 */

/** A remediation and an anomaly on the same resource within this time name each other. */
export const LINK_WINDOW_MS = 24 * 3_600_000;

/** Resources at most one run looks up (one S3 listing each). */
const MAX_LINKED_RESOURCES = 20;

/** Resource key → one line per recent remediation on it: what, how long ago, its journal id. */
export async function remediationLinks(
  ledger: PageLedger,
  scope: string,
  resources: readonly Resource[],
  now: number,
): Promise<Map<string, string[]>> {
  const keys = [...new Set(resources.map((r) => r.key))].slice(0, MAX_LINKED_RESOURCES);
  const links = new Map<string, string[]>();
  await Promise.all(
    keys.map(async (key) => {
      const notes = await ledger.resourceNotes(scope, key, now - LINK_WINDOW_MS);
      const lines = notes
        .filter((n) => n.kind === "remediation")
        .map((n) => `${n.text} ${formatAgo(now - n.time)} ago (journal id ${n.ref})`);
      if (lines.length > 0) links.set(key, lines);
    }),
  );
  return links;
}

/** The anomalies noted on a resource within the link window, one line each (reads only). */
export async function anomaliesOn(
  ledger: PageLedger,
  scope: string,
  resourceKey: string,
  now: number,
): Promise<string[]> {
  return (await ledger.resourceNotes(scope, resourceKey, now - LINK_WINDOW_MS))
    .filter((n) => n.kind === "anomaly")
    .map((n) => `${n.text} ${formatAgo(now - n.time)} ago (incident ${n.ref})`);
}

/** Notes anomalies (one per incident) on their resources for remediations to link to. */
export async function noteAnomalies(
  ledger: PageLedger,
  scope: string,
  anomalies: ReadonlyArray<{ resource: Resource; ref: string; text: string }>,
  now: number,
): Promise<void> {
  const seen = new Set<string>();
  const unique = anomalies
    .filter((a) => !seen.has(a.ref) && seen.add(a.ref))
    .slice(0, MAX_LINKED_RESOURCES);
  await Promise.all(
    unique.map((a) =>
      ledger.noteResource(scope, a.resource.key, {
        kind: "anomaly",
        ref: a.ref,
        text: a.text,
        time: now,
      }),
    ),
  );
}

/** Takes up to `wanted` page slots, stopping at the first refused (the rest are taken). */
export async function takePages(
  ledger: PageLedger,
  scope: string,
  hour: string,
  budget: number,
  wanted: number,
  holder: string,
): Promise<number> {
  let taken = 0;
  while (taken < wanted && (await ledger.takePage(scope, hour, budget, holder))) taken += 1;
  return taken;
}

/**
 * Storms of hours before `now`'s: drops the folded incidents this run saw closed and returns the
 * resolve for each storm with nothing left open (close it with `ledger.closeStorm` once sent).
 */
export async function settleOpenStorms(
  ledger: PageLedger,
  where: { scope: string; region: string; now: number },
  judged: ReadonlySet<string>,
  open: ReadonlySet<string>,
): Promise<Array<{ hour: string; notification: Notification }>> {
  const resolves: Array<{ hour: string; notification: Notification }> = [];
  for (const storm of await ledger.openStorms(where.scope, pageHour(where.now))) {
    const settled = settleStorm(storm.folded, judged, open);
    if (settled.closed.length > 0) await ledger.dropFolded(where.scope, storm.hour, settled.closed);
    if (settled.resolve) {
      resolves.push({
        hour: storm.hour,
        notification: stormResolveNotification(where.scope, where.region, storm.hour),
      });
    }
  }
  return resolves;
}

export interface PageBudgetNotifierOptions {
  inner: Notifier;
  ledger: PageLedger;
  routes: readonly AlertRoute[];
  pageBudget: number;
  /** False when nothing can page (no PagerDuty): the ledger only links, no slot is taken. */
  pages?: boolean;
  clock: () => number;
  /** The scope when a notification names no account. */
  region: string;
  logger: Pick<Logger, "error">;
}

/**
 * One alert at a time (the remediation functions): a trigger that would page takes a slot of its
 * account-hour first; past the budget it goes to SNS marked "in storm" and the storm incident is
 * triggered (again) with it. A ledger that cannot be read never holds a page back.
 */
export class PageBudgetNotifier implements Notifier {
  constructor(private readonly options: PageBudgetNotifierOptions) {}

  /** The notifier behind the budget (the routing notifier). */
  get inner(): Notifier {
    return this.options.inner;
  }

  async notify(original: Notification): Promise<void> {
    const notification = await this.linkRemediation(original);
    return this.budgeted(notification);
  }

  /**
   * A remediation names the anomalies on its resource in the last day, and is noted for the
   * anomalies to come: "Remediation on s3-bucket x: Vigil applied … 2 h ago (journal id …)".
   */
  async linkRemediation(notification: Notification): Promise<Notification> {
    const { ledger, clock, region, logger } = this.options;
    const finding = notification.details.finding as { resourceArn?: unknown } | undefined;
    const journalId = notification.details.journalId;
    if (notification.source !== "remediation" || notification.action !== "trigger") {
      return notification;
    }
    const resource = arnResource(String(finding?.resourceArn ?? ""));
    if (!resource || typeof journalId !== "string") return notification;
    const now = clock();
    const account =
      typeof notification.attributes.account === "string"
        ? notification.attributes.account
        : undefined;
    const scope = pageScope(account, region);
    try {
      const anomalies = await anomaliesOn(ledger, scope, resource.key, now);
      await ledger.noteResource(scope, resource.key, {
        kind: "remediation",
        ref: journalId,
        text: `Vigil: ${notification.subject.replace(/^\[Vigil [^\]]*\] /, "")}`,
        time: now,
      });
      if (anomalies.length === 0) return notification;
      return {
        ...notification,
        body: [
          ...anomalies.map((a) => `Anomaly on ${resource.label}: ${a}`),
          "",
          notification.body,
        ].join("\n"),
        details: { ...notification.details, anomalies },
      };
    } catch (error) {
      logger.error("page ledger unavailable: remediation not linked to anomalies", {
        dedupKey: notification.dedupKey,
        error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
      });
      return notification;
    }
  }

  private async budgeted(notification: Notification): Promise<void> {
    const { inner, ledger, routes, pageBudget, clock, region, logger } = this.options;
    const pages =
      this.options.pages !== false &&
      notification.action === "trigger" &&
      (notification.destinations ?? destinationsFor(routes, notification)).includes("pagerduty");
    if (!pages) return inner.notify(notification);
    const now = clock();
    const account =
      typeof notification.attributes.account === "string"
        ? notification.attributes.account
        : undefined;
    const scope = pageScope(account, region);
    const hour = pageHour(now);
    try {
      if (await ledger.takePage(scope, hour, pageBudget, `${notification.source}:${now}`)) {
        return await inner.notify(notification);
      }
      await ledger.noteFolded(scope, hour, [{ incident: notification.dedupKey, metrics: [] }]);
    } catch (error) {
      logger.error("page ledger unavailable: paging without it", {
        dedupKey: notification.dedupKey,
        error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
      });
      return inner.notify(notification);
    }
    const storm = stormNotification([notification], {
      account,
      region,
      now,
      pageBudget,
      allowance: 0,
      paged: 0,
    });
    await Promise.all([
      inner.notify(foldedCopy(notification, storm.dedupKey, pageBudget)),
      inner.notify({ ...storm, destinations: ["pagerduty"] }),
    ]);
  }
}
