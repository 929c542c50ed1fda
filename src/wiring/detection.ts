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
  });
  return {
    // The source retries throttled batches itself (bounded, with jitter): no SDK retries on top.
    source: new CloudWatchMetricSource(new CloudWatchClient({ ...clientConfig, maxAttempts: 1 })),
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
