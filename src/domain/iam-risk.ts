import {
  expandPattern,
  expandPatterns,
  IAM_ACTIONS,
  invertPatterns,
  isAllActions,
  serviceWideService,
} from "./iam-actions.ts";
import {
  asList,
  type PolicyDocument,
  type PolicyStatement,
  parsePolicyDocument,
} from "./iam-policy.ts";
import {
  CREDENTIALS_EXPOSURE_ACTIONS,
  DATA_EXFILTRATION_ACTIONS,
  ESCALATION_PATHS,
  type RiskCategory,
} from "./iam-risk-categories.ts";

/**
 * The risk model of an IAM identity policy: each Allow statement on all resources (Resource "*"
 * or NotResource) is expanded against the real action list (./iam-actions.ts, NotAction inverted)
 * and sorted into the categories of ./iam-risk-categories.ts. Which categories are taken away and
 * which only told is the caller's setting (riskyPolicyDetachCategories).
 *
 * Conditions are deliberately not treated as mitigating: a conditional admin grant is still admin.
 * Deny statements never make a policy risky, and are not subtracted from the Allows either: a
 * Deny is often conditional, so the model reports what the Allows grant.
 */

export interface RiskHit {
  category: RiskCategory;
  /** The statements that grant it, by Sid or position. */
  statements: string[];
  /** The expanded actions that triggered it (all of them; texts show a bounded list). */
  actions: string[];
  /** One line for plans and alerts. */
  text: string;
}

/** How many expanded actions (or escalation paths) a line names before "+N more". */
export const MAX_LISTED = 5;

function bounded(items: readonly string[], max = MAX_LISTED): string {
  const shown = items.slice(0, max).join(", ");
  return items.length > max ? `${shown} (+${items.length - max} more)` : shown;
}

function statementLabel(statement: PolicyStatement, index: number): string {
  return typeof statement.Sid === "string" && statement.Sid !== ""
    ? `statement "${statement.Sid}"`
    : `statement #${index + 1}`;
}

/** What one Allow statement on all resources grants, expanded. */
interface Grant {
  label: string;
  where: string;
  /** Action or NotAction patterns as written. */
  patterns: string[];
  notAction: boolean;
  /** Every action (Action *, or NotAction that leaves some action granted). */
  admin: boolean;
  /** The risk actions it grants (expanded against the IAM data). */
  actions: string[];
}

function grantOf(statement: PolicyStatement, index: number): Grant | undefined {
  if (statement.Effect !== "Allow") return undefined;
  const onAllResources =
    statement.NotResource !== undefined || asList(statement.Resource).includes("*");
  if (!onAllResources) return undefined;
  const label = statementLabel(statement, index);
  const where = statement.NotResource !== undefined ? "on all resources (NotResource)" : "on *";
  if (statement.NotAction !== undefined) {
    const patterns = asList(statement.NotAction);
    // NotAction "*" excludes everything: the statement grants nothing.
    if (patterns.some(isAllActions)) return undefined;
    return {
      label,
      where,
      patterns,
      notAction: true,
      admin: true,
      actions: invertPatterns(patterns),
    };
  }
  const patterns = asList(statement.Action);
  return {
    label,
    where,
    patterns,
    notAction: false,
    admin: patterns.some(isAllActions),
    actions: expandPatterns(patterns),
  };
}

/** The statement's own patterns that grant at least one of the actions ("via s3:Get*"). */
function via(grant: Grant, actions: readonly string[]): string {
  if (grant.notAction) return ` (NotAction ${bounded(grant.patterns)})`;
  const used = grant.patterns.filter((pattern) => {
    const granted = expandPattern(pattern);
    return actions.some((action) => granted.has(action));
  });
  const exact = used.length === actions.length && used.every((p, i) => p === actions[i]);
  return exact || used.length === 0 ? "" : ` (via ${bounded(used)})`;
}

function listHits(
  grants: Grant[],
  category: RiskCategory,
  members: ReadonlySet<string>,
): RiskHit[] {
  return grants.flatMap((grant) => {
    const actions = grant.actions.filter((action) => members.has(action));
    if (actions.length === 0) return [];
    return [
      {
        category,
        statements: [grant.label],
        actions,
        text: `${category}: ${grant.label} allows ${bounded(actions)}${via(grant, actions)} ${grant.where}`,
      },
    ];
  });
}

const DATA_EXFILTRATION = new Set(DATA_EXFILTRATION_ACTIONS);
const CREDENTIALS_EXPOSURE = new Set(CREDENTIALS_EXPOSURE_ACTIONS);
const RESOURCE_EXPOSURE = new Set(IAM_ACTIONS.permissionsManagement);

function adminHits(grants: Grant[]): RiskHit[] {
  return grants
    .filter((grant) => grant.admin)
    .map((grant) => ({
      category: "admin" as const,
      statements: [grant.label],
      actions: ["*"],
      text: grant.notAction
        ? `admin: ${grant.label} allows every action except ${grant.patterns.join(", ") || "none"} (NotAction) ${grant.where}`
        : `admin: ${grant.label} allows all actions (*) ${grant.where}`,
    }));
}

