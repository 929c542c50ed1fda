import { S3Client } from "@aws-sdk/client-s3";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { LogNotifier } from "../../src/adapters/log-notifier.ts";
import { RoutingNotifier } from "../../src/adapters/routing-notifier.ts";
import { S3Journal } from "../../src/adapters/s3-journal.ts";
import { ConfigError } from "../../src/config/load.ts";
import { remediationCatalog } from "../../src/remediations/catalog.ts";
import { PageBudgetNotifier } from "../../src/usecases/paging.ts";
import { createRemediationDeps } from "../../src/wiring/remediation.ts";
import { makeFinding, recordingLogger, testConfig } from "../usecases/fakes.ts";

const stsMock = mockClient(STSClient);

describe("createRemediationDeps", () => {
  beforeEach(() => stsMock.reset());

  it("builds the S3 journal and SNS notifier from the environment, the registry by default", async () => {
    const app = await createRemediationDeps({
      env: {
        AWS_REGION: "eu-west-1",
        VIGIL_JOURNAL_BUCKET: "vigil-journal",
        VIGIL_TOPIC_ARN: "arn:aws:sns:eu-west-1:123456789012:t",
      },
      loadConfig: async () => testConfig({ dryRun: true }),
      logger: recordingLogger(),
      homeAccount: "123456789012",
    });
    expect(app.runner.journal).toBeInstanceOf(S3Journal);
    // SNS behind the routing notifier (PagerDuty joins when VIGIL_PAGERDUTY_SECRET is set), and
    // the ledger in front of it even without PagerDuty: it links remediations and anomalies.
    expect(app.runner.notifier).toBeInstanceOf(PageBudgetNotifier);
    const routing = (app.runner.notifier as PageBudgetNotifier).inner;
    expect(routing).toBeInstanceOf(RoutingNotifier);
    expect((routing as RoutingNotifier).destinations).toEqual(["sns"]);
    // The sweep's quiet outcomes go into one digest (alerting.mode digest, top 10 by default).
    expect(app.reconcileDeps().digestTop).toBe(10);
    // The Lambdas load a remediation's module (and its SDK client) with its first finding.
    expect(app.runner.remediations).toBe(remediationCatalog);
    expect(app.runner.config.dryRun).toBe(true);
    expect(app.region).toBe("eu-west-1");
    expect(stsMock.calls()).toHaveLength(0);

    const ctx = await app.runner.contextFor(makeFinding({ region: "ap-southeast-2" }));
    expect(ctx.s3).toBeInstanceOf(S3Client);
    expect(await ctx.s3.config.region()).toBe("ap-southeast-2");
    expect(ctx.settings).toEqual(app.runner.config.settings);
    // One S3 client per region.
    expect((await app.runner.contextFor(makeFinding({ region: "ap-southeast-2" }))).s3).toBe(
      ctx.s3,
    );
    expect(app.intakeDeps().iamIds).not.toBe(app.intakeDeps().iamIds);
  });

  it("puts pages through the account-hour's page budget when PagerDuty is configured", async () => {
    const app = await createRemediationDeps({
      env: {
        AWS_REGION: "eu-west-1",
        VIGIL_JOURNAL_BUCKET: "vigil-journal",
        VIGIL_TOPIC_ARN: "arn:aws:sns:eu-west-1:123456789012:t",
        VIGIL_PAGERDUTY_SECRET: "vigil/pagerduty",
      },
      loadConfig: async () => testConfig(),
      logger: recordingLogger(),
      homeAccount: "123456789012",
    });
    expect(app.runner.notifier).toBeInstanceOf(PageBudgetNotifier);
    const inner = (app.runner.notifier as PageBudgetNotifier).inner;
    expect(inner).toBeInstanceOf(RoutingNotifier);
    expect((inner as RoutingNotifier).destinations).toEqual(["pagerduty", "sns"]);
  });

  it("asks STS for the home account when not told; --dry-run forces the dry run", async () => {
    stsMock.on(GetCallerIdentityCommand).resolves({ Account: "210987654321" });
    const logger = recordingLogger();
    const app = await createRemediationDeps({
      env: { AWS_REGION: "us-east-1", VIGIL_JOURNAL_BUCKET: "j" },
      loadConfig: async () => testConfig(),
      logger,
      dryRun: true,
    });
    expect(app.homeAccount).toBe("210987654321");
    expect(app.runner.config.dryRun).toBe(true);
    expect((app.runner.notifier as PageBudgetNotifier).inner).toBeInstanceOf(LogNotifier);
    expect(logger.warn).toHaveBeenCalledWith(expect.stringMatching(/no SNS topic/));
  });

  it("refuses to run without a journal bucket", async () => {
    await expect(
      createRemediationDeps({
        env: {},
        loadConfig: async () => testConfig(),
        homeAccount: "123456789012",
        logger: recordingLogger(),
      }),
    ).rejects.toThrow(ConfigError);
  });
});
