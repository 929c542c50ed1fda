// After intake, what a handler does with the result: remediate the finding, or tell people about
// a refused source or an incident the ignored event cleared.
import { describeError } from "../domain/aws-errors.ts";
import type { Notification } from "../domain/notification.ts";
import type { RemediationOutcomeKind } from "../domain/outcomes.ts";
import { OUTCOMES } from "../domain/outcomes.ts";
import {
  refusedSourceNotification,
  resolvedNotification,
} from "../domain/remediation-notification.ts";
import { type IntakeResult, isIgnored } from "./intake.ts";
import { remediateFinding } from "./remediate-finding.ts";
import type { RemediationDeps } from "./remediation-deps.ts";

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
    // A refused source pages people; otherwise an event that cleared a resource resolves its
    // incident.
    if (result.refused) {
      const { refused } = result;
      await tell(deps, result.eventId, "refusal", refusedSourceNotification(refused, refused.why));
    } else if (result.cleared) {
      const { cleared } = result;
      await tell(deps, result.eventId, "resolve", resolvedNotification(cleared, cleared.why));
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

/** Best effort: the event is handled whether or not its message goes out (the failure is logged). */
async function tell(
  deps: RemediationDeps,
  eventId: string,
  what: "refusal" | "resolve",
  notification: Notification,
): Promise<void> {
  try {
    await deps.notifier.notify(notification);
  } catch (error) {
    deps.logger.error(`${what} notification not delivered`, {
      eventId,
      error: describeError(error),
    });
  }
}
