import { METRIC_SOURCE_ACTIONS } from "../adapters/cloudwatch-metric-source.ts";
import { IAM_ID_RESOLVER_ACTIONS } from "../adapters/iam-id-resolver.ts";
import { JOURNAL_ACTIONS } from "../adapters/s3-journal.ts";
import { NOTIFIER_ACTIONS } from "../adapters/sns-notifier.ts";
import { remediations } from "../remediations/registry.ts";
import { RECONCILE_ACTIONS } from "../usecases/reconcile.ts";

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
  const remediate = [...remediationActions(), ...JOURNAL_ACTIONS, ...NOTIFIER_ACTIONS];
  return {
    detect: unique([...METRIC_SOURCE_ACTIONS, ...NOTIFIER_ACTIONS]),
    // Config names IAM resources by unique id: the resolver turns them into names.
    onConfigComplianceChange: unique([...remediate, ...IAM_ID_RESOLVER_ACTIONS]),
    // Access Analyzer names resources by ARN: no resolver.
    onAccessAnalyzerFinding: unique(remediate),
    reconcile: unique([...remediate, ...IAM_ID_RESOLVER_ACTIONS, ...RECONCILE_ACTIONS]),
  };
}
