import type { AppliedChangeRef } from "../domain/guards.ts";
import { countsAsChange, type JournalRecord } from "../domain/journal-record.ts";
import type { RecentChangesQuery } from "../ports/journal.ts";
import { recordProblem } from "./journal-records.ts";
import type { RemediationDeps } from "./remediation-deps.ts";

type Deps = Pick<RemediationDeps, "journal" | "seal" | "logger">;

/**
 * Records already checked, per journal: a sealed record stays trustworthy once its seal verified
 * (every later write is sealed again), so each is read and verified once per container.
 */
const verified = new WeakMap<object, Map<string, JournalRecord>>();

/**
 * The journal's index entries (rate limit, loop breaker) that a sealed record backs. An index
 * entry is an object name anyone with s3:PutObject on the journal bucket could plant, so it counts
 * only when the record it names exists, carries a valid seal and is a change of this very finding,
 * account and resource; the change count is the record's own, never the name's. Anything else is
 * ignored and logged. Without a signing key (no seal) entries are taken as listed: the deployment
 * then has no integrity at all, which undo already refuses.
 */
export async function trustedRecentChanges(
  deps: Deps,
  query: RecentChangesQuery,
): Promise<AppliedChangeRef[]> {
  const entries = await deps.journal.recentChanges(query);
  if (!deps.seal.signs) return entries;
  let cache = verified.get(deps.journal);
  if (!cache) {
    cache = new Map();
    verified.set(deps.journal, cache);
  }
  const checked = await Promise.all(entries.map((entry) => check(deps, cache, query, entry)));
  return checked.filter((entry): entry is AppliedChangeRef => entry !== undefined);
}

async function check(
  deps: Deps,
  cache: Map<string, JournalRecord>,
  query: RecentChangesQuery,
  entry: AppliedChangeRef,
): Promise<AppliedChangeRef | undefined> {
  let record = cache.get(entry.journalId);
  let problem: string | undefined;
  if (!record) {
    const read = await deps.journal.get(entry.journalId).catch((error: Error) => {
      problem = `its record cannot be read (${error.message})`;
      return undefined;
    });
    if (read && !problem) {
      problem = await recordProblem(deps.seal, read);
      if (!problem) {
        record = read;
        cache.set(entry.journalId, read);
      }
    } else problem ??= "it names no record";
  }
  if (record && !problem) problem = mismatch(record, query, entry);
  if (problem || !record) {
    deps.logger.warn("journal index entry ignored", {
      journalId: entry.journalId,
      findingId: entry.findingId,
      problem,
    });
    return undefined;
  }
  return { ...entry, changes: record.plan?.changes.length ?? record.applied.length };
}

function mismatch(
  record: JournalRecord,
  query: RecentChangesQuery,
  entry: AppliedChangeRef,
): string | undefined {
  if (!countsAsChange(record)) return "its record changed nothing";
  if (record.findingId !== entry.findingId) return "its record is of another finding";
  if (Date.parse(record.time) !== entry.time) return "its record is of another time";
  if (query.account !== undefined && record.account !== query.account) {
    return "its record is of another account";
  }
  if (query.resourceArn !== undefined && record.resourceArn !== query.resourceArn) {
    return "its record is of another resource";
  }
  return undefined;
}
