// What Vigil says once, not on every re-evaluation: a declined change and an honoured exemption are
// told under a journal marker, and a later run with the same state concludes quietly.
import { createHash } from "node:crypto";
import type { Finding } from "../domain/finding.ts";
import type { JournalRecord } from "../domain/journal-record.ts";
import { CLAIM_LEASE_MS, untrustedHolder } from "./remediation-claims.ts";
import type { RemediationDeps, RemediationOutcome } from "./remediation-deps.ts";
import { conclude } from "./remediation-record.ts";

/**
 * Says once what Vigil will not do about a resource a rule keeps flagging: the marker is keyed by
 * rule, resource and what was said, so a re-evaluation (the sweep, a new Config verdict) of the
 * same state is a quiet no-op, and a changed state (another policy attached) is told again.
 */
export async function declineOnce(
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
export async function exemptOnce(
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
