import {
  accountOfAwsPrincipal,
  classifyPolicy,
  classifyStatement,
  isRecord,
  type ParsedPolicy,
  type PolicyOwner,
  parsePolicy,
  principalReaches,
  removeStatements,
  type StatementVerdict,
  statementLabel,
} from "./resource-policy/index.ts";

/**
 * Pure analysis of S3 bucket policies and ACLs: which statements expose a bucket, how to remove
 * exactly those statements, whether the bucket is a CloudFront origin, and which ACL grants are
 * public.
 *
 * What "public" and "external" mean is decided by the shared resource-policy module
 * (src/domain/resource-policy): AWS's documented definition of a public policy, with conditions
 * honoured only when their values are the owner's own (its organisation, VPC endpoints, VPCs,
 * private or configured IP ranges, its account and trusted accounts). Access-point delegation
 * (s3:DataAccessPointAccount / Arn of the owner), log-delivery service principals and the ELB
 * log-delivery accounts are internal.
 */

export { accountOfAwsPrincipal, removeStatements };

/** The bucket's owner as its policy sees it (see PolicyOwner). */
export type BucketPolicyScope = PolicyOwner;

export type Exposure = "public" | "external";

export interface ExposingStatement {
  /** Position in the Statement array (0 when Statement is a single object). */
  index: number;
  sid?: string;
  exposure: Exposure;
  reason: string;
}

export type ParsedBucketPolicy = ParsedPolicy;

export const ALL_USERS_URI = "http://acs.amazonaws.com/groups/global/AllUsers";
export const AUTHENTICATED_USERS_URI = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers";

const CLOUDFRONT_SERVICE = "cloudfront.amazonaws.com";

export function parseBucketPolicy(policy: string): ParsedBucketPolicy {
  try {
    return parsePolicy(policy);
  } catch (error) {
    throw new Error(`bucket ${(error as Error).message}`);
  }
}

function exposureOf(verdict: StatementVerdict): ExposingStatement | undefined {
  if (verdict.access === "internal") return undefined;
  return {
    index: verdict.index,
    ...(verdict.sid === undefined ? {} : { sid: verdict.sid }),
    exposure: verdict.access,
    reason: verdict.reason,
  };
}

/** Why this statement exposes the bucket, or undefined when it does not. */
export function statementExposure(
  statement: unknown,
  index: number,
  scope: BucketPolicyScope,
): ExposingStatement | undefined {
  return exposureOf(classifyStatement(statement, index, scope));
}

/** Every statement of the policy that exposes the bucket, in document order. */
export function exposingStatements(policy: string, scope: BucketPolicyScope): ExposingStatement[] {
  parseBucketPolicy(policy);
  return classifyPolicy(policy, scope)
    .map(exposureOf)
    .filter((found): found is ExposingStatement => found !== undefined);
}

/** What a policy-level fix removes: public statements, and external ones only when asked. */
export interface StripOptions {
  /** Also remove grants to accounts outside the owner and trustedAccounts (default: keep them). */
  stripExternalAccounts?: boolean;
}

/** The statements a fix removes under `options` (see StripOptions). */
export function statementsToStrip(
  policy: string,
  scope: BucketPolicyScope,
  options: StripOptions = {},
): ExposingStatement[] {
  return exposingStatements(policy, scope).filter(
    (statement) => statement.exposure === "public" || options.stripExternalAccounts === true,
  );
}

/** The policy without the statements to strip (null when nothing remains) and what was removed. */
export function withoutExposingStatements(
  policy: string,
  scope: BucketPolicyScope,
  options: StripOptions = {},
): { policy: string | null; removed: ExposingStatement[] } {
  const removed = statementsToStrip(policy, scope, options);
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
    for (const principal of principalReaches(statement)) {
      // OAC counts only when aws:SourceArn pins it to distributions of the bucket's own account:
      // a bare cloudfront.amazonaws.com statement is a decoy anyone can add (issue 14).
      const isOac =
        principal.label === `service ${CLOUDFRONT_SERVICE}` &&
        ownDistributionsOnly(statement.Condition, bucketAccount);
      const isOai = principal.label === "a CloudFront origin access identity";
      if (isOac || isOai) {
        found.push(
          `${statementLabel(statement, index)} grants ${isOac ? "CloudFront (OAC)" : "a CloudFront origin access identity"}`,
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

/** The fields of an S3 Grant (as the SDK returns it: an absent field reads as undefined). */
export interface AclGrant {
  Grantee?: { Type?: string | undefined; URI?: string | undefined } | undefined;
  Permission?: string | undefined;
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
