import type { Logger } from "@aws-lambda-powertools/logger";
import type { AlertDestination, AlertRoute } from "../domain/alert-route.ts";
import { destinationsFor } from "../domain/alert-routing.ts";
import { VigilError } from "../domain/errors.ts";
import type { Notification } from "../domain/notification.ts";
import { DEAD_LETTER_KIND, pagerDutyEvent } from "../domain/pagerduty-event.ts";
import { PAGER_FAILED_ANCHOR, runbookLink, withRunbook } from "../domain/runbook.ts";
import type { Notifier } from "../ports/notifier.ts";
import type { AlertDeadLetterQueue } from "./alert-dead-letter.ts";
import type { PagerDutySender } from "./pagerduty-notifier.ts";

/**
 * One Notifier in front of several: picks destinations by severity, source and outcome, pages
 * through PagerDuty, publishes to SNS, and never loses an alert — when PagerDuty cannot take it,
 * SNS gets it marked "pager delivery failed" and the event waits in the dead-letter queue for
 * `vigil redrive`. A failed destination makes notify() reject with an AlertDeliveryError *after*
 * every fallback ran, so the run counts it (DetectReport.notificationFailures) and goes on.
 */

/** Some destination did not take the alert; the message lists what was delivered and what was not. */
export class AlertDeliveryError extends VigilError {
  override name = "AlertDeliveryError";
  constructor(
    message: string,
    readonly delivered: string[],
    readonly failed: Array<{ destination: string; error: string }>,
  ) {
    super(message);
  }
}

/** The SNS copy of an alert PagerDuty did not take: the subject and the first line say so. */
export function markPagerFailed(
  notification: Notification,
  why: string,
  queued: boolean,
  runbookBase?: string,
): Notification {
  const tagged = /^\[Vigil ([A-Z]+)\]/.test(notification.subject)
    ? notification.subject.replace(/^\[Vigil ([A-Z]+)\]/, "[Vigil $1, pager delivery failed]")
    : `[pager delivery failed] ${notification.subject}`;
  const next = queued
    ? "The PagerDuty event is queued in the alert dead-letter queue: run `vigil redrive` once PagerDuty (or the routing key) works again."
    : "The PagerDuty event could NOT be queued for redrive: this message is the only copy.";
  return {
    ...notification,
    subject: tagged,
    body: [
      `pager delivery failed: ${why}`,
      `Nobody was paged for this alert. ${next} Runbook: ${runbookLink(PAGER_FAILED_ANCHOR, runbookBase)}`,
      "",
      notification.body,
    ].join("\n"),
    attributes: { ...notification.attributes, pagerDelivery: "failed" },
  };
}

export interface RoutingNotifierOptions {
  routes: readonly AlertRoute[];
  sns?: Notifier;
  pagerDuty?: PagerDutySender;
  deadLetter?: Pick<AlertDeadLetterQueue, "enqueue">;
  logger: Pick<Logger, "info" | "warn" | "error">;
  /** Base URL of the on-call runbook (default: its path in the repository). */
  runbookUrl?: string;
  /** ISO timestamps for PagerDuty events and dead letters. */
  now?: () => Date;
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    return error.name === "PagerDutyError" || error.name === "RoutingKeyError"
      ? error.message
      : `${error.name}: ${error.message}`;
  }
  return String(error);
}

export { destinationsFor };

export class RoutingNotifier implements Notifier {
  private readonly now: () => Date;

  constructor(private readonly options: RoutingNotifierOptions) {
    this.now = options.now ?? (() => new Date());
  }

  /** What is configured, for the startup log and `vigil alert test`. */
  get destinations(): AlertDestination[] {
    return [
      ...(this.options.pagerDuty ? (["pagerduty"] as const) : []),
      ...(this.options.sns ? (["sns"] as const) : []),
    ];
  }

  async notify(original: Notification): Promise<void> {
    const { sns, pagerDuty, deadLetter, logger } = this.options;
    const notification = withRunbook(original, this.options.runbookUrl);
    // The detect run decides some destinations itself (the digest to SNS, pages to PagerDuty).
    const wanted = new Set(
      notification.destinations ?? destinationsFor(this.options.routes, notification),
    );
    // A route to PagerDuty without a routing key configured still reaches people through SNS.
    const page = wanted.has("pagerduty") && pagerDuty !== undefined;
    let publish = wanted.has("sns") || (wanted.has("pagerduty") && !pagerDuty);

    const delivered: string[] = [];
    const failed: Array<{ destination: string; error: string }> = [];
    let pagerFailure: string | undefined;
    let queued = false;

    if (page && pagerDuty) {
      const event = pagerDutyEvent(notification, this.now().toISOString());
      try {
        await pagerDuty.send(event);
        delivered.push("pagerduty");
      } catch (error) {
        pagerFailure = describe(error);
        failed.push({ destination: "pagerduty", error: pagerFailure });
        logger.error("pager delivery failed", {
          dedupKey: notification.dedupKey,
          action: notification.action,
          error: pagerFailure,
        });
        if (deadLetter) {
          try {
            await deadLetter.enqueue({
              version: 1,
              kind: DEAD_LETTER_KIND,
              queuedAt: this.now().toISOString(),
              reason: pagerFailure,
              event,
            });
            queued = true;
            delivered.push("dead-letter queue");
          } catch (dlqError) {
            failed.push({ destination: "dead-letter queue", error: describe(dlqError) });
          }
        } else {
          failed.push({
            destination: "dead-letter queue",
            error: "not configured (VIGIL_ALERT_DLQ_URL)",
          });
        }
        // Whatever the route said, the people must hear about it somewhere.
        publish = true;
      }
    }

    if (publish && sns) {
      const message =
        pagerFailure !== undefined
          ? markPagerFailed(notification, pagerFailure, queued, this.options.runbookUrl)
          : notification;
      try {
        await sns.notify(message);
        delivered.push(pagerFailure !== undefined ? "sns (marked pager delivery failed)" : "sns");
      } catch (error) {
        failed.push({ destination: "sns", error: describe(error) });
      }
    } else if (publish && !sns && !page) {
      failed.push({ destination: "sns", error: "no SNS topic configured (VIGIL_TOPIC_ARN)" });
    }

    if (failed.length === 0) return;
    const where = `delivered to ${delivered.join(", ") || "nowhere"}`;
    const others = failed.filter((f) => f.destination !== "pagerduty");
    const message =
      pagerFailure !== undefined
        ? [
            `pager delivery failed: ${pagerFailure}`,
            where,
            ...others.map((f) => `${f.destination} failed: ${f.error}`),
          ].join("; ")
        : `alert not fully delivered: ${failed.map((f) => `${f.destination}: ${f.error}`).join("; ")}; ${where}`;
    const somebodyKnows = delivered.some((d) => d === "pagerduty" || d.startsWith("sns"));
    if (!somebodyKnows) {
      // No copy anywhere a person reads: the logs keep the whole alert at least.
      logger.error("alert delivered nowhere a person reads: full text follows", {
        dedupKey: notification.dedupKey,
        subject: notification.subject,
        body: notification.body,
      });
    }
    throw new AlertDeliveryError(message, delivered, failed);
  }
}
