import type { Seal } from "../domain/journal-record.ts";

/** Anything sealed in the journal: a record, or one appended step of a record (JournalStepEntry). */
export interface Sealable {
  integrity?: Seal;
}

/**
 * Signs journal records (and their appended steps) and checks their signature. Anyone who can
 * write to the journal bucket could otherwise forge a record that `vigil undo` replays (attach a
 * policy, turn Block Public Access off) or a claim that silences a finding: a record is trusted
 * only with valid seals (src/usecases/journal-records.ts checks a whole record).
 */
export interface RecordSeal {
  /** False when no key is configured: records go unsigned and undo trusts none of them. */
  readonly signs: boolean;
  /** The item with `integrity` set over every other field (domain/journal-integrity.ts). */
  sign<T extends Sealable>(item: T): Promise<T>;
  /** Why the item's own seal is not valid (`name` says what it is), or undefined when it is. */
  problem(item: Sealable, name: string): Promise<string | undefined>;
}
