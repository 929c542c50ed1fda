import {
  SendMessageBatchCommand,
  type SendMessageBatchRequestEntry,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import type { DetectShard } from "../events/detect-shard.ts";
import type { ShardQueue } from "../ports/shard-queue.ts";

/** IAM actions the shard queue calls (SendMessageBatch is authorised by sqs:SendMessage). */
export const SHARD_QUEUE_ACTIONS = ["sqs:SendMessage"];

/** SQS takes at most 10 messages per SendMessageBatch. */
const BATCH = 10;

export interface SqsShardQueueOptions {
  /** Parallel SendMessageBatch calls (default 8). */
  concurrency?: number;
  /** Attempts per entry, retrying only the entries SQS refused (default 3). */
  maxAttempts?: number;
  sleep?: (ms: number) => Promise<void>;
}

/** Sends shards as SQS messages, ten per call, retrying refused entries with backoff. */
export class SqsShardQueue implements ShardQueue {
  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
    private readonly options: SqsShardQueueOptions = {},
  ) {}

  async send(
    shards: DetectShard[],
  ): Promise<{ failed: Array<{ shard: DetectShard; error: string }> }> {
    const batches: DetectShard[][] = [];
    for (let i = 0; i < shards.length; i += BATCH) batches.push(shards.slice(i, i + BATCH));
    const failed: Array<{ shard: DetectShard; error: string }> = [];
    let next = 0;
    const worker = async () => {
      while (next < batches.length) {
        const batch = batches[next++] as DetectShard[];
        failed.push(...(await this.sendBatch(batch)));
      }
    };
    const concurrency = Math.max(1, this.options.concurrency ?? 8);
    await Promise.all(Array.from({ length: Math.min(concurrency, batches.length) }, worker));
    return { failed };
  }

  private async sendBatch(
    batch: DetectShard[],
  ): Promise<Array<{ shard: DetectShard; error: string }>> {
    const maxAttempts = this.options.maxAttempts ?? 3;
    const sleep =
      this.options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
    const given: Array<{ shard: DetectShard; error: string }> = [];
    let pending = batch.map((shard, index) => ({ shard, id: String(index), error: "" }));
    for (let attempt = 1; attempt <= maxAttempts && pending.length > 0; attempt++) {
      if (attempt > 1) await sleep(100 * 2 ** attempt * Math.random());
      const entries: SendMessageBatchRequestEntry[] = pending.map(({ shard, id }) => ({
        Id: id,
        MessageBody: JSON.stringify(shard),
      }));
      try {
        const response = await this.sqs.send(
          new SendMessageBatchCommand({ QueueUrl: this.queueUrl, Entries: entries }),
        );
        const refused = new Map((response.Failed ?? []).map((f) => [f.Id, f]));
        const retry: typeof pending = [];
        for (const entry of pending) {
          const failure = refused.get(entry.id);
          if (!failure) continue;
          const error = `${failure.Code ?? "Failed"}: ${failure.Message ?? ""}`.trim();
          // A sender fault (message too big, malformed) fails the same way every time.
          if (failure.SenderFault) given.push({ shard: entry.shard, error });
          else retry.push({ ...entry, error });
        }
        pending = retry;
      } catch (error) {
        const { name, message } = error as Error;
        pending = pending.map((entry) => ({ ...entry, error: `${name}: ${message}` }));
      }
    }
    return [...given, ...pending.map(({ shard, error }) => ({ shard, error }))];
  }
}
