import type { Logger } from "@aws-lambda-powertools/logger";
import type { AlertRoute } from "../domain/alert-route.ts";
import { destinationsFor } from "../domain/alert-routing.ts";
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

  async notify(notification: Notification): Promise<void> {
    const { inner, ledger, routes, pageBudget, clock, region, logger } = this.options;
    const pages =
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
