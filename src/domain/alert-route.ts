import type { Notification } from "./notification.ts";
import type { RoutableOutcome } from "./outcomes.ts";

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

/**
 * One routing rule: every given `when` field must match (an empty `when` matches everything).
 * A `when` field left undefined is not given: the config schema's `.optional()` admits it.
 */
export interface AlertRoute {
  when: {
    severity?: Array<(typeof ALERT_SEVERITIES)[number]> | undefined;
    source?: Array<(typeof ALERT_SOURCES)[number]> | undefined;
    outcome?: RoutableOutcome[] | undefined;
  };
  to: AlertDestination[];
}
