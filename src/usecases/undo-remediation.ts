import { isTransientAwsError } from "../domain/aws-errors.ts";
import { redactDocuments } from "../domain/document-redaction.ts";
import { protectedMatch, touchedArns } from "../domain/guards.ts";
import { stateDiff } from "../domain/journal-integrity.ts";
import type { JournalRecord } from "../domain/journal-record.ts";
import { remediationNotification } from "../domain/remediation-notification.ts";
import type { RemediationPlan } from "../domain/remediation-plan.ts";
import { type UndoDiffRow, undoDiff } from "../domain/undo-preview.ts";
import type { Remediation } from "../ports/remediation.ts";
import { recordProblem, writeRecord } from "./journal-records.ts";
import { loadedRemediation } from "./remediate-finding.ts";
import { newJournalId, untrustedHolder } from "./remediation-claims.ts";
import type { RemediationDeps } from "./remediation-deps.ts";

export type UndoDeps = Pick<
  RemediationDeps,
  | "remediations"
  | "contextFor"
  | "journal"
  | "seal"
  | "notifier"
  | "clock"
  | "logger"
  | "newJournalId"
  | "config"
>;

export type UndoOutcomeKind =
  | "undone"
  | "undo-failed" // undo ran but the read-back does not match, or a step failed
  | "refused" // the record is not trustworthy, too old, touches a protected principal, or the resource changed since
  | "not-found"
  | "nothing-to-undo"
  | "already-undone";

export interface UndoOutcome {
  outcome: UndoOutcomeKind;
  reason: string;
  /** The record asked for. */
  journalId: string;
  /** The undo's own record, when one was written. */
  undoJournalId?: string;
  after?: Record<string, unknown>;
}

export interface UndoOptions {
  /**
   * Undo re-grants admin-class access (a risky policy detached by Vigil) only with a reason, which
   * is journaled and told: `vigil undo <id> --force --reason "…"`.
   */
  force?: { reason: string };
}

const undoClaimKey = (journalId: string) => `undo:${journalId}`;

/**
 * Restores what a journal record changed, and only when that is safe: the record's seal is valid
 * (nobody forged or edited it), it is younger than `undo.maxAgeDays`, it touches no protected
 * principal, the resource is still exactly in the record's "after" state (a later fix by a person
 * is never overwritten: the refusal says what differs), and admin-class access comes back only
 * with `force` and a reason. The undo is journaled as its own record pointing at the original, and
 * people are told. Each record can be undone once. Transient AWS errors are rethrown.
 */
