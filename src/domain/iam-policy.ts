/**
 * IAM policy documents as IAM returns them: parsing (JSON or URL-encoded JSON), statements as a
 * list, and comparison. What makes a policy risky is ./iam-risk.ts.
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
