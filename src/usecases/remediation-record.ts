// A run's journal record from start to end: opened blank, concluded (journaled, told when people
// should know, logged once), or given back for a Lambda retry on a transient AWS error.
import { describeError } from "../domain/aws-errors.ts";
import { redactDocuments } from "../domain/document-redaction.ts";
import type { Finding } from "../domain/finding.ts";
import type { JournalRecord } from "../domain/journal-record.ts";
import type { RemediationOutcomeKind } from "../domain/outcomes.ts";
import { OUTCOMES } from "../domain/outcomes.ts";
import { remediationNotification, shouldNotify } from "../domain/remediation-notification.ts";
import { writeRecord } from "./journal-records.ts";
import { newJournalId } from "./remediation-claims.ts";
import type { RemediationDeps, RemediationOutcome } from "./remediation-deps.ts";

export function newRecord(deps: RemediationDeps, finding: Finding, now: number): JournalRecord {
  return {
    id: (deps.newJournalId ?? newJournalId)(now),
    time: new Date(now).toISOString(),
    findingId: finding.id,
    eventId: finding.eventId,
    resourceArn: finding.resourceArn,
    account: finding.account,
    region: finding.region,
    rule: finding.rule,
    kind: finding.kind,
    finding,
    remediation: null,
    mode: null,
    dryRun: deps.config.dryRun,
    outcome: "ignored",
    reason: "",
    plan: null,
    before: null,
    after: null,
    applied: [],
    steps: [],
    // Steps are appended one small object each, never by rewriting the record (journal-records.ts).
    stepLog: { count: null, digest: null },
    undoCommand: null,
  };
}

/** The one structured log line of a decision: plan, before, after and why. */
function logDecision(deps: RemediationDeps, record: JournalRecord, notified: boolean): void {
  const level = OUTCOMES[record.outcome].logLevel;
  deps.logger[level](`remediation ${record.outcome}`, {
    decision: record.outcome,
    reason: record.reason,
    journalId: record.id,
    findingId: record.findingId,
    eventId: record.eventId,
    source: record.finding.source,
    rule: record.rule,
    kind: record.kind,
    resourceArn: record.resourceArn,
    account: record.account,
    region: record.region,
    remediation: record.remediation,
    mode: record.mode,
    dryRun: record.dryRun,
    // Policy documents by hash only: logs carry the statement diff, never the documents.
    plan: record.plan
      ? {
          summary: record.plan.summary,
          reason: record.plan.reason,
          changes: redactDocuments(record.plan.changes),
        }
      : null,
    before: redactDocuments(record.before),
    after: redactDocuments(record.after),
    applied: record.applied.map((c) => c.action),
    ...(record.exemptionProblem ? { exemptionProblem: record.exemptionProblem } : {}),
    ...(record.error ? { error: record.error } : {}),
    notified,
    undoCommand: record.undoCommand,
  });
}

/** Journals, tells people when they should know, logs once, and returns the outcome. */
export async function conclude(
  deps: RemediationDeps,
  record: JournalRecord,
  outcome: RemediationOutcomeKind,
  reason: string,
  options: { alreadyTold?: boolean } = {},
): Promise<RemediationOutcome> {
  record.outcome = outcome;
  record.reason = reason;
  record.undoCommand = record.applied.length > 0 ? `vigil undo ${record.id}` : null;
  await writeRecord(deps, record);
  let notified = false;
  if (shouldNotify(record) && !options.alreadyTold) {
    try {
      await deps.notifier.notify(remediationNotification(record));
      notified = true;
    } catch (error) {
      // The decision is journaled; a lost message must not undo or repeat the remediation.
      deps.logger.error("remediation notification not delivered", {
        journalId: record.id,
        error: describeError(error),
      });
    }
  }
  logDecision(deps, record, notified);
  return {
    outcome,
    reason,
    findingId: record.findingId,
    journalId: record.id,
    remediation: record.remediation,
    mode: record.mode,
    dryRun: record.dryRun,
    planned: record.plan?.changes ?? [],
    applied: record.applied,
    notified,
    undoCommand: record.undoCommand,
  };
}

export function failureReason(record: JournalRecord, error: unknown): string {
  const { name, message } = describeError(error);
  const failed = record.steps.find((s) => s.status === "failed");
  if (!record.plan) return `planning failed: ${name}: ${message}`;
  if (!failed) return `${name}: ${message}`;
  const total = record.plan.changes.length;
  const done =
    record.applied.length > 0
      ? `; ${record.applied.length} change(s) applied before it: undo with vigil undo ${record.id}`
      : "; nothing was changed";
  return `step ${failed.index + 1} of ${total} (${failed.action}) failed: ${name}: ${message}${done}`;
}

/** Journals the transient failure (best effort) and releases the claim so the retry can run. */
export async function giveBackForRetry(
  deps: RemediationDeps,
  record: JournalRecord,
  key: string,
  error: unknown,
): Promise<void> {
  const { name, message } = describeError(error);
  record.outcome = "transient-error";
  record.error = { name, message };
  record.reason = `transient AWS error (${name}: ${message}): claim released, Lambda retries`;
  record.undoCommand = record.applied.length > 0 ? `vigil undo ${record.id}` : null;
  const problems: Array<{ step: string; error: { name: string; message: string } }> = [];
  try {
    await writeRecord(deps, record);
  } catch (journalError) {
    problems.push({ step: "journal", error: describeError(journalError) });
  }
  try {
    await deps.journal.release(key, record.id);
  } catch (releaseError) {
    problems.push({ step: "release claim", error: describeError(releaseError) });
  }
  deps.logger.warn("remediation transient-error", {
    decision: "transient-error",
    reason: record.reason,
    journalId: record.id,
    findingId: record.findingId,
    eventId: record.eventId,
    resourceArn: record.resourceArn,
    remediation: record.remediation,
    mode: record.mode,
    applied: record.applied.map((c) => c.action),
    ...(problems.length > 0 ? { problems } : {}),
  });
}
