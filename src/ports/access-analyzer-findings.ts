/**
 * Active external-access findings of IAM Access Analyzer, for the sweep: an "Access Analyzer
 * Finding" event is delivered on a best-effort basis, and a missed one is never sent again.
 */
export interface ExternalAccessFinding {
  id: string;
  resource: string;
  resourceType: string;
  /** resourceOwnerAccount */
  account: string;
  status: string;
  updatedAt: Date;
  analyzedAt?: Date;
  /** Set on error findings (ACCESS_DENIED, INTERNAL_ERROR): the analyzer could not read it. */
  error?: string;
  findingType?: string;
  principal?: Record<string, string>;
  isPublic?: boolean;
}

export interface ExternalAccessFindingSource {
  /**
   * ACTIVE external-access findings of every active external-access analyzer in the region, page by
   * page, details included. Stopping the iteration stops the reading.
   */
  active(): AsyncIterable<ExternalAccessFinding>;
}
