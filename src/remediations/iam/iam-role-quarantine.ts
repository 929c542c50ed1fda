import {
  DeleteRolePolicyCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  type IAMClient,
  PutRolePolicyCommand,
  type PutRolePolicyCommandInput,
  paginateListRoleTags,
} from "@aws-sdk/client-iam";
import type { Finding } from "../../domain/finding.ts";
import {
  asList,
  decodePolicyDocument,
  type PolicyStatement,
  parsePolicyDocument,
  sameDocument,
} from "../../domain/iam-policy.ts";
import { contentHash } from "../../domain/journal-integrity.ts";
import type { RemediationPlan, VerifyResult } from "../../domain/remediation-plan.ts";
import type { RemediationContext as Context, Remediation } from "../../ports/remediation.ts";
import type { RemediationSettings } from "../settings.ts";

type RemediationContext = Context<RemediationSettings>;

/**
 * Quarantines a role that an external account (or anyone) can assume: puts an inline deny-all
 * policy on it. Explicit denies win over every allow, so the role, and every session already
 * assumed from it, can do nothing, while the trust policy is left exactly as it is (rewriting it
 * could lock out legitimate callers in ways that are hard to restore). Undo deletes the inline
 * policy.
 *
 * If an inline policy with the configured name already exists and is not Vigil's deny-all, someone
 * is squatting the name (a role that looks quarantined but is not): it is replaced, its document
 * kept for undo, and the plan carries a security alert (pages). Apply replaces only the document
 * seen while planning. Service-linked roles are left alone (AWS manages them).
 */
export const IAM_ROLE_QUARANTINE = "iam-role-quarantine";

export const QUARANTINE_STATEMENT_ID = "VigilQuarantine";

export const QUARANTINE_POLICY_DOCUMENT = JSON.stringify({
  Version: "2012-10-17",
  Statement: [{ Sid: QUARANTINE_STATEMENT_ID, Effect: "Deny", Action: "*", Resource: "*" }],
});

/** IAM's own rule for policy names. */
const POLICY_NAME = /^[\w+=,.@-]{1,128}$/;

interface QuarantineBefore {
  roleName: string;
  roleArn: string;
  /** JSON text of the trust policy as it was (never changed; kept for the record). */
  trustPolicy: string | null;
  policyName: string;
  /** An inline policy with the quarantine name, if one existed (JSON text). */
  existingPolicy: string | null;
}

function isNoSuchEntity(error: unknown): boolean {
  const name = (error as { name?: unknown } | null)?.name;
  return name === "NoSuchEntityException" || name === "NoSuchEntity";
}

function quarantinePolicyName(ctx: RemediationContext): string {
  const name = ctx.settings.quarantinePolicyName;
  if (typeof name !== "string" || !POLICY_NAME.test(name)) {
    throw new Error(
      `quarantinePolicyName "${String(name)}" is not a valid IAM policy name (1-128 of letters, digits and +=,.@_-)`,
    );
  }
  return name;
}

/** The role's inline policy of that name as JSON text, or null when there is none. */
async function readInlinePolicy(
  iam: IAMClient,
  roleName: string,
  policyName: string,
): Promise<string | null> {
  try {
    const output = await iam.send(
      new GetRolePolicyCommand({ RoleName: roleName, PolicyName: policyName }),
    );
    return decodePolicyDocument(output.PolicyDocument ?? "");
  } catch (error) {
    if (isNoSuchEntity(error)) return null;
    throw error;
  }
}

function isVigilQuarantine(document: string | null): boolean {
  if (document === null) return false;
  try {
    return sameDocument(document, QUARANTINE_POLICY_DOCUMENT);
  } catch {
    return false;
  }
}

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
  settings: Pick<RemediationContext["settings"], "trustedAccounts">,
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

function beforeOf(plan: RemediationPlan): QuarantineBefore {
  return plan.before as unknown as QuarantineBefore;
}

function describePrincipal(principal: Record<string, string> | undefined): string {
  if (!principal) return "an external principal";
  return Object.entries(principal)
    .map(([type, value]) => `${type} ${value}`)
    .join(", ");
}

