import { createHash } from "node:crypto";
import { canonicalJson } from "./iam-policy.ts";
import { type JournalRecord, stepEntry } from "./journal-record.ts";

/**
 * What a journal record's seal covers, and how a changed state is described. Pure: the MAC itself
 * is computed by a RecordSeal adapter (KMS GenerateMac/VerifyMac).
 */

/**
 * The text a record's (or a step entry's) MAC is computed over: every field except the seal
 * itself. A step-logged record's seal leaves out its steps and applied changes, which are stored
 * and sealed one step at a time (JournalStepEntry); its `stepLog` is covered, so a record sealed
 * whole cannot be passed off as step-logged.
 */
export function sealedText(record: object): string {
  const { integrity: _integrity, ...rest } = record as { integrity?: unknown };
  if ((rest as { stepLog?: unknown }).stepLog) {
    const { steps: _steps, applied: _applied, ...header } = rest as Record<string, unknown>;
    return canonicalJson(header);
  }
  return canonicalJson(rest);
}

/** Digest over a step-logged record's steps (their sealed texts, in order): kept in its header. */
export function stepsDigest(record: Pick<JournalRecord, "id" | "steps">): string {
  const hash = createHash("sha256");
  for (let seq = 0; seq < record.steps.length; seq++) {
    hash.update(sealedText(stepEntry(record, seq))).update("\n");
  }
  return `sha256:${hash.digest("hex")}`;
}

/** Short content hash for logs and alerts: documents are named by hash, never pasted whole. */
export function contentHash(value: unknown): string {
  const text = typeof value === "string" ? value : canonicalJson(value);
  return `sha256:${createHash("sha256").update(text).digest("hex").slice(0, 16)}`;
}

/** A leaf where two JSON states differ: its path and both values. */
export interface DifferingPath {
  path: string;
  a: unknown;
  b: unknown;
}

/**
 * Leaves (dotted paths; arrays and scalars are leaves) where two JSON states differ, in key order,
 * at most `max` of them. Empty when equal.
 */
export function differingPaths(
  a: unknown,
  b: unknown,
  max = Number.POSITIVE_INFINITY,
): DifferingPath[] {
  const out: DifferingPath[] = [];
  const walk = (x: unknown, y: unknown, path: string): void => {
    if (out.length >= max) return;
    if (canonicalJson(x) === canonicalJson(y)) return;
    if (isPlainObject(x) && isPlainObject(y)) {
      for (const key of [...new Set([...Object.keys(x), ...Object.keys(y)])].sort()) {
        walk(x[key], y[key], path ? `${path}.${key}` : key);
      }
      return;
    }
    out.push({ path: path || "(state)", a: x, b: y });
  };
  walk(a, b, "");
  return out;
}

/**
 * Paths where two JSON states differ, each with both values' hashes (not the values: they may hold
 * whole policy documents). Empty when equal. Capped so a huge change stays one readable line.
 */
export function stateDiff(expected: unknown, actual: unknown, max = 10): string[] {
  return differingPaths(expected, actual, max).map(
    ({ path, a, b }) => `${path}: was ${describeValue(a)}, now ${describeValue(b)}`,
  );
}

/** A value in a few words: scalars and short strings as they are, anything longer by its hash. */
export function describeValue(value: unknown): string {
  if (value === undefined) return "absent";
  if (value === null || typeof value === "boolean" || typeof value === "number") {
    return String(value);
  }
  if (typeof value === "string" && value.length <= 64) return JSON.stringify(value);
  if (Array.isArray(value)) {
    if (value.length === 0) return "none";
    const short = value.every((v) => typeof v === "string" || typeof v === "number");
    const text = short ? value.join(", ") : "";
    if (short && text.length <= 120) return text;
  }
  if (isPlainObject(value)) {
    const entries = Object.entries(value);
    if (entries.length === 0) return "empty";
    const scalar = entries.every(([, v]) => v === null || typeof v !== "object");
    const text = entries.map(([k, v]) => `${k}=${String(v)}`).join(", ");
    if (scalar && text.length <= 120) return text;
  }
  return contentHash(value);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}
