import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import type { DeadLetter } from "../domain/pagerduty-event.ts";

/**
 * The alert dead-letter queue: PagerDuty events that could not be delivered wait here for
 * `vigil redrive`. Messages never contain the routing key (it is added again when redriving).
 */

/** IAM actions the functions call on the queue (redrive runs with an operator's credentials). */
export const ALERT_DLQ_ACTIONS = ["sqs:SendMessage"];

/** SQS limits: 10 entries and 256 KiB per batch (and per message). */
const BATCH_ENTRIES = 10;
const BATCH_BYTES = 256 * 1024;

interface Pending {
  body: string;
  dedupKey: string;
  action: string;
  resolve: () => void;
  reject: (error: Error) => void;
}

export interface ReceivedDeadLetter {
  messageId: string;
  receiptHandle: string;
  body: string;
}

export class AlertDeadLetterQueue {
  private pending: Pending[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;

  /**
   * @param lingerMs How long the first queued entry waits for others before a batch is sent: the
   *   alerts of one run fail together, so they leave in SendMessageBatch calls of up to 10.
   */
  constructor(
    private readonly sqs: SQSClient,
    readonly queueUrl: string,
    private readonly lingerMs = 20,
  ) {}

  /** Queues one undelivered event; resolves once SQS has stored it. */
  enqueue(letter: DeadLetter): Promise<void> {
    const body = JSON.stringify(letter);
    if (Buffer.byteLength(body) > BATCH_BYTES) {
      return Promise.reject(
        new Error(`dead letter for ${letter.event.dedup_key} is larger than SQS allows (256 KiB)`),
      );
    }
    return new Promise<void>((resolve, reject) => {
      this.pending.push({
        body,
        dedupKey: letter.event.dedup_key,
        action: letter.event.event_action,
        resolve,
        reject,
      });
      if (this.pending.length >= BATCH_ENTRIES) void this.flush();
      else this.timer ??= setTimeout(() => void this.flush(), this.lingerMs);
    });
  }

  /** Sends everything queued so far. */
  async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const all = this.pending;
    this.pending = [];
    const batches: Pending[][] = [];
    let current: Pending[] = [];
    let bytes = 0;
    for (const entry of all) {
      const size = Buffer.byteLength(entry.body);
      if (current.length === BATCH_ENTRIES || (current.length > 0 && bytes + size > BATCH_BYTES)) {
        batches.push(current);
        current = [];
        bytes = 0;
      }
      current.push(entry);
      bytes += size;
    }
    if (current.length > 0) batches.push(current);
    await Promise.all(batches.map((batch) => this.sendBatch(batch)));
  }

  private async sendBatch(batch: Pending[]): Promise<void> {
    try {
      const result = await this.sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: this.queueUrl,
          Entries: batch.map((entry, index) => ({
            Id: `e${index}`,
            MessageBody: entry.body,
            MessageAttributes: {
              dedupKey: { DataType: "String", StringValue: entry.dedupKey },
              action: { DataType: "String", StringValue: entry.action },
            },
          })),
        }),
      );
      const failed = new Map((result.Failed ?? []).map((f) => [f.Id, f]));
      batch.forEach((entry, index) => {
        const failure = failed.get(`e${index}`);
        if (failure) {
          entry.reject(
            new Error(`SQS refused the dead letter: ${failure.Code}: ${failure.Message ?? ""}`),
          );
        } else entry.resolve();
      });
    } catch (error) {
      const { name, message } = error as Error;
      for (const entry of batch)
        entry.reject(new Error(`SQS SendMessageBatch failed: ${name}: ${message}`));
    }
  }

  /** Up to `max` messages, hidden from other readers for `visibilitySeconds`. */
  async receive(max: number, visibilitySeconds: number): Promise<ReceivedDeadLetter[]> {
    const messages: ReceivedDeadLetter[] = [];
    while (messages.length < max) {
      const batch = await this.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: this.queueUrl,
          MaxNumberOfMessages: Math.min(10, max - messages.length),
          VisibilityTimeout: visibilitySeconds,
          WaitTimeSeconds: 0,
        }),
      );
      const received = batch.Messages ?? [];
      if (received.length === 0) break;
      for (const message of received) {
        if (!message.ReceiptHandle || !message.MessageId) continue;
        messages.push({
          messageId: message.MessageId,
          receiptHandle: message.ReceiptHandle,
          body: message.Body ?? "",
        });
      }
    }
    return messages;
  }

  /** Deletes in batches of 10; returns the receipt handles SQS did not delete, with why. */
  async delete(receiptHandles: string[]): Promise<Array<{ receiptHandle: string; error: string }>> {
    return this.batched(receiptHandles, (entries) =>
      this.sqs.send(new DeleteMessageBatchCommand({ QueueUrl: this.queueUrl, Entries: entries })),
    );
  }

  /** Makes messages visible again at once (a dry run, or events that stay queued). */
  async release(
    receiptHandles: string[],
  ): Promise<Array<{ receiptHandle: string; error: string }>> {
    return this.batched(receiptHandles, (entries) =>
      this.sqs.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: this.queueUrl,
          Entries: entries.map((e) => ({ ...e, VisibilityTimeout: 0 })),
        }),
      ),
    );
  }

  private async batched(
    receiptHandles: string[],
    call: (entries: Array<{ Id: string; ReceiptHandle: string }>) => Promise<{
      Failed?:
        | Array<{
            Id?: string | undefined;
            Code?: string | undefined;
            Message?: string | undefined;
          }>
        | undefined;
    }>,
  ): Promise<Array<{ receiptHandle: string; error: string }>> {
    const failures: Array<{ receiptHandle: string; error: string }> = [];
    for (let offset = 0; offset < receiptHandles.length; offset += BATCH_ENTRIES) {
      const chunk = receiptHandles.slice(offset, offset + BATCH_ENTRIES);
      const entries = chunk.map((handle, index) => ({ Id: `m${index}`, ReceiptHandle: handle }));
      try {
        const result = await call(entries);
        for (const failure of result.Failed ?? []) {
          const index = Number(failure.Id?.slice(1));
          const handle = chunk[index];
          if (handle)
            failures.push({
              receiptHandle: handle,
              error: `${failure.Code}: ${failure.Message ?? ""}`,
            });
        }
      } catch (error) {
        const { name, message } = error as Error;
        for (const handle of chunk)
          failures.push({ receiptHandle: handle, error: `${name}: ${message}` });
      }
    }
    return failures;
  }
}