export const iamRoleQuarantine: Remediation<RemediationSettings> = {
  name: IAM_ROLE_QUARANTINE,
  // Checked once this remediation is built with defineRemediation.
  parseBefore: (plan) => plan.before,
  description:
    "Quarantines a role assumable from outside the account with an inline deny-all policy; the trust policy is not rewritten and undo deletes the inline policy.",
  handles(finding: Finding): boolean {
    return finding.kind === "iam-external-trust" && finding.resourceType === "AWS::IAM::Role";
  },
  permissions: {
    plan: ["iam:GetRole", "iam:ListRoleTags", "iam:GetRolePolicy"],
    apply: ["iam:GetRolePolicy", "iam:PutRolePolicy"],
    verify: ["iam:GetRolePolicy"],
    undo: ["iam:GetRolePolicy", "iam:DeleteRolePolicy", "iam:PutRolePolicy"],
  },

  async plan(ctx, finding): Promise<RemediationPlan> {
    const policyName = quarantinePolicyName(ctx);
    const roleName = finding.resourceName;
    const [roleOutput, tagPages, existingPolicy] = await Promise.all([
      ctx.iam.send(new GetRoleCommand({ RoleName: roleName })),
      (async () => {
        const tags: Record<string, string> = {};
        for await (const page of paginateListRoleTags(
          { client: ctx.iam },
          { RoleName: roleName },
        )) {
          for (const tag of page.Tags ?? []) tags[tag.Key ?? ""] = tag.Value ?? "";
        }
        return tags;
      })(),
      readInlinePolicy(ctx.iam, roleName, policyName),
    ]);
    const role = roleOutput.Role;
    const before: QuarantineBefore = {
      roleName,
      roleArn: role?.Arn ?? finding.resourceArn,
      trustPolicy: role?.AssumeRolePolicyDocument
        ? decodePolicyDocument(role.AssumeRolePolicyDocument)
        : null,
      policyName,
      existingPolicy,
    };
    const base = {
      remediation: IAM_ROLE_QUARANTINE,
      finding,
      before: { ...before },
      tags: tagPages,
    };
    const who = describePrincipal(finding.principal);

    if (role?.Path?.startsWith("/aws-service-role/")) {
      return {
        ...base,
        summary: `role ${roleName} is a service-linked role: no change`,
        changes: [],
        reason: "Service-linked roles are managed by AWS and cannot take inline policies.",
      };
    }
    const leaveAlone = trustedOnly(before.trustPolicy, roleName, finding.account, ctx.settings);
    if (leaveAlone) {
      return {
        ...base,
        summary: `role ${roleName} NOT quarantined: ${leaveAlone}`,
        changes: [],
        reason: `Role ${roleName} is assumable by ${who}, but ${leaveAlone}: quarantining it would break what runs the organisation. Review the trust policy by hand.`,
        alertOnly: `role ${roleName} is assumable by ${who}, but ${leaveAlone}`,
      };
    }
    if (isVigilQuarantine(existingPolicy)) {
      return {
        ...base,
        summary: `role ${roleName} is already quarantined: no change`,
        changes: [],
        reason: `Inline policy ${policyName} with Vigil's deny-all is already on role ${roleName}.`,
      };
    }
    // A policy already using Vigil's name that is not Vigil's deny-all is squatting the name (an
    // Allow inside would otherwise make the role look quarantined): replace it, keep it for undo,
    // and page.
    const squatted =
      existingPolicy !== null
        ? `role ${roleName} already had an inline policy named ${policyName} that is not Vigil's deny-all (${contentHash(existingPolicy)}): replaced, kept in the journal`
        : undefined;
    return {
      ...base,
      summary: `quarantine role ${roleName} (assumable by ${who}) with deny-all inline policy ${policyName}${squatted ? " (replacing a policy squatting that name)" : ""}`,
      changes: [
        {
          action: "iam:PutRolePolicy",
          description: `${squatted ? "replace" : "put"} inline deny-all policy ${policyName} on role ${roleName} (trust policy unchanged)`,
          params: {
            RoleName: roleName,
            PolicyName: policyName,
            PolicyDocument: QUARANTINE_POLICY_DOCUMENT,
          },
        },
      ],
      reason: `Role ${roleName} can be assumed by ${who}. A deny-all inline policy stops the role and its existing sessions from doing anything; the trust policy is kept as is. Undo ${squatted ? "puts the previous policy back" : `deletes ${policyName}`}.`,
      ...(squatted ? { securityAlert: squatted } : {}),
    };
  },

  async apply(ctx, plan, change): Promise<void> {
    if (change.action !== "iam:PutRolePolicy") {
      throw new Error(`${IAM_ROLE_QUARANTINE} cannot apply action ${change.action}`);
    }
    const params = change.params as unknown as PutRolePolicyCommandInput;
    if (!params.RoleName || !params.PolicyName) {
      throw new Error("planned iam:PutRolePolicy lacks RoleName or PolicyName");
    }
    const existing = await readInlinePolicy(ctx.iam, params.RoleName, params.PolicyName);
    if (isVigilQuarantine(existing)) return; // already applied
    // Only the squatting policy seen while planning (saved for undo) may be replaced.
    const seen = beforeOf(plan).existingPolicy;
    if (existing !== null && (seen === null || !sameDocument(existing, seen))) {
      throw new Error(
        `role ${params.RoleName} got an inline policy named ${params.PolicyName} that is not Vigil's since planning; refusing to overwrite it (plan again)`,
      );
    }
    await ctx.iam.send(new PutRolePolicyCommand(params));
  },

  async verify(ctx, plan): Promise<VerifyResult> {
    const { roleName, policyName } = beforeOf(plan);
    const current = await readInlinePolicy(ctx.iam, roleName, policyName);
    const quarantined = isVigilQuarantine(current);
    const ok = plan.changes.length === 0 || quarantined;
    return {
      ok,
      after: { policyName, quarantinePolicy: current },
      detail: quarantined
        ? `role ${roleName} is quarantined by ${policyName}`
        : plan.changes.length === 0
          ? `nothing was planned for role ${roleName}`
          : `role ${roleName} has no Vigil quarantine policy ${policyName}`,
    };
  },

  async undo(ctx, plan, applied): Promise<VerifyResult> {
    const { roleName, policyName, existingPolicy } = beforeOf(plan);
    for (const change of [...applied].reverse()) {
      if (change.action !== "iam:PutRolePolicy") {
        throw new Error(`${IAM_ROLE_QUARANTINE} cannot undo action ${change.action}`);
      }
      const current = await readInlinePolicy(ctx.iam, roleName, policyName);
      if (current === null) continue; // already gone
      if (!isVigilQuarantine(current)) {
        throw new Error(
          `inline policy ${policyName} of role ${roleName} is no longer Vigil's deny-all; not deleting it`,
        );
      }
      if (existingPolicy !== null) {
        // The quarantine replaced a policy that squatted its name: that policy comes back.
        await ctx.iam.send(
          new PutRolePolicyCommand({
            RoleName: roleName,
            PolicyName: policyName,
            PolicyDocument: existingPolicy,
          }),
        );
        continue;
      }
      try {
        await ctx.iam.send(
          new DeleteRolePolicyCommand({ RoleName: roleName, PolicyName: policyName }),
        );
      } catch (error) {
        if (!isNoSuchEntity(error)) throw error;
      }
    }
    const current = await readInlinePolicy(ctx.iam, roleName, policyName);
    const restored =
      existingPolicy === null
        ? current === null
        : current !== null && sameDocument(current, existingPolicy);
    const ok = applied.length === 0 ? true : restored;
    return {
      ok,
      after: { policyName, quarantinePolicy: current },
      detail: ok
        ? existingPolicy === null
          ? `role ${roleName} has no quarantine policy ${policyName}`
          : `role ${roleName} has its previous inline policy ${policyName} back`
        : `role ${roleName} does not have its previous inline policy ${policyName} state`,
    };
  },
};
