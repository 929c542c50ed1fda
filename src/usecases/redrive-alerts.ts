import type { Logger } from "@aws-lambda-powertools/logger";
import { describeZodError } from "../config/errors.ts";
import {
  type DeadLetter,
  deadLetterSchema,
  type PagerDutyEvent,
} from "../domain/pagerduty-event.ts";

/**
 * `vigil redrive`: re-sends the PagerDuty events waiting in the alert dead-letter queue and deletes
 * the ones PagerDuty took. Per dedup key only the newest queued event is sent (a queued trigger
 * followed by its resolve must not re-open the incident); older ones are deleted with it. Events
 * that fail again, and messages that do not parse, stay queued and are reported.
 */

/** One message as the queue hands it out. */
export interface ReceivedDeadLetter {
  messageId: string;
  receiptHandle: string;
  body: string;
}

/** The dead-letter queue as redrive uses it (AlertDeadLetterQueue). */
export interface DeadLetterStore {
  receive(max: number, visibilitySeconds: number): Promise<ReceivedDeadLetter[]>;
  /** Returns what could not be deleted / released. */
  delete(receiptHandles: string[]): Promise<Array<{ receiptHandle: string; error: string }>>;
  release(receiptHandles: string[]): Promise<Array<{ receiptHandle: string; error: string }>>;
}

export interface RedriveDeps {
  queue: DeadLetterStore;
  /** PagerDutyNotifier: adds the routing key, retries, throws when PagerDuty does not take it. */
  pagerDuty: { send(event: PagerDutyEvent): Promise<unknown> };
  logger?: Pick<Logger, "info" | "warn" | "error">;
}

export interface RedriveRequest {
  /** Stop after this many messages (default 1000). */
  maxMessages?: number;
  /** List what would be sent; send and delete nothing. */
  dryRun?: boolean;
  /** How long received messages stay hidden while they are sent (default 300 s). */
  visibilitySeconds?: number;
}

export interface RedrivenEvent {
  dedupKey: string;
  action: "trigger" | "resolve";
  queuedAt: string;
  /** Why it was queued (the original delivery failure). */
  reason: string;
}

export interface RedriveReport {
  dryRun: boolean;
  received: number;
  /** Sent to PagerDuty and deleted (dry run: would be sent). */
  delivered: RedrivenEvent[];
  /** Older events for a key whose newer event was delivered: deleted (dry run: would be). */
  superseded: RedrivenEvent[];
  /** PagerDuty still did not take them: they stay queued. */
  failed: Array<RedrivenEvent & { error: string }>;
  /** Not a Vigil dead letter: left in the queue for a person to look at. */
  malformed: Array<{ messageId: string; error: string }>;
  /** SQS did not delete or release these (they reappear after the visibility timeout). */
  queueErrors: string[];
  /** True when redrive stopped early because PagerDuty (or the routing key) kept failing. */
  stoppedEarly: boolean;
}

/** Messages received and handled per round: all of them are hidden until the round ends. */
const ROUND = 100;

function parseLetter(message: ReceivedDeadLetter): DeadLetter | string {
  let raw: unknown;
  try {
    raw = JSON.parse(message.body);
  } catch (error) {
    return `not JSON: ${(error as Error).message}`;
  }
  const parsed = deadLetterSchema.safeParse(raw);
  return parsed.success
    ? (parsed.data as DeadLetter)
    : describeZodError(parsed.error).replace(/\n/g, "; ");
}

function summary(letter: DeadLetter): RedrivenEvent {
  return {
    dedupKey: letter.event.dedup_key,
    action: letter.event.event_action,
    queuedAt: letter.queuedAt,
    reason: letter.reason,
  };
}

export async function redriveAlerts(
  deps: RedriveDeps,
  request: RedriveRequest = {},
): Promise<RedriveReport> {
  const maxMessages = request.maxMessages ?? 1000;
  const visibilitySeconds = request.visibilitySeconds ?? 300;
  const dryRun = request.dryRun ?? false;
  const report: RedriveReport = {
    dryRun,
    received: 0,
    delivered: [],
    superseded: [],
    failed: [],
    malformed: [],
    queueErrors: [],
    stoppedEarly: false,
  };
  // Newest delivered queuedAt per dedup key, across rounds: an older letter found later is stale.
  const newestDelivered = new Map<string, string>();
  // Released at the very end: released earlier, they would be received again in the next round.
  const keep: string[] = [];

  while (report.received < maxMessages) {
    const messages = await deps.queue.receive(
      Math.min(ROUND, maxMessages - report.received),
      visibilitySeconds,
    );
    if (messages.length === 0) break;
    report.received += messages.length;

    const groups = new Map<string, Array<{ letter: DeadLetter; handle: string }>>();
    for (const message of messages) {
      const letter = parseLetter(message);
      if (typeof letter === "string") {
        report.malformed.push({ messageId: message.messageId, error: letter });
        keep.push(message.receiptHandle);
        continue;
      }
      const key = letter.event.dedup_key;
      groups.set(key, [...(groups.get(key) ?? []), { letter, handle: message.receiptHandle }]);
    }

    const toDelete: string[] = [];
    const sends: Array<Promise<boolean>> = [];
    for (const [key, group] of groups) {
      group.sort((a, b) => a.letter.queuedAt.localeCompare(b.letter.queuedAt));
      const alreadySent = newestDelivered.get(key);
      const fresh = group.filter((g) => !alreadySent || g.letter.queuedAt > alreadySent);
      const stale = group.filter((g) => !fresh.includes(g));
      const newest = fresh.at(-1);
      const older = [...stale, ...fresh.slice(0, -1)];
      if (!newest) {
        report.superseded.push(...older.map((g) => summary(g.letter)));
        if (dryRun) keep.push(...older.map((g) => g.handle));
        else toDelete.push(...older.map((g) => g.handle));
        continue;
      }
      if (dryRun) {
        report.delivered.push(summary(newest.letter));
        report.superseded.push(...older.map((g) => summary(g.letter)));
        keep.push(newest.handle, ...older.map((g) => g.handle));
        continue;
      }
      sends.push(
        deps.pagerDuty.send(newest.letter.event).then(
          () => {
            report.delivered.push(summary(newest.letter));
            report.superseded.push(...older.map((g) => summary(g.letter)));
            toDelete.push(newest.handle, ...older.map((g) => g.handle));
            newestDelivered.set(key, newest.letter.queuedAt);
            return true;
          },
          (error: Error) => {
            report.failed.push({ ...summary(newest.letter), error: error.message });
            keep.push(newest.handle, ...older.map((g) => g.handle));
            return false;
          },
        ),
      );
    }
    const results = await Promise.all(sends);
    for (const failure of await deps.queue.delete(toDelete)) {
      report.queueErrors.push(`delete failed: ${failure.error}`);
    }
    if (results.length > 0 && results.every((ok) => !ok)) {
      // Nothing got through this round: PagerDuty or the routing key is still broken.
      report.stoppedEarly = true;
      break;
    }
  }

  for (const failure of await deps.queue.release(keep)) {
    report.queueErrors.push(`release failed: ${failure.error}`);
  }
  deps.logger?.[report.failed.length + report.malformed.length > 0 ? "error" : "info"](
    "alert redrive finished",
    {
      dryRun,
      received: report.received,
      delivered: report.delivered.length,
      superseded: report.superseded.length,
      failed: report.failed.length,
      malformed: report.malformed.length,
      stoppedEarly: report.stoppedEarly,
    },
  );
  return report;
}
