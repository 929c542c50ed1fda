import type { AppliedChangeRef } from "../domain/guards.ts";
import type { JournalRecord, JournalStepEntry } from "../domain/journal-record.ts";

export interface RecentChangesQuery {
  /** Exactly one of account / resourceArn. */
  account?: string;
  resourceArn?: string;
  /** Epoch ms: changes at or after this time. */
  since: number;
}

export interface ClaimRequest {
  /** Journal record id of the run taking the claim (told to later duplicates). */
  holder: string;
  now: number;
  /**
   * A claim not settled within this time is considered abandoned (the run crashed or timed out)
   * and may be taken over, so a dead run cannot block a finding forever.
   */
  leaseMs: number;
}

export type ClaimResult =
  | { claimed: true }
  | {
      claimed: false;
      holder: string;
      /** True when the holder finished (settled); false while its lease runs. */
      settled: boolean;
    };

/** Where decisions are recorded, and the idempotency claims that keep them single. */
export interface Journal {
  /**
   * Creates or replaces the record with this id. A step-logged record (`stepLog`) is written as
   * its header only (no steps, no applied changes): its steps are appended with appendStep.
   */
  record(entry: JournalRecord): Promise<void>;
  /**
   * Stores one step of a step-logged record, on its own (never rewriting the record). `record`
   * is the in-memory record it belongs to: a journal indexes the run as a change (recentChanges)
   * at its first applied step.
   */
  appendStep(record: JournalRecord, entry: JournalStepEntry): Promise<void>;
  /** The record, a step-logged one assembled from its header and steps (assembleRecord). */
  get(id: string): Promise<JournalRecord | undefined>;
  /**
   * Every record whose id is from `since` (epoch ms) on, in id order (oldest first), read lazily:
   * `vigil journal list` filters them (src/domain/journal-query.ts).
   */
  list(since: number): AsyncIterable<JournalRecord>;
  /** Remediation runs that applied at least one change (undo records excluded), oldest first. */
  recentChanges(query: RecentChangesQuery): Promise<AppliedChangeRef[]>;
  /** Atomic: of concurrent callers for one key, exactly one gets `claimed: true`. */
  claim(key: string, request: ClaimRequest): Promise<ClaimResult>;
  /** Makes the holder's claim permanent: later claims for the key are duplicates. */
  settle(key: string, holder: string): Promise<void>;
  /** Drops the holder's claim so a retry or the sweep can take the key again. */
  release(key: string, holder: string): Promise<void>;
}
