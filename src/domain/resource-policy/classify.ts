import { conditionNarrowing } from "./conditions.ts";
import { isRecord, parsePolicy, statementLabel } from "./document.ts";
import type { PolicyOwner } from "./owner.ts";
import { isOwnReach, type PrincipalReach, principalReaches } from "./principals.ts";

/**
 * What one statement of a resource policy gives away:
 *   - "public": anyone (Principal "*", NotPrincipal, a web identity provider) with no condition that
 *     narrows it to the owner's own values or to named accounts;
 *   - "external": named accounts (or principals Vigil cannot attribute) outside the owner and its
 *     trusted accounts;
 *   - "internal": nothing beyond the owner: its accounts, AWS service principals, AWS's own
 *     log-delivery accounts, or a Deny.
 */
export type PolicyAccess = "public" | "external" | "internal";

export interface StatementVerdict {
  /** Position in the Statement array (0 when Statement is a single object). */
  index: number;
  sid?: string;
  access: PolicyAccess;
  /** One sentence naming the statement and why it got this verdict. */
  reason: string;
  /** Accounts / principals outside the owner that an "external" statement grants (else empty). */
  outsiders: string[];
}

const RANK: Record<PolicyAccess, number> = { internal: 0, external: 1, public: 2 };

/** The more open of two verdicts ("public" > "external" > "internal"). */
export function widerAccess(a: PolicyAccess, b: PolicyAccess): PolicyAccess {
  return RANK[a] >= RANK[b] ? a : b;
}

interface Reach {
  access: PolicyAccess;
  why: string;
  outsiders: string[];
}

function reachOf(
  principal: PrincipalReach,
  statement: Record<string, unknown>,
  owner: PolicyOwner,
): Reach {
  if (principal.kind === "service" || principal.kind === "nobody") {
    return { access: "internal", why: `grants ${principal.label}`, outsiders: [] };
  }
  if (isOwnReach(principal, owner)) {
    return { access: "internal", why: `grants the owner's ${principal.label}`, outsiders: [] };
  }
  // Principal "*" is narrowed by any documented key; a named outsider only by keys about identity.
  const narrowing = conditionNarrowing(statement.Condition, owner, {
    identityOnly: principal.kind !== "everyone",
  });
  if (narrowing.kind === "own") {
    return {
      access: "internal",
      why: `grants ${principal.label}, narrowed to the owner by ${narrowing.by}`,
      outsiders: [],
    };
  }
  if (principal.kind === "everyone") {
    if (narrowing.kind === "outsiders") {
      return {
        access: "external",
        why: `grants ${principal.label}, narrowed by ${narrowing.by} to ${narrowing.outsiders.join(", ")}`,
        outsiders: narrowing.outsiders,
      };
    }
    return { access: "public", why: `grants ${principal.label} (${narrowing.why})`, outsiders: [] };
  }
  const who = principal.kind === "account" ? principal.account : principal.label;
  return {
    access: "external",
    why: `grants ${principal.label} outside the owner`,
    outsiders: [who],
  };
}

/** The verdict on one statement (see PolicyAccess). Never throws: malformed statements are internal. */
export function classifyStatement(
  statement: unknown,
  index: number,
  owner: PolicyOwner,
): StatementVerdict {
  const label = statementLabel(statement, index);
  if (!isRecord(statement)) {
    return { index, access: "internal", reason: `${label} is not an object`, outsiders: [] };
  }
  const sid = typeof statement.Sid === "string" ? { sid: statement.Sid } : {};
  if (statement.Effect !== "Allow") {
    return {
      index,
      ...sid,
      access: "internal",
      reason: `${label} does not allow anything`,
      outsiders: [],
    };
  }
  const reaches = principalReaches(statement).map((principal) =>
    reachOf(principal, statement, owner),
  );
  if (reaches.length === 0) {
    return {
      index,
      ...sid,
      access: "internal",
      reason: `${label} names no principal`,
      outsiders: [],
    };
  }
  const access = reaches.map((reach) => reach.access).reduce(widerAccess);
  const widest = reaches.filter((reach) => reach.access === access);
  return {
    index,
    ...sid,
    access,
    reason: `${label} ${widest.map((reach) => reach.why).join("; ")}`,
    outsiders: [...new Set(widest.flatMap((reach) => reach.outsiders))],
  };
}

/** A verdict for every statement of the policy, in document order. Throws on a non-JSON policy. */
export function classifyPolicy(
  policy: string | Record<string, unknown>,
  owner: PolicyOwner,
): StatementVerdict[] {
  return parsePolicy(policy).statements.map((statement, index) =>
    classifyStatement(statement, index, owner),
  );
}

/** The policy's widest access ("internal" for an empty policy). */
export function policyAccess(verdicts: readonly StatementVerdict[]): PolicyAccess {
  return verdicts.map((verdict) => verdict.access).reduce(widerAccess, "internal");
}
