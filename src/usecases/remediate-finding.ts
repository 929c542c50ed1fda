// The runner's one sequence: pick → claim → plan → guards → mode → apply each change → verify.
// Its record's lifecycle is remediation-record.ts, claims remediation-claims.ts, the told-once
// markers told-once.ts; after intake, handle-intake-result.ts calls in here.
import { describeError, isTransientAwsError } from "../domain/aws-errors.ts";
import type { Finding } from "../domain/finding.ts";
import {
  decide,
  evaluateExemption,
  modeFor,
  type RemediationMode,
  type TagSettingVerdict,
} from "../domain/guards.ts";
import type { JournalRecord } from "../domain/journal-record.ts";
import { OUTCOMES } from "../domain/outcomes.ts";
import type { RemediationPlan } from "../domain/remediation-plan.ts";
import type { Remediation, RemediationContext, RemediationEntry } from "../ports/remediation.ts";
import { centralExemptions } from "./central-exemptions.ts";
import { appendSteps, writeRecord } from "./journal-records.ts";
import { CLAIM_LEASE_MS, claimKeyFor, untrustedHolder } from "./remediation-claims.ts";
import type { RemediationDeps, RemediationOutcome } from "./remediation-deps.ts";
import { conclude, failureReason, giveBackForRetry, newRecord } from "./remediation-record.ts";
import { tagSettingVerdict } from "./tag-setter-check.ts";
import { declineOnce, exemptOnce } from "./told-once.ts";
import { trustedRecentChanges } from "./trusted-changes.ts";

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
