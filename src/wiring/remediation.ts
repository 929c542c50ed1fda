import { Logger } from "@aws-lambda-powertools/logger";
import { ConfigServiceClient } from "@aws-sdk/client-config-service";
import { IAMClient } from "@aws-sdk/client-iam";
import { KMSClient } from "@aws-sdk/client-kms";
import { S3Client } from "@aws-sdk/client-s3";
import { SSMClient } from "@aws-sdk/client-ssm";
import { STSClient } from "@aws-sdk/client-sts";
import type { z } from "zod";
import { AccountKillSwitch } from "../adapters/account-kill-switch.ts";
import { operatorRoleProvider } from "../adapters/assume-role.ts";
import { type AwsClientConfig, awsClientConfig } from "../adapters/aws-clients.ts";
import { ConfigComplianceSource } from "../adapters/config-compliance-source.ts";
import { ConfigRulesCatalog } from "../adapters/config-rules-catalog.ts";
import { IamIdResolver } from "../adapters/iam-id-resolver.ts";
import { KmsRecordSeal, UnsignedRecordSeal } from "../adapters/kms-record-seal.ts";
import { S3Journal } from "../adapters/s3-journal.ts";
import { S3PageLedger } from "../adapters/s3-page-ledger.ts";
import { SsmExemptionParameters } from "../adapters/ssm-exemption-parameters.ts";
import type { AlertingConfig } from "../config/alerting-config.ts";
import { ConfigError, loadConfigFile } from "../config/load.ts";
import { parseRemediationConfig, type RemediationConfig } from "../config/remediation-config.ts";
import { isTransientAwsError } from "../domain/aws-errors.ts";
import type { FindingSource } from "../domain/finding.ts";
import { unsupportedDetailType } from "../events/detail-types.ts";
import type { AccountFacts, AccountFactsReader } from "../ports/account-facts.ts";
import type { ConfigRuleDirectory } from "../ports/config-rules.ts";
import type { AwsClientClass, RemediationEntry } from "../ports/remediation.ts";
import type { TagSetters } from "../ports/tag-setters.ts";
import { remediationCatalog } from "../remediations/catalog.ts";
import { type HandledEvent, handleIntakeResult } from "../usecases/handle-intake-result.ts";
import type { IntakeDeps, IntakeResult } from "../usecases/intake.ts";
import { PageBudgetNotifier } from "../usecases/paging.ts";
import type { ReconcileDeps } from "../usecases/reconcile.ts";
import type { RemediationDeps, RemediationLogger } from "../usecases/remediation-deps.ts";
import { DeferToHourlyDigest } from "../usecases/remediation-digest.ts";
import { remediationRunMetrics } from "../usecases/run-metrics.ts";
import { createAlerting } from "./alerting.ts";
import { defineHandler } from "./handler.ts";
import { memberAccountSetup } from "./member-accounts.ts";

/** Reads the `remediation` section of the config file (VIGIL_CONFIG, default vigil.config.yaml). */
export async function loadRemediationConfig(path?: string): Promise<RemediationConfig> {
  const file = await loadConfigFile(path);
  return parseRemediationConfig(file.remediation ?? {});
}

export interface RemediationWiringOptions {
  env?: NodeJS.ProcessEnv;
  /** Default: the config file's `remediation` section. */
  loadConfig?: () => Promise<RemediationConfig>;
  /** Default: the catalog (each remediation's module loads with the first finding of its kind). */
  remediations?: readonly RemediationEntry[];
  /** The config file's `alerting` section; default: read from the file unless loadConfig is given. */
  alerting?: AlertingConfig;
  logger?: RemediationLogger;
  /** The account the credentials act in (the Lambda's, from its ARN); default: asked from STS. */
  homeAccount?: string;
  /**
   * `vigil undo`: member accounts are entered through their VigilOperatorRole (the only member
   * role that may re-attach or re-put policies) and, with `roleArn` (stack output
   * OperatorRoleArn), every call runs as the home account's operator role.
   */
  operator?: { roleArn?: string | undefined; sessionName: string };
  /** Forces the global dry run on (CLI --dry-run). */
  dryRun?: boolean;
  /** Replaces built dependencies: tests, the CLI's dry run (memory journal and notifier). */
  overrides?: Partial<
    Pick<RemediationDeps, "journal" | "seal" | "notifier" | "clock" | "contextFor" | "newJournalId">
  > & { configRules?: ConfigRuleDirectory };
}

