import { isTransientAwsError } from "../domain/aws-errors.ts";
import type { FindingKind } from "../domain/finding.ts";
import type { RemediationOutcomeKind } from "../domain/outcomes.ts";
import { accessAnalyzerFindingEventSchema } from "../events/access-analyzer-finding.ts";
import {
  UNUSED_ACCESS_DETAIL_TYPE,
  unusedAccessFindingEventSchema,
} from "../events/unused-access-finding.ts";
import type { AnalyzerFinding, AnalyzerFindingSource } from "../ports/access-analyzer-findings.ts";
import type { ComplianceSource } from "../ports/compliance-source.ts";
import type { ConfigRuleDirectory } from "../ports/config-rules.ts";
import type { IamIdLookup } from "../ports/iam-ids.ts";
import { type IntakeDeps, type IntakeResult, isIgnored } from "./intake.ts";
import { ACCESS_ANALYZER_RULE, intakeAccessAnalyzerEvent } from "./intake-access-analyzer.ts";
import { intakeConfigEvaluation, managedRuleKind, ruleKindFor } from "./intake-config.ts";
import { intakeUnusedAccessEvent } from "./intake-unused-access.ts";
import { remediateFinding } from "./remediate-finding.ts";
import type { RemediationDeps } from "./remediation-deps.ts";
import { RemediationDigestCollector } from "./remediation-digest.ts";

export interface ReconcileDeps {
  runner: RemediationDeps;
  /** AWS Config's rules and evaluations in the swept account and region. */
  compliance: ComplianceSource;
  /** One per run: IAM ids are resolved from a cache filled once. */
  iamIds: IamIdLookup;
  /**
   * Active Access Analyzer external-access findings (a missed event is never sent again): swept
   * after the Config rules, within the same bounds. Absent: Config only.
   */
  accessAnalyzer?: AnalyzerFindingSource;
  /**
   * Who owns each rule: the sweep acts on AWS-owned (or allow-listed) rules only, like intake; and
   * unmapped names are mapped by their managed source identifier.
   */
  configRules: ConfigRuleDirectory;
  /** The account and region the compliance source reads (the sweep covers its own region). */
  account: string;
  region: string;
  /**
   * Outcomes that page nobody (notify mode, dry runs, declined, exempt …) go into one digest per run,
   * showing this many in full (alerting.digest.top). Absent: each is sent on its own.
   */
  digestTop?: number;
}

export interface ReconcileRequest {
  /** Epoch ms after which no new finding is started (Lambda time left minus a margin). */
  deadline?: number;
}

export type SweepStop = "maxFindingsPerRun" | "maxEvaluationsPerRun" | "deadline";

export interface ReconcileReport {
  runId: string;
  rules: Array<{ rule: string; kind: FindingKind; evaluations: number }>;
  /** NON_COMPLIANT evaluations and active Access Analyzer findings read. */
  evaluations: number;
  /** Active Access Analyzer findings read (part of `evaluations`). */
  accessAnalyzerFindings: number;
  /** Findings driven through the runner that were not duplicates of handled ones. */
  handled: number;
  outcomes: Partial<Record<RemediationOutcomeKind, number>>;
  stoppedBy?: SweepStop;
  /** Outcomes that went into the run's digest rather than alone, and whether it was sent. */
  digest?: { outcomes: number; sent: boolean };
  errors: Array<{ rule: string; resourceId?: string; error: string; transient: boolean }>;
  partialFailure: boolean;
}

const ACCOUNT_LEVEL = /^s3-account-level-public-access-blocks/;

/** Active Config rules that map to a finding kind. */
async function mappedRules(deps: ReconcileDeps) {
  const ruleKinds = deps.runner.config.ruleKinds;
  const rules: Array<{ rule: string; kind: FindingKind }> = [];
  for (const rule of await deps.compliance.activeRules()) {
    if (ACCOUNT_LEVEL.test(rule)) continue;
    const kind =
      ruleKindFor(ruleKinds, rule) ??
      (await managedRuleKind(deps.configRules, {
        account: deps.account,
        region: deps.region,
        rule,
      }));
    if (kind) rules.push({ rule, kind });
  }
  return rules;
}