export async function undoRemediation(
  deps: UndoDeps,
  journalId: string,
  options: UndoOptions = {},
): Promise<UndoOutcome> {
  const checked = await checkUndo(deps, journalId, options);
  if ("outcome" in checked) return logRefusal(deps, checked);
  const { original, plan, remediation, hazards, forceReason, now } = checked;
  const refuse = (outcome: UndoOutcomeKind, reason: string): UndoOutcome =>
    logRefusal(deps, { outcome, reason, journalId });

  // `applied` stays: on an undo record it lists the changes that were undone.
  const record: JournalRecord = {
    ...original,
    id: (deps.newJournalId ?? newJournalId)(now),
    time: new Date(now).toISOString(),
    undoOf: original.id,
    dryRun: false,
    outcome: "undone",
    reason: "",
    before: original.after,
    after: null,
    steps: [],
    undoCommand: null,
    ...(hazards.length > 0 && forceReason ? { forcedReason: forceReason } : {}),
  };
  delete record.error;
  delete record.exemptionProblem;
  delete record.securityAlert;
  delete record.integrity;
  // An undo record is written once, whole: `applied` lists the changes it undid.
  delete record.stepLog;

  const key = undoClaimKey(journalId);
  let claim = await deps.journal.claim(key, { holder: record.id, now, leaseMs: 15 * 60_000 });
  if (!claim.claimed && claim.settled) {
    const planted = await untrustedHolder(deps, claim.holder, (r) => r.undoOf === journalId);
    if (planted) {
      await deps.journal.release(key, claim.holder);
      claim = await deps.journal.claim(key, { holder: record.id, now, leaseMs: 15 * 60_000 });
    }
  }
  if (!claim.claimed) {
    return refuse("already-undone", `${journalId} was already undone by ${claim.holder}`);
  }

  try {
    const ctx = await deps.contextFor(original.finding);
    // Someone may have changed the resource since (a person's own fix): never overwrite that.
    // A run that failed midway has no "after" to compare; its remediation's undo checks each step.
    if (original.after !== null) {
      const current = await remediation.verify(ctx, plan);
      const drift = stateDiff(original.after, current.after);
      if (!current.ok || drift.length > 0) {
        await deps.journal.release(key, record.id);
        const what = drift.length > 0 ? drift.join("; ") : current.detail;
        return refuse(
          "refused",
          `the resource changed since ${journalId} (${what}): not undoing over someone else's change`,
        );
      }
    }
    const result = await remediation.undo(ctx, plan, original.applied);
    record.after = result.after;
    record.outcome = result.ok ? "undone" : "undo-failed";
    record.reason = result.ok
      ? `restored the state before ${journalId}: ${result.detail}`
      : `undo of ${journalId} did not restore the previous state: ${result.detail}`;
  } catch (error) {
    if (isTransientAwsError(error)) {
      await deps.journal.release(key, record.id).catch(() => undefined);
      throw error;
    }
    const e = error instanceof Error ? error : new Error(String(error));
    record.outcome = "undo-failed";
    record.error = { name: e.name, message: e.message };
    record.reason = `undo of ${journalId} failed: ${e.name}: ${e.message}`;
  }
  if (record.forcedReason) {
    record.reason += ` (forced, admin-class access re-granted: ${hazards.join("; ")}; reason: ${record.forcedReason})`;
  }

  await writeRecord(deps, record);
  // A failed undo may be tried again; a successful one only once.
  if (record.outcome === "undone") await deps.journal.settle(key, record.id);
  else await deps.journal.release(key, record.id);
  let notified = false;
  try {
    await deps.notifier.notify(remediationNotification(record));
    notified = true;
  } catch (error) {
    deps.logger.error("undo notification not delivered", {
      journalId: record.id,
      error: error instanceof Error ? error.message : String(error),
    });
  }
  const level = record.outcome === "undone" ? "info" : "error";
  deps.logger[level](`remediation ${record.outcome}`, {
    decision: record.outcome,
    reason: record.reason,
    journalId: record.id,
    undoOf: journalId,
    resourceArn: record.resourceArn,
    remediation: record.remediation,
    undone: original.applied.map((c) => c.action),
    ...(record.forcedReason ? { forcedReason: record.forcedReason } : {}),
    before: redactDocuments(record.before),
    after: redactDocuments(record.after),
    notified,
  });
  return {
    outcome: record.outcome === "undone" ? "undone" : "undo-failed",
    reason: record.reason,
    journalId,
    undoJournalId: record.id,
    ...(record.after ? { after: record.after } : {}),
  };
}

export interface UndoPreview {
  /** "would-undo", or the refusal undo would answer with now. */
  outcome: "would-undo" | Exclude<UndoOutcomeKind, "undone" | "undo-failed" | "already-undone">;
  reason: string;
  journalId: string;
  /** The record asked for, when it could be read and trusted. */
  record?: JournalRecord;
  /** The changes undo would reverse, in words, in the order it reverses them. */
  steps: string[];
  /** Before Vigil / after Vigil / now / what undo sets, per setting that moved. */
  diff: UndoDiffRow[];
  /** Admin-class access undo would re-grant (needs --force --reason). */
  hazards: string[];
}

/**
 * `vigil undo --dry-run`: the same checks as undo and a read of the resource as it is now, then
 * what undo would change, without claiming, changing or journaling anything. Someone else's undo
 * of the same record is only seen by the real undo (the claim is not taken here).
 */
export async function previewUndo(
  deps: UndoDeps,
  journalId: string,
  options: UndoOptions = {},
): Promise<UndoPreview> {
  const checked = await checkUndo(deps, journalId, { ...options, preview: true });
  if ("outcome" in checked) {
    const outcome = checked.outcome as UndoPreview["outcome"];
    return { outcome, reason: checked.reason, journalId, steps: [], diff: [], hazards: [] };
  }
  const { original, plan, remediation, hazards, forceReason } = checked;
  const steps = [...original.applied]
    .reverse()
    .map((change) => `reverse ${change.action}: ${change.description}`);
  const ctx = await deps.contextFor(original.finding);
  const current = await remediation.verify(ctx, plan);
  const diff = undoDiff(plan.before, original.after, current.after);
  const base = { journalId, record: original, steps, diff, hazards };
  const drift = original.after === null ? [] : stateDiff(original.after, current.after);
  if (original.after !== null && (!current.ok || drift.length > 0)) {
    const what = drift.length > 0 ? drift.join("; ") : current.detail;
    return {
      ...base,
      outcome: "refused",
      reason: `the resource changed since ${journalId} (${what}): undo would not overwrite someone else's change`,
    };
  }
  if (hazards.length > 0 && !forceReason) {
    return {
      ...base,
      outcome: "refused",
      reason: `undo would re-grant admin-class access (${hazards.join("; ")}): needs --force --reason "<why>"`,
    };
  }
  return {
    ...base,
    outcome: "would-undo",
    reason: `undo would restore the state before ${journalId} (${remediation.name} on ${original.resourceArn})`,
  };
}

