import type { ComplianceType } from "../events/config-compliance-change.ts";

/** One evaluation as AWS Config reports it. Config may omit any field: the sweep skips those. */
export interface ComplianceEvaluation {
  resourceType?: string;
  resourceId?: string;
  complianceType?: ComplianceType;
  /** When Config recorded the result (or, failing that, the evaluation's ordering time). */
  recordedAt?: Date;
}

/** What the reconciliation sweep reads from AWS Config (ConfigComplianceSource in production). */
export interface ComplianceSource {
  /** Names of the rules in ACTIVE state, every page read. */
  activeRules(): Promise<string[]>;
  /** The rule's NON_COMPLIANT evaluations, read a page at a time as the caller consumes them. */
  nonCompliant(rule: string): AsyncIterable<ComplianceEvaluation>;
}
