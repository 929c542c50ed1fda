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
  /** Records with a stepLog: this step's own seal (each step is stored and sealed on its own). */
  integrity?: Seal;
}

/** A MAC over an item's other fields (RecordSeal). */
export interface Seal {
  keyId: string;
  algorithm: string;
  mac: string;
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
  /**
   * Set on records whose steps are appended one small sealed object each (JournalStepEntry) as
   * they happen, instead of rewriting the whole record after every step. The record itself (the
   * "header") is then sealed without `steps` and `applied`: readers assemble both from the step
   * objects. `count` (null while applying, or when the run died) and `digest` (over the steps'
   * sealed texts) say which steps the concluded run wrote, so a dropped or added step is seen.
   * Records without it (undo records, journals of earlier versions) are sealed whole.
   */
  stepLog?: { count: number | null; digest: string | null };
  /** The MAC over every other field (RecordSeal): undo and claims trust only sealed records. */
  integrity?: Seal;
}

/** One appended step as stored (steps/<record id>/<seq>.json): small, and sealed on its own. */
export interface JournalStepEntry {
  /** Keeps a step's MAC from ever passing for a record's (and the other way round). */
  type: "vigil-journal-step";
  recordId: string;
  /** Position in the record's steps, from 0. */
  seq: number;
  step: Omit<JournalStep, "integrity">;
  integrity?: Seal;
}

/** The stored entry of `record.steps[seq]` (its seal, if any, kept). */
export function stepEntry(
  record: Pick<JournalRecord, "id" | "steps">,
  seq: number,
): JournalStepEntry {
  const { integrity, ...step } = record.steps[seq] as JournalStep;
  return {
    type: "vigil-journal-step",
    recordId: record.id,
    seq,
    step,
    ...(integrity ? { integrity } : {}),
  };
}

/**
 * The changes a record's applied steps made, in order: `applied` of a step-logged record is never
 * stored, it is rebuilt from its (sealed) steps and its (sealed) plan.
 */
export function appliedFromSteps(record: Pick<JournalRecord, "plan" | "steps">): PlannedChange[] {
  const changes = record.plan?.changes ?? [];
  return record.steps.flatMap((step) => {
    if (step.status !== "applied") return [];
    const change = changes[step.index];
    return change ? [change] : [];
  });
}

/** What is stored for a step-logged record: the record without its steps and applied changes. */
export function recordHeader(record: JournalRecord): JournalRecord {
  return record.stepLog ? { ...record, steps: [], applied: [] } : record;
}

/**
 * A step-logged record as its readers see it: the stored header with its step entries (in seq
 * order) put back, and `applied` rebuilt from them. Other records are returned as stored.
 */
export function assembleRecord(header: JournalRecord, entries: JournalStepEntry[]): JournalRecord {
  if (!header.stepLog) return header;
  const steps = entries.map((entry) => ({
    ...entry.step,
    ...(entry.integrity ? { integrity: entry.integrity } : {}),
  }));
  return { ...header, steps, applied: appliedFromSteps({ plan: header.plan, steps }) };
}

/** Whether a record counts as a change for the rate limit and the loop breaker. */
export function countsAsChange(entry: JournalRecord): boolean {
  return entry.applied.length > 0 && entry.undoOf === undefined;
}
