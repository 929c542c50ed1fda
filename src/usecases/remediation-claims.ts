// Journal ids and idempotency claims: the key a finding is claimed under, how long a claim holds,
// and whether the record holding a claim can be trusted (a planted claim must not silence anything).
import { randomBytes } from "node:crypto";
import { describeError, isTransientAwsError } from "../domain/aws-errors.ts";
import type { Finding } from "../domain/finding.ts";
import type { RemediationMode } from "../domain/guards.ts";
import { journalIdPrefix } from "../domain/journal-query.ts";
import type { JournalRecord } from "../domain/journal-record.ts";
import { recordProblem } from "./journal-records.ts";
import type { RemediationDeps } from "./remediation-deps.ts";

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
