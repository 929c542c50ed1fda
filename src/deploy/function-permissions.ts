import { ACCESS_ANALYZER_FINDING_ACTIONS } from "../adapters/access-analyzer-finding-source.ts";
import { KILL_SWITCH_ACTIONS } from "../adapters/account-kill-switch.ts";
import { ALERT_DLQ_ACTIONS } from "../adapters/alert-dead-letter.ts";
import {
  ASSUME_ROLE_ACTIONS,
  MEMBER_DETECTION_ROLE,
  MEMBER_REMEDIATION_ROLE,
} from "../adapters/assume-role.ts";
import { METRIC_SOURCE_ACTIONS } from "../adapters/cloudwatch-metric-source.ts";
import { CONFIG_COMPLIANCE_ACTIONS } from "../adapters/config-compliance-source.ts";
import { CONFIG_RULES_ACTIONS } from "../adapters/config-rules-catalog.ts";
import { IAM_ID_RESOLVER_ACTIONS } from "../adapters/iam-id-resolver.ts";
import { SEAL_SIGN_ACTIONS, SEAL_VERIFY_ACTIONS } from "../adapters/kms-record-seal.ts";
import {
  JOURNAL_ACTIONS,
  JOURNAL_READ_ACTIONS,
  JOURNAL_READ_PREFIXES,
} from "../adapters/s3-journal.ts";
import { PAGE_LEDGER_ACTIONS, PAGE_LEDGER_PREFIX } from "../adapters/s3-page-ledger.ts";
import { PAGERDUTY_SECRET_ACTIONS } from "../adapters/secret-reader.ts";
import { NOTIFIER_ACTIONS } from "../adapters/sns-notifier.ts";
import { SHARD_QUEUE_ACTIONS } from "../adapters/sqs-shard-queue.ts";
import { EXEMPTION_PARAMETER_ACTIONS } from "../adapters/ssm-exemption-parameters.ts";
import type { Remediation } from "../ports/remediation.ts";
import { remediations } from "../remediations/registry.ts";

type Phase = keyof Remediation["permissions"];

/** What the always-on remediators do: plan, apply, verify. Undo is the operator's alone. */
export const REMEDIATOR_PHASES: readonly Phase[] = ["plan", "apply", "verify"];
export const ALL_PHASES: readonly Phase[] = ["plan", "apply", "verify", "undo"];

/** Every action any remediation declares for the given phases (default: all of them). */
export function remediationActions(phases: readonly Phase[] = ALL_PHASES): string[] {
  return remediations.flatMap((r) => phases.flatMap((phase) => r.permissions[phase]));
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
  // Undo's Attach*/Put*Policy stay with the operator role (operatorPermissions).
  const remediate = [
    ...remediationActions(REMEDIATOR_PHASES),
    ...JOURNAL_ACTIONS,
    ...SEAL_SIGN_ACTIONS,
    ...SEAL_VERIFY_ACTIONS,
    ...alerting,
    ...KILL_SWITCH_ACTIONS,
    // Central exemptions in SSM (remediation.exemptions.ssmPath), granted on that path only.
    // CloudTrail's LookupEvents (exemptions.tags verified) is granted by the role generator
    // only when verified mode is on (iam-roles.ts, TAG_SETTER_FUNCTIONS).
    ...EXEMPTION_PARAMETER_ACTIONS,
  ];
  return {
    // Pages per account-hour are counted in the journal bucket (alerts/ only: see functionScopes).
    detect: unique([...METRIC_SOURCE_ACTIONS, ...alerting, ...PAGE_LEDGER_ACTIONS]),
    // Config names IAM resources by unique id: the resolver turns them into names.
    // Findings of member accounts are fixed through their VigilRemediationRole (AssumeRole).
    // A rule's verdict counts only when AWS wrote the rule (DescribeConfigRules: Source.Owner).
    onConfigComplianceChange: unique([
      ...remediate,
      ...IAM_ID_RESOLVER_ACTIONS,
      ...CONFIG_RULES_ACTIONS,
      ...ASSUME_ROLE_ACTIONS,
    ]),
    // Access Analyzer names resources by ARN: no resolver.
    onAccessAnalyzerFinding: unique([...remediate, ...ASSUME_ROLE_ACTIONS]),
    // The sweep reads this account's Config and Access Analyzer only: it never acts in a member
    // account.
    reconcile: unique([
      ...remediate,
      ...IAM_ID_RESOLVER_ACTIONS,
      ...CONFIG_COMPLIANCE_ACTIONS,
      ...CONFIG_RULES_ACTIONS,
      ...ACCESS_ANALYZER_FINDING_ACTIONS,
    ]),
    // The hourly remediation digest reads the journal's records (and verifies their seals),
    // claims its account-hour marker in the ledger, reads anomaly links there, and publishes.
    remediationDigest: unique([
      ...JOURNAL_READ_ACTIONS,
      ...SEAL_VERIFY_ACTIONS,
      ...PAGE_LEDGER_ACTIONS,
      ...NOTIFIER_ACTIONS,
    ]),
    // Fan-out: the planner only enqueues shards; a worker reads one member account's metrics
    // through its VigilDetectionRole, alerts, and re-enqueues the parts of a shard too big.
    detectFanout: unique(SHARD_QUEUE_ACTIONS),
    detectWorker: unique([
      ...METRIC_SOURCE_ACTIONS,
      ...alerting,
      ...PAGE_LEDGER_ACTIONS,
      ...SHARD_QUEUE_ACTIONS,
      ...ASSUME_ROLE_ACTIONS,
    ]),
  };
}

