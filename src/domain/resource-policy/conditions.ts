import { asList, isRecord } from "./document.ts";
import { cidrWithin, PRIVATE_RANGES } from "./ip-ranges.ts";
import { isOwnAccount, type PolicyOwner } from "./owner.ts";

/**
 * Which condition entries narrow a statement to the owner, to named outside accounts, or not at all.
 *
 * The keys are those AWS documents as making a statement non-public (S3 "The meaning of public",
 * IAM Access Analyzer's "how public access is determined"). A key narrows a statement only:
 *   - under a positive operator (StringEquals[IgnoreCase], StringLike, ArnEquals, ArnLike,
 *     IpAddress, optionally ForAnyValue:) — never …IfExists (true when the key is absent),
 *     ForAllValues: (true for an empty set) or a negated operator;
 *   - with fixed values (no policy variable, no wildcard where one would widen the match);
 *   - and, for the statement to count as internal, with values that are the owner's OWN: its
 *     account or a trusted one, its organisation, its VPCs / VPC endpoints, a private or configured
 *     IP range (issue 14 item 9). A foreign organisation, a foreign endpoint or a wide IP range
 *     narrows nothing: the statement stays public. Fixed foreign accounts make it "external".
 */

type ValueKind = "account" | "arn" | "org-id" | "org-path" | "vpce" | "vpc" | "ip" | "userid";

/** Condition key (lower case) → how its values are read. */
export const NARROWING_KEYS: Readonly<Record<string, ValueKind>> = {
  "aws:sourceaccount": "account",
  "aws:sourceowner": "account",
  "aws:principalaccount": "account",
  "s3:dataaccesspointaccount": "account",
  "kms:calleraccount": "account",
  "aws:sourcearn": "arn",
  "aws:principalarn": "arn",
  "s3:dataaccesspointarn": "arn",
  "s3:x-amz-server-side-encryption-aws-kms-key-id": "arn",
  "aws:principalorgid": "org-id",
  "aws:sourceorgid": "org-id",
  "aws:principalorgpaths": "org-path",
  "aws:sourceorgpaths": "org-path",
  "aws:sourcevpce": "vpce",
  "aws:sourcevpc": "vpc",
  "aws:sourceip": "ip",
  "aws:userid": "userid",
};

/**
 * Keys about WHO calls. A statement naming an outside account is narrowed to the owner only by
 * these; where the call comes from (VPC, endpoint, IP) does not make an outside identity internal.
 */
const IDENTITY_KEYS = new Set([
  "aws:principalorgid",
  "aws:principalorgpaths",
  "aws:principalaccount",
  "aws:principalarn",
  "aws:userid",
]);

const STRING_OPERATORS = new Set([
  "stringequals",
  "stringequalsignorecase",
  "stringlike",
  "arnequals",
  "arnlike",
]);

/** How one value (or one entry, or the whole condition) narrows the statement. */
export type Narrowing =
  | { kind: "own"; by: string }
  | { kind: "outsiders"; outsiders: string[]; by: string }
  | { kind: "none"; why: string };

type ValueVerdict =
  | { kind: "own" }
  | { kind: "outsider"; who: string }
  | { kind: "foreign"; why: string };

