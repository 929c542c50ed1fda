import {
  AttachRolePolicyCommand,
  DeleteRolePolicyCommand,
  DetachRolePolicyCommand,
  GetPolicyCommand,
  GetPolicyVersionCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  type IAMClient,
  PutRolePolicyCommand,
  paginateListAttachedRolePolicies,
  paginateListRoleTags,
} from "@aws-sdk/client-iam";
import { z } from "zod";
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
import type { RemediationContext } from "../../ports/remediation.ts";
import { defineRemediation } from "../define.ts";
import {
  DEFAULT_QUARANTINE_POLICY_NAME,
  QUARANTINE_POLICY_PATH,
  roleQuarantineSettings,
} from "./settings.ts";

type Ctx = RemediationContext<z.output<typeof roleQuarantineSettings>>;

/**
 * Quarantines a role that an external account (or anyone) can assume: attaches the stack's
 * customer-managed deny-all policy (`quarantineManagedPolicyName`, VigilQuarantineDenyAll) to it.
 * Explicit denies win over every allow, so the role, and every session already assumed from it,
 * can do nothing, while the trust policy is left exactly as it is (rewriting it could lock out
 * legitimate callers in ways that are hard to restore). Undo (the operator role) detaches it.
 *
 * Why a managed policy and not an inline one (issue 14 item 6): writing inline policies
 * (iam:PutRolePolicy) would let the always-on remediator roles grant anything to any role; the
 * remediators may attach this one policy ARN and nothing else (an iam:PolicyARN condition).
 * Before attaching, the policy's default version must read exactly deny-all: a policy planted
 * under that name (squatting) is refused and pages. Roles quarantined before, with the inline
 * policy `quarantinePolicyName`, are recognised as quarantined and their undo still works.
 * Service-linked roles are left alone (AWS manages them).
 */
export const IAM_ROLE_QUARANTINE = "iam-role-quarantine";

export const QUARANTINE_STATEMENT_ID = "VigilQuarantine";

export const QUARANTINE_POLICY_DOCUMENT = JSON.stringify({
  Version: "2012-10-17",
  Statement: [{ Sid: QUARANTINE_STATEMENT_ID, Effect: "Deny", Action: "*", Resource: "*" }],
});

/**
 * The stack's quarantine policy as IAM's CreatePolicy takes it: one definition for the stacks
 * (src/deploy), the sandbox, the tests and the benches.
 */
export function quarantinePolicyDefinition(name = DEFAULT_QUARANTINE_POLICY_NAME) {
  return {
    PolicyName: name,
    Path: QUARANTINE_POLICY_PATH,
    Description:
      "Vigil quarantine: denies everything to a role assumable from outside (attached by Vigil, detached by vigil undo)",
    PolicyDocument: QUARANTINE_POLICY_DOCUMENT,
  };
}

/** IAM's own rule for policy names. */
const POLICY_NAME = /^[\w+=,.@-]{1,128}$/;

/** What planning read, for undo. */
const quarantineBefore = z.object({
  roleName: z.string().min(1),
  roleArn: z.string().startsWith("arn:"),
  /** JSON text of the trust policy as it was (never changed; kept for the record). */
  trustPolicy: z.string().nullable(),
  /** The managed deny-all policy attached (absent in records of inline quarantines). */
  quarantinePolicyArn: z.string().startsWith("arn:").optional(),
  /** The inline quarantine name of earlier versions (recognised, never written). */
  policyName: z.string().regex(POLICY_NAME),
  /** An inline policy with that name, if one existed (JSON text). */
  existingPolicy: z.string().nullable(),
});

function isNoSuchEntity(error: unknown): boolean {
  const name = (error as { name?: unknown } | null)?.name;
  return name === "NoSuchEntityException" || name === "NoSuchEntity";
}

