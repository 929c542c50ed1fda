/**
 * Pure analysis of S3 bucket policies and ACLs: which statements expose a bucket, how to remove
 * exactly those statements, whether the bucket is a CloudFront origin, and which ACL grants are
 * public.
 *
 * An Allow statement EXPOSES the bucket when:
 *   - "public": it grants Principal "*" / {"AWS": "*"} (or uses NotPrincipal) without a restricting
 *     condition;
 *   - "external": it grants an AWS account (12-digit id or IAM/STS ARN) that is neither the bucket's
 *     account nor a trusted account, or its only restricting condition names such an account.
 *
 * A restricting condition is an entry whose operator is a plain positive match (StringEquals,
 * StringEqualsIgnoreCase, StringLike, ArnEquals, ArnLike, IpAddress, optionally "ForAnyValue:";
 * never "…IfExists", never "ForAllValues:", never a negated operator) on one of:
 *   - aws:SourceAccount, aws:SourceOwner, aws:PrincipalAccount: 12-digit accounts, all own/trusted;
 *   - aws:SourceArn, aws:PrincipalArn: ARNs whose account field is a fixed own/trusted account;
 *   - aws:PrincipalOrgID, aws:SourceOrgID, aws:SourceVpc, aws:SourceVpce: fixed values (no wildcard);
 *   - aws:SourceIp (IpAddress): CIDRs narrower than /0.
 * This follows S3's own "meaning of public" (fixed source account/ARN/VPC/VPCe, CIDR-limited) plus
 * organisation ids. Conditions are ANDed, so one restricting entry restricts the whole statement.
 * Principals Vigil cannot attribute to an account (service principals, CanonicalUser, federated,
 * IAM unique ids such as AROA…) are never flagged. Deny statements are never touched.
 */

export interface BucketPolicyScope {
  /** The account that owns the bucket. */
  bucketAccount: string;
  /** Further accounts grants to which are not "external". */
  trustedAccounts: readonly string[];
}

export type Exposure = "public" | "external";

export interface ExposingStatement {
  /** Position in the Statement array (0 when Statement is a single object). */
  index: number;
  sid?: string;
  exposure: Exposure;
  reason: string;
}

export interface ParsedBucketPolicy {
  /** The whole document, top-level keys in their original order. */
  document: Record<string, unknown>;
  statements: unknown[];
  /** Whether Statement was a single object rather than an array (kept as such when rewriting). */
  singleStatement: boolean;
}

export const ALL_USERS_URI = "http://acs.amazonaws.com/groups/global/AllUsers";
export const AUTHENTICATED_USERS_URI = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers";

const CLOUDFRONT_SERVICE = "cloudfront.amazonaws.com";
const CLOUDFRONT_OAI_ARN_PREFIX = "arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity";

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function asList(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.filter((item): item is string => typeof item === "string");
  return [];
}

export function parseBucketPolicy(policy: string): ParsedBucketPolicy {
  let document: unknown;
  try {
    document = JSON.parse(policy);
  } catch (error) {
    throw new Error(`bucket policy is not valid JSON: ${(error as Error).message}`);
  }
  if (!isRecord(document)) throw new Error("bucket policy must be a JSON object");
  const statement = document.Statement;
  if (Array.isArray(statement)) return { document, statements: statement, singleStatement: false };
  if (statement === undefined) return { document, statements: [], singleStatement: false };
  return { document, statements: [statement], singleStatement: true };
}

/** The 12-digit account an AWS principal value names, or undefined (service, unique id, OAI…). */
export function accountOfAwsPrincipal(value: string): string | undefined {
  if (/^\d{12}$/.test(value)) return value;
  const parts = value.split(":");
  if (parts.length >= 6 && parts[0] === "arn" && /^\d{12}$/.test(parts[4] ?? "")) return parts[4];
  return undefined;
}

function isInternal(account: string, scope: BucketPolicyScope): boolean {
  return account === scope.bucketAccount || scope.trustedAccounts.includes(account);
}

const POSITIVE_OPERATORS = new Set([
  "stringequals",
  "stringequalsignorecase",
  "stringlike",
  "arnequals",
  "arnlike",
  "ipaddress",
]);
const ACCOUNT_KEYS = new Set(["aws:sourceaccount", "aws:sourceowner", "aws:principalaccount"]);
const ARN_KEYS = new Set(["aws:sourcearn", "aws:principalarn"]);
const FIXED_VALUE_KEYS = new Set([
  "aws:principalorgid",
  "aws:sourceorgid",
  "aws:sourcevpc",
  "aws:sourcevpce",
]);

type Restriction =
  | { kind: "restricted"; by: string }
  | { kind: "external"; accounts: string[]; by: string }
  | { kind: "none" };

function hasWildcard(value: string): boolean {
  return value.includes("*") || value.includes("?");
}