/** Everything the remediation functions and commands need, built once per container. */
export interface RemediationApp {
  runner: RemediationDeps;
  /**
   * The event functions' runner: in digest mode the outcomes nobody must act on now are only
   * journaled, for the hourly digest (functions/remediation-digest.ts); otherwise `runner`.
   */
  eventRunner: RemediationDeps;
  /**
   * Fresh per event: the IAM id cache lives for one invocation. `account` is the finding's
   * account: a member account's IAM ids are resolved there, through its VigilRemediationRole.
   */
  intakeDeps(source?: FindingSource, account?: string): IntakeDeps;
  /** Fresh per sweep run. */
  reconcileDeps(): ReconcileDeps;
  /**
   * DescribeConfigRules per account and region, cached for the container's life (TTL 5 min):
   * who owns a rule (intake trusts AWS-owned ones) and its source identifier.
   */
  configRules: ConfigRuleDirectory;
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
  // `vigil undo` runs every call as the operator role when one is named (issue 14 item 6).
  const operatorCredentials = options.operator?.roleArn
    ? operatorRoleProvider(
        new STSClient(awsClientConfig(env)),
        options.operator.roleArn,
        options.operator.sessionName,
      )
    : undefined;
  const configFor = (region?: string): AwsClientConfig => ({
    ...awsClientConfig(env, region),
    ...(operatorCredentials ? { credentials: operatorCredentials } : {}),
  });
  const clientConfig = configFor();
  const logger = options.logger ?? new Logger({ serviceName: "vigil-remediate" });
  const overrides = options.overrides ?? {};

  const s3Clients = new Map<string, S3Client>();
  // Bucket operations go to the bucket's region; redirects cover a region reported wrongly.
  const s3For = (region: string) => {
    let client = s3Clients.get(region);
    if (!client) {
      client = new S3Client({ ...configFor(region), followRegionRedirects: true });
      s3Clients.set(region, client);
    }
    return client;
  };
  const iam = new IAMClient(clientConfig);
  const configService = new ConfigServiceClient(clientConfig);

  let journal = overrides.journal;
  const bucket = env.VIGIL_JOURNAL_BUCKET ?? config.journalBucket;
  if (!journal) {
    if (!bucket) {
      throw new ConfigError(
        "no journal bucket: set VIGIL_JOURNAL_BUCKET or remediation.journalBucket (idempotency and undo need it)",
      );
    }
    journal = new S3Journal(s3For(clientConfig.region), bucket);
  }
  // Records are sealed with the journal's KMS HMAC key; without one they are written unsigned and
  // undo refuses every record (fail closed).
  const macKey = env.VIGIL_JOURNAL_MAC_KEY ?? config.journalMacKey;
  const seal =
    overrides.seal ??
    (macKey ? new KmsRecordSeal(new KMSClient(clientConfig), macKey) : new UnsignedRecordSeal());
  if (!macKey && !overrides.seal) {
    logger.warn(
      "journal records are not signed: set VIGIL_JOURNAL_MAC_KEY (a KMS HMAC key); undo refuses unsigned records",
    );
  }
  let notifier = overrides.notifier;
  /** Sweep outcomes that page nobody go into one digest per run (alerting.mode digest). */
  let digestTop: number | undefined;
  if (!notifier) {
    const topicArn = env.VIGIL_TOPIC_ARN ?? config.topicArn;
    // SNS and PagerDuty behind one routing notifier (it warns when nothing is configured).
    const alerting =
      options.alerting ??
      (options.loadConfig ? undefined : (await loadConfigFile(env.VIGIL_CONFIG)).alerting);
    const setup = createAlerting({
      env,
      ...(alerting ? { alerting } : {}),
      ...(topicArn ? { topicArn } : {}),
      clientConfig,
      logger,
    });
    digestTop = setup.config.mode === "digest" ? setup.config.digest.top : undefined;
    // Pages count against the account-hour's budget shared with detection (journal bucket,
    // alerts/); past it they join the hour's storm incident. Nothing pages without PagerDuty, but
    // the ledger still links a remediation and an anomaly on the same resource (in the SNS text).
    notifier =
      bucket && !overrides.journal
        ? new PageBudgetNotifier({
            inner: setup.notifier,
            pages: setup.pagerDuty !== undefined,
            ledger: new S3PageLedger(s3For(clientConfig.region), bucket),
            routes: setup.config.routes,
            pageBudget: setup.config.pageBudget,
            clock: () => Date.now(),
            region: clientConfig.region,
            logger,
          })
        : setup.notifier;
  }

