import { digestBody } from "./alert-digest.ts";
import type { Notification } from "./notification.ts";

/**
 * The sweep's digest: the remediation outcomes nobody needs to act on at once (notify and observe
 * modes, dry runs, declined, exempt) of one run as one SNS message, laid out like the detect run's
 * digest. Enforced fixes and critical outcomes are not in it: they page (within the budget).
 */

export interface RemediationDigestContext {
  account: string;
  region: string;
  /** The sweep's run id (one digest per run), or `events-<hour>` for the event path's hourly one. */
  runId: string;
  /** When the run started: `vigil journal list --since` it lists every record of the run. */
  since: number;
  /**
   * The event path's digest: the UTC hour (`2026-12-04T10`) whose compliance-change and Access
   * Analyzer events it gathers. Absent: a sweep run's digest.
   */
  hour?: string;
  /** Entries shown in full (alerting.digest.top). */
  top: number;
}

/** One remediation outcome in the digest, with what the ledger links to its resource. */
export interface RemediationDigestEntry {
  notification: Notification;
  /** Anomalies on the same resource within the link window, one line each. */
  anomalies?: readonly string[] | undefined;
}

/** JSON items past this are counted only: an SNS message holds at most 256 KB. */
const JSON_MAX_ITEMS = 200;

const SEVERITY_RANK = { critical: 2, warning: 1, info: 0 } as const;

/**
 * Goes in the digest rather than alone: a remediation trigger that would page nobody. Applied
 * fixes (enforce mode) and undos stay alone (they change a resource: a person may need to know
 * now), and so does every critical outcome.
 */
export function belongsInDigest(notification: Notification): boolean {
  const outcome = notification.attributes.outcome;
  return (
    notification.source === "remediation" &&
    notification.action === "trigger" &&
    notification.severity !== "critical" &&
    typeof notification.details.journalId === "string" &&
    outcome !== "applied" &&
    outcome !== "undone"
  );
}

interface FindingDetails {
  resourceArn?: string;
  resourceType?: string;
}

function findingOf(notification: Notification): FindingDetails {
  return (notification.details.finding ?? {}) as FindingDetails;
}

function entryLines({ notification, anomalies }: RemediationDigestEntry): string[] {
  const opening = notification.body.split("\n", 1)[0] ?? "";
  const journalId = String(notification.details.journalId);
  return [
    notification.subject.replace(/^\[Vigil ([A-Z]+)\] /, "$1 "),
    opening,
    ...(anomalies ?? []).map((a) => `Linked anomaly: ${a}`),
    `Journal: \`vigil journal show ${journalId}\``,
  ];
}

/** The entries' digest: most urgent first (severity, then the order they were decided in). */
export function remediationDigestNotification(
  entries: readonly RemediationDigestEntry[],
  ctx: RemediationDigestContext,
): Notification {
  const ranked = entries
    .map((entry, order) => ({ entry, order }))
    .sort(
      (a, b) =>
        SEVERITY_RANK[b.entry.notification.severity] -
          SEVERITY_RANK[a.entry.notification.severity] || a.order - b.order,
    )
    .map((r) => r.entry);
  const severity = ranked[0]?.notification.severity ?? "info";
  const outcomes = new Map<string, number>();
  for (const { notification } of ranked) {
    const outcome = String(notification.attributes.outcome ?? "unknown");
    outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
  }
  const countText = [...outcomes].map(([outcome, n]) => `${n} ${outcome}`).join(", ");
  const where = `${ctx.account} ${ctx.region}`;
  const subject = `[Vigil ${severity.toUpperCase()}] ${where} remediation digest: ${countText}`;
  const since = new Date(ctx.since).toISOString();
  const what = ctx.hour
    ? `the ${ctx.hour}:00 UTC hour's compliance and Access Analyzer events`
    : `run ${ctx.runId}`;
  const items = ranked.slice(0, JSON_MAX_ITEMS).map(({ notification, anomalies }, index) => ({
    rank: index + 1,
    severity: notification.severity,
    outcome: notification.attributes.outcome ?? null,
    kind: notification.attributes.kind ?? null,
    resource: findingOf(notification).resourceArn ?? null,
    journalId: notification.details.journalId,
    incident: notification.dedupKey,
    ...(anomalies && anomalies.length > 0 ? { anomalies } : {}),
  }));
  const details = {
    event: "remediation-digest",
    account: ctx.account,
    region: ctx.region,
    run: ctx.runId,
    ...(ctx.hour ? { hour: ctx.hour } : {}),
    counts: Object.fromEntries(outcomes),
    items,
    ...(ranked.length > items.length ? { notListed: ranked.length - items.length } : {}),
  };
  return {
    action: "trigger",
    dedupKey: `vigil:remediation-digest:${ctx.account}/${ctx.region}:${ctx.runId}`,
    severity,
    source: "remediation",
    subject: subject.length <= 100 ? subject : `${subject.slice(0, 97)}...`,
    body: digestBody({
      headline: [
        `Vigil remediation digest for ${where}, ${what}: ${countText}.`,
        "Nobody was paged for these: nothing here was changed by Vigil (notify or observe mode, dry run, declined or exempt). Fixes Vigil applied and critical outcomes are sent on their own.",
      ],
      ranking: "Most urgent first (severity, then the order Vigil decided them):",
      blocks: ranked.map(entryLines),
      top: ctx.top,
      more: ctx.hour
        ? `each in the JSON below. \`vigil journal list --since ${since}\` lists every decision since the hour began.`
        : `each in the JSON below. \`vigil journal list --since ${since}\` lists every decision of this run.`,
      footer: [],
      details,
    }),
    details,
    attributes: {
      event: "digest",
      account: ctx.account,
      outcome: [...outcomes.keys()].sort(),
    },
    destinations: ["sns"],
  };
}
