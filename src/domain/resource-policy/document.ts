/** Reading and rewriting a resource-policy document without disturbing what Vigil does not touch. */

export interface ParsedPolicy {
  /** The whole document, top-level keys in their original order. */
  document: Record<string, unknown>;
  statements: unknown[];
  /** Whether Statement was a single object rather than an array (kept as such when rewriting). */
  singleStatement: boolean;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A policy element that may be a string or a list of strings, as a list (non-strings dropped). */
export function asList(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.filter((item): item is string => typeof item === "string");
  return [];
}

/** Parses policy text (or takes an already-parsed document); throws when it is not a JSON object. */
export function parsePolicy(policy: string | Record<string, unknown>): ParsedPolicy {
  let document: unknown = policy;
  if (typeof policy === "string") {
    try {
      document = JSON.parse(policy);
    } catch (error) {
      throw new Error(`policy is not valid JSON: ${(error as Error).message}`);
    }
  }
  if (!isRecord(document)) throw new Error("policy must be a JSON object");
  const statement = document.Statement;
  if (Array.isArray(statement)) return { document, statements: statement, singleStatement: false };
  if (statement === undefined) return { document, statements: [], singleStatement: false };
  return { document, statements: [statement], singleStatement: true };
}

/**
 * The policy text without the statements at `indexes`; every other statement is kept as the same
 * object in the same order, and every other top-level key (Version, Id…) in its original position.
 * Returns null when no statement remains (the caller deletes the policy).
 */
export function removeStatements(
  policy: string | Record<string, unknown>,
  indexes: readonly number[],
): string | null {
  const { document, statements, singleStatement } = parsePolicy(policy);
  const drop = new Set(indexes);
  const kept = statements.filter((_, index) => !drop.has(index));
  if (kept.length === 0) return null;
  const rewritten: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(document)) {
    rewritten[key] = key === "Statement" ? (singleStatement ? kept[0] : kept) : value;
  }
  return JSON.stringify(rewritten);
}

/** "statement \"Sid\"" or "statement #3" (1-based) — how reasons and logs name a statement. */
export function statementLabel(statement: unknown, index: number): string {
  return isRecord(statement) && typeof statement.Sid === "string" && statement.Sid !== ""
    ? `statement "${statement.Sid}"`
    : `statement #${index + 1}`;
}
