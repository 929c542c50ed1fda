import type { Finding } from "../../domain/finding.ts";
import { defineRemediation } from "../define.ts";
import { API_BY_RESOURCE_TYPE } from "./iam-principals.ts";
import { IAM_RISKY_POLICY, riskyPolicyBefore } from "./risky-policy-before.ts";
import {
  applyRiskyChange,
  riskyUndoHazards,
  undoRiskyChanges,
  verifyRiskyPlan,
} from "./risky-policy-changes.ts";
import { planRiskyPolicy } from "./risky-policy-plan.ts";
import { riskyPolicySettings } from "./settings.ts";

export { IAM_RISKY_POLICY };

// One job per module: the plan (risk model and last-used evidence) in ./risky-policy-plan.ts and
// ./risky-policy-evidence.ts, apply/verify/undo in ./risky-policy-changes.ts, IAM reads in
// ./iam-principals.ts, the before-state schemas in ./risky-policy-before.ts. Here: what it is.

/**
 * Removes risky policies from IAM principals. The risk model (domain/iam-risk.ts) expands each
 * Allow statement on * against the real IAM action list and sorts it into categories (admin,
 * privilege-escalation, data-exfiltration, resource-exposure, credentials-exposure,
 * service-wide-wildcard); `riskyPolicyDetachCategories` says which are removed, the others are
 * told once (plan.notes, or a `declined` plan when nothing is removed). Deny-listed names
 * (`riskyPolicyNames`) are always removed.
 *
 * For a user, role or group finding: one change per risky attachment (Detach…Policy) and per risky
 * inline policy (Delete…Policy, its document kept in plan.before so undo can put it back). Attached
 * customer and AWS managed policies are judged by name and by their default version's document.
 *
 * For a policy finding (Config iam-policy-no-statements-with-admin-access): the policy's default
 * version is re-checked (a fixed policy needs nothing), then one Detach change per user, role and
 * group it is attached to. The policy itself is never modified or deleted.
 *
 * Every change is reversible: undo re-attaches detached policies and re-creates deleted inline ones
 * from the saved documents. Service-linked roles are left alone (AWS manages them).
 */
export const iamRiskyPolicy = defineRemediation({
  name: IAM_RISKY_POLICY,
  settings: riskyPolicySettings,
  before: riskyPolicyBefore,
  description:
    "Detaches managed policies and deletes inline policies whose grants on * fall in a risk category the settings remove (default: admin, privilege escalation) or whose name is deny-listed, saving them so undo can restore them; other risk categories are reported.",
  handles(finding: Finding): boolean {
    return (
      finding.kind === "iam-risky-policy" &&
      (finding.resourceType === "AWS::IAM::Policy" ||
        API_BY_RESOURCE_TYPE[finding.resourceType] !== undefined)
    );
  },
  permissions: {
    plan: [
      // Last-used evidence before removing anything (riskyPolicyLastUsedWaitSeconds).
      "iam:GenerateServiceLastAccessedDetails",
      "iam:GetServiceLastAccessedDetails",
      "iam:ListAttachedUserPolicies",
      "iam:ListAttachedRolePolicies",
      "iam:ListAttachedGroupPolicies",
      "iam:ListUserPolicies",
      "iam:ListRolePolicies",
      "iam:ListGroupPolicies",
      "iam:GetUserPolicy",
      "iam:GetRolePolicy",
      "iam:GetGroupPolicy",
      "iam:GetPolicy",
      "iam:GetPolicyVersion",
      "iam:ListEntitiesForPolicy",
      // The real ARNs (with paths) of the principals a policy-level finding touches.
      "iam:GetUser",
      "iam:GetRole",
      "iam:ListUserTags",
      "iam:ListRoleTags",
      "iam:ListPolicyTags",
    ],
    apply: [
      "iam:DetachUserPolicy",
      "iam:DetachRolePolicy",
      "iam:DetachGroupPolicy",
      "iam:DeleteUserPolicy",
      "iam:DeleteRolePolicy",
      "iam:DeleteGroupPolicy",
      // Guards against deleting an inline policy edited since planning.
      "iam:GetUserPolicy",
      "iam:GetRolePolicy",
      "iam:GetGroupPolicy",
    ],
    verify: [
      "iam:ListAttachedUserPolicies",
      "iam:ListAttachedRolePolicies",
      "iam:ListAttachedGroupPolicies",
      "iam:ListUserPolicies",
      "iam:ListRolePolicies",
      "iam:ListGroupPolicies",
      "iam:ListEntitiesForPolicy",
    ],
    undo: [
      "iam:AttachUserPolicy",
      "iam:AttachRolePolicy",
      "iam:AttachGroupPolicy",
      "iam:PutUserPolicy",
      "iam:PutRolePolicy",
      "iam:PutGroupPolicy",
      "iam:ListAttachedUserPolicies",
      "iam:ListAttachedRolePolicies",
      "iam:ListAttachedGroupPolicies",
      "iam:ListUserPolicies",
      "iam:ListRolePolicies",
      "iam:ListGroupPolicies",
      "iam:ListEntitiesForPolicy",
    ],
  },

  plan: (ctx, finding) => planRiskyPolicy(ctx, finding),
  apply: (ctx, plan, change) => applyRiskyChange(ctx, plan, change),
  verify: (ctx, plan) => verifyRiskyPlan(ctx, plan),
  undoHazards: (plan, applied) => riskyUndoHazards(plan, applied),
  undo: (ctx, plan, applied) => undoRiskyChanges(ctx, plan, applied),
});
