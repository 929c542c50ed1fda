import { type JournalFilter, matchesJournalFilter } from "../domain/journal-query.ts";
import type { JournalRecord } from "../domain/journal-record.ts";
import type { Journal } from "../ports/journal.ts";

export interface JournalListing {
  /** The newest matching records, newest first, at most `limit`. */
  records: JournalRecord[];
  /** How many records matched in all (more than `records.length` when the limit cut). */
  matched: number;
  /** How many records were read from `since` on. */
  scanned: number;
}

/** `vigil journal list`: the decisions since a time that match the filter, newest first. */
export async function listJournal(
  journal: Pick<Journal, "list">,
  filter: JournalFilter,
  limit: number,
): Promise<JournalListing> {
  const newest: JournalRecord[] = [];
  let matched = 0;
  let scanned = 0;
  for await (const record of journal.list(filter.since)) {
    scanned++;
    if (!matchesJournalFilter(record, filter)) continue;
    matched++;
    newest.push(record);
    if (newest.length > limit) newest.shift();
  }
  return { records: newest.reverse(), matched, scanned };
}
