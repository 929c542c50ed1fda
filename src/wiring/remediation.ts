import { Logger } from "@aws-lambda-powertools/logger";
import { ConfigServiceClient } from "@aws-sdk/client-config-service";
import { IAMClient } from "@aws-sdk/client-iam";
import { S3Client } from "@aws-sdk/client-s3";
import { SNSClient } from "@aws-sdk/client-sns";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import type { Context } from "aws-lambda";
import type { z } from "zod";
import { awsClientConfig } from "../adapters/aws-clients.ts";
import { IamIdResolver } from "../adapters/iam-id-resolver.ts";
import { S3Journal } from "../adapters/s3-journal.ts";
import { MemoryNotifier, SnsNotifier } from "../adapters/sns-notifier.ts";
import { ConfigError, describeZodError, loadConfigFile } from "../config/load.ts";
import { parseRemediationConfig, type RemediationConfig } from "../config/remediation-config.ts";
import type { FindingSource } from "../domain/finding.ts";
import { remediations as registry } from "../remediations/registry.ts";
import type { Remediation } from "../remediations/types.ts";
import type { IntakeDeps, IntakeResult } from "../usecases/intake.ts";
import type { ReconcileDeps } from "../usecases/reconcile.ts";
import {
  type HandledEvent,
  handleIntakeResult,
  isTransientAwsError,
  type RemediationDeps,
  type RemediationLogger,
} from "../usecases/remediate-finding.ts";
import { accountFromFunctionArn } from "./detection.ts";

/** Reads the `remediation` section of the config file (VIGIL_CONFIG, default vigil.config.yaml). */
export async function loadRemediationConfig(path?: string): Promise<RemediationConfig> {
  const file = await loadConfigFile(path);
  return parseRemediationConfig(file.remediation ?? {});
}

export interface RemediationWiringOptions {
  env?: NodeJS.ProcessEnv;
  /** Default: the config file's `remediation` section. */
  loadConfig?: () => Promise<RemediationConfig>;
  /** Default: the registry. */
  remediations?: readonly Remediation[];
  logger?: RemediationLogger;
  /** The account the credentials act in (the Lambda's, from its ARN); default: asked from STS. */
  homeAccount?: string;
  /** Forces the global dry run on (CLI --dry-run). */
  dryRun?: boolean;
  /** Replaces built dependencies: tests, the CLI's dry run (memory journal and notifier). */
  overrides?: Partial<
    Pick<RemediationDeps, "journal" | "notifier" | "clock" | "contextFor" | "newJournalId">
  >;
}

/** Everything the remediation functions and commands need, built once per container. */
export interface RemediationApp {
  runner: RemediationDeps;
  /** Fresh per event: the IAM id cache lives for one invocation. */
  intakeDeps(source?: FindingSource): IntakeDeps;
  /** Fresh per sweep run. */
  reconcileDeps(): ReconcileDeps;
  homeAccount: string;
  region: string;
}

