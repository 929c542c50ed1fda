import type { Logger } from "@aws-lambda-powertools/logger";
import { z } from "zod";
import { type DetectionConfig, setSettings } from "../config/detection-config.ts";
import { describeZodError } from "../config/load.ts";
import { newestCompletePeriodStart } from "../domain/baseline.ts";
import { InputError } from "../domain/errors.ts";
import { awsRegion } from "../events/aws-fields.ts";
import { scheduledEventSchema } from "../events/detect-request.ts";
import { type DetectShard, detectShardSchema } from "../events/detect-shard.ts";
import type { ShardQueue } from "../ports/shard-queue.ts";

/**
 * Detection fan-out. The planner (a scheduled Lambda) turns "every member account × every due
 * metric set" into shards, one SQS message each; worker Lambdas evaluate one shard each
 * (src/usecases/detect-shard.ts). A shard is one account and region × the due metric sets that
 * share a period (they share GetMetricData calls) × one part of their metrics. The planner makes
 * no AWS call but SendMessageBatch: discovery happens in the member account, in the worker.
 */

/** What the planner accepts: the schedule's input ({}), a Scheduled Event, or a manual request. */
export const fanoutRequestSchema = z.union([
  z
    .object({
      metricSets: z.array(z.string().min(1)).min(1).optional(),
      accounts: z.array(z.string()).min(1).optional(),
      force: z.boolean().optional(),
      dryRun: z.boolean().optional(),
    })
    .strict(),
  scheduledEventSchema,
]);

/** As parsed from the event: a field left undefined is not given. */
export type FanoutRequest = {
  metricSets?: string[] | undefined;
  accounts?: string[] | undefined;
  force?: boolean | undefined;
  dryRun?: boolean | undefined;
};

/** The accounts and regions detection covers through the fan-out. */
export interface Fleet {
  accounts: readonly string[];
  regions: readonly string[];
}

/** A request or fleet naming something that does not exist: nothing is enqueued. */
export class FanoutInputError extends InputError {
  override name = "FanoutInputError";
}

export interface ShardPlan {
  runId: string;
  plannedAt: string;
  shards: DetectShard[];
  skipped: Array<{ metricSet: string; reason: string }>;
}

const ACCOUNT_ID = /^\d{12}$/;

function validateFleet(fleet: Fleet): void {
  const badAccounts = fleet.accounts.filter((a) => !ACCOUNT_ID.test(a));
  if (badAccounts.length > 0) {
    throw new FanoutInputError(
      `member accounts must be 12-digit AWS account ids: ${badAccounts.map((a) => JSON.stringify(a)).join(", ")}`,
    );
  }
  const badRegions = fleet.regions.filter((r) => !awsRegion.safeParse(r).success);
  if (badRegions.length > 0 || fleet.regions.length === 0) {
    throw new FanoutInputError(
      `regions must be AWS regions such as eu-west-1: ${JSON.stringify(fleet.regions)}`,
    );
  }
}

/**
 * Plans one detection run over the fleet. Throws FanoutInputError — before anything is sent —
 * when the request names an unknown metric set or an account outside the fleet.
 */