const VARIABLE = /\$\{/;
const WILDCARD = /[*?]/;

function accountValue(value: string, owner: PolicyOwner): ValueVerdict {
  if (!/^\d{12}$/.test(value)) return { kind: "foreign", why: `"${value}" is not a fixed account` };
  return isOwnAccount(value, owner) ? { kind: "own" } : { kind: "outsider", who: value };
}

function arnValue(value: string, owner: PolicyOwner): ValueVerdict {
  const parts = value.split(":");
  const account = parts[4] ?? "";
  if (parts.length < 6 || parts[0] !== "arn" || !/^\d{12}$/.test(account)) {
    return { kind: "foreign", why: `ARN "${value}" names no fixed account` };
  }
  return isOwnAccount(account, owner) ? { kind: "own" } : { kind: "outsider", who: account };
}

function valueVerdict(kind: ValueKind, value: string, owner: PolicyOwner): ValueVerdict {
  if (value === "" || VARIABLE.test(value)) {
    return { kind: "foreign", why: `"${value}" is not a fixed value` };
  }
  switch (kind) {
    case "account":
      return accountValue(value, owner);
    case "arn":
      return arnValue(value, owner);
    case "org-id":
      return owner.organizationId !== undefined &&
        value.toLowerCase() === owner.organizationId.toLowerCase()
        ? { kind: "own" }
        : { kind: "foreign", why: `${value} is not the owner's organisation` };
    case "org-path": {
      // o-xxxx/r-yyyy/ou-…/*: any path inside the owner's organisation is internal.
      const organisation = value.split("/")[0] ?? "";
      return owner.organizationId !== undefined &&
        !WILDCARD.test(organisation) &&
        organisation.toLowerCase() === owner.organizationId.toLowerCase()
        ? { kind: "own" }
        : { kind: "foreign", why: `${value} is not a path in the owner's organisation` };
    }
    case "vpce":
      return owner.vpcEndpointIds.includes(value)
        ? { kind: "own" }
        : { kind: "foreign", why: `${value} is not a VPC endpoint of the owner's account` };
    case "vpc":
      return owner.vpcIds.includes(value)
        ? { kind: "own" }
        : { kind: "foreign", why: `${value} is not a VPC of the owner's account` };
    case "ip":
      return cidrWithin(value, [...PRIVATE_RANGES, ...owner.trustedIpRanges])
        ? { kind: "own" }
        : { kind: "foreign", why: `${value} is not inside a private or configured trusted range` };
    case "userid": {
      // The account root's user id is the account; "AROAID:*" is one role, any session (S3's rule).
      if (/^\d{12}$/.test(value)) return accountValue(value, owner);
      const [id = "", ...rest] = value.split(":");
      if (/^A[A-Z0-9]{3}[A-Z0-9]{12,}$/.test(id) && rest.length <= 1) {
        return { kind: "outsider", who: `IAM unique id ${id}` };
      }
      return { kind: "foreign", why: `aws:userid "${value}" is not a fixed principal` };
    }
  }
}

/** Wildcards widen a match only under a …Like operator; an ARN may keep them after its account. */
function widenedByWildcard(kind: ValueKind, operator: string, value: string): boolean {
  if (!operator.endsWith("like") || !WILDCARD.test(value)) return false;
  if (kind === "arn") return WILDCARD.test(value.split(":").slice(0, 5).join(":"));
  if (kind === "org-path") return WILDCARD.test(value.split("/")[0] ?? "");
  if (kind === "userid") return WILDCARD.test(value.split(":")[0] ?? "");
  return true;
}

function entryNarrowing(
  rawOperator: string,
  key: string,
  values: string[],
  owner: PolicyOwner,
): Narrowing | undefined {
  const kind = NARROWING_KEYS[key.toLowerCase()];
  if (kind === undefined) return undefined;
  const operator = rawOperator.toLowerCase().replace(/^foranyvalue:/, "");
  const by = `${rawOperator} ${key}`;
  const fits = kind === "ip" ? operator === "ipaddress" : STRING_OPERATORS.has(operator);
  if (!fits) return { kind: "none", why: `${by}: operator does not fix the value` };
  if (values.length === 0) return { kind: "none", why: `${by}: no value` };
  const outsiders: string[] = [];
  for (const value of values) {
    if (widenedByWildcard(kind, operator, value)) {
      return { kind: "none", why: `${by}: "${value}" is a wildcard` };
    }
    const verdict = valueVerdict(kind, value, owner);
    // Values are ORed: one foreign value opens the whole entry.
    if (verdict.kind === "foreign") return { kind: "none", why: `${by}: ${verdict.why}` };
    if (verdict.kind === "outsider" && !outsiders.includes(verdict.who))
      outsiders.push(verdict.who);
  }
  return outsiders.length === 0 ? { kind: "own", by } : { kind: "outsiders", outsiders, by };
}

/**
 * How a statement's Condition narrows who it applies to. Entries are ANDed, so the narrowest wins:
 * one entry limited to the owner makes the statement internal; otherwise one limited to named
 * accounts makes it external; otherwise nothing narrows it (the reasons say why).
 */
export function conditionNarrowing(
  condition: unknown,
  owner: PolicyOwner,
  options: { identityOnly?: boolean } = {},
): Narrowing {
  if (!isRecord(condition)) return { kind: "none", why: "no condition" };
  let outsiders: Narrowing | undefined;
  const ignored: string[] = [];
  for (const [rawOperator, block] of Object.entries(condition)) {
    if (!isRecord(block)) continue;
    const lower = rawOperator.toLowerCase();
    const skip = lower.endsWith("ifexists")
      ? "…IfExists holds when the key is absent"
      : lower.startsWith("forallvalues:")
        ? "ForAllValues holds for an empty set"
        : undefined;
    for (const [key, value] of Object.entries(block)) {
      if (NARROWING_KEYS[key.toLowerCase()] === undefined) continue;
      if (options.identityOnly && !IDENTITY_KEYS.has(key.toLowerCase())) continue;
      if (skip !== undefined) {
        ignored.push(`${rawOperator} ${key}: ${skip}`);
        continue;
      }
      const narrowing = entryNarrowing(rawOperator, key, asList(value), owner);
      if (narrowing === undefined) continue;
      if (narrowing.kind === "own") return narrowing;
      if (narrowing.kind === "outsiders") outsiders ??= narrowing;
      else ignored.push(narrowing.why);
    }
  }
  if (outsiders !== undefined) return outsiders;
  return {
    kind: "none",
    why: ignored.length > 0 ? ignored.join("; ") : "no condition narrows who it applies to",
  };
}
