import { createHash } from "node:crypto";
import { canonicalJson } from "./iam-policy.ts";

/**
 * What a journal record's seal covers, and how a changed state is described. Pure: the MAC itself
 * is computed by a RecordSeal adapter (KMS GenerateMac/VerifyMac).
 */

/** The text a record's MAC is computed over: every field except the seal itself. */
export function sealedText(record: object): string {
  const { integrity: _integrity, ...rest } = record as { integrity?: unknown };
  return canonicalJson(rest);
}

/** Short content hash for logs and alerts: documents are named by hash, never pasted whole. */
export function contentHash(value: unknown): string {
  const text = typeof value === "string" ? value : canonicalJson(value);
  return `sha256:${createHash("sha256").update(text).digest("hex").slice(0, 16)}`;
}

/**
 * Paths where two JSON states differ, each with both values' hashes (not the values: they may hold
 * whole policy documents). Empty when equal. Capped so a huge change stays one readable line.
 */
export function stateDiff(expected: unknown, actual: unknown, max = 10): string[] {
  const out: string[] = [];
  const walk = (a: unknown, b: unknown, path: string): void => {
    if (out.length >= max) return;
    if (canonicalJson(a) === canonicalJson(b)) return;
    const bothObjects =
      a &&
      b &&
      typeof a === "object" &&
      typeof b === "object" &&
      !Array.isArray(a) &&
      !Array.isArray(b);
    if (bothObjects) {
      const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
      for (const key of [...keys].sort()) {
        walk(
          (a as Record<string, unknown>)[key],
          (b as Record<string, unknown>)[key],
          path ? `${path}.${key}` : key,
        );
      }
      return;
    }
    out.push(`${path || "(state)"}: was ${describe(a)}, now ${describe(b)}`);
  };
  walk(expected, actual, "");
  return out;
}

function describe(value: unknown): string {
  if (value === undefined) return "absent";
  if (value === null || typeof value === "boolean" || typeof value === "number") {
    return String(value);
  }
  if (typeof value === "string" && value.length <= 64) return JSON.stringify(value);
  return contentHash(value);
}
