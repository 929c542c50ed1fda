// Size (≈550 lines): the runner's one sequence (intake → guards → claim → plan → apply each change
// → verify → journal → notify) reads best in one file; undo is already its own use case.
import { createHash, randomBytes } from "node:crypto";
import type { Logger } from "@aws-lambda-powertools/logger";
import type { RemediationConfig } from "../config/remediation-config.ts";
import { isTransientAwsError } from "../domain/aws-errors.ts";
import { redactDocuments } from "../domain/document-redaction.ts";
import type { Finding } from "../domain/finding.ts";
import {
  decide,
  evaluateExemption,
  modeFor,
  type RemediationMode,
  type TagSettingVerdict,
} from "../domain/guards.ts";
import { journalIdPrefix } from "../domain/journal-query.ts";
import type { JournalRecord } from "../domain/journal-record.ts";
import type { RemediationOutcomeKind } from "../domain/outcomes.ts";
import { OUTCOMES } from "../domain/outcomes.ts";
import {
  refusedSourceNotification,
  remediationNotification,
  resolvedNotification,
  shouldNotify,
} from "../domain/remediation-notification.ts";
import type { PlannedChange, RemediationPlan } from "../domain/remediation-plan.ts";
import type { ExemptionParameters } from "../ports/exemption-parameters.ts";
import type { Journal } from "../ports/journal.ts";
import type { Notifier } from "../ports/notifier.ts";
import type { RecordSeal } from "../ports/record-seal.ts";
import type { Remediation, RemediationContext, RemediationEntry } from "../ports/remediation.ts";
import type { TagSetters } from "../ports/tag-setters.ts";
import { centralExemptions } from "./central-exemptions.ts";
import { type IntakeResult, isIgnored } from "./intake.ts";
import { appendSteps, recordProblem, writeRecord } from "./journal-records.ts";
import { tagSettingVerdict } from "./tag-setter-check.ts";
import { trustedRecentChanges } from "./trusted-changes.ts";

export type RemediationLogger = Pick<Logger, "info" | "warn" | "error">;

export interface RemediationDeps {
  /**
   * What handles which finding: the Lambdas pass the lazy catalog (a remediation's module and its
   * SDK client load with the first finding of its kind), the CLI the loaded registry, tests fakes.
   */
  remediations: readonly RemediationEntry[];
  /** AWS clients for the finding's account and region, plus settings. */
  contextFor(finding: Finding): RemediationContext | Promise<RemediationContext>;
  journal: Journal;
  /** Signs every record written and checks records before they are trusted (undo, claims). */
  seal: RecordSeal;
  notifier: Notifier;
  /** Epoch ms. */
  clock: () => number;
  config: RemediationConfig;
  logger: RemediationLogger;
  /** Journal record ids (default: time-sortable and random). */
  newJournalId?: (now: number) => string;
  /** Central exemptions outside the config file (remediation.exemptions.ssmPath). */
  exemptionParameters?: ExemptionParameters;
  /** Who set a resource's exemption tags (remediation.exemptions.tags: verified). */
  tagSetters?: TagSetters;
}

export interface RemediationOutcome {
  outcome: RemediationOutcomeKind;
  reason: string;
  findingId: string;
  journalId: string;
  remediation: string | null;
  mode: RemediationMode | null;
  dryRun: boolean;
  /** What the plan wanted to change (empty when nothing was planned). */
  planned: PlannedChange[];
  /** What was actually changed, in order. */
  applied: PlannedChange[];
  notified: boolean;
  undoCommand: string | null;
}

/** A run that neither settles nor releases its claim within this time is presumed dead. */
export const CLAIM_LEASE_MS = 15 * 60_000;

/** 20261120T091504Z-1a2b3c4d: sorts by time, short enough to type in `vigil undo`. */
export function newJournalId(now: number): string {
  return `${journalIdPrefix(now)}-${randomBytes(4).toString("hex")}`;
}

/**
 * Idempotency key: the finding id plus when the source observed it (a duplicate delivery is caught,
 * an Access Analyzer finding active again later is handled again), plus the mode and dry run: a
 * finding only notified or dry-run is handled again once its rule is promoted to enforce.
 */
export function claimKeyFor(
  finding: Pick<Finding, "id" | "observedAt">,
  mode: RemediationMode,
  dryRun: boolean,
): string {
  return `finding:${finding.id}:${finding.observedAt}:${mode}${dryRun ? ":dry-run" : ""}`;
}

/** Throttling, 5xx, timeouts and dropped connections: worth a Lambda retry. */
export { isTransientAwsError };