  // Member accounts (remediation.allowedAccounts) are changed through their VigilRemediationRole,
  // one session per finding; the kill switch (an SSM parameter) can stop any account at once.
  const { homeAccount, members } = await memberAccountSetup({
    purpose: options.operator ? "operator" : "remediation",
    env,
    clientConfig,
    allowedAccounts: config.allowedAccounts,
    homeAccount: options.homeAccount,
  });
  const killSwitch = env.VIGIL_KILL_SWITCH_PARAMETER
    ? new AccountKillSwitch({
        ssm: new SSMClient(clientConfig),
        parameterName: env.VIGIL_KILL_SWITCH_PARAMETER,
      })
    : undefined;
  const configClients = new Map<string, ConfigServiceClient>();
  const configRules: ConfigRuleDirectory =
    overrides.configRules ??
    new ConfigRulesCatalog({
      clientFor: (account, region) => {
        const key = `${account}/${region}`;
        let client = configClients.get(key);
        if (!client) {
          const credentials = members.isMember(account)
            ? members.credentialProvider(account, `config-rules-${account}`)
            : undefined;
          client = new ConfigServiceClient({
            ...configFor(region),
            ...(credentials ? { credentials } : {}),
          });
          configClients.set(key, client);
        }
        return client;
      },
    });
  const memberIam = (account: string | undefined): IAMClient => {
    if (!account || !members.isMember(account)) return iam;
    const credentials = members.credentialProvider(account, `resolve-ids-${account}`);
    return new IAMClient({ ...clientConfig, ...(credentials ? { credentials } : {}) });
  };

