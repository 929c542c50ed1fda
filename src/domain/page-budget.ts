import type { Notification } from "./notification.ts";

/**
 * The page budget: at most `alerting.pageBudget` pages per hour per account. Past it, the pages
 * left over are folded into one "storm" incident for the account and hour (its dedup key names
 * both, so every shard of the account that overflows in that hour adds to the same incident). An
 * alert is never dropped: it is either its own page or listed in the storm.
 */

/**
 * Pages one run may send on its own. A detect run evaluates each hourly metric set once an hour; under
 * fan-out an account's metrics are split into `parts` shards judged in parallel without shared
 * state, so each gets an equal share (possibly zero: then everything goes to the one storm incident).
 */
export function runPageAllowance(pageBudget: number, parts = 1): number {
  return parts > 1 ? Math.floor(pageBudget / parts) : pageBudget;
}

export interface BudgetOutcome<T> {
  paged: T[];
  folded: T[];
}

/** `ranked` is most urgent first: the first `allowance` page, the rest fold into the storm. */
export function applyPageBudget<T>(ranked: readonly T[], allowance: number): BudgetOutcome<T> {
  return { paged: ranked.slice(0, allowance), folded: ranked.slice(allowance) };
}

export function stormDedupKey(account: string | undefined, region: string, now: number): string {
  const hour = new Date(now).toISOString().slice(0, 13);
  return `vigil:storm:${account ?? region}:${hour}`;
}

export interface StormContext {
  account?: string | undefined;
  region: string;
  now: number;
  pageBudget: number;
  allowance: number;
  /** Pages sent on their own in this run, before the budget ran out. */
  paged: number;
}

/** One page for everything past the budget: lists each folded incident with its dedup key. */
export function stormNotification(
  folded: readonly Notification[],
  ctx: StormContext,
): Notification {
  const where = ctx.account ?? ctx.region;
  const hour = new Date(ctx.now).toISOString().slice(0, 13);
  const dedupKey = stormDedupKey(ctx.account, ctx.region, ctx.now);
  const items = folded.map((n) => ({
    subject: n.subject,
    severity: n.severity,
    dedupKey: n.dedupKey,
  }));
  const body = [
    `ALERT STORM in ${where}: ${folded.length} more incident(s) would page this hour, past the page budget of ${ctx.pageBudget} per hour (${ctx.paged} paged on their own by this run).`,
    "They are folded into this one incident, none dropped; each is listed below and in the SNS digest.",
    "",
    ...items.map((i) => `- ${i.subject}  (${i.dedupKey})`),
    "",
    "Next step: look for one cause first (a deploy, a backfill, a compromised principal); if it is planned work, add a silence with `vigil silence add`.",
    "",
    "```json",
    JSON.stringify(
      { storm: { account: ctx.account ?? null, region: ctx.region, hour, folded: items } },
      null,
      2,
    ),
    "```",
  ].join("\n");
  return {
    action: "trigger",
    dedupKey,
    severity: "critical",
    source: "anomaly",
    subject:
      `[Vigil CRITICAL] ${where} ${ctx.region}: alert storm, ${folded.length} incident(s) past the page budget`.slice(
        0,
        100,
      ),
    body,
    details: {
      event: "storm",
      account: ctx.account ?? null,
      region: ctx.region,
      hour,
      pageBudget: ctx.pageBudget,
      folded: items,
    },
    attributes: { event: "storm" },
  };
}