function describeError(error: unknown): { name: string; message: string } {
  if (error instanceof Error) return { name: error.name, message: error.message };
  return { name: "Error", message: String(error) };
}

/**
 * Why the holder of a claim cannot be trusted, if it cannot. A settled claim is trusted only when
 * its holder's record exists, carries a valid seal and was made for this very claim key: anyone
 * able to write to the journal bucket could otherwise plant a claim that silences a finding.
 */
export async function untrustedHolder(
  deps: Pick<RemediationDeps, "journal" | "seal">,
  holder: string,
  belongs: (record: JournalRecord) => boolean,
): Promise<string | undefined> {
  let record: JournalRecord | undefined;
  try {
    record = await deps.journal.get(holder);
  } catch (error) {
    if (isTransientAwsError(error)) throw error;
    return `its record ${holder} cannot be read (${describeError(error).message})`;
  }
  if (!record) return `its record ${holder} does not exist`;
  // Unsigned deployments can only check that the record exists and matches (undo trusts none).
  const problem = deps.seal.signs ? await recordProblem(deps.seal, record) : undefined;
  if (problem) return problem;
  if (!belongs(record)) return `record ${holder} was made for another finding`;
  return undefined;
}

function newRecord(deps: RemediationDeps, finding: Finding, now: number): JournalRecord {
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
async function conclude(
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

function failureReason(record: JournalRecord, error: unknown): string {
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

/** Applies each change in order and journals every step as it happens, then reads back. */
async function applyPlan(
  deps: RemediationDeps,
  ctx: RemediationContext,
  remediation: Remediation,
  plan: RemediationPlan,
  record: JournalRecord,
  reason: string,
): Promise<RemediationOutcome> {
  record.outcome = "applying";
  record.reason = reason;
  await writeRecord(deps, record);
  for (const [index, change] of plan.changes.entries()) {
    const step = { index, action: change.action, description: change.description };
    try {
      await remediation.apply(ctx, plan, change);
    } catch (error) {
      const { name, message } = describeError(error);
      const at = new Date(deps.clock()).toISOString();
      record.steps.push({ ...step, status: "failed", at, error: `${name}: ${message}` });
      throw error;
    }
    record.steps.push({ ...step, status: "applied", at: new Date(deps.clock()).toISOString() });
    record.applied.push(change);
    record.undoCommand = `vigil undo ${record.id}`;
    // One small sealed object per step: the record itself is written again only when concluded.
    await appendSteps(deps, record);
  }
  const verification = await remediation.verify(ctx, plan);
  record.after = verification.after;
  return verification.ok
    ? conclude(deps, record, "applied", `${reason}; verified: ${verification.detail}`)
    : conclude(
        deps,
        record,
        "verify-failed",
        `applied but the read-back disagrees: ${verification.detail}`,
      );
}

/**
 * Says once what Vigil will not do about a resource a rule keeps flagging: the marker is keyed by
 * rule, resource and what was said, so a re-evaluation (the sweep, a new Config verdict) of the
 * same state is a quiet no-op, and a changed state (another policy attached) is told again.
 */
async function declineOnce(
  deps: RemediationDeps,
  record: JournalRecord,
  finding: Finding,
  declined: string,
): Promise<RemediationOutcome> {
  const said = createHash("sha256").update(declined).digest("hex").slice(0, 16);
  const key = `declined:${finding.rule}:${finding.resourceArn}:${said}`;
  const told = await deps.journal.claim(key, {
    holder: record.id,
    now: deps.clock(),
    leaseMs: CLAIM_LEASE_MS,
  });
  if (!told.claimed) {
    return conclude(
      deps,
      record,
      "no-op",
      `nothing to change: ${declined} (already told, journal record ${told.holder})`,
    );
  }
  await deps.journal.settle(key, record.id);
  return conclude(deps, record, "declined", `not changed: ${declined}`);
}

/**
 * An honoured exemption is told once per exemption (its source, reason and expiry), not on every
 * sweep: a journal marker keyed by resource and exemption. A new or renewed exemption is a new
 * marker, so it is told again; the record of each run is journaled as usual.
 */
async function exemptOnce(
  deps: RemediationDeps,
  record: JournalRecord,
  finding: Finding,
  exemption: { source: string; reason: string; until: string },
  reason: string,
): Promise<RemediationOutcome> {
  const which = createHash("sha256")
    .update(JSON.stringify([exemption.source, exemption.reason, exemption.until]))
    .digest("hex")
    .slice(0, 16);
  const key = `exempt:${finding.resourceArn}:${which}`;
  const told = await deps.journal.claim(key, {
    holder: record.id,
    now: deps.clock(),
    leaseMs: CLAIM_LEASE_MS,
  });
  if (!told.claimed) {
    // A holder that is not a trustworthy record (planted to silence the exemption) is ignored.
    const planted = told.settled
      ? await untrustedHolder(deps, told.holder, (held) => held.resourceArn === finding.resourceArn)
      : undefined;
    if (!planted) {
      return conclude(
        deps,
        record,
        "exempt",
        `${reason} (already told, journal record ${told.holder})`,
        {
          alreadyTold: true,
        },
      );
    }
    return conclude(deps, record, "exempt", reason);
  }
  await deps.journal.settle(key, record.id);
  return conclude(deps, record, "exempt", reason);
}

/**
 * `exemptions.tags: verified`: CloudTrail is asked who set the tags only when they would grant an
 * exemption (valid reason and expiry), so the 2-calls-a-second LookupEvents is spent on those only.
 */
async function tagSettingIfNeeded(
  deps: RemediationDeps,
  finding: Finding,
  tags: Readonly<Record<string, string>>,
  now: number,
): Promise<{ tagSetting?: TagSettingVerdict }> {
  const { config } = deps;
  if (config.exemptions.tags !== "verified") return {};
  const policy = {
    tag: config.exemptionTag,
    untilTag: config.exemptionUntilTag,
    maxDays: config.maxExemptionDays,
  };
  if (evaluateExemption(tags, policy, now).status !== "valid") return {};
  return { tagSetting: await tagSettingVerdict(deps, finding) };
}

async function planAndAct(
  deps: RemediationDeps,
  finding: Finding,
  remediation: Remediation,
  record: JournalRecord,
  mode: RemediationMode,
): Promise<RemediationOutcome> {
  const ctx = await deps.contextFor(finding);
  const plan = await remediation.plan(ctx, finding);
  record.plan = plan;
  record.before = plan.before;
  if (plan.securityAlert) record.securityAlert = plan.securityAlert;
  const { config } = deps;
  // A bucket public on purpose comes with no changes but still needs a person's look.
  const onPurpose =
    plan.intentionallyPublic !== undefined && !config.settings.s3RemediateIntentionallyPublic;
  if (plan.changes.length === 0 && plan.alertOnly) {
    return conclude(deps, record, "protected", `not changed, people told: ${plan.alertOnly}`);
  }
  if (plan.changes.length === 0 && plan.declined) {
    return declineOnce(deps, record, finding, plan.declined);
  }
  if (plan.changes.length === 0 && !onPurpose) {
    return conclude(deps, record, "no-op", `nothing to change: ${plan.reason}`);
  }

  const now = deps.clock();
  // Only a change about to be applied needs the journal's history.
  const [recentResourceChanges, recentAccountChanges] =
    mode === "enforce"
      ? await Promise.all([
          trustedRecentChanges(deps, {
            resourceArn: finding.resourceArn,
            since: now - config.loopBreaker.windowMinutes * 60_000,
          }),
          trustedRecentChanges(deps, {
            account: finding.account,
            since: now - config.rateLimit.windowMinutes * 60_000,
          }),
        ])
      : [[], []];
  const decision = decide({
    finding,
    plan,
    mode,
    dryRun: config.dryRun,
    now,
    protectedPrincipals: config.protectedPrincipals,
    exemption: {
      tag: config.exemptionTag,
      untilTag: config.exemptionUntilTag,
      maxDays: config.maxExemptionDays,
      tags: config.exemptions.tags,
      list: await centralExemptions(deps),
      ...(await tagSettingIfNeeded(deps, finding, plan.tags, now)),
    },
    remediateIntentionallyPublic: config.settings.s3RemediateIntentionallyPublic,
    recentResourceChanges,
    recentAccountChanges,
    loopBreaker: config.loopBreaker,
    rateLimit: config.rateLimit,
  });
  if (decision.exemptionProblem) record.exemptionProblem = decision.exemptionProblem;
  if (decision.verdict === "protected" && finding.kind === "iam-external-trust") {
    // A protected role (break-glass, organisation access) assumable from outside is exactly what
    // an attacker would build: never fixed by Vigil, so a person must look now.
    record.securityAlert ??= `protected role ${finding.resourceArn} is assumable from outside the account (${JSON.stringify(finding.principal ?? {})}): check its trust policy now`;
  }
  if (decision.verdict === "exempt" && decision.exemption) {
    return exemptOnce(deps, record, finding, decision.exemption, decision.reason);
  }
  if (decision.verdict !== "apply") {
    return conclude(deps, record, decision.verdict, decision.reason);
  }
  return applyPlan(deps, ctx, remediation, plan, record, decision.reason);
}

/**
 * Drives one finding through pick → claim → plan → guards → mode → apply → verify. Safety lives
 * here, never in remediations. Transient AWS errors are rethrown (after releasing the claim) so
 * Lambda retries; anything else ends as an outcome, journaled and, when people should know, told.
 */
export async function remediateFinding(
  deps: RemediationDeps,
  finding: Finding,
): Promise<RemediationOutcome> {
  const startedAt = deps.clock();
  const record = newRecord(deps, finding, startedAt);
  const remediation = deps.remediations.find((r) => r.handles(finding));
  if (!remediation) {
    return conclude(
      deps,
      record,
      "ignored",
      `no remediation handles ${finding.kind} on ${finding.resourceType}`,
    );
  }
  const mode = modeFor(deps.config.modes, deps.config.defaultMode, finding);
  record.remediation = remediation.name;
  record.mode = mode;

  const key = claimKeyFor(finding, mode, deps.config.dryRun);
  let claim = await deps.journal.claim(key, {
    holder: record.id,
    now: startedAt,
    leaseMs: CLAIM_LEASE_MS,
  });
  if (!claim.claimed && claim.settled) {
    const forged = await untrustedHolder(
      deps,
      claim.holder,
      (holder) =>
        holder.mode !== null && claimKeyFor(holder.finding, holder.mode, holder.dryRun) === key,
    );
    if (forged) {
      // Fail closed: the planted claim is dropped and the finding handled; people are paged.
      record.securityAlert = `a settled claim for this finding was not trustworthy (${forged}): dropped and handled again`;
      await deps.journal.release(key, claim.holder);
      claim = await deps.journal.claim(key, {
        holder: record.id,
        now: startedAt,
        leaseMs: CLAIM_LEASE_MS,
      });
    }
  }
  if (!claim.claimed) {
    const state = claim.settled ? "" : " (still in progress)";
    return conclude(
      deps,
      record,
      "duplicate",
      `already handled by journal record ${claim.holder}${state}`,
    );
  }

  let outcome: RemediationOutcome;
  try {
    outcome = await planAndAct(deps, finding, await loadedRemediation(remediation), record, mode);
  } catch (error) {
    if (isTransientAwsError(error)) {
      await giveBackForRetry(deps, record, key, error);
      throw error;
    }
    record.error = describeError(error);
    outcome = await conclude(deps, record, "failed", failureReason(record, error));
  }
  try {
    if (OUTCOMES[outcome.outcome].recheck) await deps.journal.release(key, record.id);
    else await deps.journal.settle(key, record.id);
  } catch (error) {
    // The outcome is journaled and told; an unsettled claim only expires with its lease.
    deps.logger.warn("idempotency claim not updated", {
      journalId: record.id,
      error: describeError(error),
    });
  }
  return outcome;
}

/** The remediation itself, its module loaded first when the entry is lazy. */
export async function loadedRemediation(entry: RemediationEntry): Promise<Remediation> {
  return "load" in entry ? entry.load() : entry;
}

/** Journals the transient failure (best effort) and releases the claim so the retry can run. */
async function giveBackForRetry(
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

/** What a handler returns: small, for the Lambda console and tests. */
export interface HandledEvent {
  ok: boolean;
  eventId: string;
  outcome: RemediationOutcomeKind;
  reason: string;
  findingId?: string;
  journalId?: string;
}

/** After intake: remediate a finding, or close the incident an ignored event cleared. */
export async function handleIntakeResult(
  deps: RemediationDeps,
  result: IntakeResult,
): Promise<HandledEvent> {
  if (isIgnored(result)) {
    if (result.refused) {
      try {
        await deps.notifier.notify(refusedSourceNotification(result.refused, result.refused.why));
      } catch (error) {
        deps.logger.error("refusal notification not delivered", {
          eventId: result.eventId,
          error: describeError(error),
        });
      }
      return { ok: true, eventId: result.eventId, outcome: "ignored", reason: result.reason };
    }
    if (result.cleared) {
      try {
        await deps.notifier.notify(resolvedNotification(result.cleared, result.cleared.why));
      } catch (error) {
        deps.logger.error("resolve notification not delivered", {
          eventId: result.eventId,
          error: describeError(error),
        });
      }
    }
    return { ok: true, eventId: result.eventId, outcome: "ignored", reason: result.reason };
  }
  const outcome = await remediateFinding(deps, result);
  return {
    ok: OUTCOMES[outcome.outcome].ok,
    eventId: result.eventId,
    outcome: outcome.outcome,
    reason: outcome.reason,
    findingId: outcome.findingId,
    journalId: outcome.journalId,
  };
}
