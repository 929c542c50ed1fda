import type { Finding, FindingKind } from "./finding.ts";
import type { RemediationMode } from "./guards.ts";
import type { JournalOutcome } from "./outcomes.ts";
import type { PlannedChange, RemediationPlan } from "./remediation-plan.ts";

export interface JournalStep {
  /** Position in plan.changes. */
  index: number;
  action: string;
  description: string;
  status: "applied" | "failed";
  at: string;
  error?: string;
}

/** One decision of the runner (or one undo), written before anything else is told about it. */
export interface JournalRecord {
  /** Time-sortable id people type: `vigil undo <id>`. */
  id: string;
  /** ISO time the decision started. */
  time: string;
  findingId: string;
  eventId: string;
  resourceArn: string;
  account: string;
  region: string;
  rule: string;
  kind: FindingKind;
  finding: Finding;
  remediation: string | null;
  mode: RemediationMode | null;
  dryRun: boolean;
  outcome: JournalOutcome;
  reason: string;
  /** The full plan: undo needs it (before-state, tags, summary). */
  plan: RemediationPlan | null;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  /** Changes applied, in order: exactly what undo must restore. */
  applied: PlannedChange[];
  /** Every attempted step, applied or failed. */
  steps: JournalStep[];
  /** Exemption tags present but not honoured, and why. */
  exemptionProblem?: string;
  error?: { name: string; message: string };
  /** "vigil undo <id>" when something was applied, else null. */
  undoCommand: string | null;
  /** Undo records: the record whose changes were undone. */
  undoOf?: string;
  /** Undo records: why an undo re-granted admin-class access (`vigil undo --force --reason`). */
  forcedReason?: string;
  /** Something an attacker may have done (squatted quarantine policy, forged claim): pages. */
  securityAlert?: string;
  /** The MAC over every other field (RecordSeal): undo and claims trust only sealed records. */
  integrity?: { keyId: string; algorithm: string; mac: string };
}

/** Whether a record counts as a change for the rate limit and the loop breaker. */
export function countsAsChange(entry: JournalRecord): boolean {
  return entry.applied.length > 0 && entry.undoOf === undefined;
}
