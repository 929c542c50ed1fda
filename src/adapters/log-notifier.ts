import type { Logger } from "@aws-lambda-powertools/logger";
import type { Notification } from "../domain/notification.ts";
import type { Notifier } from "../ports/notifier.ts";

/**
 * The notifier of last resort when no destination is configured: every alert becomes one WARN
 * log line (which a metric filter or a person can still find), never a silent drop.
 */
export class LogNotifier implements Notifier {
  constructor(private readonly logger: Pick<Logger, "warn">) {}

  async notify(notification: Notification): Promise<void> {
    this.logger.warn("alert not delivered anywhere: no destination configured", {
      decision: "alert-logged",
      action: notification.action,
      severity: notification.severity,
      source: notification.source,
      dedupKey: notification.dedupKey,
      subject: notification.subject,
      details: notification.details,
    });
  }
}
