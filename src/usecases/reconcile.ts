import {
  type ConfigRule,
  type ConfigServiceClient,
  DescribeConfigRulesCommand,
  type EvaluationResult,
  GetComplianceDetailsByConfigRuleCommand,
} from "@aws-sdk/client-config-service";
import type { FindingKind } from "../domain/finding.ts";
import type { RemediationOutcomeKind } from "../domain/guards.ts";
import type { ComplianceType } from "../events/config-compliance-change.ts";
import { type IamIdLookup, intakeConfigEvaluation, isIgnored, ruleKindFor } from "./intake.ts";
import {
  isTransientAwsError,
  type RemediationDeps,
  remediateFinding,
} from "./remediate-finding.ts";

/** IAM actions the sweep itself calls (the remediations it drives declare their own). */
export const RECONCILE_ACTIONS = [
  "config:DescribeConfigRules",
  "config:GetComplianceDetailsByConfigRule",
];

export interface ReconcileDeps {
  runner: RemediationDeps;
  configService: ConfigServiceClient;
  /** One per run: IAM ids are resolved from a cache filled once. */
  iamIds: IamIdLookup;
  /** The account and region the Config client reads (the sweep covers its own region). */
  account: string;
  region: string;
}

export interface ReconcileRequest {
  /** Epoch ms after which no new finding is started (Lambda time left minus a margin). */
  deadline?: number;
}

export type SweepStop = "maxFindingsPerRun" | "maxEvaluationsPerRun" | "deadline";

export interface ReconcileReport {
  runId: string;
  rules: Array<{ rule: string; kind: FindingKind; evaluations: number }>;
  /** NON_COMPLIANT evaluations read. */
  evaluations: number;
  /** Findings driven through the runner that were not duplicates of handled ones. */
  handled: number;
  outcomes: Partial<Record<RemediationOutcomeKind, number>>;
  stoppedBy?: SweepStop;
  errors: Array<{ rule: string; resourceId?: string; error: string; transient: boolean }>;
  partialFailure: boolean;
}

const ACCOUNT_LEVEL = /^s3-account-level-public-access-blocks/;

/** Active Config rules that map to a finding kind, with one paginated DescribeConfigRules. */
async function mappedRules(deps: ReconcileDeps) {
  const ruleKinds = deps.runner.config.ruleKinds;
  const rules: Array<{ rule: string; kind: FindingKind }> = [];
  let token: string | undefined;
  do {
    const page = await deps.configService.send(
      new DescribeConfigRulesCommand(token ? { NextToken: token } : {}),
    );
    for (const rule of page.ConfigRules ?? ([] as ConfigRule[])) {
      const name = rule.ConfigRuleName;
      if (!name || rule.ConfigRuleState !== "ACTIVE" || ACCOUNT_LEVEL.test(name)) continue;
      const kind = ruleKindFor(ruleKinds, name);
      if (kind) rules.push({ rule: name, kind });
    }
    token = page.NextToken;
  } while (token);
  return rules;
}

async function* nonCompliant(deps: ReconcileDeps, rule: string): AsyncGenerator<EvaluationResult> {
  let token: string | undefined;
  do {
    const page = await deps.configService.send(
      new GetComplianceDetailsByConfigRuleCommand({
        ConfigRuleName: rule,
        ComplianceTypes: ["NON_COMPLIANT"],
        Limit: 100,
        ...(token ? { NextToken: token } : {}),
      }),
    );
    yield* page.EvaluationResults ?? [];
    token = page.NextToken;
  } while (token);
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
  const { runner } = deps;
  const started = runner.clock();
  const runId = `sweep-${new Date(started).toISOString()}`;
  const limits = runner.config.sweep;
  const report: ReconcileReport = {
    runId,
    rules: [],
    evaluations: 0,
    handled: 0,
    outcomes: {},
    errors: [],
    partialFailure: false,
  };
  const count = (outcome: RemediationOutcomeKind) => {
    report.outcomes[outcome] = (report.outcomes[outcome] ?? 0) + 1;
  };
  const stopReason = (): SweepStop | undefined => {
    if (report.handled >= limits.maxFindingsPerRun) return "maxFindingsPerRun";
    if (report.evaluations >= limits.maxEvaluationsPerRun) return "maxEvaluationsPerRun";
    if (request.deadline !== undefined && runner.clock() >= request.deadline) return "deadline";
    return undefined;
  };

  const intakeDeps = {
    config: runner.config,
    iamIds: deps.iamIds,
    logger: runner.logger,
    homeAccount: deps.account,
  };

  sweep: for (const { rule, kind } of await mappedRules(deps)) {
    const ruleReport = { rule, kind, evaluations: 0 };
    report.rules.push(ruleReport);
    try {
      for await (const result of nonCompliant(deps, rule)) {
        const stop = stopReason();
        if (stop) {
          report.stoppedBy = stop;
          break sweep;
        }
        report.evaluations++;
        ruleReport.evaluations++;
        const qualifier = result.EvaluationResultIdentifier?.EvaluationResultQualifier;
        const recordedAt =
          result.ResultRecordedTime ?? result.EvaluationResultIdentifier?.OrderingTimestamp;
        if (!qualifier?.ResourceType || !qualifier.ResourceId || !recordedAt) continue;
        try {
          const intake = await intakeConfigEvaluation(intakeDeps, {
            eventId: runId,
            source: "sweep",
            rule,
            resourceType: qualifier.ResourceType,
            resourceId: qualifier.ResourceId,
            account: deps.account,
            region: deps.region,
            complianceType: (result.ComplianceType ?? "NON_COMPLIANT") as ComplianceType,
            recordedAt: recordedAt.toISOString(),
          });
          if (isIgnored(intake)) {
            count("ignored");
            continue;
          }
          const outcome = await remediateFinding(runner, intake);
          count(outcome.outcome);
          if (outcome.outcome !== "duplicate") report.handled++;
        } catch (error) {
          // One resource's trouble must not stop the sweep; the next run tries again.
          report.errors.push({
            rule,
            resourceId: qualifier.ResourceId,
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
  report.partialFailure = report.errors.length > 0;
  const level = report.partialFailure ? "warn" : "info";
  runner.logger[level]("reconciliation sweep finished", {
    decision: "sweep",
    ...report,
    durationMs: runner.clock() - started,
  });
  return report;
}