export function planShards(
  config: DetectionConfig,
  fleet: Fleet,
  request: FanoutRequest,
  now: number,
  runId: string,
): ShardPlan {
  validateFleet(fleet);
  const known = config.metricSets.map((s) => s.name);
  const unknownSets = (request.metricSets ?? []).filter((name) => !known.includes(name));
  if (unknownSets.length > 0) {
    throw new FanoutInputError(
      `unknown metric set ${unknownSets.map((n) => `"${n}"`).join(", ")} (configured: ${known.join(", ")})`,
    );
  }
  const accounts = request.accounts ?? fleet.accounts;
  const malformed = accounts.filter((a) => !ACCOUNT_ID.test(a));
  if (malformed.length > 0) {
    throw new FanoutInputError(
      `not 12-digit AWS account ids: ${malformed.map((a) => JSON.stringify(a)).join(", ")}`,
    );
  }
  const outside = accounts.filter((a) => !fleet.accounts.includes(a));
  if (outside.length > 0) {
    throw new FanoutInputError(
      `account ${outside.join(", ")} is not a member account (remediation.allowedAccounts lists ` +
        `${fleet.accounts.length} account${fleet.accounts.length === 1 ? "" : "s"})`,
    );
  }

  const plannedAt = new Date(now).toISOString();
  const skipped: ShardPlan["skipped"] = [];
  // Due sets grouped by period: sets that share a period share GetMetricData calls in a worker.
  const byPeriod = new Map<number, string[]>();
  for (const set of config.metricSets) {
    if (request.metricSets && !request.metricSets.includes(set.name)) continue;
    if (!set.enabled) {
      skipped.push({ metricSet: set.name, reason: "disabled in config" });
      continue;
    }
    const { periodSeconds } = setSettings(config, set);
    // The same rule as the single-account run: due on the first tick after the period settled.
    const settleMs = config.settleMinutes * 60_000;
    const periodEnd =
      newestCompletePeriodStart(now - settleMs, periodSeconds) + periodSeconds * 1000;
    const endedAgoMs = now - settleMs - periodEnd;
    if (!request.force && endedAgoMs >= config.scheduleMinutes * 60_000) {
      skipped.push({ metricSet: set.name, reason: "not due: evaluated on an earlier run" });
      continue;
    }
    byPeriod.set(periodSeconds, [...(byPeriod.get(periodSeconds) ?? []), set.name]);
  }

  const shards: DetectShard[] = [];
  for (const account of [...new Set(accounts)]) {
    for (const region of fleet.regions) {
      for (const metricSets of byPeriod.values()) {
        shards.push({
          version: 1,
          runId,
          account,
          region,
          metricSets,
          plannedAt,
          force: request.force ?? false,
          dryRun: request.dryRun ?? false,
          part: { index: 0, count: 1 },
        });
      }
    }
  }
  return { runId, plannedAt, shards, skipped };
}

/** Parses one SQS message body; a bad one throws FanoutInputError naming the problem. */
export function parseShardMessage(body: string): DetectShard {
  let raw: unknown;
  try {
    raw = JSON.parse(body);
  } catch (error) {
    throw new FanoutInputError(`shard message is not JSON: ${(error as Error).message}`);
  }
  const parsed = detectShardSchema.safeParse(raw);
  if (!parsed.success) {
    throw new FanoutInputError(`invalid shard message:\n${describeZodError(parsed.error)}`);
  }
  return parsed.data;
}

export interface FanoutDeps {
  config: DetectionConfig;
  fleet: Fleet;
  queue: ShardQueue;
  clock: () => number;
  newRunId: (now: number) => string;
  logger: Pick<Logger, "info" | "warn" | "error">;
}

export interface FanoutReport {
  runId: string;
  plannedAt: string;
  accounts: number;
  shards: number;
  enqueued: number;
  failed: Array<{ account: string; region: string; metricSets: string[]; error: string }>;
  skipped: ShardPlan["skipped"];
}

/** One planner run: plan, enqueue, report. Bad input throws before anything is sent. */
export async function fanOutDetection(
  deps: FanoutDeps,
  request: FanoutRequest = {},
): Promise<FanoutReport> {
  const now = deps.clock();
  const plan = planShards(deps.config, deps.fleet, request, now, deps.newRunId(now));
  const { failed } = plan.shards.length > 0 ? await deps.queue.send(plan.shards) : { failed: [] };
  const report: FanoutReport = {
    runId: plan.runId,
    plannedAt: plan.plannedAt,
    accounts: new Set(plan.shards.map((s) => s.account)).size,
    shards: plan.shards.length,
    enqueued: plan.shards.length - failed.length,
    failed: failed.map(({ shard, error }) => ({
      account: shard.account,
      region: shard.region,
      metricSets: shard.metricSets,
      error,
    })),
    skipped: plan.skipped,
  };
  const summary = { ...report, failed: report.failed.length };
  for (const failure of report.failed) deps.logger.error("detection shard not enqueued", failure);
  if (report.failed.length > 0)
    deps.logger.error("detection shards enqueued with failures", summary);
  else deps.logger.info("detection shards enqueued", summary);
  return report;
}

/** 20261124T0815Z-3f9a1c: sorts by time, fits a role session name with room for the part. */
export function newRunId(now: number, random: () => number = Math.random): string {
  const stamp = new Date(now)
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d+Z$/, "Z");
  const suffix = Math.floor(random() * 0xffffff)
    .toString(16)
    .padStart(6, "0");
  return `${stamp}-${suffix}`;
}
