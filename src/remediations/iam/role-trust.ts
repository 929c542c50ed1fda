/**
 * Whom a role trusts: the roles the quarantine must leave alone although they are assumable from
 * outside, and how a finding's principal is named to people. Pure.
 */
import { asList, type PolicyStatement, parsePolicyDocument } from "../../domain/iam-policy.ts";

/** Roles that run the organisation itself: Control Tower, StackSets (which deploy Vigil's member stack). */
const ORGANISATION_ROLES = [
  /^AWSControlTowerExecution$/,
  /^AWSCloudFormationStackSetExecutionRole$/,
  /^stacksets-exec-[0-9a-f]+$/,
  /^OrganizationAccountAccessRole$/,
];

/**
 * Why the role must be left alone although it is assumable from outside, if it must: an
 * organisation management role, a trust only to `trustedAccounts`, or a vendor trust that demands
 * an ExternalId in every statement reaching outside. Pure; reads the trust policy as IAM returns it.
 */
export function trustedOnly(
  trustPolicy: string | null,
  roleName: string,
  ownAccount: string,
  settings: { trustedAccounts: readonly string[] },
): string | undefined {
  if (ORGANISATION_ROLES.some((pattern) => pattern.test(roleName))) {
    return "it is an organisation management role (Control Tower, StackSets, organisation access)";
  }
  if (trustPolicy === null) return undefined;
  let statements: PolicyStatement[];
  try {
    statements = parsePolicyDocument(trustPolicy).Statement;
  } catch {
    return undefined; // unreadable: quarantine (fail closed)
  }
  const external = statements.filter((statement) => {
    if (statement.Effect !== "Allow") return false;
    const principals = asList((statement.Principal as { AWS?: unknown } | undefined)?.AWS);
    return principals.some((p) => accountOf(p) !== ownAccount);
  });
  if (external.length === 0) return undefined;
  const trusted = new Set(settings.trustedAccounts);
  const onlyTrusted = external.every((statement) =>
    asList((statement.Principal as { AWS?: unknown }).AWS).every((p) => {
      const account = accountOf(p);
      return account === ownAccount || (account !== undefined && trusted.has(account));
    }),
  );
  if (onlyTrusted) return "it is trusted only by accounts in trustedAccounts";
  const withExternalId = external.every((statement) => {
    const condition = statement.Condition as Record<string, Record<string, unknown>> | undefined;
    return Object.entries(condition ?? {}).some(
      ([operator, keys]) =>
        operator === "StringEquals" &&
        Object.keys(keys ?? {}).some((key) => key.toLowerCase() === "sts:externalid"),
    );
  });
  if (withExternalId)
    return "every outside trust requires an sts:ExternalId (a vendor integration)";
  return undefined;
}

/** The account of an AWS principal ("123456789012", "arn:aws:iam::123456789012:root" or a role ARN); "*" has none. */
function accountOf(principal: string): string | undefined {
  if (/^\d{12}$/.test(principal)) return principal;
  return /^arn:[^:]+:(?:iam|sts)::(\d{12}):/.exec(principal)?.[1];
}

export function describePrincipal(principal: Record<string, string> | undefined): string {
  if (!principal) return "an external principal";
  return Object.entries(principal)
    .map(([type, value]) => `${type} ${value}`)
    .join(", ");
}
