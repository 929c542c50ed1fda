import type { AppliedChangeRef } from "../domain/guards.ts";
import { journalIdPrefix } from "../domain/journal-query.ts";
import {
  assembleRecord,
  countsAsChange,
  type JournalRecord,
  type JournalStepEntry,
} from "../domain/journal-record.ts";
import type { ClaimRequest, ClaimResult, Journal, RecentChangesQuery } from "../ports/journal.ts";

interface Claim {
  holder: string;
  /** null once settled. */
  leaseUntil: number | null;
}

/** In-memory journal with the same semantics as S3Journal: for tests and the CLI's dry run. */
export class MemoryJournal implements Journal {
  /** Records as stored: a step-logged record's header (its steps are in `steps`). */
  readonly records = new Map<string, JournalRecord>();
  /** Appended steps per record id, by seq. */
  readonly steps = new Map<string, JournalStepEntry[]>();
  readonly claims = new Map<string, Claim>();

  async record(entry: JournalRecord): Promise<void> {
    this.records.set(entry.id, structuredClone(entry));
  }

  async appendStep(record: JournalRecord, entry: JournalStepEntry): Promise<void> {
    const steps = this.steps.get(record.id) ?? [];
    steps[entry.seq] = structuredClone(entry);
    this.steps.set(record.id, steps);
  }

  async get(id: string): Promise<JournalRecord | undefined> {
    const entry = this.records.get(id);
    return entry ? this.assembled(entry) : undefined;
  }

  async *list(since: number): AsyncIterable<JournalRecord> {
    const from = journalIdPrefix(since);
    const ids = [...this.records.keys()].filter((id) => id > from).sort();
    for (const id of ids) yield this.assembled(this.records.get(id) as JournalRecord);
  }

  /** A copy of the record with its appended steps put back (gaps left out, as S3 would). */
  private assembled(header: JournalRecord): JournalRecord {
    const steps = (this.steps.get(header.id) ?? []).filter((step) => step !== undefined);
    return structuredClone(assembleRecord(header, steps));
  }

  async recentChanges(query: RecentChangesQuery): Promise<AppliedChangeRef[]> {
    if (!query.account && !query.resourceArn) {
      throw new Error("recentChanges needs an account or a resourceArn");
    }
    return [...this.records.values()]
      .map((header) => this.assembled(header))
      .filter(
        (r) =>
          countsAsChange(r) &&
          (query.resourceArn ? r.resourceArn === query.resourceArn : r.account === query.account),
      )
      .map((r) => ({
        journalId: r.id,
        findingId: r.findingId,
        time: Date.parse(r.time),
        changes: r.plan?.changes.length ?? r.applied.length,
      }))
      .filter((c) => c.time >= query.since)
      .sort((a, b) => a.time - b.time);
  }

  async claim(key: string, request: ClaimRequest): Promise<ClaimResult> {
    const existing = this.claims.get(key);
    if (existing && (existing.leaseUntil === null || existing.leaseUntil > request.now)) {
      return { claimed: false, holder: existing.holder, settled: existing.leaseUntil === null };
    }
    this.claims.set(key, { holder: request.holder, leaseUntil: request.now + request.leaseMs });
    return { claimed: true };
  }

  async settle(key: string, holder: string): Promise<void> {
    const existing = this.claims.get(key);
    if (existing?.holder === holder) existing.leaseUntil = null;
  }

  async release(key: string, holder: string): Promise<void> {
    if (this.claims.get(key)?.holder === holder) this.claims.delete(key);
  }
}