/**
 * Scheduled sweep: a compliance-change event fires on change only, so a failed fix (or one made
 * while Vigil was down) leaves no second event. Re-reads what Config still calls NON_COMPLIANT
 * and drives it through the same intake and runner; already handled evaluations are duplicates.
 * Bounded by maxFindingsPerRun, maxEvaluationsPerRun and the deadline.
 */
export async function reconcile(
  deps: ReconcileDeps,
  request: ReconcileRequest = {},
): Promise<ReconcileReport> {
  const digest =
    deps.digestTop === undefined ? undefined : new RemediationDigestCollector(deps.runner.notifier);
  const runner = digest ? { ...deps.runner, notifier: digest } : deps.runner;
  const started = runner.clock();
  const runId = `sweep-${new Date(started).toISOString()}`;
  const limits = runner.config.sweep;
  const report: ReconcileReport = {
    runId,
    rules: [],
    evaluations: 0,
    accessAnalyzerFindings: 0,
    handled: 0,
    outcomes: {},
    errors: [],
    partialFailure: false,
  };
  const count = (outcome: RemediationOutcomeKind) => {
    report.outcomes[outcome] = (report.outcomes[outcome] ?? 0) + 1;
  };
  /** One swept finding (Config or Access Analyzer) through the event path's runner. */
  const handle = async (intake: IntakeResult): Promise<void> => {
    if (isIgnored(intake)) {
      count("ignored");
      return;
    }
    const outcome = await remediateFinding(runner, intake);
    count(outcome.outcome);
    if (outcome.outcome !== "duplicate") report.handled++;
  };
  const stopReason = (): SweepStop | undefined => {
    if (report.handled >= limits.maxFindingsPerRun) return "maxFindingsPerRun";
    if (report.evaluations >= limits.maxEvaluationsPerRun) return "maxEvaluationsPerRun";
    if (request.deadline !== undefined && runner.clock() >= request.deadline) return "deadline";
    return undefined;
  };

  const intakeDeps: IntakeDeps = {
    config: runner.config,
    iamIds: deps.iamIds,
    configRules: deps.configRules,
    logger: runner.logger,
    homeAccount: deps.account,
  };

  sweep: for (const { rule, kind } of await mappedRules(deps)) {
    const ruleReport = { rule, kind, evaluations: 0 };
    report.rules.push(ruleReport);
    try {
      for await (const result of deps.compliance.nonCompliant(rule)) {
        const stop = stopReason();
        if (stop) {
          report.stoppedBy = stop;
          break sweep;
        }
        report.evaluations++;
        ruleReport.evaluations++;
        const { resourceType, resourceId, recordedAt } = result;
        if (!resourceType || !resourceId || !recordedAt) continue;
        try {
          const intake = await intakeConfigEvaluation(intakeDeps, {
            eventId: runId,
            source: "sweep",
            rule,
            resourceType,
            resourceId,
            account: deps.account,
            region: deps.region,
            complianceType: result.complianceType ?? "NON_COMPLIANT",
            recordedAt: recordedAt.toISOString(),
          });
          await handle(intake);
        } catch (error) {
          // One resource's trouble must not stop the sweep; the next run tries again.
          report.errors.push({
            rule,
            resourceId,
            error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
            transient: isTransientAwsError(error),
          });
        }
      }
    } catch (error) {
      report.errors.push({
        rule,
        error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
        transient: isTransientAwsError(error),
      });
    }
  }
  if (deps.accessAnalyzer && !report.stoppedBy) {
    try {
      // The bound is checked before the next finding is asked for: a sweep at its limit reads
      // no further page (nor the details of a finding it would not handle).
      const findings = deps.accessAnalyzer.active()[Symbol.asyncIterator]();
      for (;;) {
        const stop = stopReason();
        if (stop) {
          report.stoppedBy = stop;
          await findings.return?.();
          break;
        }
        const next = await findings.next();
        if (next.done) break;
        const found = next.value;
        report.evaluations++;
        report.accessAnalyzerFindings++;
        try {
          // The same intake as the event: same finding id and observedAt, so the same claim, and
          // a finding the event already handled is a duplicate.
          const sweepIntake = { ...intakeDeps, source: "sweep" as const };
          const intake =
            found.analyzer.kind === "unused-access"
              ? await intakeUnusedAccessEvent(
                  sweepIntake,
                  unusedAccessFindingEventSchema.parse(asUnusedEvent(found, runId, deps.region)),
                )
              : await intakeAccessAnalyzerEvent(
                  sweepIntake,
                  accessAnalyzerFindingEventSchema.parse(asEvent(found, runId, deps.region)),
                );
          await handle(intake);
        } catch (error) {
          report.errors.push({
            rule: ACCESS_ANALYZER_RULE,
            resourceId: found.resource,
            error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
            transient: isTransientAwsError(error),
          });
        }
      }
    } catch (error) {
      report.errors.push({
        rule: ACCESS_ANALYZER_RULE,
        error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
        transient: isTransientAwsError(error),
      });
    }
  }
  if (digest && deps.digestTop !== undefined) {
    const kept = digest.size;
    try {
      await digest.flush({
        account: deps.account,
        region: deps.region,
        runId,
        since: started,
        top: deps.digestTop,
      });
      report.digest = { outcomes: kept, sent: kept > 0 };
    } catch (error) {
      // Every outcome is journaled: `vigil journal list` still shows what the digest would have.
      report.digest = { outcomes: kept, sent: false };
      report.errors.push({
        rule: "digest",
        error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
        transient: isTransientAwsError(error),
      });
    }
  }
  report.partialFailure = report.errors.length > 0;
  const level = report.partialFailure ? "warn" : "info";
  runner.logger[level]("reconciliation sweep finished", {
    decision: "sweep",
    ...report,
    durationMs: runner.clock() - started,
  });
  return report;
}

