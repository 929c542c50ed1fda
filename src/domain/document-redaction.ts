import { contentHash } from "./journal-integrity.ts";

/**
 * Logs and notifications name policy documents by hash, never paste them (issue 14 item 12): a
 * bucket or IAM policy can carry internal ARNs, account ids, IP ranges and organisation ids that an
 * alert channel or a log group should not. The journal keeps the documents (undo needs them).
 *
 * A value is a document when its key ends in "policy" or "document" (Policy, PolicyDocument,
 * trustPolicy, existingPolicy, document…) and it is an object or JSON text (IAM returns documents
 * URL-encoded: "%7B…"). Policy names and ARNs under such keys stay as they are.
 */
const DOCUMENT_KEY = /(policy|document)$/i;

function isDocument(value: unknown): boolean {
  if (typeof value === "string") return /^\s*(\{|%7B)/i.test(value);
  return typeof value === "object" && value !== null;
}

/** A deep copy of `value` with every policy document replaced by "sha256:…". */
export function redactDocuments<T>(value: T): T {
  return redact(value) as T;
}

function redact(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redact);
  if (typeof value !== "object" || value === null) return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, entry]) => [
      key,
      DOCUMENT_KEY.test(key) && isDocument(entry) ? contentHash(entry) : redact(entry),
    ]),
  );
}
