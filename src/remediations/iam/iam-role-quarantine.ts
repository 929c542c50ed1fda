import {
  AttachRolePolicyCommand,
  DeleteRolePolicyCommand,
  DetachRolePolicyCommand,
  GetRoleCommand,
  PutRolePolicyCommand,
  paginateListRoleTags,
} from "@aws-sdk/client-iam";
import { z } from "zod";
import type { Finding } from "../../domain/finding.ts";
import { decodePolicyDocument, sameDocument } from "../../domain/iam-policy.ts";
import { contentHash } from "../../domain/journal-integrity.ts";
import type { RemediationPlan, VerifyResult } from "../../domain/remediation-plan.ts";
import type { RemediationContext } from "../../ports/remediation.ts";
import { defineRemediation } from "../define.ts";
import {
  attachedPolicyArns,
  isNoSuchEntity,
  isVigilQuarantine,
  POLICY_NAME,
  quarantinePolicyProblem,
  readInlinePolicy,
} from "./role-quarantine-policy.ts";
import { describePrincipal, trustedOnly } from "./role-trust.ts";
import { QUARANTINE_POLICY_PATH, roleQuarantineSettings } from "./settings.ts";

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

// The policy's definition and the trust rules live in their own modules; importers use them here.
export {
  QUARANTINE_POLICY_DOCUMENT,
  QUARANTINE_STATEMENT_ID,
  quarantinePolicyDefinition,
} from "./role-quarantine-policy.ts";
export { trustedOnly } from "./role-trust.ts";

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

function quarantinePolicyName(ctx: Ctx): string {
  const name = ctx.settings.quarantinePolicyName;
  if (typeof name !== "string" || !POLICY_NAME.test(name)) {
    throw new Error(
      `quarantinePolicyName "${String(name)}" is not a valid IAM policy name (1-128 of letters, digits and +=,.@_-)`,
    );
  }
  return name;
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
