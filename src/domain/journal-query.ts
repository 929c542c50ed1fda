import { globToRegExp } from "./glob.ts";
import type { JournalRecord } from "./journal-record.ts";
import type { JournalOutcome } from "./outcomes.ts";

/**
 * Which journal records an operator asks for (`vigil journal list`): pure, so the S3 and memory
 * journals only have to list records from a time and this decides the rest.
 */
export interface JournalFilter {
  /** Epoch ms: records whose decision started at or after this time. */
  since: number;
  /** Resource ARN or name, exact, or a glob with `*` / `?` (e.g. `arn:aws:s3:::acme-*`). */
  resource?: string;
  /** Any of these outcomes (an undo's record has "undone" or "undo-failed"). */
  outcomes?: readonly JournalOutcome[];
}

export function matchesJournalFilter(record: JournalRecord, filter: JournalFilter): boolean {
  if (!(Date.parse(record.time) >= filter.since)) return false;
  if (filter.outcomes && !filter.outcomes.includes(record.outcome)) return false;
  if (filter.resource !== undefined) {
    const pattern = globToRegExp(filter.resource);
    const names = [record.resourceArn, record.finding?.resourceName, record.finding?.resourceId];
    if (!names.some((name) => typeof name === "string" && pattern.test(name))) return false;
  }
  return true;
}

/**
 * The id prefix of records written at `ms` (ids start with a UTC second: 20261120T091504Z-…):
 * listing from it skips every older record without reading it.
 */
export function journalIdPrefix(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000)
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d+Z$/, "Z");
}
