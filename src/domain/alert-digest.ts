import type { Resource } from "./alert-grouping.ts";
import { alertImpact } from "./alert-incident.ts";
import type { AnomalyAlert } from "./anomaly-notification.ts";
import { formatNumber, formatSigma } from "./format.ts";
import { metricLabel } from "./metric.ts";
import { jsonBlock, type Notification } from "./notification.ts";
import type { ActiveSilence } from "./silences.ts";

/**
 * The digest: one SNS message per detect run and account/region that lists what is new, escalated
 * and resolved, most urgent first, the first few in full and every one in its JSON block. Written
 * for 3 a.m.: the subject counts, the first line says whether anybody was paged, the top items say
 * why with numbers and a graph link.
 */

/** What became of an alert in this run. */
export type DigestStatus =
  | "paged"
  | "folded-into-storm"
  | "silenced"
  | "not-paged"
  | "resolved"
  | "resolve-held";

export interface DigestEntry {
  alert: AnomalyAlert;
  resource: Resource | undefined;
  incidentKey: string;
  status: DigestStatus;
  silence?: ActiveSilence;
}

export interface DigestContext {
  account?: string | undefined;
  region: string;
  now: number;
  /** Entries shown in full (alerting.digest.top). */
  top: number;
  pageBudget: number;
  stormKey?: string | undefined;
  expiredSilences: ReadonlyArray<{ name: string; end: string; reason: string }>;
  /** Part i of n under fan-out: a digest per shard. */
  part?: { index: number; count: number } | undefined;
}

/** JSON items past this are counted only: an SNS message holds at most 256 KB. */
export const DIGEST_JSON_MAX_ITEMS = 400;

const STATUS_TEXT: Record<DigestStatus, string> = {
  paged: "paged",
  "folded-into-storm": "folded into the storm incident (paged)",
  silenced: "silenced, not paged",
  "not-paged": "not paged (warning)",
  resolved: "resolved",
  "resolve-held":
    "resolved; incident stays open (another metric of the resource is still anomalous)",
};

function eventWord(alert: AnomalyAlert): string {
  return alert.event === "new-episode"
    ? "NEW"
    : alert.event === "escalated"
      ? "ESCALATED"
      : "RESOLVED";
}

/** One entry's lines, without its rank and indent (digestBody adds them). */
function entryLines(entry: DigestEntry): string[] {
  const { alert } = entry;
  const severity = alert.event === "resolved" ? "info" : alert.episode.severity;
  const impact = alertImpact(alert);
  const silence = entry.silence
    ? ` [silenced by ${entry.silence.name} until ${entry.silence.end}: ${entry.silence.reason}]`
    : "";
  return [
    `${severity.toUpperCase()} ${eventWord(alert)} ${entry.resource?.label ?? metricLabel(alert.verdict.metric)} (${alert.metricSet})${silence}`,
    metricLabel(alert.verdict.metric),
    alert.event === "resolved"
      ? `back within its baseline; episode ${new Date(alert.episode.start).toISOString()} to ${new Date(alert.episode.end).toISOString()}, peak ${formatSigma(alert.episode.peak.z ?? 0)}`
      : `${alert.verdict.why}; peak ${formatSigma(alert.episode.peak.z ?? 0)}, ${formatNumber(impact)} ${impact >= 0 ? "above" : "below"} expected`,
    `${STATUS_TEXT[entry.status]}; incident ${entry.incidentKey}`,
    `Graph: ${alert.consoleUrl}`,
  ];
}

function count(entries: readonly DigestEntry[], event: AnomalyAlert["event"]): number {
  return entries.filter((e) => e.alert.event === event).length;
}

export interface DigestLayout {
  /** What the run did and whether anybody was paged: the first lines read. */
  headline: string[];
  /** How the entries are ranked, said once above them. */
  ranking: string;
  /** Each entry's lines, most urgent first: the first `top` are shown in full. */
  blocks: ReadonlyArray<readonly string[]>;
  top: number;
  /** After "…and N more, ": where to see them all (the JSON block, a `vigil` command). */
  more: string;
  footer: readonly string[];
  details: Record<string, unknown>;
}

/**
 * The digest's text, whatever it lists (anomalies of a detect run, remediation outcomes of a
 * sweep): headline, the first `top` entries in full, the rest counted, then the JSON block.
 */
export function digestBody(layout: DigestLayout): string {
  const shown = layout.blocks.slice(0, layout.top);
  const rest = layout.blocks.length - shown.length;
  return [
    ...layout.headline,
    "",
    ...(shown.length > 0 ? [layout.ranking, ""] : []),
    ...shown.flatMap((block, index) => [
      ...block.map((line, i) => (i === 0 ? `${index + 1}. ${line}` : `   ${line}`)),
      "",
    ]),
    ...(rest > 0 ? [`…and ${rest} more, ${layout.more}`, ""] : []),
    ...layout.footer,
    ...(layout.footer.length > 0 ? [""] : []),
    ...jsonBlock(layout.details),
  ].join("\n");
}

