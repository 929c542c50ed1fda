import type { MetricWidget } from "./cloudwatch-link.ts";
import type { Severity } from "./detection.ts";

/**
 * A message for people: anomaly alerts and remediation outcomes both become one of these.
 * Adapters (SNS today, PagerDuty next) decide how to deliver it.
 */
export interface Notification {
  /** "trigger" opens or updates an incident; "resolve" closes the one with the same dedupKey. */
  action: "trigger" | "resolve";
  /** Deterministic: the same incident always has the same key. */
  dedupKey: string;
  severity: Severity | "info";
  /** "anomaly" or "remediation": subscribers filter on it. */
  source: "anomaly" | "remediation";
  /** ≤ 100 characters (SNS subject limit); first words say what and where. */
  subject: string;
  /**
   * One line for a pager (PagerDuty's summary, ≤ 1,024 characters): the number and its unit first.
   * Absent: the subject.
   */
  summary?: string;
  /** Human-readable text, then a JSON block with the details. */
  body: string;
  /** Machine-readable details (also embedded in body). */
  details: Record<string, unknown>;
  /** Extra SNS message attributes for subscription filters, e.g. metricSet (a list: String.Array). */
  attributes: Record<string, string | string[]>;
  /**
   * Deliver only here, whatever the routes say: set by the detect run, which sends the digest to
   * SNS and pages to PagerDuty separately. Absent: the routes decide.
   */
  destinations?: Array<"pagerduty" | "sns">;
  /**
   * The metric's graph with its band (an anomaly's): rendered as an image for destinations that
   * show one (PagerDuty `images`, when alerting.pagerduty.graphImage is on). Never sent as data.
   */
  graph?: MetricWidget;
}

/** The line that opens an alert body's machine-readable block (the runbook link goes before it). */
export const JSON_BLOCK_START = "```json";

/** An alert body's closing block: the details as indented JSON in a fenced block. */
export function jsonBlock(details: unknown): string[] {
  return [JSON_BLOCK_START, JSON.stringify(details, null, 2), "```"];
}