/** A record that passed every check before the resource is read: undo may go ahead. */
interface Undoable {
  original: JournalRecord;
  plan: RemediationPlan;
  remediation: Remediation;
  hazards: string[];
  forceReason?: string;
  now: number;
}

function logRefusal(deps: Pick<UndoDeps, "logger">, refusal: UndoOutcome): UndoOutcome {
  const level = refusal.outcome === "refused" ? "warn" : "info";
  deps.logger[level](`undo ${refusal.outcome}`, {
    decision: `undo-${refusal.outcome}`,
    journalId: refusal.journalId,
    reason: refusal.reason,
  });
  return refusal;
}

/**
 * Everything that can refuse an undo without reading the resource: the record exists, is sealed,
 * names itself, changed something, is young enough, touches no protected principal, and re-grants
 * admin-class access only with a forced reason. Shared by undo and its dry run.
 */
async function checkUndo(
  deps: UndoDeps,
  journalId: string,
  options: UndoOptions & { preview?: boolean },
): Promise<UndoOutcome | Undoable> {
  const refuse = (outcome: UndoOutcomeKind, reason: string): UndoOutcome => ({
    outcome,
    reason,
    journalId,
  });
  let original: JournalRecord | undefined;
  try {
    original = await deps.journal.get(journalId);
  } catch (error) {
    if (isTransientAwsError(error)) throw error;
    return refuse("refused", `record ${journalId} cannot be read: ${(error as Error).message}`);
  }
  if (!original) return refuse("not-found", `no journal record ${journalId}`);
  const forged = await recordProblem(deps.seal, original);
  if (forged) return refuse("refused", `${forged}: not undoing it`);
  if (original.id !== journalId) {
    return refuse("refused", `record stored as ${journalId} names itself ${original.id}`);
  }
  if (original.undoOf) {
    return refuse(
      "nothing-to-undo",
      `${journalId} is itself an undo of ${original.undoOf}: remediate again instead`,
    );
  }
  if (original.applied.length === 0 || !original.plan) {
    return refuse("nothing-to-undo", `${journalId} changed nothing (${original.outcome})`);
  }
  const entry = deps.remediations.find((r) => r.name === original.remediation);
  if (!entry) {
    throw new Error(`remediation "${original.remediation}" of ${journalId} is not registered`);
  }
  const remediation = await loadedRemediation(entry);
  // A before-state that does not match the remediation's schema (an edited record, or one from a
  // version that saved another shape) cannot be restored from: InputError, before anything is
  // claimed, read or changed.
  remediation.parseBefore(original.plan);

  const now = deps.clock();
  const { maxAgeDays } = deps.config.undo;
  const age = now - Date.parse(original.time);
  if (!(age <= maxAgeDays * 86_400_000)) {
    return refuse(
      "refused",
      `${journalId} is from ${original.time}, older than undo.maxAgeDays (${maxAgeDays}): restore by hand after review`,
    );
  }
  // Protection may have been added since the remediation ran: it holds for undo too.
  const guarded = protectedMatch(
    deps.config.protectedPrincipals,
    touchedArns(original.finding, original.applied),
  );
  if (guarded) {
    return refuse(
      "refused",
      `${guarded.arn} is protected (matches ${guarded.pattern}): Vigil never changes it, undo included`,
    );
  }
  const hazards = remediation.undoHazards?.(original.plan, original.applied) ?? [];
  const forceReason = options.force?.reason.trim();
  if (hazards.length > 0 && !forceReason && !options.preview) {
    return refuse(
      "refused",
      `undo would re-grant admin-class access (${hazards.join("; ")}): run again with --force --reason "<why>" if that is really wanted`,
    );
  }
  return {
    original,
    plan: original.plan,
    remediation,
    hazards,
    ...(forceReason ? { forceReason } : {}),
    now,
  };
}
