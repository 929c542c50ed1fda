// Size (≈570 lines): the phases plus the risk and last-used wiring of plan; IAM reads live in
// ./iam-principals.ts, the before-state schemas in ./risky-policy-before.ts, the judgement in domain.
import { paginateListPolicyTags } from "@aws-sdk/client-iam";
import type { z } from "zod";
import type { Finding } from "../../domain/finding.ts";
import { sameDocument } from "../../domain/iam-policy.ts";
import { assessPolicy } from "../../domain/iam-risk.ts";
import {
  type LastUsedEvidence,
  lastUsedLine,
  servicesOf,
  usedWithinDays,
} from "../../domain/last-used.ts";
import type {
  PlannedChange,
  RemediationPlan,
  VerifyResult,
} from "../../domain/remediation-plan.ts";
import type { RemediationContext as Context } from "../../ports/remediation.ts";
import { defineRemediation } from "../define.ts";
import {
  API_BY_RESOURCE_TYPE,
  collect,
  entityList,
  GROUP_API,
  isNoSuchEntity,
  listEntities,
  managedPolicyDocument,
  operationOf,
  type PrincipalApi,
  principalArn,
  ROLE_API,
  stringParam,
  tagRecord,
  USER_API,
} from "./iam-principals.ts";
import { readLastUsed } from "./last-accessed.ts";
import {
  type AssessedAttachment,
  type AssessedInline,
  isPolicyBefore,
  type PolicyBefore,
  type PrincipalBefore,
  type RiskyPlan,
  riskyPolicyBefore,
} from "./risky-policy-before.ts";
import { riskyPolicySettings } from "./settings.ts";

type RemediationContext = Context<z.output<typeof riskyPolicySettings>>;

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
export const IAM_RISKY_POLICY = "iam-risky-policy";

function isServiceLinkedRoleArn(arn: string): boolean {
  return /:role\/aws-service-role\//.test(arn);
}

function isAwsManagedPolicyArn(arn: string): boolean {
  return /^arn:aws[a-z-]*:iam::aws:policy\//.test(arn);
}

function names(items: { policyName: string }[]): string {
  return items.map((item) => item.policyName).join(", ");
}

/**
 * Last-used evidence for what is about to be removed (IAM's service last accessed report for the
 * principal or policy), and the optional guard: policies whose services were used within
 * `riskyPolicySkipIfUsedWithinDays` days are kept and told. Read only when something would be
 * removed.
 */
async function weighEvidence<
  P extends { policyName: string; detachActions?: string[] | undefined },
>(
  ctx: RemediationContext,
  arn: string,
  subject: string,
  candidates: P[],
): Promise<{ remove: P[]; keep: P[]; notes: string[]; evidence?: LastUsedEvidence }> {
  const { settings } = ctx;
  if (candidates.length === 0 || settings.riskyPolicyLastUsedWaitSeconds === 0) {
    return { remove: candidates, keep: [], notes: [] };
  }
  const evidence = await readLastUsed(ctx.iam, arn, settings.riskyPolicyLastUsedWaitSeconds * 1000);
  const now = Date.now();
  const days = settings.riskyPolicySkipIfUsedWithinDays;
  const scope = (policy: P) => servicesOf(policy.detachActions ?? ["*"]);
  const recent = (policy: P) =>
    days !== undefined && usedWithinDays(evidence, scope(policy), days, now);
  const keep = candidates.filter(recent);
  const notes = candidates.map((policy) =>
    lastUsedLine(
      recent(policy)
        ? `${policy.policyName} KEPT, used within ${days} days (riskyPolicySkipIfUsedWithinDays) by ${subject}`
        : `${policy.policyName}'s risky grants, by ${subject}`,
      evidence,
      scope(policy),
      now,
    ),
  );
  if (!evidence.ok && days !== undefined) {
    notes.push(
      `riskyPolicySkipIfUsedWithinDays (${days}) could not be checked without evidence: nothing held back`,
    );
  }
  return { remove: candidates.filter((policy) => !recent(policy)), keep, notes, evidence };
}