/** `entries` ranked most urgent first. */
export function digestNotification(
  entries: readonly DigestEntry[],
  ctx: DigestContext,
): Notification {
  const where = `${ctx.account ? `${ctx.account} ` : ""}${ctx.region}`;
  const triggers = entries.filter((e) => e.alert.event !== "resolved");
  const loud = triggers.filter((e) => e.status !== "silenced");
  const severity = loud.some((e) => e.alert.episode.severity === "critical")
    ? "critical"
    : loud.length > 0
      ? "warning"
      : "info";
  const counts = {
    new: count(entries, "new-episode"),
    escalated: count(entries, "escalated"),
    resolved: count(entries, "resolved"),
    silenced: entries.filter((e) => e.status === "silenced").length,
  };
  // Incidents, not metrics: a bucket and its distribution are one page.
  const incidents = (status: DigestStatus) =>
    new Set(entries.filter((e) => e.status === status).map((e) => e.incidentKey)).size;
  const paged = incidents("paged");
  const folded = incidents("folded-into-storm");
  const metricSets = [...new Set(entries.map((e) => e.alert.metricSet))].sort();
  const period = entries[0] ? new Date(entries[0].alert.verdict.timestamp).toISOString() : null;
  const part =
    ctx.part && ctx.part.count > 1 ? ` part ${ctx.part.index + 1}/${ctx.part.count}` : "";

  const countText = [
    `${counts.new} new`,
    `${counts.escalated} escalated`,
    `${counts.resolved} resolved`,
    ...(counts.silenced > 0 ? [`${counts.silenced} silenced`] : []),
  ].join(", ");
  const subject = `[Vigil ${severity.toUpperCase()}] ${where} digest${part}: ${countText}`;
  const pageLine =
    paged + folded === 0
      ? "Nobody was paged by this run."
      : `Paged: ${paged} incident(s) on their own${folded > 0 ? `; ${folded} more folded into the storm incident ${ctx.stormKey} (page budget ${ctx.pageBudget} per hour)` : ""}.`;
  const items = entries.slice(0, DIGEST_JSON_MAX_ITEMS).map((e, index) => ({
    rank: index + 1,
    event: e.alert.event,
    severity: e.alert.event === "resolved" ? "info" : e.alert.episode.severity,
    status: e.status,
    metricSet: e.alert.metricSet,
    metric: metricLabel(e.alert.verdict.metric),
    resource: e.resource?.label ?? null,
    z: e.alert.episode.peak.z,
    impact: alertImpact(e.alert),
    episodeStart: new Date(e.alert.episode.start).toISOString(),
    incident: e.incidentKey,
    ...(e.silence ? { silence: e.silence.name } : {}),
  }));
  const details = {
    event: "digest",
    account: ctx.account ?? null,
    region: ctx.region,
    period,
    ...(ctx.part && ctx.part.count > 1 ? { part: ctx.part } : {}),
    counts,
    pages: { paged, folded, storm: ctx.stormKey ?? null, pageBudget: ctx.pageBudget },
    expiredSilences: ctx.expiredSilences.map((s) => s.name),
    items,
    ...(entries.length > items.length ? { notListed: entries.length - items.length } : {}),
  };
  return {
    action: triggers.length > 0 ? "trigger" : "resolve",
    dedupKey: `vigil:digest:${ctx.account ?? "-"}/${ctx.region}:${new Date(ctx.now).toISOString()}${part ? `:${ctx.part?.index}` : ""}`,
    severity,
    source: "anomaly",
    subject,
    body: digestBody({
      headline: [
        `Vigil digest for ${where}${part}, period ${period ?? "?"}: ${countText}.`,
        pageLine,
      ],
      ranking: "Most urgent first (severity, then |z|, then impact):",
      blocks: entries.map(entryLines),
      top: ctx.top,
      more: `each in the JSON below. \`vigil detect --dry-run --set ${metricSets.join(" ")}\` lists every anomaly of the newest period.`,
      footer: [
        ...ctx.expiredSilences.map(
          (s) =>
            `Silence ${s.name} ("${s.reason}") expired ${s.end}: ignored. Remove it with \`vigil silence remove ${s.name}\`.`,
        ),
      ],
      details,
    }),
    details,
    attributes: { event: "digest", metricSet: metricSets },
    destinations: ["sns"],
  };
}
