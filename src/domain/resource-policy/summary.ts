import { contentHash } from "../journal-integrity.ts";
import { asList, isRecord, parsePolicy, removeStatements } from "./document.ts";

/**
 * What logs and notifications may say about a policy: per statement its Sid, effect, principals and
 * actions in short, and a hash of each whole document, never the document itself (issue 14 item 12:
 * a policy can name internal ARNs, IP ranges and organisation ids an alert channel should not carry).
 */
export interface StatementSummary {
  sid?: string;
  effect: string;
  principals: string;
  actions: string;
}

export interface PolicyDiff {
  /** sha256 (truncated) of the policy text before the change. */
  beforeHash: string;
  /** sha256 of the policy text after the change, or "deleted" when no statement remains. */
  afterHash: string;
  removed: StatementSummary[];
  kept: StatementSummary[];
}

const MAX_LISTED = 3;

function shortList(values: readonly string[], none: string): string {
  if (values.length === 0) return none;
  const shown = values.slice(0, MAX_LISTED).join(", ");
  return values.length > MAX_LISTED ? `${shown} (+${values.length - MAX_LISTED})` : shown;
}

function principalsOf(statement: Record<string, unknown>): string {
  if (statement.NotPrincipal !== undefined) return "NotPrincipal";
  const principal = statement.Principal;
  if (principal === "*") return "*";
  if (!isRecord(principal)) return "none";
  return shortList(
    Object.entries(principal).flatMap(([type, value]) =>
      asList(value).map((entry) => `${type}:${entry}`),
    ),
    "none",
  );
}

export function summarizeStatement(statement: unknown): StatementSummary {
  if (!isRecord(statement)) return { effect: "?", principals: "?", actions: "?" };
  const actions =
    statement.NotAction !== undefined
      ? `NotAction ${shortList(asList(statement.NotAction), "none")}`
      : shortList(asList(statement.Action), "none");
  return {
    ...(typeof statement.Sid === "string" && statement.Sid !== "" ? { sid: statement.Sid } : {}),
    effect: typeof statement.Effect === "string" ? statement.Effect : "?",
    principals: principalsOf(statement),
    actions,
  };
}

/** "Sid Allow *: s3:GetObject" — one statement on one line. */
export function describeSummary(summary: StatementSummary): string {
  const name = summary.sid === undefined ? "" : `${summary.sid} `;
  return `${name}${summary.effect} ${summary.principals}: ${summary.actions}`;
}

/** The diff of removing the statements at `removedIndexes` from `policy`. */
export function policyDiff(policy: string, removedIndexes: readonly number[]): PolicyDiff {
  const { statements } = parsePolicy(policy);
  const drop = new Set(removedIndexes);
  const after = removeStatements(policy, removedIndexes);
  return {
    beforeHash: contentHash(policy),
    afterHash: after === null ? "deleted" : contentHash(after),
    removed: statements.filter((_, index) => drop.has(index)).map(summarizeStatement),
    kept: statements.filter((_, index) => !drop.has(index)).map(summarizeStatement),
  };
}
