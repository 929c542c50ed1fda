import { createHash } from "node:crypto";
import { z } from "zod";
import { type MetricIdentity, metricLabel } from "./metric.ts";
import type { Notification } from "./notification.ts";

/**
 * PagerDuty Events API v2 events built from notifications, and the dead letters that keep the
 * ones PagerDuty could not take. Neither ever holds the routing key: the adapter adds it to the
 * request body only.
 */

/** PagerDuty Events API v2: where events are sent unless the config names another endpoint. */
export const PAGERDUTY_EVENTS_URL = "https://events.pagerduty.com/v2/enqueue";

/** An Events API v2 event without its routing key: what is logged, queued and redriven. */
export interface PagerDutyEvent {
  event_action: "trigger" | "resolve";
  dedup_key: string;
  payload?: {
    summary: string;
    source: string;
    severity: "critical" | "error" | "warning" | "info";
    timestamp?: string;
    component?: string;
    group?: string;
    class?: string;
    custom_details?: Record<string, unknown>;
  };
  links?: Array<{ href: string; text: string }>;
  /** Shown in the incident: the metric's graph with its band (src must be a URL PagerDuty can fetch). */
  images?: PagerDutyImage[];
  client?: string;
  client_url?: string;
}

export interface PagerDutyImage {
  src: string;
  href?: string;
  alt?: string;
}

/** PagerDuty limits (Events API v2). */
export const DEDUP_KEY_MAX = 255;
const SUMMARY_MAX = 1024;

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 3)}...`;
}

/** Keys longer than PagerDuty accepts keep their readable start and a hash of the whole key. */
export function pagerDutyDedupKey(key: string): string {
  if (key.length <= DEDUP_KEY_MAX) return key;
  const hex = createHash("sha256").update(key).digest("hex");
  return `${key.slice(0, DEDUP_KEY_MAX - hex.length - 1)}#${hex}`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isHttpUrl(value: unknown): value is string {
  return typeof value === "string" && /^https?:\/\//.test(value);
}

/** Where, what and which kind, for PagerDuty's source / component / group / class fields. */
function placement(notification: Notification) {
  const d = notification.details;
  if (notification.source === "remediation") {
    const finding = isRecord(d.finding) ? d.finding : d;
    const str = (v: unknown) => (typeof v === "string" ? v : undefined);
    return {
      source:
        str(finding.resourceArn) ??
        `${str(finding.account) ?? "aws"}/${str(finding.region) ?? "?"}/${str(finding.resourceId) ?? "?"}`,
      component: str(finding.resourceType) ?? str(finding.resourceId),
      group: str(finding.rule),
      class: `remediation ${str(d.outcome) ?? ""}`.trim(),
    };
  }
  const metric = isRecord(d.metric) ? (d.metric as unknown as MetricIdentity) : undefined;
  const account = typeof d.account === "string" ? d.account : "aws";
  const region = typeof d.region === "string" ? d.region : "?";
  return {
    source: `${account}/${region}`,
    component: metric?.namespace && metric.metricName ? metricLabel(metric) : undefined,
    group: typeof d.metricSet === "string" ? d.metricSet : undefined,
    class: `anomaly ${typeof d.event === "string" ? d.event : ""}`.trim(),
  };
}

/**
 * The Events API v2 event for a notification: summary = subject, custom_details = details
 * (observed, expected, σ, z, threshold, window; or before → after and the undo command), links to
 * the CloudWatch graph and the runbook. A resolve needs only the dedup key.
 */
export function pagerDutyEvent(
  notification: Notification,
  timestamp: string,
  image?: { url: string; alt: string },
): PagerDutyEvent {
  const dedup_key = pagerDutyDedupKey(notification.dedupKey);
  if (notification.action === "resolve") return { event_action: "resolve", dedup_key };
  const where = placement(notification);
  const links: Array<{ href: string; text: string }> = [];
  if (isHttpUrl(notification.details.consoleUrl)) {
    links.push({ href: notification.details.consoleUrl, text: "CloudWatch graph" });
  }
  if (isHttpUrl(notification.details.runbook)) {
    links.push({ href: notification.details.runbook, text: "Vigil on-call runbook" });
  }
  return {
    event_action: "trigger",
    dedup_key,
    payload: {
      summary: truncate(notification.summary ?? notification.subject, SUMMARY_MAX),
      source: where.source,
      severity: notification.severity,
      timestamp,
      ...(where.component ? { component: where.component } : {}),
      ...(where.group ? { group: where.group } : {}),
      ...(where.class ? { class: where.class } : {}),
      custom_details: notification.details,
    },
    ...(links.length > 0 ? { links } : {}),
    ...(image && isHttpUrl(image.url)
      ? {
          images: [
            {
              src: image.url,
              alt: image.alt,
              ...(isHttpUrl(notification.details.consoleUrl)
                ? { href: notification.details.consoleUrl }
                : {}),
            },
          ],
        }
      : {}),
    client: "Vigil",
    ...(isHttpUrl(notification.details.consoleUrl)
      ? { client_url: notification.details.consoleUrl }
      : {}),
  };
}

export const DEAD_LETTER_KIND = "vigil.pagerduty-event";

export interface DeadLetter {
  version: 1;
  kind: typeof DEAD_LETTER_KIND;
  /** ISO time the event was queued: redrive sends only the newest event per dedup key. */
  queuedAt: string;
  /** Why PagerDuty did not take it. */
  reason: string;
  event: PagerDutyEvent;
}

/** Validates a queued message before it is sent anywhere. */
export const deadLetterSchema = z.object({
  version: z.literal(1),
  kind: z.literal(DEAD_LETTER_KIND),
  queuedAt: z.iso.datetime(),
  reason: z.string(),
  event: z
    .object({
      event_action: z.enum(["trigger", "resolve"]),
      dedup_key: z.string().min(1).max(255),
      payload: z
        .object({
          summary: z.string().min(1),
          source: z.string().min(1),
          severity: z.enum(["critical", "error", "warning", "info"]),
        })
        .loose()
        .optional(),
      links: z.array(z.object({ href: z.string(), text: z.string() })).optional(),
      images: z
        .array(
          z.object({ src: z.string(), href: z.string().optional(), alt: z.string().optional() }),
        )
        .optional(),
      client: z.string().optional(),
      client_url: z.string().optional(),
      // A queued event never carries the key; refuse one that does rather than resend it.
      routing_key: z.never().optional(),
    })
    .strict(),
});
