import { Logger } from "@aws-lambda-powertools/logger";
import type { Context } from "aws-lambda";
import { describeZodError } from "../src/config/load.ts";
import { isInputError } from "../src/domain/errors.ts";
import {
  type FanoutDeps,
  type FanoutReport,
  fanOutDetection,
  fanoutRequestSchema,
} from "../src/usecases/plan-shards.ts";
import { accountFromFunctionArn } from "../src/wiring/detection.ts";
import { createFanoutDeps } from "../src/wiring/fanout.ts";

export const logger = new Logger({ serviceName: "vigil-detect-fanout" });

export interface FanoutResponse {
  ok: boolean;
  error?: string;
  runId?: string;
  accounts?: number;
  shards?: number;
  enqueued?: number;
  skipped?: FanoutReport["skipped"];
}

let depsPromise: Promise<FanoutDeps> | undefined;
export function setFanoutDeps(deps: FanoutDeps | undefined): void {
  depsPromise = deps ? Promise.resolve(deps) : undefined;
}

/**
 * Scheduled: plans detection over the member accounts and enqueues one SQS message per shard.
 * Bad input is answered with a clear error and nothing is enqueued; shards that cannot be
 * enqueued fail the invocation (Errors alarm, on-failure destination).
 */
export async function handler(
  event: unknown,
  context?: Pick<Context, "invokedFunctionArn">,
): Promise<FanoutResponse> {
  const parsed = fanoutRequestSchema.safeParse(event ?? {});
  if (!parsed.success) {
    const error = `invalid fan-out request: ${describeZodError(parsed.error)}`;
    logger.error(error);
    return { ok: false, error };
  }
  const homeAccount = accountFromFunctionArn(context?.invokedFunctionArn);
  depsPromise ??= createFanoutDeps({ logger, ...(homeAccount ? { homeAccount } : {}) });
  let deps: FanoutDeps;
  try {
    deps = await depsPromise;
  } catch (error) {
    depsPromise = undefined;
    logger.error("cannot start detection fan-out", { error: (error as Error).message });
    throw error;
  }
  let report: FanoutReport;
  try {
    report = await fanOutDetection(deps, parsed.data);
  } catch (error) {
    if (!isInputError(error)) throw error;
    logger.error("fan-out request rejected: nothing enqueued", { error: error.message });
    return { ok: false, error: error.message };
  }
  if (report.failed.length > 0) {
    throw new Error(
      `${report.failed.length} of ${report.shards} detection shards not enqueued (run ${report.runId}): ${report.failed[0]?.error}`,
    );
  }
  return {
    ok: true,
    runId: report.runId,
    accounts: report.accounts,
    shards: report.shards,
    enqueued: report.enqueued,
    skipped: report.skipped,
  };
}
