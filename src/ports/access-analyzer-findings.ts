import type { FindingSource } from "../domain/policy-resources.ts";
/**
 * Active findings of IAM Access Analyzer, external access and unused access, for the sweep: their
 * events are delivered on a best-effort basis, and a missed one is never sent again.
 */
export interface AnalyzerFinding {
  /** Which analyzer reported it: external access, or unused access (the event shapes differ). */
  analyzer: { arn: string; kind: "external-access" | "unused-access" };
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
  /** S3 bucket findings: how the access is granted (an access point's ARN among them). */
  sources?: FindingSource[];
}

export interface AnalyzerFindingSource {
  /**
   * ACTIVE findings of every active external-access and unused-access analyzer in the region, page
   * by page (external access: details included; unused access: the remediation reads them).
   * Stopping the iteration stops the reading.
   */
  active(): AsyncIterable<AnalyzerFinding>;
}
