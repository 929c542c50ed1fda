import { KILL_SWITCH_ACTIONS } from "../adapters/account-kill-switch.ts";
import { ALERT_DLQ_ACTIONS } from "../adapters/alert-dead-letter.ts";
import {
  ASSUME_ROLE_ACTIONS,
  MEMBER_DETECTION_ROLE,
  MEMBER_REMEDIATION_ROLE,
} from "../adapters/assume-role.ts";
import { METRIC_SOURCE_ACTIONS } from "../adapters/cloudwatch-metric-source.ts";
import { CONFIG_COMPLIANCE_ACTIONS } from "../adapters/config-compliance-source.ts";
import { IAM_ID_RESOLVER_ACTIONS } from "../adapters/iam-id-resolver.ts";
import { JOURNAL_ACTIONS } from "../adapters/s3-journal.ts";
import { PAGERDUTY_SECRET_ACTIONS } from "../adapters/secret-reader.ts";
import { NOTIFIER_ACTIONS } from "../adapters/sns-notifier.ts";
import { SHARD_QUEUE_ACTIONS } from "../adapters/sqs-shard-queue.ts";
import { remediations } from "../remediations/registry.ts";

/** Every action any remediation declares, over all phases (plan, apply, verify, undo). */
export function remediationActions(): string[] {
  return remediations.flatMap((r) => [
    ...r.permissions.plan,
    ...r.permissions.apply,
    ...r.permissions.verify,
    ...r.permissions.undo,
  ]);
}

function unique(actions: string[]): string[] {
  return [...new Set(actions)].sort();
}

/**
 * What each function's code calls, assembled from the declarations next to the code that makes
 * the calls (adapters, remediations, use cases). Roles are generated from this — never a second,
 * hand-kept list.
 */
export function functionPermissions(): Record<string, string[]> {
  // Alerts: SNS, the PagerDuty routing key (Secrets Manager or SSM) and the alert dead-letter queue.
  const alerting = [...NOTIFIER_ACTIONS, ...PAGERDUTY_SECRET_ACTIONS, ...ALERT_DLQ_ACTIONS];
  // Every remediation first reads the per-account kill switch (an SSM parameter).
  const remediate = [
    ...remediationActions(),
    ...JOURNAL_ACTIONS,
    ...alerting,
    ...KILL_SWITCH_ACTIONS,
  ];
  return {
    detect: unique([...METRIC_SOURCE_ACTIONS, ...alerting]),
    // Config names IAM resources by unique id: the resolver turns them into names.
    // Findings of member accounts are fixed through their VigilRemediationRole (AssumeRole).
    onConfigComplianceChange: unique([
      ...remediate,
      ...IAM_ID_RESOLVER_ACTIONS,
      ...ASSUME_ROLE_ACTIONS,
    ]),
    // Access Analyzer names resources by ARN: no resolver.
    onAccessAnalyzerFinding: unique([...remediate, ...ASSUME_ROLE_ACTIONS]),
    // The sweep reads this account's Config only: it never acts in a member account.
    reconcile: unique([...remediate, ...IAM_ID_RESOLVER_ACTIONS, ...CONFIG_COMPLIANCE_ACTIONS]),
    // Fan-out: the planner only enqueues shards; a worker reads one member account's metrics
    // through its VigilDetectionRole, alerts, and re-enqueues the parts of a shard too big.
    detectFanout: unique(SHARD_QUEUE_ACTIONS),
    detectWorker: unique([
      ...METRIC_SOURCE_ACTIONS,
      ...alerting,
      ...SHARD_QUEUE_ACTIONS,
      ...ASSUME_ROLE_ACTIONS,
    ]),
  };
}

/** What a function's declared sqs:SendMessage and sts:AssumeRole are scoped to. */
export interface FunctionScope {
  /** Logical ids (serverless.yml) of the queues the function's code sends to. */
  queues: string[];
  /** The member-account role its AssumeRole takes, when it acts in member accounts. */
  memberRole?: string;
}

/**
 * Resources for the actions that alone do not say which resource they reach: alerting sends to
 * the alert dead-letter queue, the fan-out to the shard queue; remediators assume
 * VigilRemediationRole, detection workers VigilDetectionRole.
 */
export function functionScopes(): Record<string, FunctionScope> {
  const alerts = ["AlertDeadLetterQueue"];
  return {
    detect: { queues: alerts },
    onConfigComplianceChange: { queues: alerts, memberRole: MEMBER_REMEDIATION_ROLE },
    onAccessAnalyzerFinding: { queues: alerts, memberRole: MEMBER_REMEDIATION_ROLE },
    reconcile: { queues: alerts },
    detectFanout: { queues: ["ShardQueue"] },
    detectWorker: { queues: [...alerts, "ShardQueue"], memberRole: MEMBER_DETECTION_ROLE },
  };
}