/** An unused-access finding read by the sweep, in the shape of its EventBridge event. */
function asUnusedEvent(found: AnalyzerFinding, runId: string, region: string): unknown {
  return {
    id: runId,
    source: "aws.access-analyzer",
    "detail-type": UNUSED_ACCESS_DETAIL_TYPE,
    time: found.updatedAt.toISOString(),
    account: found.account,
    region,
    resources: [found.analyzer.arn],
    detail: {
      findingId: found.id,
      status: found.status,
      resourceType: found.resourceType,
      resource: found.resource,
      accountId: found.account,
      findingType: found.findingType ?? "",
      isDeleted: false,
      updatedAt: found.updatedAt.toISOString(),
      ...(found.analyzedAt ? { analyzedAt: found.analyzedAt.toISOString() } : {}),
    },
  };
}

/** An active finding read by the sweep, in the shape of the event Access Analyzer would send. */
function asEvent(found: AnalyzerFinding, runId: string, region: string): unknown {
  return {
    id: runId,
    source: "aws.access-analyzer",
    "detail-type": "Access Analyzer Finding",
    time: found.updatedAt.toISOString(),
    account: found.account,
    detail: {
      id: found.id,
      status: found.status,
      resourceType: found.resourceType,
      resource: found.resource,
      accountId: found.account,
      region,
      isDeleted: false,
      updatedAt: found.updatedAt.toISOString(),
      ...(found.analyzedAt ? { analyzedAt: found.analyzedAt.toISOString() } : {}),
      ...(found.error ? { error: found.error } : {}),
      ...(found.findingType ? { findingType: found.findingType } : {}),
      ...(found.principal ? { principal: found.principal } : {}),
      ...(found.isPublic !== undefined ? { isPublic: found.isPublic } : {}),
      ...(found.sources ? { sources: found.sources } : {}),
    },
  };
}
