// After intake, what a handler does with the result: remediate the finding, or tell people about
// a refused source or an incident the ignored event cleared.
import { describeError } from "../domain/aws-errors.ts";
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
    if (result.refused) {
      try {
        await deps.notifier.notify(refusedSourceNotification(result.refused, result.refused.why));
      } catch (error) {
        deps.logger.error("refusal notification not delivered", {
          eventId: result.eventId,
          error: describeError(error),
        });
      }
      return { ok: true, eventId: result.eventId, outcome: "ignored", reason: result.reason };
    }
    if (result.cleared) {
      try {
        await deps.notifier.notify(resolvedNotification(result.cleared, result.cleared.why));
      } catch (error) {
        deps.logger.error("resolve notification not delivered", {
          eventId: result.eventId,
          error: describeError(error),
        });
      }
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
