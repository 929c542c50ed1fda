import type { Finding, FindingKind } from "../domain/finding.ts";
import type {
  AppliedChangeRef,
  RemediationMode,
  RemediationOutcomeKind,
} from "../domain/guards.ts";
import type { PlannedChange, RemediationPlan } from "../remediations/types.ts";

/** Journal-only states besides the runner's outcomes. */
export type JournalOutcome =
  | RemediationOutcomeKind
  | "applying" // written before the first change, updated after each step
  | "transient-error" // AWS throttled or failed: claim released, Lambda retries
  | "undone"
  | "undo-failed";

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

export interface RecentChangesQuery {
  /** Exactly one of account / resourceArn. */
  account?: string;
  resourceArn?: string;
  /** Epoch ms: changes at or after this time. */
  since: number;
}

export interface ClaimRequest {
  /** Journal record id of the run taking the claim (told to later duplicates). */
  holder: string;
  now: number;
  /**
   * A claim not settled within this time is considered abandoned (the run crashed or timed out)
   * and may be taken over, so a dead run cannot block a finding forever.
   */
  leaseMs: number;
}

export type ClaimResult =
  | { claimed: true }
  | {
      claimed: false;
      holder: string;
      /** True when the holder finished (settled); false while its lease runs. */
      settled: boolean;
    };

/** Where decisions are recorded, and the idempotency claims that keep them single. */
export interface Journal {
  /** Creates or replaces the record with this id (the runner rewrites it after every step). */
  record(entry: JournalRecord): Promise<void>;
  get(id: string): Promise<JournalRecord | undefined>;
  /** Remediation runs that applied at least one change (undo records excluded), oldest first. */
  recentChanges(query: RecentChangesQuery): Promise<AppliedChangeRef[]>;
  /** Atomic: of concurrent callers for one key, exactly one gets `claimed: true`. */
  claim(key: string, request: ClaimRequest): Promise<ClaimResult>;
  /** Makes the holder's claim permanent: later claims for the key are duplicates. */
  settle(key: string, holder: string): Promise<void>;
  /** Drops the holder's claim so a retry or the sweep can take the key again. */
  release(key: string, holder: string): Promise<void>;
}

/** Whether a record counts as a change for the rate limit and the loop breaker. */
export function countsAsChange(entry: JournalRecord): boolean {
  return entry.applied.length > 0 && entry.undoOf === undefined;
}
