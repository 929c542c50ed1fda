/**
 * Pure analysis of IAM identity-policy documents: which statements make a policy "risky" (admin-like
 * or a privilege-escalation path) and small helpers to read documents as IAM returns them.
 *
 * A policy is risky when it is deny-listed by name (e.g. AdministratorAccess) or when one of its
 * Allow statements, on all resources, grants:
 *   - every action: Action "*" (or "*:*"), or NotAction (everything except a list);
 *   - iam:PassRole or sts:AssumeRole, directly or through a wildcard ("iam:*", "sts:Assume*", …).
 * "All resources" means Resource "*" (alone or in a list) or NotResource (everything except a list).
 * Conditions are deliberately not treated as mitigating: a conditional admin grant is still admin.
 * Deny statements never make a policy risky.
 */

export interface PolicyStatement {
  Sid?: unknown;
  Effect?: unknown;
  Action?: unknown;
  NotAction?: unknown;
  Resource?: unknown;
  NotResource?: unknown;
  Condition?: unknown;
  [key: string]: unknown;
}

/** A parsed document with Statement always as an array (IAM also accepts a single object). */
export interface PolicyDocument {
  Version?: unknown;
  Statement: PolicyStatement[];
  [key: string]: unknown;
}

export interface PolicyRisk {
  risky: boolean;
  /** One sentence per reason, for plans and alerts. Empty when not risky. */
  reasons: string[];
}

/** Actions that let a principal act as another role: risky when granted on every resource. */
export const ESCALATION_ACTIONS = ["iam:PassRole", "sts:AssumeRole"] as const;

/**
 * Returns the JSON text of a policy document. IAM returns documents URL-encoded (RFC 3986) from
 * GetUserPolicy, GetRole, GetPolicyVersion…; documents already in JSON are returned unchanged.
 */
export function decodePolicyDocument(raw: string): string {
  const text = raw.trim();
  if (text.startsWith("{")) return text;
  let decoded: string;
  try {
    decoded = decodeURIComponent(text);
  } catch {
    throw new Error("policy document is neither JSON nor URL-encoded JSON");
  }
  return decoded.trim();
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Parses a document (JSON text, URL-encoded JSON text or an object) and normalises Statement. */
export function parsePolicyDocument(raw: string | Record<string, unknown>): PolicyDocument {
  let value: unknown = raw;
  if (typeof raw === "string") {
    const text = decodePolicyDocument(raw);
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw new Error(`policy document is not valid JSON: ${(error as Error).message}`);
    }
  }
  if (!isRecord(value)) throw new Error("policy document must be a JSON object");
  const statement = value.Statement;
  const statements: unknown[] =
    statement === undefined ? [] : Array.isArray(statement) ? statement : [statement];
  return { ...value, Statement: statements.filter(isRecord) as PolicyStatement[] };
}

/** A string or a list of strings as a list; anything else as an empty list. */
export function asList(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.filter((item): item is string => typeof item === "string");
  return [];
}

/** IAM-style wildcard match (`*` any run, `?` one character), case-insensitive as IAM actions are. */
export function wildcardMatches(pattern: string, value: string): boolean {
  const source = pattern
    .split("")
    .map((char) => {
      if (char === "*") return ".*";
      if (char === "?") return ".";
      return char.replace(/[.+^${}()|[\]\\]/g, "\\$&");
    })
    .join("");
  return new RegExp(`^${source}$`, "i").test(value);
}

function isAllActions(action: string): boolean {
  return action === "*" || action === "*:*";
}

function statementLabel(statement: PolicyStatement, index: number): string {
  return typeof statement.Sid === "string" && statement.Sid !== ""
    ? `statement "${statement.Sid}"`
    : `statement #${index + 1}`;
}

/** Why this statement is risky, or undefined when it is not. */
export function statementRisk(statement: PolicyStatement, index = 0): string | undefined {
  if (statement.Effect !== "Allow") return undefined;
  const label = statementLabel(statement, index);

  const onAllResources =
    statement.NotResource !== undefined || asList(statement.Resource).includes("*");
  if (!onAllResources) return undefined;
  const where = statement.NotResource !== undefined ? "on all resources (NotResource)" : "on *";

  if (statement.NotAction !== undefined) {
    const excluded = asList(statement.NotAction);
    // NotAction "*" excludes everything: the statement grants nothing.
    if (excluded.some(isAllActions)) return undefined;
    return `${label} allows every action except ${excluded.join(", ") || "none"} (NotAction) ${where}`;
  }

  const actions = asList(statement.Action);
  if (actions.some(isAllActions)) return `${label} allows all actions (*) ${where}`;

  const escalations = ESCALATION_ACTIONS.filter((target) =>
    actions.some((action) => wildcardMatches(action, target)),
  );
  if (escalations.length > 0) {
    const granting = actions.filter((action) =>
      ESCALATION_ACTIONS.some((target) => wildcardMatches(action, target)),
    );
    return `${label} allows ${escalations.join(" and ")} (via ${granting.join(", ")}) ${where}`;
  }
  return undefined;
}

/** Reasons a document is risky (one per risky statement). */
export function documentRisks(document: PolicyDocument): string[] {
  const reasons: string[] = [];
  document.Statement.forEach((statement, index) => {
    const reason = statementRisk(statement, index);
    if (reason !== undefined) reasons.push(reason);
  });
  return reasons;
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
  riskyPolicyNames: readonly string[],
): PolicyRisk {
  const reasons: string[] = [];
  if (policy.name !== undefined && isDenyListedPolicyName(policy.name, riskyPolicyNames)) {
    reasons.push(`policy name ${policy.name} is on the risky-policy list`);
  }
  if (policy.document !== undefined && policy.document !== null) {
    reasons.push(...documentRisks(parsePolicyDocument(policy.document)));
  }
  return { risky: reasons.length > 0, reasons };
}

/** JSON with object keys sorted, so two documents can be compared regardless of key order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (isRecord(value)) {
    const keys = Object.keys(value)
      .filter((key) => value[key] !== undefined)
      .sort();
    return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(value[key])}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

/** True when two documents (JSON, URL-encoded JSON or objects) say the same thing. */
export function sameDocument(
  a: string | Record<string, unknown>,
  b: string | Record<string, unknown>,
): boolean {
  const parse = (doc: string | Record<string, unknown>): unknown =>
    typeof doc === "string" ? JSON.parse(decodePolicyDocument(doc)) : doc;
  return canonicalJson(parse(a)) === canonicalJson(parse(b));
}