function serviceWideHits(grants: Grant[]): RiskHit[] {
  return grants.flatMap((grant) => {
    if (grant.admin || grant.notAction) return [];
    const services = [...new Set(grant.patterns.map(serviceWideService))].filter(
      (service): service is string => service !== undefined,
    );
    if (services.length === 0) return [];
    const described = services.map((service) => {
      const count = IAM_ACTIONS.serviceActionCounts[service];
      return count === undefined
        ? `${service}:* (a service the IAM data does not know)`
        : `${service}:* (all ${count} ${service} actions)`;
    });
    return [
      {
        category: "service-wide-wildcard" as const,
        statements: [grant.label],
        actions: services.map((service) => `${service}:*`),
        text: `service-wide-wildcard: ${grant.label} allows ${bounded(described)} ${grant.where}`,
      },
    ];
  });
}

/**
 * Escalation paths are judged on the whole document: iam:PassRole in one statement and
 * lambda:CreateFunction in another are one path.
 */
function escalationHit(grants: Grant[]): RiskHit[] {
  const granted = (action: string) => grants.filter((grant) => grant.actions.includes(action));
  const paths = ESCALATION_PATHS.filter((path) =>
    path.actions.every((action) => granted(action).length > 0),
  );
  if (paths.length === 0) return [];
  const actions = [...new Set(paths.flatMap((path) => path.actions))].sort();
  const statements = [
    ...new Set(actions.flatMap((action) => granted(action).map((grant) => grant.label))),
  ];
  const where = grants.some((grant) => grant.where !== "on *") ? "on all resources" : "on *";
  const lines = paths.map((path) => `${path.actions.join(" + ")} ${path.why}`);
  return [
    {
      category: "privilege-escalation",
      statements,
      actions,
      text: `privilege-escalation: ${statements.join(", ")} ${where}: ${bounded(lines, 3)}`,
    },
  ];
}

/** Every risk the document's Allow statements on all resources carry, category by category. */
export function documentRiskHits(document: PolicyDocument): RiskHit[] {
  const grants = document.Statement.map(grantOf).filter(
    (grant): grant is Grant => grant !== undefined,
  );
  return [
    ...adminHits(grants),
    ...escalationHit(grants),
    ...listHits(grants, "data-exfiltration", DATA_EXFILTRATION),
    ...listHits(grants, "credentials-exposure", CREDENTIALS_EXPOSURE),
    ...listHits(grants, "resource-exposure", RESOURCE_EXPOSURE),
    ...serviceWideHits(grants),
  ];
}

export interface PolicyRisk {
  /** Remove it: deny-listed by name, or a hit in a category the settings detach. */
  risky: boolean;
  /** Why it is removed (one line each). Empty when not risky. */
  reasons: string[];
  /** Hits in categories the settings only tell people about (one line each). */
  alerts: string[];
  /** Every category hit, detached or not. */
  categories: RiskCategory[];
  /** The expanded actions of the removed hits ("*": every action, as for a deny-listed name). */
  detachActions: string[];
}

export interface RiskSettings {
  /** Policy names removed whatever their document says (case-insensitive, as IAM names are). */
  riskyPolicyNames: readonly string[];
  /** Categories whose hits remove the policy; the others only alert. */
  riskyPolicyDetachCategories: readonly RiskCategory[];
}

/** IAM names are unique case-insensitively, so the deny-list is matched the same way. */
export function isDenyListedPolicyName(name: string, riskyPolicyNames: readonly string[]): boolean {
  const lower = name.toLowerCase();
  return riskyPolicyNames.some((risky) => risky.toLowerCase() === lower);
}

/**
 * Assesses a policy by name (deny-list) and document. Either may be absent: a deny-listed name is
 * enough, and a document alone is judged on its statements.
 */
export function assessPolicy(
  policy: { name?: string; document?: string | Record<string, unknown> | null },
  settings: RiskSettings,
): PolicyRisk {
  const reasons: string[] = [];
  const alerts: string[] = [];
  const detachActions = new Set<string>();
  if (policy.name !== undefined && isDenyListedPolicyName(policy.name, settings.riskyPolicyNames)) {
    reasons.push(`policy name ${policy.name} is on the risky-policy list`);
    detachActions.add("*");
  }
  const hits =
    policy.document !== undefined && policy.document !== null
      ? documentRiskHits(parsePolicyDocument(policy.document))
      : [];
  for (const hit of hits) {
    const detach = settings.riskyPolicyDetachCategories.includes(hit.category);
    (detach ? reasons : alerts).push(hit.text);
    if (detach) for (const action of hit.actions) detachActions.add(action);
  }
  return {
    risky: reasons.length > 0,
    reasons,
    alerts,
    categories: [...new Set(hits.map((hit) => hit.category))],
    detachActions: [...detachActions].sort(),
  };
}