/**
 * The operator role `vigil undo` runs with (assumed by a person, never by a function): every
 * remediation phase including undo, the journal and its seal, alerts and the kill switch.
 */
export function operatorPermissions(): string[] {
  return unique([
    ...remediationActions(ALL_PHASES),
    ...JOURNAL_ACTIONS,
    ...SEAL_SIGN_ACTIONS,
    ...SEAL_VERIFY_ACTIONS,
    ...NOTIFIER_ACTIONS,
    ...PAGERDUTY_SECRET_ACTIONS,
    ...ALERT_DLQ_ACTIONS,
    ...KILL_SWITCH_ACTIONS,
    ...EXEMPTION_PARAMETER_ACTIONS,
    ...ASSUME_ROLE_ACTIONS,
  ]);
}

/** What a function's declared sqs:SendMessage and sts:AssumeRole are scoped to. */
export interface FunctionScope {
  /** Logical ids (serverless.yml) of the queues the function's code sends to. */
  queues: string[];
  /** The member-account role its AssumeRole takes, when it acts in member accounts. */
  memberRole?: string;
  /** The only part of the journal bucket it reaches (absent: all of it). */
  journalPrefix?: string;
  /** With journalPrefix: prefixes it may also read (GetObject, ListBucket), never write. */
  journalReadPrefixes?: string[];
}

/**
 * Resources for the actions that alone do not say which resource they reach: alerting sends to
 * the alert dead-letter queue, the fan-out to the shard queue; remediators assume
 * VigilRemediationRole, detection workers VigilDetectionRole.
 */
export function functionScopes(): Record<string, FunctionScope> {
  const alerts = ["AlertDeadLetterQueue"];
  return {
    detect: { queues: alerts, journalPrefix: PAGE_LEDGER_PREFIX },
    onConfigComplianceChange: { queues: alerts, memberRole: MEMBER_REMEDIATION_ROLE },
    onAccessAnalyzerFinding: { queues: alerts, memberRole: MEMBER_REMEDIATION_ROLE },
    reconcile: { queues: alerts },
    remediationDigest: {
      queues: [],
      journalPrefix: PAGE_LEDGER_PREFIX,
      journalReadPrefixes: JOURNAL_READ_PREFIXES,
    },
    detectFanout: { queues: ["ShardQueue"] },
    detectWorker: {
      queues: [...alerts, "ShardQueue"],
      memberRole: MEMBER_DETECTION_ROLE,
      journalPrefix: PAGE_LEDGER_PREFIX,
    },
  };
}
