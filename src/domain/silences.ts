import { type MetricMatch, metricMatches } from "./alert-grouping.ts";
import type { MetricIdentity } from "./metric.ts";

/**
 * Maintenance windows and snoozes. A silenced anomaly is still evaluated and listed in the digest
 * (marked silenced) but never pages. A silence works only between its start and end: an expired
 * one is ignored, and the run says so, so a forgotten snooze cannot hide anything for long.
 */

export interface SilenceRule {
  id?: string | undefined;
  match: MetricMatch & {
    metricSet?: readonly string[] | undefined;
    account?: readonly string[] | undefined;
  };
  /** ISO 8601. */
  start: string;
  end: string;
  reason: string;
}

export type SilenceState = "pending" | "active" | "expired";

export function silenceState(rule: SilenceRule, now: number): SilenceState {
  if (now < Date.parse(rule.start)) return "pending";
  return now < Date.parse(rule.end) ? "active" : "expired";
}

/** How people refer to a silence: its id, else its position in the list ("#2"). */
export function silenceName(rule: SilenceRule, index: number): string {
  return rule.id ?? `#${index + 1}`;
}

export interface SilencedTarget {
  metricSet: string;
  account?: string | undefined;
  metric: MetricIdentity;
}

function ruleMatches(rule: SilenceRule, target: SilencedTarget): boolean {
  const { metricSet, account } = rule.match;
  if (metricSet && !metricSet.includes(target.metricSet)) return false;
  if (account && !(target.account && account.includes(target.account))) return false;
  return metricMatches(rule.match, target.metric);
}

export interface ActiveSilence {
  name: string;
  reason: string;
  end: string;
}

/** The first active silence covering the target, if any. */
export function activeSilenceFor(
  rules: readonly SilenceRule[],
  target: SilencedTarget,
  now: number,
): ActiveSilence | undefined {
  for (const [index, rule] of rules.entries()) {
    if (silenceState(rule, now) === "active" && ruleMatches(rule, target)) {
      return { name: silenceName(rule, index), reason: rule.reason, end: rule.end };
    }
  }
  return undefined;
}

/** Expired silences, named, to say in the run summary and the digest that they no longer apply. */
export function expiredSilences(
  rules: readonly SilenceRule[],
  now: number,
): Array<{ name: string; end: string; reason: string }> {
  return rules.flatMap((rule, index) =>
    silenceState(rule, now) === "expired"
      ? [{ name: silenceName(rule, index), end: rule.end, reason: rule.reason }]
      : [],
  );
}