/** Whether one condition entry restricts who the statement applies to (see the module comment). */
function entryRestriction(
  operator: string,
  key: string,
  values: string[],
  scope: BucketPolicyScope,
): Restriction {
  if (values.length === 0) return { kind: "none" };
  const by = `${operator} ${key}`;
  const lowerKey = key.toLowerCase();
  if (ACCOUNT_KEYS.has(lowerKey)) {
    if (!values.every((value) => /^\d{12}$/.test(value))) return { kind: "none" };
    const external = values.filter((account) => !isInternal(account, scope));
    return external.length === 0
      ? { kind: "restricted", by }
      : { kind: "external", accounts: external, by };
  }
  if (ARN_KEYS.has(lowerKey)) {
    const accounts = values.map((arn) => arn.split(":")[4] ?? "");
    if (!accounts.every((account) => /^\d{12}$/.test(account))) return { kind: "none" };
    const external = [...new Set(accounts.filter((account) => !isInternal(account, scope)))];
    return external.length === 0
      ? { kind: "restricted", by }
      : { kind: "external", accounts: external, by };
  }
  if (FIXED_VALUE_KEYS.has(lowerKey)) {
    return values.every((value) => value !== "" && !hasWildcard(value))
      ? { kind: "restricted", by }
      : { kind: "none" };
  }
  if (lowerKey === "aws:sourceip" && operator.toLowerCase() === "ipaddress") {
    const narrow = values.every((cidr) => /\/\d+$/.test(cidr) && !/\/0+$/.test(cidr));
    return narrow ? { kind: "restricted", by } : { kind: "none" };
  }
  return { kind: "none" };
}

function conditionRestriction(condition: unknown, scope: BucketPolicyScope): Restriction {
  if (!isRecord(condition)) return { kind: "none" };
  let external: Restriction | undefined;
  for (const [rawOperator, block] of Object.entries(condition)) {
    if (!isRecord(block)) continue;
    // "…IfExists" is true when the key is absent; "ForAllValues:" is true for an empty set.
    if (/ifexists$/i.test(rawOperator) || /^forallvalues:/i.test(rawOperator)) continue;
    const operator = rawOperator.replace(/^foranyvalue:/i, "");
    if (!POSITIVE_OPERATORS.has(operator.toLowerCase())) continue;
    for (const [key, value] of Object.entries(block)) {
      const restriction = entryRestriction(operator, key, asList(value), scope);
      if (restriction.kind === "restricted") return restriction;
      if (restriction.kind === "external") external ??= restriction;
    }
  }
  return external ?? { kind: "none" };
}

interface PrincipalEntry {
  type: string;
  value: string;
}

function principalEntries(principal: unknown): PrincipalEntry[] {
  if (principal === "*") return [{ type: "*", value: "*" }];
  if (!isRecord(principal)) return [];
  return Object.entries(principal).flatMap(([type, value]) =>
    asList(value).map((entry) => ({ type, value: entry })),
  );
}

function labelOf(statement: Record<string, unknown>, index: number): string {
  return typeof statement.Sid === "string" && statement.Sid !== ""
    ? `statement "${statement.Sid}"`
    : `statement #${index + 1}`;
}

/** Why this statement exposes the bucket, or undefined when it does not. */
export function statementExposure(
  statement: unknown,
  index: number,
  scope: BucketPolicyScope,
): ExposingStatement | undefined {
  if (!isRecord(statement) || statement.Effect !== "Allow") return undefined;
  const label = labelOf(statement, index);
  const sid = typeof statement.Sid === "string" ? { sid: statement.Sid } : {};
  const principals = principalEntries(statement.Principal);
  const grantsEveryone =
    statement.NotPrincipal !== undefined ||
    principals.some((p) => p.value === "*" && (p.type === "*" || p.type === "AWS"));

  if (grantsEveryone) {
    const who = statement.NotPrincipal !== undefined ? "everyone (NotPrincipal)" : 'Principal "*"';
    const restriction = conditionRestriction(statement.Condition, scope);
    if (restriction.kind === "none") {
      return {
        index,
        ...sid,
        exposure: "public",
        reason: `${label} grants ${who} without a restricting condition`,
      };
    }
    if (restriction.kind === "external") {
      return {
        index,
        ...sid,
        exposure: "external",
        reason: `${label} grants ${who} restricted by ${restriction.by} to external account(s) ${restriction.accounts.join(", ")}`,
      };
    }
  }

  const external = [
    ...new Set(
      principals
        .filter((p) => p.type === "AWS")
        .map((p) => accountOfAwsPrincipal(p.value))
        .filter((account): account is string => account !== undefined)
        .filter((account) => !isInternal(account, scope)),
    ),
  ];
  if (external.length > 0) {
    return {
      index,
      ...sid,
      exposure: "external",
      reason: `${label} grants external account(s) ${external.join(", ")}`,
    };
  }
  return undefined;
}

