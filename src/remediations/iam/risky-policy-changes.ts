import { sameDocument } from "../../domain/iam-policy.ts";
import type { PlannedChange, VerifyResult } from "../../domain/remediation-plan.ts";
import {
  API_BY_RESOURCE_TYPE,
  entityList,
  isNoSuchEntity,
  listEntities,
  operationOf,
  stringParam,
} from "./iam-principals.ts";
import {
  IAM_RISKY_POLICY,
  isPolicyBefore,
  type RiskyPlan,
  type RiskyPolicyContext,
} from "./risky-policy-before.ts";

/**
 * iam-risky-policy's changes: apply one (detach, or delete an inline policy unchanged since
 * planning), read back what is still in place (verify), undo (re-attach, re-put the saved
 * documents) and what undoing would re-grant.
 */

/**
 * Reads back the state the given changes touched. `present` lists the changes whose effect is
 * still visible (policy still attached, inline policy still there).
 */
async function changesStillInPlace(
  ctx: RiskyPolicyContext,
  plan: RiskyPlan,
  changes: PlannedChange[],
): Promise<{ present: PlannedChange[]; after: Record<string, unknown> }> {
  const { before } = plan;
  if (isPolicyBefore(before)) {
    const entities = await listEntities(ctx.iam, before.target.arn);
    const present = changes.filter((change) => {
      const { api } = operationOf(change);
      return entityList(entities, api.type).includes(stringParam(change, api.nameKey));
    });
    return { present, after: { attachments: entities } };
  }
  const api = API_BY_RESOURCE_TYPE[plan.finding.resourceType];
  if (!api) throw new Error(`${IAM_RISKY_POLICY} cannot read ${plan.finding.resourceType}`);
  const name = before.target.name;
  const [attached, inline] = await Promise.all([
    api.listAttached(ctx.iam, name),
    api.listInline(ctx.iam, name),
  ]);
  const present = changes.filter((change) =>
    operationOf(change).op === "detach"
      ? attached.some((policy) => policy.policyArn === stringParam(change, "PolicyArn"))
      : inline.includes(stringParam(change, "PolicyName")),
  );
  return {
    present,
    after: {
      attachedPolicyArns: attached.map((policy) => policy.policyArn),
      inlinePolicyNames: inline,
    },
  };
}

function savedInlineDocument(plan: RiskyPlan, policyName: string): string {
  const { before } = plan;
  const saved = isPolicyBefore(before)
    ? undefined
    : before.inlinePolicies.find((inline) => inline.policyName === policyName)?.document;
  if (saved === undefined) {
    throw new Error(
      `no saved document for inline policy ${policyName}; cannot apply or undo safely`,
    );
  }
  return saved;
}

export async function applyRiskyChange(
  ctx: RiskyPolicyContext,
  plan: RiskyPlan,
  change: PlannedChange,
): Promise<void> {
  const { api, op } = operationOf(change);
  const name = stringParam(change, api.nameKey);
  if (op === "detach") {
    try {
      await api.detach(ctx.iam, name, stringParam(change, "PolicyArn"));
    } catch (error) {
      // NoSuchEntity: the policy is not attached (already detached), or the principal or policy
      // no longer exists. Either way "not attached" holds, so applying twice is harmless.
      if (!isNoSuchEntity(error)) throw error;
    }
    return;
  }
  const policyName = stringParam(change, "PolicyName");
  const saved = savedInlineDocument(plan, policyName);
  const current = await api.getInline(ctx.iam, name, policyName);
  if (current === null) return; // already deleted
  if (!sameDocument(current, saved)) {
    throw new Error(
      `inline policy ${policyName} of ${api.type} ${name} changed since planning; plan again (deleting it would lose the new document)`,
    );
  }
  try {
    await api.deleteInline(ctx.iam, name, policyName);
  } catch (error) {
    if (!isNoSuchEntity(error)) throw error;
  }
}

export async function verifyRiskyPlan(
  ctx: RiskyPolicyContext,
  plan: RiskyPlan,
): Promise<VerifyResult> {
  const { present, after } = await changesStillInPlace(ctx, plan, plan.changes);
  return {
    ok: present.length === 0,
    after,
    detail:
      present.length === 0
        ? plan.changes.length === 0
          ? "nothing was planned"
          : `${plan.changes.length} risky attachment(s) removed`
        : `still in place: ${present.map((change) => change.description).join("; ")}`,
  };
}

export function riskyUndoHazards(plan: RiskyPlan, applied: PlannedChange[]): string[] {
  // Everything this remediation removed was judged risky when planned: putting it back re-grants
  // that access. Each hazard names the grant and the risk model's reasons.
  const { before } = plan;
  return applied.map((change) => {
    const { api, op } = operationOf(change);
    const name = stringParam(change, api.nameKey);
    if (isPolicyBefore(before)) {
      return `attach ${before.target.name} to ${api.type} ${name}: ${before.reasons.join("; ")}`;
    }
    const principal = before;
    if (op === "detach") {
      const arn = stringParam(change, "PolicyArn");
      const assessed = principal.attachedPolicies.find((policy) => policy.policyArn === arn);
      return `attach ${arn} to ${api.type} ${name}: ${assessed?.reasons.join("; ") || "risky"}`;
    }
    const policyName = stringParam(change, "PolicyName");
    const assessed = principal.inlinePolicies.find((inline) => inline.policyName === policyName);
    return `put inline ${policyName} on ${api.type} ${name}: ${assessed?.reasons.join("; ") || "risky"}`;
  });
}

export async function undoRiskyChanges(
  ctx: RiskyPolicyContext,
  plan: RiskyPlan,
  applied: PlannedChange[],
): Promise<VerifyResult> {
  for (const change of [...applied].reverse()) {
    const { api, op } = operationOf(change);
    const name = stringParam(change, api.nameKey);
    if (op === "detach") {
      await api.attach(ctx.iam, name, stringParam(change, "PolicyArn"));
    } else {
      const policyName = stringParam(change, "PolicyName");
      await api.putInline(ctx.iam, name, policyName, savedInlineDocument(plan, policyName));
    }
  }
  const { present, after } = await changesStillInPlace(ctx, plan, applied);
  const missing = applied.filter((change) => !present.includes(change));
  return {
    ok: missing.length === 0,
    after,
    detail:
      missing.length === 0
        ? `${applied.length} change(s) undone`
        : `not restored: ${missing.map((change) => change.description).join("; ")}`,
  };
}