function quarantinePolicyName(ctx: Ctx): string {
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

/** The quarantine policy's ARN in the finding's account and partition. */
export function quarantinePolicyArn(
  ctx: Ctx,
  finding: Pick<Finding, "account" | "resourceArn">,
): string {
  const name = ctx.settings.quarantineManagedPolicyName;
  if (typeof name !== "string" || !POLICY_NAME.test(name)) {
    throw new Error(
      `quarantineManagedPolicyName "${String(name)}" is not a valid IAM policy name (1-128 of letters, digits and +=,.@_-)`,
    );
  }
  const partition = /^arn:(aws[a-z-]*):/.exec(finding.resourceArn)?.[1] ?? "aws";
  return `arn:${partition}:iam::${finding.account}:policy${QUARANTINE_POLICY_PATH}${name}`;
}

/**
 * Why the quarantine policy cannot be trusted, or undefined when its default version is exactly
 * Vigil's deny-all. Missing → the stack was not deployed in that account.
 */
async function quarantinePolicyProblem(iam: IAMClient, arn: string): Promise<string | undefined> {
  let versionId: string | undefined;
  try {
    versionId = (await iam.send(new GetPolicyCommand({ PolicyArn: arn }))).Policy?.DefaultVersionId;
  } catch (error) {
    if (isNoSuchEntity(error)) {
      return `quarantine policy ${arn} does not exist: deploy Vigil's stack (deploy/member-account.yaml creates it) in that account`;
    }
    throw error;
  }
  const version = await iam.send(
    new GetPolicyVersionCommand({ PolicyArn: arn, VersionId: versionId }),
  );
  const document = decodePolicyDocument(version.PolicyVersion?.Document ?? "");
  return isVigilQuarantine(document)
    ? undefined
    : `quarantine policy ${arn} is not Vigil's deny-all (${contentHash(document)}): someone planted or changed it`;
}

async function attachedPolicyArns(iam: IAMClient, roleName: string): Promise<string[]> {
  const arns: string[] = [];
  for await (const page of paginateListAttachedRolePolicies(
    { client: iam },
    { RoleName: roleName },
  )) {
    for (const policy of page.AttachedPolicies ?? []) {
      if (policy.PolicyArn) arns.push(policy.PolicyArn);
    }
  }
  return arns;
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
  settings: Pick<Ctx["settings"], "trustedAccounts">,
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

function describePrincipal(principal: Record<string, string> | undefined): string {
  if (!principal) return "an external principal";
  return Object.entries(principal)
    .map(([type, value]) => `${type} ${value}`)
    .join(", ");
}

export const iamRoleQuarantine = defineRemediation({
  name: IAM_ROLE_QUARANTINE,
  settings: roleQuarantineSettings,
  before: quarantineBefore,
  description:
    "Quarantines a role assumable from outside the account by attaching the stack's deny-all managed policy; the trust policy is not rewritten and undo detaches it.",
  handles(finding: Finding): boolean {
    return finding.kind === "iam-external-trust" && finding.resourceType === "AWS::IAM::Role";
  },
  permissions: {
    plan: [
      "iam:GetRole",
      "iam:ListRoleTags",
      "iam:GetRolePolicy",
      "iam:ListAttachedRolePolicies",
      "iam:GetPolicy",
      "iam:GetPolicyVersion",
    ],
    apply: ["iam:ListAttachedRolePolicies", "iam:AttachRolePolicy"],
    verify: ["iam:ListAttachedRolePolicies", "iam:GetRolePolicy"],
    // Inline quarantines of earlier versions: delete (or put back what squatted the name).
    undo: [
      "iam:ListAttachedRolePolicies",
      "iam:DetachRolePolicy",
      "iam:GetRolePolicy",
      "iam:DeleteRolePolicy",
      "iam:PutRolePolicy",
    ],
  },

  async plan(ctx, finding): Promise<RemediationPlan> {
    const policyName = quarantinePolicyName(ctx);
    const policyArn = quarantinePolicyArn(ctx, finding);
    const roleName = finding.resourceName;
    const [roleOutput, tagPages, existingPolicy, attached] = await Promise.all([
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
      attachedPolicyArns(ctx.iam, roleName),
    ]);
    const role = roleOutput.Role;
    const before: z.input<typeof quarantineBefore> = {
      roleName,
      roleArn: role?.Arn ?? finding.resourceArn,
      trustPolicy: role?.AssumeRolePolicyDocument
        ? decodePolicyDocument(role.AssumeRolePolicyDocument)
        : null,
      quarantinePolicyArn: policyArn,
      policyName,
      existingPolicy,
    };
    const base = {
      remediation: IAM_ROLE_QUARANTINE,
      finding,
      before,
      tags: tagPages,
    };
    const who = describePrincipal(finding.principal);

    if (role?.Path?.startsWith("/aws-service-role/")) {
      return {
        ...base,
        summary: `role ${roleName} is a service-linked role: no change`,
        changes: [],
        reason: "Service-linked roles are managed by AWS and cannot take customer policies.",
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
    if (attached.includes(policyArn) || isVigilQuarantine(existingPolicy)) {
      const by = attached.includes(policyArn) ? policyArn : `inline policy ${policyName}`;
      return {
        ...base,
        summary: `role ${roleName} is already quarantined: no change`,
        changes: [],
        reason: `Vigil's deny-all (${by}) is already on role ${roleName}.`,
      };
    }
    const problem = await quarantinePolicyProblem(ctx.iam, policyArn);
    if (problem) {
      return {
        ...base,
        summary: `role ${roleName} NOT quarantined: ${problem}`,
        changes: [],
        reason: `Role ${roleName} can be assumed by ${who}, and ${problem}. Nothing was changed: the role stays exposed until this is fixed.`,
        securityAlert: `role ${roleName} (assumable by ${who}) could not be quarantined: ${problem}`,
      };
    }
    // An inline policy under the old quarantine name that is not deny-all looks like a quarantine
    // and is not (squatting): the deny-all still goes on, the squatter stays for a person to judge.
    const squatted =
      existingPolicy !== null
        ? `role ${roleName} has an inline policy named ${policyName} that is not Vigil's deny-all (${contentHash(existingPolicy)}): left in place, review it`
        : undefined;
    return {
      ...base,
      summary: `quarantine role ${roleName} (assumable by ${who}) with deny-all policy ${policyArn}`,
      changes: [
        {
          action: "iam:AttachRolePolicy",
          description: `attach deny-all managed policy ${policyArn} to role ${roleName} (trust policy unchanged)`,
          params: { RoleName: roleName, PolicyArn: policyArn },
        },
      ],
      reason: `Role ${roleName} can be assumed by ${who}. The deny-all policy stops the role and its existing sessions from doing anything; the trust policy is kept as is. Undo detaches it.`,
      ...(squatted ? { securityAlert: squatted } : {}),
    };
  },

  async apply(ctx, plan, change): Promise<void> {
    if (change.action !== "iam:AttachRolePolicy") {
      throw new Error(`${IAM_ROLE_QUARANTINE} cannot apply action ${change.action}`);
    }
    const { roleName, quarantinePolicyArn: policyArn } = plan.before;
    // Only the quarantine policy, on the planned role: never what a (forged) change names.
    if (
      !policyArn ||
      change.params.PolicyArn !== policyArn ||
      change.params.RoleName !== roleName
    ) {
      throw new Error(
        `${IAM_ROLE_QUARANTINE} attaches only the quarantine policy to the planned role; refusing ${JSON.stringify(change.params)}`,
      );
    }
    if ((await attachedPolicyArns(ctx.iam, roleName)).includes(policyArn)) return; // a retry
    await ctx.iam.send(new AttachRolePolicyCommand({ RoleName: roleName, PolicyArn: policyArn }));
  },

  async verify(ctx, plan): Promise<VerifyResult> {
    const { roleName, policyName, quarantinePolicyArn: policyArn } = plan.before;
    const [attached, inline] = await Promise.all([
      attachedPolicyArns(ctx.iam, roleName),
      readInlinePolicy(ctx.iam, roleName, policyName),
    ]);
    const byManaged = policyArn !== undefined && attached.includes(policyArn);
    const quarantined = byManaged || isVigilQuarantine(inline);
    const ok = plan.changes.length === 0 || quarantined;
    return {
      ok,
      after: { quarantinePolicyArn: byManaged ? policyArn : null, quarantinePolicy: inline },
      detail: quarantined
        ? `role ${roleName} is quarantined by ${byManaged ? policyArn : policyName}`
        : plan.changes.length === 0
          ? `nothing was planned for role ${roleName}`
          : `role ${roleName} has no Vigil quarantine policy`,
    };
  },

  async undo(ctx, plan, applied): Promise<VerifyResult> {
    if (applied.some((change) => change.action === "iam:PutRolePolicy")) {
      return undoInlineQuarantine(ctx, plan.before, applied);
    }
    const { roleName, quarantinePolicyArn: policyArn } = plan.before;
    for (const change of [...applied].reverse()) {
      if (change.action !== "iam:AttachRolePolicy" || change.params.PolicyArn !== policyArn) {
        throw new Error(
          `${IAM_ROLE_QUARANTINE} cannot undo ${change.action} ${JSON.stringify(change.params)}`,
        );
      }
      if (!policyArn || !(await attachedPolicyArns(ctx.iam, roleName)).includes(policyArn)) {
        continue; // already detached
      }
      try {
        await ctx.iam.send(
          new DetachRolePolicyCommand({ RoleName: roleName, PolicyArn: policyArn }),
        );
      } catch (error) {
        if (!isNoSuchEntity(error)) throw error;
      }
    }
    const still =
      policyArn !== undefined && (await attachedPolicyArns(ctx.iam, roleName)).includes(policyArn);
    const ok = applied.length === 0 || !still;
    return {
      ok,
      after: { quarantinePolicyArn: still ? policyArn : null },
      detail: still
        ? `role ${roleName} still has ${policyArn} attached`
        : `role ${roleName} has no quarantine policy attached`,
    };
  },
});

/** Undo of a quarantine recorded by an earlier version, which wrote an inline deny-all policy. */
async function undoInlineQuarantine(
  ctx: Ctx,
  before: z.output<typeof quarantineBefore>,
  applied: RemediationPlan["changes"],
): Promise<VerifyResult> {
  const { roleName, policyName, existingPolicy } = before;
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
}
