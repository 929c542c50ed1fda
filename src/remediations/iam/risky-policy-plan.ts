import { paginateListPolicyTags } from "@aws-sdk/client-iam";
import type { Finding } from "../../domain/finding.ts";
import { assessPolicy } from "../../domain/iam-risk.ts";
import type { PlannedChange, RemediationPlan } from "../../domain/remediation-plan.ts";
import {
  API_BY_RESOURCE_TYPE,
  collect,
  GROUP_API,
  listEntities,
  managedPolicyDocument,
  type PrincipalApi,
  principalArn,
  ROLE_API,
  tagRecord,
  USER_API,
} from "./iam-principals.ts";
import {
  type AssessedAttachment,
  type AssessedInline,
  IAM_RISKY_POLICY,
  type PolicyBefore,
  type PrincipalBefore,
  type RiskyPolicyContext,
} from "./risky-policy-before.ts";
import { weighEvidence } from "./risky-policy-evidence.ts";

/**
 * iam-risky-policy's plan: reads a principal's (or a managed policy's) policies, judges each with
 * the risk model (domain/iam-risk.ts), weighs last-used evidence (./risky-policy-evidence.ts) and
 * plans one change per policy to remove. Read-only.
 */
export async function planRiskyPolicy(
  ctx: RiskyPolicyContext,
  finding: Finding,
): Promise<RemediationPlan> {
  if (finding.resourceType === "AWS::IAM::Policy") return planForPolicy(ctx, finding);
  const api = API_BY_RESOURCE_TYPE[finding.resourceType];
  if (!api) throw new Error(`${IAM_RISKY_POLICY} cannot handle ${finding.resourceType}`);
  return planForPrincipal(ctx, finding, api);
}

function isServiceLinkedRoleArn(arn: string): boolean {
  return /:role\/aws-service-role\//.test(arn);
}

function isAwsManagedPolicyArn(arn: string): boolean {
  return /^arn:aws[a-z-]*:iam::aws:policy\//.test(arn);
}

function names(items: { policyName: string }[]): string {
  return items.map((item) => item.policyName).join(", ");
}

async function planForPrincipal(
  ctx: RiskyPolicyContext,
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

async function planForPolicy(ctx: RiskyPolicyContext, finding: Finding): Promise<RemediationPlan> {
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
