import type { SQSBatchResponse, SQSEvent } from "aws-lambda";
import type { DetectShard } from "../src/events/detect-shard.ts";
import { detectShard, type ShardDeps } from "../src/usecases/detect-shard.ts";
import { parseShardMessage } from "../src/usecases/plan-shards.ts";
import { createShardDeps } from "../src/wiring/fanout.ts";
import { defineHandler, type HandlerContext } from "../src/wiring/handler.ts";

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/**
 * SQS → one detection shard per message. A message that cannot be read or evaluated is reported
 * as a batch item failure: SQS redelivers it, then moves it to the dead-letter queue (alarmed);
 * the other messages of the batch are not retried.
 */
const worker = defineHandler({
  serviceName: "vigil-detect-worker",
  build: ({ logger, homeAccount }) =>
    createShardDeps({ logger, ...(homeAccount ? { homeAccount } : {}) }),
  run: async (deps: ShardDeps, event: SQSEvent, { logger }) => {
    const failures: string[] = [];
    await Promise.all(
      (event.Records ?? []).map(async (record) => {
        let shard: DetectShard;
        try {
          shard = parseShardMessage(record.body);
        } catch (error) {
          logger.error("shard rejected", { messageId: record.messageId, error: describe(error) });
          failures.push(record.messageId);
          return;
        }
        const context = {
          messageId: record.messageId,
          runId: shard.runId,
          account: shard.account,
          region: shard.region,
          metricSets: shard.metricSets,
          part: `${shard.part.index}/${shard.part.count}`,
        };
        try {
          const outcome = await detectShard(deps, shard);
          if (outcome.status === "split") {
            logger.info("shard split", {
              ...context,
              metrics: outcome.metrics,
              parts: outcome.parts,
            });
          }
        } catch (error) {
          logger.error("shard failed", { ...context, error: describe(error) });
          failures.push(record.messageId);
        }
      }),
    );
    return failures;
  },
  measure: (failures) => [{ name: "ShardsFailed", value: failures.length }],
  respond: (failures): SQSBatchResponse => ({
    batchItemFailures: failures.map((itemIdentifier) => ({ itemIdentifier })),
  }),
  // Never answered: a record the batch cannot take is a batch item failure, a failed build throws.
  reject: (): SQSBatchResponse => ({ batchItemFailures: [] }),
  answers: () => false,
});

export const { logger } = worker;
export const setShardDeps = worker.setDeps;
export const handler: (event: SQSEvent, context?: HandlerContext) => Promise<SQSBatchResponse> =
  worker.handler;
