import type { Logger } from "@aws-lambda-powertools/logger";
import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { S3Client } from "@aws-sdk/client-s3";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { SNSClient } from "@aws-sdk/client-sns";
import { SQSClient } from "@aws-sdk/client-sqs";
import { SSMClient } from "@aws-sdk/client-ssm";
import { z } from "zod";
import { AlertDeadLetterQueue } from "../adapters/alert-dead-letter.ts";
import type { AwsClientConfig } from "../adapters/aws-clients.ts";
import { S3GraphImages } from "../adapters/graph-images.ts";
import { LogNotifier } from "../adapters/log-notifier.ts";
import { PagerDutyNotifier } from "../adapters/pagerduty-notifier.ts";
import { RoutingNotifier } from "../adapters/routing-notifier.ts";
import {
  createRoutingKeyReader,
  RoutingKeyError,
  type RoutingKeyReader,
  type SecretLocation,
} from "../adapters/secret-reader.ts";
import { SnsNotifier } from "../adapters/sns-notifier.ts";
import {
  type AlertingConfig,
  type AlertingConfigInput,
  alertingConfigSchema,
  secretNameSchema,
  ssmParameterSchema,
} from "../config/alerting-config.ts";
import { ConfigError, describeZodError } from "../config/errors.ts";
import type { Notifier } from "../ports/notifier.ts";

/**
 * Builds the alert path every function and command shares: SNS, PagerDuty (routing key from
 * Secrets Manager or SSM), the dead-letter queue, and the routing notifier in front of them.
 * Environment variables carry names and ARNs only, never the routing key:
 *   VIGIL_TOPIC_ARN, VIGIL_PAGERDUTY_SECRET | VIGIL_PAGERDUTY_SSM_PARAMETER, VIGIL_ALERT_DLQ_URL.
 */

export function parseAlertingConfig(input: AlertingConfigInput | undefined): AlertingConfig {
  const result = alertingConfigSchema.safeParse(input ?? {});
  if (!result.success) {
    throw new ConfigError(
      `invalid alerting config:\n${describeZodError(result.error, "alerting")}`,
    );
  }
  return result.data;
}

/** Validates an environment value; the error names the variable but never echoes the value. */
function envValue(
  env: NodeJS.ProcessEnv,
  name: string,
  schema: z.ZodType<string>,
): string | undefined {
  const raw = env[name]?.trim();
  if (!raw) return undefined;
  const result = schema.safeParse(raw);
  if (!result.success) {
    throw new ConfigError(`${name}: ${result.error.issues.map((i) => i.message).join("; ")}`);
  }
  return result.data;
}

/** Where the routing key lives: the environment overrides the config; none means no PagerDuty. */
export function routingKeyLocation(
  env: NodeJS.ProcessEnv,
  alerting: AlertingConfig,
): SecretLocation | undefined {
  const secret = envValue(env, "VIGIL_PAGERDUTY_SECRET", secretNameSchema);
  const parameter = envValue(env, "VIGIL_PAGERDUTY_SSM_PARAMETER", ssmParameterSchema);
  if (secret && parameter) {
    throw new ConfigError(
      "VIGIL_PAGERDUTY_SECRET and VIGIL_PAGERDUTY_SSM_PARAMETER are both set: keep one",
    );
  }
  if (secret) return { store: "secretsmanager", name: secret, setting: "VIGIL_PAGERDUTY_SECRET" };
  if (parameter) {
    return { store: "ssm", name: parameter, setting: "VIGIL_PAGERDUTY_SSM_PARAMETER" };
  }
  const pd = alerting.pagerduty;
  if (pd?.secret) {
    return { store: "secretsmanager", name: pd.secret, setting: "alerting.pagerduty.secret" };
  }
  if (pd?.ssmParameter) {
    return { store: "ssm", name: pd.ssmParameter, setting: "alerting.pagerduty.ssmParameter" };
  }
  return undefined;
}

export interface AlertingWiringOptions {
  env: NodeJS.ProcessEnv;
  /** The config file's `alerting` section (defaults when absent). */
  alerting?: AlertingConfig;
  /** Already resolved by the caller (VIGIL_TOPIC_ARN or the config). */
  topicArn?: string;
  clientConfig: AwsClientConfig;
  logger: Pick<Logger, "info" | "warn" | "error">;
  /** Throw on a bad PagerDuty or queue setting (the CLI); the functions carry on without it. */
  strict?: boolean;
  /** The account the functions run in: the graph-image bucket must be its own. */
  account?: string;
  /** Tests: a fake fetch / sleep for PagerDuty. */
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
}

export interface AlertingSetup {
  /** What the use cases get: the routing notifier, or a memory one when nothing is configured. */
  notifier: Notifier;
  sns?: SnsNotifier;
  pagerDuty?: PagerDutyNotifier;
  deadLetter?: AlertDeadLetterQueue;
  routingKey?: SecretLocation;
  config: AlertingConfig;
}

