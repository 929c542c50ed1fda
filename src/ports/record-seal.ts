import type { JournalRecord } from "../domain/journal-record.ts";

/**
 * Signs journal records and checks their signature. Anyone who can write to the journal bucket
 * could otherwise forge a record that `vigil undo` replays (attach a policy, turn Block Public
 * Access off) or a claim that silences a finding: a record is trusted only with a valid seal.
 */
export interface RecordSeal {
  /** False when no key is configured: records go unsigned and undo trusts none of them. */
  readonly signs: boolean;
  /** The record with `integrity` set over every other field. */
  sign(record: JournalRecord): Promise<JournalRecord>;
  /** Why the record cannot be trusted, or undefined when its seal is valid. */
  problem(record: JournalRecord): Promise<string | undefined>;
}
