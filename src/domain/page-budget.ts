import { jsonBlock, type Notification } from "./notification.ts";

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

/** The UTC hour a page counts in: `2026-12-04T11`. */
export function pageHour(now: number): string {
  return new Date(now).toISOString().slice(0, 13);
}

/** Whose budget: the account's, or the region's when no account is known (the sandbox, the CLI). */
export function pageScope(account: string | undefined, region: string): string {
  return account ?? region;
}

export function stormDedupKey(account: string | undefined, region: string, now: number): string {
  return stormKeyFor(pageScope(account, region), pageHour(now));
}

export function stormKeyFor(scope: string, hour: string): string {
  return `vigil:storm:${scope}:${hour}`;
}

/** What a later run decides about a storm whose hour is over. */
export interface StormSettlement {
  /** Folded incidents this run saw closed (every metric judged, none still anomalous). */
  closed: string[];
  /** The storm has nothing left open: resolve it. */
  resolve: boolean;
}

/**
 * A folded incident is closed when this run judged every one of its metrics and none is still in
 * an open episode; one whose metrics another shard judges stays as it is. A remediation folded in
 * (no metrics) is closed: the change is done. The storm resolves once nothing it folded is open.
 */
export function settleStorm(
  folded: ReadonlyArray<{ incident: string; metrics: readonly string[] }>,
  judged: ReadonlySet<string>,
  open: ReadonlySet<string>,
): StormSettlement {
  const closed = folded
    .filter((f) => f.metrics.every((m) => judged.has(m) && !open.has(m)))
    .map((f) => f.incident);
  return { closed, resolve: closed.length === folded.length };
}

/** Closes the storm incident of an hour that ended with nothing open. */
export function stormResolveNotification(
  scope: string,
  region: string,
  hour: string,
): Notification {
  const dedupKey = stormKeyFor(scope, hour);
  const details = { event: "storm-resolved", scope, region, hour };
  return {
    action: "resolve",
    dedupKey,
    severity: "info",
    source: "anomaly",
    subject: `[Vigil INFO] ${scope} ${region}: alert storm of ${hour}:00 UTC resolved`,
    body: [
      `The alert storm of ${hour}:00 UTC in ${scope} is over: every incident folded into it has resolved.`,
      "",
      ...jsonBlock(details),
    ].join("\n"),
    details,
    attributes: { event: "storm-resolved" },
    destinations: ["pagerduty"],
  };
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
  const hour = pageHour(ctx.now);
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
    ...jsonBlock({
      storm: { account: ctx.account ?? null, region: ctx.region, hour, folded: items },
    }),
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

/** The SNS copy of an alert past the budget: says it is in the storm incident, which paged. */
export function foldedCopy(
  notification: Notification,
  stormKey: string,
  pageBudget: number,
): Notification {
  return {
    ...notification,
    subject: notification.subject
      .replace(/^\[Vigil ([A-Z]+)\]/, "[Vigil $1, in storm]")
      .slice(0, 100),
    body: [
      `Past the page budget of ${pageBudget} per hour: folded into the storm incident ${stormKey}, which paged.`,
      "",
      notification.body,
    ].join("\n"),
    attributes: { ...notification.attributes, storm: stormKey },
    destinations: ["sns"],
  };
}
