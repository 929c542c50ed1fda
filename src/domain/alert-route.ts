import type { JournalOutcome } from "./journal-record.ts";
import type { Notification } from "./notification.ts";

/** Where an alert can go. */
export const ALERT_DESTINATIONS = ["pagerduty", "sns"] as const;
export type AlertDestination = (typeof ALERT_DESTINATIONS)[number];

export const ALERT_SEVERITIES = [
  "critical",
  "warning",
  "info",
] as const satisfies readonly Notification["severity"][];
export const ALERT_SOURCES = [
  "anomaly",
  "remediation",
] as const satisfies readonly Notification["source"][];

/** Remediation outcomes a route can match (a typo would silently never match: refuse it). */
export const ROUTABLE_OUTCOMES = [
  "applied",
  "would-change",
  "notified",
  "observed",
  "protected",
  "intentionally-public",
  "loop-detected",
  "rate-limited",
  "failed",
  "verify-failed",
  "undone",
  "undo-failed",
] as const satisfies readonly JournalOutcome[];

/** One routing rule: every given `when` field must match (an empty `when` matches everything). */
export interface AlertRoute {
  when: {
    severity?: Array<(typeof ALERT_SEVERITIES)[number]>;
    source?: Array<(typeof ALERT_SOURCES)[number]>;
    outcome?: Array<(typeof ROUTABLE_OUTCOMES)[number]>;
  };
  to: AlertDestination[];
}
