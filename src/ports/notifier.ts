import type { Notification } from "../domain/notification.ts";

/** Delivers a notification (SNS, PagerDuty, a log line, a router over several). */
export interface Notifier {
  notify(notification: Notification): Promise<void>;
}