async function planForPrincipal(
  ctx: RemediationContext,
  finding: Finding,
  api: PrincipalApi,
): Promise<RemediationPlan> {
  const name = finding.resourceName;
  const { iam, settings } = ctx;
  const base = { remediation: IAM_RISKY_POLICY, finding };

  if (api.type === "role" && isServiceLinkedRoleArn(finding.resourceArn)) {
    return {
      ...base,
      summary: `role ${name} is a service-linked role: no change`,
      changes: [],
      before: { target: { type: api.type, name, arn: finding.resourceArn } },
      tags: {},
      reason: "Service-linked roles are managed by AWS; their policies cannot be changed.",
    };
  }

  const [attached, inlineNames, tags] = await Promise.all([
    api.listAttached(iam, name),
    api.listInline(iam, name),
    api.listTags(iam, name),
  ]);

  const attachedPolicies = await Promise.all(
    attached.map(async (policy): Promise<AssessedAttachment> => {
      const byName = assessPolicy({ name: policy.policyName }, settings);
      // A deny-listed name is enough; otherwise judge the default version's document.
      if (byName.risky) return { ...policy, ...byName };
      const { document } = await managedPolicyDocument(iam, policy.policyArn);
      return { ...policy, ...assessPolicy({ document }, settings) };
    }),
  );
  const inlinePolicies = (
    await Promise.all(
      inlineNames.map(async (policyName): Promise<AssessedInline | undefined> => {
        const document = await api.getInline(iam, name, policyName);
        if (document === null) return undefined; // deleted while we were reading
        const risk = assessPolicy({ name: policyName, document }, settings);
        return { policyName, ...risk, ...(risk.risky ? { document } : {}) };
      }),
    )
  ).filter((inline): inline is AssessedInline => inline !== undefined);

  // One report for the principal covers its attached and inline policies.
  const weighed = await weighEvidence(ctx, finding.resourceArn, `${api.type} ${name}`, [
    ...attachedPolicies.filter((policy) => policy.risky),
    ...inlinePolicies.filter((policy) => policy.risky),
  ]);
  const riskyAttached = attachedPolicies.filter((policy) => weighed.remove.includes(policy));
  const riskyInline = inlinePolicies.filter((policy) => weighed.remove.includes(policy));
  const kept = weighed.keep;
  const changes: PlannedChange[] = [
    ...riskyAttached.map((policy) => ({
      action: api.detachAction,
      description: `detach ${policy.policyName} (${policy.policyArn}) from ${api.type} ${name}: ${policy.reasons.join("; ")}`,
      params: { [api.nameKey]: name, PolicyArn: policy.policyArn },
    })),
    ...riskyInline.map((policy) => ({
      action: api.deleteInlineAction,
      description: `delete inline policy ${policy.policyName} of ${api.type} ${name} (document saved for undo): ${policy.reasons.join("; ")}`,
      params: { [api.nameKey]: name, PolicyName: policy.policyName },
    })),
  ];
  // Risks the settings leave to people, on policies that stay.
  const notes = [
    ...attachedPolicies.filter((policy) => !policy.risky).map((p) => [p.policyName, p] as const),
    ...inlinePolicies
      .filter((policy) => !policy.risky)
      .map((p) => [`${p.policyName} (inline)`, p] as const),
  ].flatMap(([label, policy]) =>
    (policy.alerts ?? []).map((alert) => `${label}, left in place: ${alert}`),
  );
  notes.push(...weighed.notes);

  const parts = [
    riskyAttached.length > 0 ? `detach ${names(riskyAttached)}` : undefined,
    riskyInline.length > 0 ? `delete inline ${names(riskyInline)}` : undefined,
  ].filter((part): part is string => part !== undefined);
  const before: PrincipalBefore = {
    target: { type: api.type, name, arn: finding.resourceArn },
    attachedPolicies,
    inlinePolicies,
  };
  const all = [
    ...attachedPolicies.map((p) => p.policyName),
    ...inlinePolicies.map((p) => `${p.policyName} (inline)`),
  ].sort();
  return {
    ...base,
    summary:
      changes.length === 0
        ? `${api.type} ${name} has no policy to remove${notes.length > 0 ? ` (${notes.length} risk(s) left to people)` : ""}: no change`
        : `${parts.join(" and ")} on ${api.type} ${name}`,
    changes,
    before: { ...before },
    tags,
    reason:
      changes.length === 0
        ? `None of the ${attachedPolicies.length} attached and ${inlinePolicies.length} inline policies of ${api.type} ${name} is in a category Vigil removes.`
        : `${changes.map((change) => change.description).join(". ")}. Undo re-attaches and re-creates them.`,
    ...(notes.length > 0 ? { notes } : {}),
    // Nothing to remove but something to say: the risks the settings leave to people, or a rule
    // that wants something Vigil does not do (iam-user-no-policies-check wants no policy on a
    // user at all). Said once per state, plainly.
    ...(changes.length === 0 && kept.length > 0
      ? {
          declined: `${api.type} ${name}: Vigil did not remove ${names(kept)}, risky but used within the last ${ctx.settings.riskyPolicySkipIfUsedWithinDays} days (riskyPolicySkipIfUsedWithinDays); narrow them by hand.`,
        }
      : changes.length === 0 && notes.length > 0
        ? {
            declined: `${api.type} ${name} has risks Vigil only reports (riskyPolicyDetachCategories): ${notes.join("; ")}. Narrow these policies, or add the category to riskyPolicyDetachCategories to have Vigil remove them.`,
          }
        : changes.length === 0 && all.length > 0
          ? {
              declined: `rule ${finding.rule} flags ${api.type} ${name}, but none of its policies (${all.join(", ")}) is risky: Vigil removes risky policies only and leaves these. To meet the rule, grant them through a group or role.`,
            }
          : {}),
  };
}

