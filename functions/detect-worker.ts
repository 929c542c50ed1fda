import { Logger } from "@aws-lambda-powertools/logger";
import type { Context, SQSBatchResponse, SQSEvent } from "aws-lambda";
import type { DetectShard } from "../src/events/detect-shard.ts";
import { detectShard, type ShardDeps } from "../src/usecases/detect-shard.ts";
import { parseShardMessage } from "../src/usecases/plan-shards.ts";
import { accountFromFunctionArn } from "../src/wiring/detection.ts";
import { createShardDeps } from "../src/wiring/fanout.ts";

export const logger = new Logger({ serviceName: "vigil-detect-worker" });

/** Built once per container, on first use, so tests can replace it before. */
let depsPromise: Promise<ShardDeps> | undefined;
export function setShardDeps(deps: ShardDeps | undefined): void {
  depsPromise = deps ? Promise.resolve(deps) : undefined;
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/**
 * SQS → one detection shard per message. A message that cannot be read or evaluated is reported
 * as a batch item failure: SQS redelivers it, then moves it to the dead-letter queue (alarmed);
 * the other messages of the batch are not retried.
 */
export async function handler(
  event: SQSEvent,
  context?: Pick<Context, "invokedFunctionArn">,
): Promise<SQSBatchResponse> {
  const homeAccount = accountFromFunctionArn(context?.invokedFunctionArn);
  depsPromise ??= createShardDeps({ logger, ...(homeAccount ? { homeAccount } : {}) });
  let deps: ShardDeps;
  try {
    deps = await depsPromise;
  } catch (error) {
    // A bad config is an operator error: fail the whole batch loudly, rebuild next time.
    depsPromise = undefined;
    logger.error("cannot start detection worker", { error: describe(error) });
    throw error;
  }
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
  return { batchItemFailures: failures.map((itemIdentifier) => ({ itemIdentifier })) };
}