/** The graph-image renderer when alerting.pagerduty.graphImage is on and the stack gave a bucket. */
function graphImagesFor(
  options: AlertingWiringOptions,
  setting: NonNullable<AlertingConfig["pagerduty"]>["graphImage"],
): S3GraphImages | undefined {
  if (!setting?.enabled) return undefined;
  const bucket = options.env.VIGIL_GRAPH_IMAGE_BUCKET;
  if (!bucket) {
    options.logger.warn(
      "alerting.pagerduty.graphImage is on but VIGIL_GRAPH_IMAGE_BUCKET is not set: pages go without a graph image",
    );
    return undefined;
  }
  return new S3GraphImages({
    cloudwatch: new CloudWatchClient(options.clientConfig),
    s3: new S3Client(options.clientConfig),
    bucket,
    ...(options.account ? { expectedBucketOwner: options.account } : {}),
    linkSeconds: setting.linkHours * 3600,
  });
}

export function createAlerting(options: AlertingWiringOptions): AlertingSetup {
  const { env, clientConfig, logger } = options;
  const config = options.alerting ?? parseAlertingConfig({});
  const topicArn = options.topicArn ?? config.topicArn;

  // A bad PagerDuty or queue setting must not stop a detect or remediation run: the functions
  // keep going, alerts that would page reach SNS marked "pager delivery failed: <the setting>".
  // The CLI (strict) reports it as bad input instead.
  const settingProblem = (error: unknown, what: string): string => {
    if (options.strict || !(error instanceof ConfigError)) throw error;
    logger.error(`invalid ${what} setting: alerts carry on without it`, { error: error.message });
    return error.message;
  };
  let location: SecretLocation | undefined;
  let pagerDutyProblem: string | undefined;
  try {
    location = routingKeyLocation(env, config);
  } catch (error) {
    pagerDutyProblem = settingProblem(error, "PagerDuty");
  }
  let dlqUrl: string | undefined;
  let dlqProblem: string | undefined;
  try {
    dlqUrl =
      envValue(env, "VIGIL_ALERT_DLQ_URL", z.url("must be an SQS queue URL")) ??
      config.deadLetterQueueUrl;
  } catch (error) {
    dlqProblem = settingProblem(error, "dead-letter queue");
  }

  const sns = topicArn ? new SnsNotifier(new SNSClient(clientConfig), topicArn) : undefined;
  let pagerDuty: PagerDutyNotifier | undefined;
  if (location || pagerDutyProblem) {
    const pd = config.pagerduty;
    const routingKey: RoutingKeyReader = location
      ? createRoutingKeyReader({
          location,
          maxAgeSeconds: pd?.cacheSeconds ?? 300,
          ...(location.store === "secretsmanager"
            ? { secretsManager: new SecretsManagerClient(clientConfig) }
            : { ssm: new SSMClient(clientConfig) }),
        })
      : () => Promise.reject(new RoutingKeyError(pagerDutyProblem ?? "PagerDuty setting invalid"));
    const graphImages = graphImagesFor(options, pd?.graphImage);
    pagerDuty = new PagerDutyNotifier({
      routingKey,
      ...(graphImages ? { graphImages } : {}),
      ...(pd?.endpoint ? { endpoint: pd.endpoint } : {}),
      timeoutMs: (pd?.timeoutSeconds ?? 5) * 1000,
      maxAttempts: pd?.maxAttempts ?? 4,
      deadlineMs: (pd?.deadlineSeconds ?? 25) * 1000,
      logger,
      ...(options.fetch ? { fetch: options.fetch } : {}),
      ...(options.sleep ? { sleep: options.sleep } : {}),
    });
  }
  const deadLetter = dlqUrl
    ? new AlertDeadLetterQueue(new SQSClient(clientConfig), dlqUrl)
    : undefined;
  const brokenDeadLetter = dlqProblem
    ? { enqueue: () => Promise.reject(new ConfigError(dlqProblem)) }
    : undefined;

  const pagesSomewhere = config.routes.some((r) => (r.to as string[]).includes("pagerduty"));
  if (!sns && !pagerDuty) {
    logger.warn(
      "no SNS topic (VIGIL_TOPIC_ARN) and no PagerDuty routing key secret (VIGIL_PAGERDUTY_SECRET): alerts are only logged",
    );
    return { notifier: new LogNotifier(logger), config };
  }
  if (!sns) logger.warn("no SNS topic (VIGIL_TOPIC_ARN): alerts routed to SNS are not delivered");
  if (pagesSomewhere && !pagerDuty) {
    logger.info(
      "PagerDuty not configured (VIGIL_PAGERDUTY_SECRET or VIGIL_PAGERDUTY_SSM_PARAMETER): alerts routed to PagerDuty go to SNS",
    );
  }
  if (pagerDuty && !deadLetter && !dlqProblem) {
    logger.warn(
      "no alert dead-letter queue (VIGIL_ALERT_DLQ_URL): events PagerDuty cannot take are kept on SNS and in the logs only",
    );
  }
  const notifier = new RoutingNotifier({
    routes: config.routes,
    ...(sns ? { sns } : {}),
    ...(pagerDuty ? { pagerDuty } : {}),
    ...(deadLetter ? { deadLetter } : brokenDeadLetter ? { deadLetter: brokenDeadLetter } : {}),
    logger,
    ...(config.runbookUrl ? { runbookUrl: config.runbookUrl } : {}),
  });
  return {
    notifier,
    ...(sns ? { sns } : {}),
    ...(pagerDuty ? { pagerDuty } : {}),
    ...(deadLetter ? { deadLetter } : {}),
    ...(location ? { routingKey: location } : {}),
    config,
  };
}
