import type { JournalRecord } from "../domain/journal-record.ts";
import { remediationNotification } from "../domain/remediation-notification.ts";
import { isTransientAwsError, newJournalId, type RemediationDeps } from "./remediate-finding.ts";

export type UndoDeps = Pick<
  RemediationDeps,
  "remediations" | "contextFor" | "journal" | "notifier" | "clock" | "logger" | "newJournalId"
>;

export type UndoOutcomeKind =
  | "undone"
  | "undo-failed" // undo ran but the read-back does not match, or a step failed
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

const undoClaimKey = (journalId: string) => `undo:${journalId}`;

/**
 * Restores what a journal record changed: loads the record, calls the remediation's undo with the
 * changes that were applied, journals the undo as its own record pointing at the original, and
 * tells people. Each record can be undone once. Transient AWS errors are rethrown.
 */
export async function undoRemediation(deps: UndoDeps, journalId: string): Promise<UndoOutcome> {
  const original = await deps.journal.get(journalId);
  const refuse = (outcome: UndoOutcomeKind, reason: string): UndoOutcome => {
    deps.logger.info(`undo ${outcome}`, { decision: `undo-${outcome}`, journalId, reason });
    return { outcome, reason, journalId };
  };
  if (!original) return refuse("not-found", `no journal record ${journalId}`);
  if (original.undoOf) {
    return refuse(
      "nothing-to-undo",
      `${journalId} is itself an undo of ${original.undoOf}: remediate again instead`,
    );
  }
  if (original.applied.length === 0 || !original.plan) {
    return refuse("nothing-to-undo", `${journalId} changed nothing (${original.outcome})`);
  }
  const remediation = deps.remediations.find((r) => r.name === original.remediation);
  if (!remediation) {
    throw new Error(`remediation "${original.remediation}" of ${journalId} is not registered`);
  }

  const now = deps.clock();
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
  };
  delete record.error;
  delete record.exemptionProblem;

  const key = undoClaimKey(journalId);
  const claim = await deps.journal.claim(key, { holder: record.id, now, leaseMs: 15 * 60_000 });
  if (!claim.claimed) {
    return refuse("already-undone", `${journalId} was already undone by ${claim.holder}`);
  }

  try {
    const ctx = await deps.contextFor(original.finding);
    const result = await remediation.undo(ctx, original.plan, original.applied);
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

  await deps.journal.record(record);
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
    before: record.before,
    after: record.after,
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
