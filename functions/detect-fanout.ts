import {
  type FanoutDeps,
  type FanoutReport,
  fanOutDetection,
  fanoutRequestSchema,
} from "../src/usecases/plan-shards.ts";
import { fanoutRunMetrics } from "../src/usecases/run-metrics.ts";
import { createFanoutDeps } from "../src/wiring/fanout.ts";
import { defineHandler } from "../src/wiring/handler.ts";

export interface FanoutResponse {
  ok: boolean;
  error?: string;
  runId?: string;
  accounts?: number;
  shards?: number;
  enqueued?: number;
  skipped?: FanoutReport["skipped"];
}

/**
 * Scheduled: plans detection over the member accounts and enqueues one SQS message per shard.
 * Bad input is answered with a clear error and nothing is enqueued; shards that cannot be
 * enqueued fail the invocation (Errors alarm, on-failure destination).
 */
const fanout = defineHandler({
  serviceName: "vigil-detect-fanout",
  schema: fanoutRequestSchema,
  emptyEventIs: "empty-object",
  invalid: "invalid fan-out request",
  build: ({ logger, homeAccount }) =>
    createFanoutDeps({ logger, ...(homeAccount ? { homeAccount } : {}) }),
  run: async (deps: FanoutDeps, request) => {
    const report = await fanOutDetection(deps, request);
    if (report.failed.length > 0) {
      throw new Error(
        `${report.failed.length} of ${report.shards} detection shards not enqueued (run ${report.runId}): ${report.failed[0]?.error}`,
      );
    }
    return report;
  },
  reject: (error): FanoutResponse => ({ ok: false, error }),
  measure: fanoutRunMetrics,
  respond: (report): FanoutResponse => ({
    ok: true,
    runId: report.runId,
    accounts: report.accounts,
    shards: report.shards,
    enqueued: report.enqueued,
    skipped: report.skipped,
  }),
});

export const { handler, logger } = fanout;
export const setFanoutDeps = fanout.setDeps;
