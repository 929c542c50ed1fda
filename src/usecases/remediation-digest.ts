import type { Notification } from "../domain/notification.ts";
import {
  belongsInDigest,
  type RemediationDigestContext,
  type RemediationDigestEntry,
  remediationDigestNotification,
} from "../domain/remediation-digest.ts";
import type { Notifier } from "../ports/notifier.ts";

/**
 * A run's notifier that keeps the outcomes nobody needs to act on at once (belongsInDigest) for one
 * digest, and passes everything else (applied fixes, critical outcomes, resolves) straight on.
 * `flush` sends the digest once the run is over.
 */
export class RemediationDigestCollector implements Notifier {
  private readonly entries: RemediationDigestEntry[] = [];

  constructor(private readonly inner: Notifier) {}

  async notify(notification: Notification): Promise<void> {
    if (!belongsInDigest(notification)) return this.inner.notify(notification);
    // The ledger (when there is one) names the anomalies on the resource and notes the outcome
    // for the anomalies to come, as it does for an outcome sent alone.
    const linked = (await this.inner.linkRemediation?.(notification)) ?? notification;
    const anomalies = linked.details.anomalies;
    this.entries.push({
      notification: linked,
      anomalies: Array.isArray(anomalies) ? anomalies.map(String) : undefined,
    });
  }

  /** Outcomes kept for the digest so far. */
  get size(): number {
    return this.entries.length;
  }

  /** Sends the run's digest (nothing when no outcome was kept); true when one was sent. */
  async flush(ctx: RemediationDigestContext): Promise<boolean> {
    if (this.entries.length === 0) return false;
    await this.inner.notify(remediationDigestNotification(this.entries, ctx));
    this.entries.length = 0;
    return true;
  }
}

/**
 * The event functions' notifier in digest mode: an outcome nobody needs to act on at once
 * (belongsInDigest) is only journaled (the runner already wrote it) and noted in the ledger for the
 * anomalies to come; the hourly digest (sendEventDigests) sends it with the rest of its
 * account-hour. Everything else (applied fixes, critical outcomes, resolves) passes straight on.
 */
export class DeferToHourlyDigest implements Notifier {
  constructor(
    private readonly inner: Notifier,
    private readonly logger: { info(message: string, ...extra: unknown[]): void },
  ) {}

  async notify(notification: Notification): Promise<void> {
    if (!belongsInDigest(notification)) return this.inner.notify(notification);
    await this.inner.linkRemediation?.(notification);
    this.logger.info("remediation outcome left to the hourly digest", {
      journalId: notification.details.journalId,
      dedupKey: notification.dedupKey,
    });
  }
}
