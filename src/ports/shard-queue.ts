import type { DetectShard } from "../events/detect-shard.ts";

/** Where shards go: an SQS queue in production (SqsShardQueue), memory in tests. */
export interface ShardQueue {
  /** Sends every shard; returns those that could not be sent (after the queue's own retries). */
  send(shards: DetectShard[]): Promise<{ failed: Array<{ shard: DetectShard; error: string }> }>;
}
