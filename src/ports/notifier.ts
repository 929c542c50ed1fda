import type { Notification } from "../domain/notification.ts";

/** Delivers a notification (SNS, PagerDuty, a log line, a router over several). */
export interface Notifier {
  notify(notification: Notification): Promise<void>;
  /**
   * A remediation outcome named with the anomalies on its resource (details.anomalies and its text)
   * and noted for the anomalies to come, without sending it: for outcomes that travel in a digest.
   * Absent: the notifier has no ledger to link with.
   */
  linkRemediation?(notification: Notification): Promise<Notification>;
}
