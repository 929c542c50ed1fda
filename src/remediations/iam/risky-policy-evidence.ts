import {
  type LastUsedEvidence,
  lastUsedLine,
  servicesOf,
  usedWithinDays,
} from "../../domain/last-used.ts";
import { readLastUsed } from "./last-accessed.ts";
import type { RiskyPolicyContext } from "./risky-policy-before.ts";

/**
 * Last-used evidence for what is about to be removed (IAM's service last accessed report for the
 * principal or policy), and the optional guard: policies whose services were used within
 * `riskyPolicySkipIfUsedWithinDays` days are kept and told. Read only when something would be
 * removed.
 */
export async function weighEvidence<
  P extends { policyName: string; detachActions?: string[] | undefined },
>(
  ctx: RiskyPolicyContext,
  arn: string,
  subject: string,
  candidates: P[],
): Promise<{ remove: P[]; keep: P[]; notes: string[]; evidence?: LastUsedEvidence }> {
  const { settings } = ctx;
  if (candidates.length === 0 || settings.riskyPolicyLastUsedWaitSeconds === 0) {
    return { remove: candidates, keep: [], notes: [] };
  }
  const evidence = await readLastUsed(ctx.iam, arn, settings.riskyPolicyLastUsedWaitSeconds * 1000);
  const now = Date.now();
  const days = settings.riskyPolicySkipIfUsedWithinDays;
  const scope = (policy: P) => servicesOf(policy.detachActions ?? ["*"]);
  const recent = (policy: P) =>
    days !== undefined && usedWithinDays(evidence, scope(policy), days, now);
  const keep = candidates.filter(recent);
  const notes = candidates.map((policy) =>
    lastUsedLine(
      recent(policy)
        ? `${policy.policyName} KEPT, used within ${days} days (riskyPolicySkipIfUsedWithinDays) by ${subject}`
        : `${policy.policyName}'s risky grants, by ${subject}`,
      evidence,
      scope(policy),
      now,
    ),
  );
  if (!evidence.ok && days !== undefined) {
    notes.push(
      `riskyPolicySkipIfUsedWithinDays (${days}) could not be checked without evidence: nothing held back`,
    );
  }
  return { remove: candidates.filter((policy) => !recent(policy)), keep, notes, evidence };
}