/** The one place the remediation dependencies are built. */
export async function createRemediationDeps(
  options: RemediationWiringOptions = {},
): Promise<RemediationApp> {
  const env = options.env ?? process.env;
  const loaded = await (options.loadConfig ?? (() => loadRemediationConfig(env.VIGIL_CONFIG)))();
  const config: RemediationConfig = options.dryRun ? { ...loaded, dryRun: true } : loaded;
  const clientConfig = awsClientConfig(env);
  const logger = options.logger ?? new Logger({ serviceName: "vigil-remediate" });
  const overrides = options.overrides ?? {};

  const s3Clients = new Map<string, S3Client>();
  // Bucket operations go to the bucket's region; redirects cover a region reported wrongly.
  const s3For = (region: string) => {
    let client = s3Clients.get(region);
    if (!client) {
      client = new S3Client({ ...awsClientConfig(env, region), followRegionRedirects: true });
      s3Clients.set(region, client);
    }
    return client;
  };
  const iam = new IAMClient(clientConfig);
  const configService = new ConfigServiceClient(clientConfig);

  let journal = overrides.journal;
  if (!journal) {
    const bucket = env.VIGIL_JOURNAL_BUCKET ?? config.journalBucket;
    if (!bucket) {
      throw new ConfigError(
        "no journal bucket: set VIGIL_JOURNAL_BUCKET or remediation.journalBucket (idempotency and undo need it)",
      );
    }
    journal = new S3Journal(s3For(clientConfig.region), bucket);
  }
  let notifier = overrides.notifier;
  if (!notifier) {
    const topicArn = env.VIGIL_TOPIC_ARN ?? config.topicArn;
    if (!topicArn)
      logger.warn("no SNS topic (VIGIL_TOPIC_ARN): remediation alerts are only logged");
    notifier = topicArn
      ? new SnsNotifier(new SNSClient(clientConfig), topicArn)
      : new MemoryNotifier();
  }

  const homeAccount =
    options.homeAccount ??
    (await new STSClient(clientConfig).send(new GetCallerIdentityCommand({}))).Account;
  if (!homeAccount) throw new Error("cannot tell which account the credentials belong to");

  const runner: RemediationDeps = {
    remediations: options.remediations ?? registry,
    contextFor:
      overrides.contextFor ??
      ((finding) => ({ s3: s3For(finding.region), iam, settings: config.settings })),
    journal,
    notifier,
    clock: overrides.clock ?? (() => Date.now()),
    config,
    logger,
    ...(overrides.newJournalId ? { newJournalId: overrides.newJournalId } : {}),
  };
  const intakeDeps = (source?: FindingSource): IntakeDeps => ({
    config,
    iamIds: new IamIdResolver(iam),
    logger,
    homeAccount,
    ...(source ? { source } : {}),
  });
  return {
    runner,
    intakeDeps,
    reconcileDeps: () => ({
      runner,
      configService,
      iamIds: new IamIdResolver(iam),
      account: homeAccount,
      region: clientConfig.region,
    }),
    homeAccount,
    region: clientConfig.region,
  };
}

export type RemediationHandlerResult =
  | HandledEvent
  | { ok: false; eventId?: string; error: string };

/** The EventBridge event id, when the payload has one (for logs about unusable events). */
export function eventIdOf(event: unknown): string | undefined {
  const id = (event as { id?: unknown } | null)?.id;
  return typeof id === "string" ? id : undefined;
}

/**
 * A Lambda handler for one EventBridge event type: validate → intake → runner → small result.
 * A malformed event is logged with its id and returned (no retry storm, no AWS call); only a
 * transient AWS error is thrown so that Lambda retries.
 */
export function remediationEventHandler<T>(options: {
  serviceName: string;
  schema: z.ZodType<T>;
  intake: (deps: IntakeDeps, event: T) => Promise<IntakeResult>;
}) {
  const logger = new Logger({ serviceName: options.serviceName });
  let appPromise: Promise<RemediationApp> | undefined;

  async function handler(
    event: unknown,
    context?: Pick<Context, "invokedFunctionArn">,
  ): Promise<RemediationHandlerResult> {
    const eventId = eventIdOf(event);
    const parsed = options.schema.safeParse(event);
    if (!parsed.success) {
      const error = `invalid event: ${describeZodError(parsed.error)}`;
      logger.error("event rejected", { decision: "rejected", eventId, error });
      return { ok: false, ...(eventId ? { eventId } : {}), error };
    }
    const account = accountFromFunctionArn(context?.invokedFunctionArn);
    appPromise ??= createRemediationDeps({ logger, ...(account ? { homeAccount: account } : {}) });
    let app: RemediationApp;
    try {
      app = await appPromise;
    } catch (error) {
      // A bad config is an operator error: fail loudly (Lambda error metric), rebuild next time.
      appPromise = undefined;
      logger.error("cannot start remediation", { eventId, error: (error as Error).message });
      throw error;
    }
    try {
      return await handleIntakeResult(
        app.runner,
        await options.intake(app.intakeDeps(), parsed.data),
      );
    } catch (error) {
      const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      if (isTransientAwsError(error)) {
        logger.warn("transient AWS error: Lambda retries the event", { eventId, error: message });
        throw error;
      }
      logger.error("event not handled", { eventId, error: message });
      return { ok: false, ...(eventId ? { eventId } : {}), error: message };
    }
  }

  return {
    handler,
    logger,
    /** Replaces the built dependencies (tests); undefined rebuilds them on the next event. */
    setApp(app: RemediationApp | undefined): void {
      appPromise = app ? Promise.resolve(app) : undefined;
    },
  };
}
