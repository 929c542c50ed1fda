/**
 * Pages spent per account and hour, shared by every detect run, shard and remediation that pages
 * for the account, and the storms still open. `scope` is the account id (the region when no
 * account is known); `hour` is the UTC hour as `2026-12-04T11`.
 */

/** An incident folded into a storm, with what keeps it open (metric keys; none for a remediation). */
export interface FoldedIncident {
  incident: string;
  metrics: string[];
}

/** A storm whose hour is over and that was not resolved yet. */
export interface OpenStorm {
  hour: string;
  folded: FoldedIncident[];
}

export interface PageLedger {
  /**
   * Takes one of the `budget` page slots of the scope's hour. Atomic across runs: of concurrent
   * callers for the last slot, exactly one gets true. False when every slot is taken.
   */
  takePage(scope: string, hour: string, budget: number, holder: string): Promise<boolean>;
  /** Notes incidents folded into the scope's storm for `hour` (and that the storm exists). */
  noteFolded(scope: string, hour: string, folded: readonly FoldedIncident[]): Promise<void>;
  /** Storms of the scope in hours before `hour` that were not closed, oldest first. */
  openStorms(scope: string, before: string): Promise<OpenStorm[]>;
  /** Forgets folded incidents that are no longer open. */
  dropFolded(scope: string, hour: string, incidents: readonly string[]): Promise<void>;
  /** The storm was resolved: forget it. */
  closeStorm(scope: string, hour: string): Promise<void>;
}
