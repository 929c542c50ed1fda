import { Logger } from "@aws-lambda-powertools/logger";
import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { SQSClient } from "@aws-sdk/client-sqs";
import { awsClientConfig } from "../adapters/aws-clients.ts";
import { CloudWatchMetricSource } from "../adapters/cloudwatch-metric-source.ts";
import { SqsShardQueue } from "../adapters/sqs-shard-queue.ts";
import { ConfigError, loadConfigFile, type VigilConfig } from "../config/load.ts";
import type { ShardDeps } from "../usecases/detect-shard.ts";
import { type FanoutDeps, type Fleet, newRunId } from "../usecases/plan-shards.ts";
import { createDetectionDeps } from "./detection.ts";
import { memberAccountSetup } from "./member-accounts.ts";

export interface FanoutWiringOptions {
  env?: NodeJS.ProcessEnv;
  config?: VigilConfig;
  logger?: Logger;
  /** The central account (the Lambda's, from its ARN): covered by the detect function itself. */
  homeAccount?: string;
}

/**
 * The accounts and regions the fan-out covers: remediation.allowedAccounts minus the central
 * account (its own detect function covers it), in remediation.allowedRegions or else the
 * function's region. One list of member accounts for detection and remediation.
 */
export function fleetFrom(config: VigilConfig, region: string, homeAccount?: string): Fleet {
  const remediation = config.remediation;
  const accounts = (remediation?.allowedAccounts ?? []).filter((a) => a !== homeAccount);
  const allowedRegions = remediation?.allowedRegions ?? [];
  return {
    accounts: [...new Set(accounts)],
    regions: allowedRegions.length > 0 ? [...allowedRegions] : [region],
  };
}

function shardQueue(env: NodeJS.ProcessEnv, region: string): SqsShardQueue {
  const url = env.VIGIL_SHARD_QUEUE_URL;
  if (!url) throw new ConfigError("no shard queue: set VIGIL_SHARD_QUEUE_URL");
  return new SqsShardQueue(new SQSClient(awsClientConfig(env, region)), url);
}

/** The one place the planner's dependencies are built. */
export async function createFanoutDeps(options: FanoutWiringOptions = {}): Promise<FanoutDeps> {
  const env = options.env ?? process.env;
  const config = options.config ?? (await loadConfigFile(env.VIGIL_CONFIG));
  const { region } = awsClientConfig(env);
  return {
    config: config.detection,
    fleet: fleetFrom(config, region, options.homeAccount),
    queue: shardQueue(env, region),
    clock: () => Date.now(),
    newRunId: (now) => newRunId(now),
    logger: options.logger ?? new Logger({ serviceName: "vigil-detect-fanout" }),
  };
}

/** The one place a worker's dependencies are built: alerting as in the detect function. */
export async function createShardDeps(options: FanoutWiringOptions = {}): Promise<ShardDeps> {
  const env = options.env ?? process.env;
  const config = options.config ?? (await loadConfigFile(env.VIGIL_CONFIG));
  const logger = options.logger ?? new Logger({ serviceName: "vigil-detect-worker" });
  const detection = await createDetectionDeps({ env, config, logger });
  const clientConfig = awsClientConfig(env);
  const fleet = fleetFrom(config, clientConfig.region, options.homeAccount);
  const { members } = await memberAccountSetup({
    purpose: "detection",
    env,
    clientConfig,
    allowedAccounts: fleet.accounts,
    homeAccount: options.homeAccount,
  });
  const queue = shardQueue(env, clientConfig.region);
  const maxMetrics = Number(env.VIGIL_MAX_METRICS_PER_SHARD ?? "");
  return {
    config: detection.config,
    notifier: detection.notifier,
    ...(detection.alerting ? { alerting: detection.alerting } : {}),
    ...(detection.pages ? { pages: detection.pages } : {}),
    logger,
    async sourceFor(shard) {
      const credentials = await members.credentialsFor(
        shard.account,
        `detect-${shard.runId}-${shard.part.index}`,
      );
      const client = new CloudWatchClient({
        ...awsClientConfig(env, shard.region),
        // The source retries throttled batches itself (bounded, with jitter).
        maxAttempts: 1,
        ...(credentials ? { credentials } : {}),
      });
      return new CloudWatchMetricSource(client, { logger });
    },
    async requeue(shards) {
      const { failed } = await queue.send(shards);
      if (failed.length > 0) {
        throw new Error(
          `${failed.length} of ${shards.length} sub-shards not enqueued: ${failed[0]?.error}`,
        );
      }
    },
    ...(Number.isSafeInteger(maxMetrics) && maxMetrics > 0
      ? { maxMetricsPerShard: maxMetrics }
      : {}),
  };
}
