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

/** What one side (a remediation, an anomaly incident) said about a resource: read by the other. */
export interface ResourceNote {
  kind: "remediation" | "anomaly";
  /** Journal record id or incident dedup key. */
  ref: string;
  /** One line for people: "Vigil applied s3-block-public-access (fixed)". */
  text: string;
  /** Epoch ms. */
  time: number;
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
  /** Notes what was alerted on a resource (`resource` is alert-grouping's resource key). */
  noteResource(scope: string, resource: string, note: ResourceNote): Promise<void>;
  /** Notes on the resource from `since` (epoch ms) on, oldest first. */
  resourceNotes(scope: string, resource: string, since: number): Promise<ResourceNote[]>;
  /**
   * Claims the scope's remediation digest of `hour` (the event path's hourly digest): of
   * concurrent callers exactly one gets true, so an account-hour gets one digest however many
   * runs try.
   */
  claimDigest(scope: string, hour: string, holder: string): Promise<boolean>;
  /** Gives a claim back (its digest could not be sent) so that a retry may send it. */
  releaseDigest(scope: string, hour: string): Promise<void>;
}