  let tagSetters: Promise<TagSetters> | undefined;
  const runner: RemediationDeps = {
    remediations: options.remediations ?? remediationCatalog,
    contextFor:
      overrides.contextFor ??
      (async (finding) => {
        await killSwitch?.assertEnabled(finding.account);
        const credentials = await members.credentialsFor(finding.account, finding.id);
        const withCredentials = credentials ? { credentials } : {};
        // The organisation and the VPC endpoints of the finding's account and region, read only
        // when a policy's conditions name them (one read per finding at most). Their clients load
        // then too: EC2's is the largest SDK client, no cold start should pay for it.
        let facts: Promise<AccountFacts> | undefined;
        const accountFacts: AccountFactsReader = {
          read: () => {
            facts ??= (async () => {
              const { AwsAccountFacts, OrganizationsClient, EC2Client } = await import(
                "../adapters/account-facts.ts"
              );
              return new AwsAccountFacts(
                new OrganizationsClient({ ...clientConfig, ...withCredentials }),
                new EC2Client({ ...configFor(finding.region), ...withCredentials }),
              ).read();
            })();
            return facts;
          },
        };
        // Clients of other services, built on first use for this finding's region and account.
        const built = new Map<AwsClientClass<unknown>, unknown>();
        const client = <Client>(Client: AwsClientClass<Client>): Client => {
          let instance = built.get(Client) as Client | undefined;
          if (!instance) {
            instance = new Client({ ...awsClientConfig(env, finding.region), ...withCredentials });
            built.set(Client, instance);
          }
          return instance;
        };
        if (!credentials) {
          return {
            s3: s3For(finding.region),
            iam,
            settings: config.settings,
            accountFacts,
            client,
          };
        }
        return {
          client,
          s3: new S3Client({
            ...configFor(finding.region),
            followRegionRedirects: true,
            credentials,
          }),
          iam: new IAMClient({ ...clientConfig, credentials }),
          settings: config.settings,
          accountFacts,
        };
      }),
    journal,
    seal,
    notifier,
    clock: overrides.clock ?? (() => Date.now()),
    config,
    logger,
    ...(overrides.newJournalId ? { newJournalId: overrides.newJournalId } : {}),
    // exemptions.tags verified: CloudTrail of the finding's account (member role) says who set them.
    // Loaded on the first check: no cold start pays for CloudTrail's client.
    ...(config.exemptions.tags === "verified"
      ? {
          tagSetters: {
            lastSetting: async (finding, keys, now) => {
              tagSetters ??= (async () => {
                const { CloudTrailTagSetters, CloudTrailClient } = await import(
                  "../adapters/cloudtrail-tag-setters.ts"
                );
                const clients = new Map<string, InstanceType<typeof CloudTrailClient>>();
                return new CloudTrailTagSetters((of, region) => {
                  const key = `${of.account}/${region}`;
                  let client = clients.get(key);
                  if (!client) {
                    const credentials = members.isMember(of.account)
                      ? members.credentialProvider(of.account, `tag-setters-${of.account}`)
                      : undefined;
                    client = new CloudTrailClient({
                      ...configFor(region),
                      ...(credentials ? { credentials } : {}),
                    });
                    clients.set(key, client);
                  }
                  return client;
                });
              })();
              return (await tagSetters).lastSetting(finding, keys, now);
            },
          } satisfies TagSetters,
        }
      : {}),
    // Central exemptions in SSM (this account and region), cached per container.
    ...(config.exemptions.ssmPath
      ? {
          exemptionParameters: new SsmExemptionParameters({
            ssm: new SSMClient(clientConfig),
            path: config.exemptions.ssmPath,
            ...(overrides.clock ? { clock: overrides.clock } : {}),
          }),
        }
      : {}),
  };
  const intakeDeps = (source?: FindingSource, account?: string): IntakeDeps => ({
    config,
    iamIds: new IamIdResolver(memberIam(account)),
    configRules,
    logger,
    // With member accounts configured, remediation.allowedAccounts decides; otherwise the home
    // account only (acting elsewhere with these credentials would hit a same-named resource here).
    ...(members.crossAccount ? {} : { homeAccount }),
    ...(source ? { source } : {}),
  });
  return {
    runner,
    eventRunner:
      digestTop === undefined
        ? runner
        : { ...runner, notifier: new DeferToHourlyDigest(runner.notifier, logger) },
    intakeDeps,
    configRules,
    reconcileDeps: () => ({
      runner,
      compliance: new ConfigComplianceSource(configService),
      iamIds: new IamIdResolver(iam),
      configRules,
      // Loaded when the sweep first lists findings: the event functions never do.
      accessAnalyzer: {
        async *active() {
          const { AccessAnalyzerFindingSource, AccessAnalyzerClient } = await import(
            "../adapters/access-analyzer-finding-source.ts"
          );
          yield* new AccessAnalyzerFindingSource(new AccessAnalyzerClient(clientConfig)).active();
        },
      },
      account: homeAccount,
      region: clientConfig.region,
      ...(digestTop !== undefined ? { digestTop } : {}),
    }),
    homeAccount,
    region: clientConfig.region,
  };
}

export type RemediationHandlerResult =
  | HandledEvent
  | { ok: false; eventId?: string; error: string };

/** The account a Config or Access Analyzer event is about (its detail names it). */
export function findingAccountOf(event: unknown): string | undefined {
  const detail = (event as { detail?: { awsAccountId?: unknown; accountId?: unknown } } | null)
    ?.detail;
  const account = detail?.awsAccountId ?? detail?.accountId;
  return typeof account === "string" ? account : undefined;
}

/**
 * A Lambda handler for one EventBridge event type: validate → intake → runner → small result.
 * A malformed event is logged with its id and answered (no retry storm, no AWS call); only a
 * transient AWS error is thrown so that Lambda retries.
 */
export function remediationEventHandler<T>(options: {
  serviceName: string;
  schema: z.ZodType<T>;
  intake: (deps: IntakeDeps, event: T) => Promise<IntakeResult>;
}) {
  const defined = defineHandler({
    serviceName: options.serviceName,
    schema: options.schema,
    unsupported: unsupportedDetailType,
    build: ({ logger, homeAccount }) =>
      createRemediationDeps({ logger, ...(homeAccount ? { homeAccount } : {}) }),
    run: async (app: RemediationApp, event) =>
      handleIntakeResult(
        app.eventRunner,
        await options.intake(app.intakeDeps(undefined, findingAccountOf(event)), event),
      ),
    answers: (error) => !isTransientAwsError(error),
    measure: remediationRunMetrics,
    reject: (error, eventId): RemediationHandlerResult => ({
      ok: false,
      ...(eventId ? { eventId } : {}),
      error,
    }),
    respond: (result): RemediationHandlerResult => result,
  });
  return { handler: defined.handler, logger: defined.logger, setApp: defined.setDeps };
}