async function planForPolicy(ctx: RemediationContext, finding: Finding): Promise<RemediationPlan> {
  const { iam, settings } = ctx;
  const policyArn = finding.resourceArn;
  const awsManaged = isAwsManagedPolicyArn(policyArn);
  const [{ name, versionId, document }, tags] = await Promise.all([
    managedPolicyDocument(iam, policyArn),
    awsManaged
      ? Promise.resolve({})
      : collect(
          paginateListPolicyTags({ client: iam }, { PolicyArn: policyArn }),
          (p) => p.Tags,
        ).then(tagRecord),
  ]);
  const risk = assessPolicy({ name, document }, settings);
  const base = { remediation: IAM_RISKY_POLICY, finding, tags };

  if (!risk.risky) {
    const before: PolicyBefore = {
      target: { type: "policy", name, arn: policyArn },
      defaultVersionId: versionId,
      reasons: [],
      alerts: risk.alerts,
      attachments: { users: [], roles: [], groups: [] },
    };
    const leftToPeople = risk.alerts.length > 0;
    return {
      ...base,
      summary: leftToPeople
        ? `policy ${name} has risks Vigil only reports: no change`
        : `policy ${name} is no longer risky: no change`,
      changes: [],
      before: { ...before },
      reason: leftToPeople
        ? `The default version (${versionId}) of policy ${name} is risky only in categories the settings leave to people.`
        : `The default version (${versionId}) of policy ${name} has no risky statement and its name is not deny-listed.`,
      ...(leftToPeople
        ? {
            notes: risk.alerts,
            declined: `policy ${name} has risks Vigil only reports (riskyPolicyDetachCategories): ${risk.alerts.join("; ")}. Narrow the policy, or add the category to riskyPolicyDetachCategories to have Vigil detach it.`,
          }
        : {}),
    };
  }

  const entities = await listEntities(iam, policyArn);
  const why = risk.reasons.join("; ");
  // ListEntitiesForPolicy names principals without their path: the real ARN (role/aws-reserved/…,
  // role/breakglass/…) is looked up so protected-principal patterns see what IAM sees.
  const [userArns, roleArns] = await Promise.all([
    Promise.all(entities.users.map((user) => principalArn(iam, "user", user))),
    Promise.all(entities.roles.map((role) => principalArn(iam, "role", role))),
  ]);
  const detach = (api: PrincipalApi, entity: string, arn?: string): PlannedChange => ({
    action: api.detachAction,
    description: `detach ${name} from ${api.type} ${entity}`,
    params: { [api.nameKey]: entity, PolicyArn: policyArn, ...(arn ? { PrincipalArn: arn } : {}) },
  });
  const detachAll = [
    ...entities.users.map((user, i) => detach(USER_API, user, userArns[i])),
    ...entities.roles.map((role, i) => detach(ROLE_API, role, roleArns[i])),
    ...entities.groups.map((group) => detach(GROUP_API, group)),
  ];
  // The policy's report: which of its services anyone attached to it used, and when.
  const weighed = await weighEvidence(
    ctx,
    policyArn,
    "its users, roles and groups",
    detachAll.length > 0 ? [{ policyName: name, detachActions: risk.detachActions }] : [],
  );
  const changes = weighed.keep.length > 0 ? [] : detachAll;
  const notes = [...risk.alerts, ...weighed.notes];
  const before: PolicyBefore = {
    target: { type: "policy", name, arn: policyArn },
    defaultVersionId: versionId,
    reasons: risk.reasons,
    alerts: risk.alerts,
    attachments: entities,
  };
  return {
    ...base,
    summary:
      detachAll.length === 0
        ? `risky policy ${name} is not attached to anything: no change`
        : changes.length === 0
          ? `risky policy ${name} kept: used within ${ctx.settings.riskyPolicySkipIfUsedWithinDays} days`
          : `detach risky policy ${name} from ${entities.users.length} user(s), ${entities.roles.length} role(s) and ${entities.groups.length} group(s)`,
    changes,
    before: { ...before },
    ...(notes.length > 0 ? { notes } : {}),
    reason:
      detachAll.length === 0
        ? `Policy ${name} is risky (${why}) but has no attachments.`
        : `Policy ${name} is risky: ${why}. The policy itself is kept; undo re-attaches it.`,
    ...(weighed.keep.length > 0
      ? {
          declined: `policy ${name}: Vigil did not detach it, risky but used within the last ${ctx.settings.riskyPolicySkipIfUsedWithinDays} days (riskyPolicySkipIfUsedWithinDays); narrow it by hand.`,
        }
      : {}),
  };
}

/**
 * Reads back the state the given changes touched. `present` lists the changes whose effect is
 * still visible (policy still attached, inline policy still there).
 */
async function changesStillInPlace(
  ctx: RemediationContext,
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

  async plan(ctx, finding): Promise<RemediationPlan> {
    if (finding.resourceType === "AWS::IAM::Policy") return planForPolicy(ctx, finding);
    const api = API_BY_RESOURCE_TYPE[finding.resourceType];
    if (!api) throw new Error(`${IAM_RISKY_POLICY} cannot handle ${finding.resourceType}`);
    return planForPrincipal(ctx, finding, api);
  },

  async apply(ctx, plan, change): Promise<void> {
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
  },

  async verify(ctx, plan): Promise<VerifyResult> {
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
  },

  undoHazards(plan, applied): string[] {
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
  },

  async undo(ctx, plan, applied): Promise<VerifyResult> {
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
  },
});
