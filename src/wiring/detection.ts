import { Logger } from "@aws-lambda-powertools/logger";
import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { awsClientConfig } from "../adapters/aws-clients.ts";
import { CloudWatchMetricSource } from "../adapters/cloudwatch-metric-source.ts";
import { loadConfigFile, type VigilConfig } from "../config/load.ts";
import type { DetectDeps } from "../usecases/detect-anomalies.ts";
import { createAlerting } from "./alerting.ts";

export interface DetectionWiringOptions {
  env?: NodeJS.ProcessEnv;
  config?: VigilConfig;
  logger?: Logger;
  account?: string;
}

const MB = 1024 * 1024;

/**
 * How the detect function spends its memory, from the Lambda memory size (MB). A run holds the
 * runtime and SDK (~65 MB resident before any work, minified bundle), the young generation Lambda's
 * heap flags allow (up to ~32 MB at 256 MB), each GetMetricData response in flight (well under
 * 1 MB: bodies are decoded as they stream in, see adapters/get-metric-data-decoder.ts) and one
 * chunk of columns. Measured with the bundle under Lambda's heap flags (`npm run bench
 * detect-wire`): larger chunks only add garbage the collector is slow to return, so a chunk gets a
 * sixty-fourth of the memory in columns (4 MB, five calls' worth, at 256 MB) and a 128 MB function
 * reads one response at a time (two in flight measured the same peak, 118 MB, and no faster on
 * the shared machine). Outside Lambda (no memory size): the source's and the use case's defaults.
 */
export function detectionMemoryPlan(memoryMb: number | undefined): {
  fetchChunkBytes?: number;
  concurrency?: number;
} {
  if (memoryMb === undefined || !Number.isFinite(memoryMb) || memoryMb <= 0) return {};
  return {
    fetchChunkBytes: Math.floor((memoryMb * MB) / 64),
    concurrency: memoryMb >= 256 ? 4 : 1,
  };
}

/** The one place the detect function's dependencies are built. */
export async function createDetectionDeps(
  options: DetectionWiringOptions = {},
): Promise<DetectDeps> {
  const env = options.env ?? process.env;
  const config = options.config ?? (await loadConfigFile(env.VIGIL_CONFIG));
  const clientConfig = awsClientConfig(env);
  const topicArn = env.VIGIL_TOPIC_ARN ?? config.alerting.topicArn;
  const logger = options.logger ?? new Logger({ serviceName: "vigil-detect" });
  // SNS and PagerDuty behind one routing notifier (warns when nothing is configured).
  const alerting = createAlerting({
    env,
    alerting: config.alerting,
    ...(topicArn ? { topicArn } : {}),
    clientConfig,
    logger,
    ...(options.account ? { account: options.account } : {}),
  });
  const memory = env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE;
  const plan = detectionMemoryPlan(memory ? Number(memory) : undefined);
  return {
    // The source retries throttled batches itself (bounded, with jitter): no SDK retries on top.
    source: new CloudWatchMetricSource(
      new CloudWatchClient({ ...clientConfig, maxAttempts: 1 }),
      plan.concurrency ? { concurrency: plan.concurrency } : {},
    ),
    ...(plan.fetchChunkBytes ? { fetchChunkBytes: plan.fetchChunkBytes } : {}),
    notifier: alerting.notifier,
    alerting: config.alerting,
    config: config.detection,
    clock: () => Date.now(),
    region: clientConfig.region,
    ...(options.account ? { account: options.account } : {}),
    logger,
  };
}

/** arn:aws:lambda:us-east-1:123456789012:function:vigil-detect → 123456789012 */
export function accountFromFunctionArn(arn: string | undefined): string | undefined {
  const account = arn?.split(":")[4];
  return account && /^\d{12}$/.test(account) ? account : undefined;
}