/** Every statement of the policy that exposes the bucket, in document order. */
export function exposingStatements(policy: string, scope: BucketPolicyScope): ExposingStatement[] {
  const { statements } = parseBucketPolicy(policy);
  return statements
    .map((statement, index) => statementExposure(statement, index, scope))
    .filter((found): found is ExposingStatement => found !== undefined);
}

/**
 * The policy text without the statements at `indexes`; every other statement is kept as the same
 * object in the same order, and every other top-level key (Version, Id…) in its original position.
 * Returns null when no statement remains (the caller deletes the policy).
 */
export function removeStatements(policy: string, indexes: readonly number[]): string | null {
  const { document, statements, singleStatement } = parseBucketPolicy(policy);
  const drop = new Set(indexes);
  const kept = statements.filter((_, index) => !drop.has(index));
  if (kept.length === 0) return null;
  const rewritten: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(document)) {
    rewritten[key] = key === "Statement" ? (singleStatement ? kept[0] : kept) : value;
  }
  return JSON.stringify(rewritten);
}

/** The policy without its exposing statements (null when nothing remains) and what was removed. */
export function withoutExposingStatements(
  policy: string,
  scope: BucketPolicyScope,
): { policy: string | null; removed: ExposingStatement[] } {
  const removed = exposingStatements(policy, scope);
  if (removed.length === 0) return { policy, removed };
  return {
    policy: removeStatements(
      policy,
      removed.map((statement) => statement.index),
    ),
    removed,
  };
}

/**
 * Describes the Allow statements that serve the bucket to CloudFront (Origin Access Control through
 * the cloudfront.amazonaws.com service principal, or a legacy Origin Access Identity), or returns
 * undefined when there is none. Such a bucket is treated as public on purpose.
 */
export function cloudFrontAccess(policy: string, bucketAccount: string): string | undefined {
  const { statements } = parseBucketPolicy(policy);
  const found: string[] = [];
  statements.forEach((statement, index) => {
    if (!isRecord(statement) || statement.Effect !== "Allow") return;
    for (const principal of principalEntries(statement.Principal)) {
      // OAC counts only when aws:SourceArn pins it to distributions of the bucket's own account:
      // a bare cloudfront.amazonaws.com statement is a decoy anyone can add (issue 14).
      const isOac =
        principal.type === "Service" &&
        principal.value === CLOUDFRONT_SERVICE &&
        ownDistributionsOnly(statement.Condition, bucketAccount);
      const isOai =
        principal.type === "AWS" && principal.value.startsWith(CLOUDFRONT_OAI_ARN_PREFIX);
      if (isOac || isOai) {
        found.push(
          `${labelOf(statement, index)} grants ${isOac ? "CloudFront (OAC)" : "a CloudFront origin access identity"}`,
        );
        return;
      }
    }
  });
  return found.length > 0 ? found.join("; ") : undefined;
}

/** True when the condition restricts aws:SourceArn to fixed distributions of `account`. */
function ownDistributionsOnly(condition: unknown, account: string): boolean {
  if (!isRecord(condition)) return false;
  const values: unknown[] = [];
  for (const [operator, keys] of Object.entries(condition)) {
    if (!/^(StringEquals|ArnEquals|ArnLike|StringLike)$/.test(operator) || !isRecord(keys)) {
      continue;
    }
    for (const [key, value] of Object.entries(keys)) {
      if (key.toLowerCase() === "aws:sourcearn") values.push(...[value].flat());
    }
  }
  const own = new RegExp(`^arn:aws[a-z-]*:cloudfront::${account}:distribution/[A-Za-z0-9]+$`);
  return values.length > 0 && values.every((v) => typeof v === "string" && own.test(v));
}

export interface AclGrant {
  Grantee?: { Type?: string; URI?: string };
  Permission?: string;
}

/** A grant to everyone (AllUsers) or to any AWS account holder (AuthenticatedUsers). */
export function isPublicAclGrant(grant: AclGrant): boolean {
  const uri = grant.Grantee?.URI;
  if (grant.Grantee?.Type !== "Group" || uri === undefined) return false;
  const normalised = uri.replace(/^https:/i, "http:").toLowerCase();
  return (
    normalised === ALL_USERS_URI.toLowerCase() ||
    normalised === AUTHENTICATED_USERS_URI.toLowerCase()
  );
}

export function publicAclGrants<T extends AclGrant>(grants: readonly T[]): T[] {
  return grants.filter(isPublicAclGrant);
}

export function withoutPublicAclGrants<T extends AclGrant>(grants: readonly T[]): T[] {
  return grants.filter((grant) => !isPublicAclGrant(grant));
}

/** "AllUsers READ, AuthenticatedUsers WRITE" — for plan descriptions. */
export function describeAclGrants(grants: readonly AclGrant[]): string {
  return grants
    .map((grant) => `${grant.Grantee?.URI?.split("/").pop() ?? "?"} ${grant.Permission ?? "?"}`)
    .join(", ");
}
