import type { Finding } from "./finding.ts";

// What a remediation read and means to change: pure data, journaled and judged by the guards.

export interface PlannedChange {
  /** IAM action this step calls, e.g. "s3:PutEncryptionConfiguration". */
  action: string;
  /** What it does, in words: "set SSE-KMS with key arn:… and bucket key on". */
  description: string;
  /** Request parameters the step will send (JSON-serialisable), for the journal and undo. */
  params: Record<string, unknown>;
}

/**
 * Result of the read-only planning step. `before` holds everything undo needs to restore.
 * `changes` empty means nothing to do (`reason` says why).
 */
export interface RemediationPlan {
  remediation: string;
  finding: Finding;
  /** One line: "block public access on bucket logs-prod (4 flags were off)". */
  summary: string;
  changes: PlannedChange[];
  /** State read while planning (JSON-serialisable): encryption config, PAB, attachments, documents… */
  before: Record<string, unknown>;
  /** Resource tags read while planning (exemptions are judged by the runner from these). */
  tags: Record<string, string>;
  /** Set when the resource is public on purpose (website, CloudFront origin): alert, don't change. */
  intentionallyPublic?: string;
  /** Why nothing needs changing, or why the plan is what it is. */
  reason: string;
  /** Something found while planning that looks like an attack on Vigil itself: pages. */
  securityAlert?: string;
  /** Set with no changes when the resource must not be changed but people must hear of it. */
  alertOnly?: string;
  /**
   * Set with no changes when the rule flags something Vigil deliberately leaves (a user whose
   * policies are all harmless, flagged by a rule that wants no policy at all): what Vigil will not
   * do and why. Told once per resource, rule and this text; later evaluations are quiet no-ops.
   */
  declined?: string;
  /**
   * Lines people should read with the plan, whatever it changes: risks left to them by the
   * settings, evidence such as "last used 3 days ago for s3". Shown in the alert.
   */
  notes?: string[];
}

export interface VerifyResult {
  ok: boolean;
  /** State read back after apply (JSON-serialisable). */
  after: Record<string, unknown>;
  detail: string;
}
