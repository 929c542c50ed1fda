import { IAMClient, ListUsersCommand } from "@aws-sdk/client-iam";
import { S3Client } from "@aws-sdk/client-s3";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { GetParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import * as onAccessAnalyzer from "../../functions/on-access-analyzer-finding.ts";
import * as onConfig from "../../functions/on-config-compliance-change.ts";
import { MemoryJournal } from "../../src/adapters/memory-journal.ts";
import type { RemediationConfigInput } from "../../src/config/remediation-config.ts";
import type { Finding } from "../../src/domain/finding.ts";
import type { Remediation, RemediationContext } from "../../src/ports/remediation.ts";
import { remediations as registry } from "../../src/remediations/registry.ts";
import { createRemediationDeps, findingAccountOf } from "../../src/wiring/remediation.ts";
import { mutatingCommands } from "../functions/support.ts";
import {
  awsError,
  fakeConfigRules,
  fakeRemediation,
  NOW,
  recordingLogger,
  sample,
  testConfig,
} from "../usecases/fakes.ts";

const HOME = "123456789012";
const MEMBER = "111122223333";
const EXTERNAL_ID = "vigil-ext-0123456789";
const TOPIC = "arn:aws:sns:us-east-1:123456789012:vigil-alerts";

const s3Mock = mockClient(S3Client);
const iamMock = mockClient(IAMClient);
const snsMock = mockClient(SNSClient);
const stsMock = mockClient(STSClient);
const ssmMock = mockClient(SSMClient);
const allMocks = () => [s3Mock, iamMock, snsMock, stsMock, ssmMock];

/** Records which credentials each phase ran with. */
function credentialRecorder(): Remediation & { seen: Array<string | undefined> } {
  const inner = fakeRemediation({
    kinds: ["s3-encryption", "s3-public-access", "iam-risky-policy"],
  });
  const seen: Array<string | undefined> = [];
  const record = async (ctx: RemediationContext) => {
    seen.push((await ctx.s3.config.credentials()).accessKeyId);
    seen.push((await ctx.iam.config.credentials()).accessKeyId);
  };
  return {
    ...inner,
    seen,
    async plan(ctx, finding: Finding) {
      await record(ctx);
      return inner.plan(ctx, finding);
    },
  };
}

async function app(
  remediations: readonly Remediation[],
  config: RemediationConfigInput = {},
  env: Record<string, string> = {},
) {
  const journal = new MemoryJournal();
  let ids = 0;
  const built = await createRemediationDeps({
    env: {
      AWS_REGION: "us-east-1",
      VIGIL_TOPIC_ARN: TOPIC,
      VIGIL_MEMBER_EXTERNAL_ID: EXTERNAL_ID,
      VIGIL_KILL_SWITCH_PARAMETER: "/vigil/test/disabled-accounts",
      ...env,
    },
    loadConfig: async () =>
      testConfig({ defaultMode: "enforce", allowedAccounts: [HOME, MEMBER], ...config }),
    remediations,
    logger: recordingLogger(),
    homeAccount: HOME,
    overrides: {
      journal,
      clock: () => NOW,
      newJournalId: () => `j${++ids}`,
      configRules: fakeConfigRules(),
    },
  });
  onConfig.setRemediationApp(built);
  onAccessAnalyzer.setRemediationApp(built);
  return { app: built, journal };
}

/** The sample Config event, moved to another account. */
function configEvent(
  account: string,
  name: Parameters<typeof sample>[0] = "config-s3-encryption-noncompliant",
) {
  const event = sample(name);
  event.account = account;
  event.detail.awsAccountId = account;
  return event;
}

const killSwitch = (value: string) =>
  ssmMock.on(GetParameterCommand).resolves({ Parameter: { Value: value } });

beforeEach(() => {
  for (const m of allMocks()) m.reset();
  snsMock.on(PublishCommand).resolves({ MessageId: "m-1" });
  stsMock.on(AssumeRoleCommand).resolves({
    Credentials: {
      AccessKeyId: "ASIAMEMBER",
      SecretAccessKey: "s",
      SessionToken: "t",
      Expiration: new Date(NOW + 900_000),
    },
  });
  killSwitch("none");
});
afterEach(() => {
  onConfig.setRemediationApp(undefined);
  onAccessAnalyzer.setRemediationApp(undefined);
});

describe("remediation across accounts", () => {
  it("acts in the home account with its own credentials, no AssumeRole", async () => {
    const remediation = credentialRecorder();
    await app([remediation]);
    const result = await onConfig.handler(configEvent(HOME));
    expect(result).toMatchObject({ ok: true, outcome: "applied" });
    expect(remediation.seen).toEqual(["testing", "testing"]);
    expect(stsMock.commandCalls(AssumeRoleCommand)).toHaveLength(0);
  });

  it("acts in an allowed member account through VigilRemediationRole, session named after the finding", async () => {
    const remediation = credentialRecorder();
    await app([remediation]);
    const result = await onConfig.handler(configEvent(MEMBER));
    expect(result).toMatchObject({ ok: true, outcome: "applied" });
    expect(remediation.seen).toEqual(["ASIAMEMBER", "ASIAMEMBER"]);
    const findingId = (result as { findingId: string }).findingId;
    expect(stsMock).toHaveReceivedCommandWith(AssumeRoleCommand, {
      RoleArn: `arn:aws:iam::${MEMBER}:role/VigilRemediationRole`,
      ExternalId: EXTERNAL_ID,
      RoleSessionName: `vigil-${findingId}`,
    });
  });

  it("ignores an account outside the allow-list without any AWS call", async () => {
    const remediation = credentialRecorder();
    const { journal } = await app([remediation]);
    const result = await onConfig.handler(configEvent("999999999999"));
    expect(result).toMatchObject({
      ok: true,
      outcome: "ignored",
      reason: "account 999999999999 is not in allowedAccounts",
    });
    expect(remediation.seen).toEqual([]);
    expect(journal.records.size).toBe(0);
    expect(stsMock.calls()).toHaveLength(0);
  });

  it("keeps refusing other accounts when no member account is configured", async () => {
    await app([credentialRecorder()], { allowedAccounts: [] });
    const result = await onConfig.handler(configEvent(MEMBER));
    expect(result).toMatchObject({
      outcome: "ignored",
      reason: expect.stringMatching(/acts in 123456789012 only/),
    });
    expect(stsMock.calls()).toHaveLength(0);
  });

  it("ExternalId mismatch (AccessDenied on AssumeRole): clear failure, nothing read or changed", async () => {
    stsMock.on(AssumeRoleCommand).rejects(awsError("AccessDenied", 403));
    const { journal } = await app(registry);
    const result = await onConfig.handler(configEvent(MEMBER));
    expect(result).toMatchObject({
      ok: false,
      outcome: "failed",
      reason: expect.stringMatching(
        /planning failed: AssumeRoleError: cannot assume arn:aws:iam::111122223333:role\/VigilRemediationRole .*AccessDenied.*ExternalId/,
      ),
    });
    expect(s3Mock.calls()).toHaveLength(0);
    expect(iamMock.calls()).toHaveLength(0);
    expect(mutatingCommands(...allMocks())).toEqual([]);
    expect((await journal.get("j1"))?.applied).toEqual([]);
    // People are told.
    expect(snsMock.commandCalls(PublishCommand)).toHaveLength(1);
  });

  it("the kill switch stops an account before any AssumeRole or read", async () => {
    killSwitch(`${MEMBER}`);
    const { journal } = await app(registry);
    const result = await onConfig.handler(configEvent(MEMBER));
    expect(result).toMatchObject({
      outcome: "failed",
      reason: expect.stringMatching(/switched off for account 111122223333/),
    });
    expect(stsMock.commandCalls(AssumeRoleCommand)).toHaveLength(0);
    expect(s3Mock.calls()).toHaveLength(0);
    expect(mutatingCommands(...allMocks())).toEqual([]);
    // The claim is released: the sweep looks again once the account is switched back on.
    expect((await journal.get("j1"))?.outcome).toBe("failed");

    // The home account is not affected by a member's switch.
    const home = await onConfig.handler(configEvent(HOME));
    expect(home).not.toMatchObject({ reason: expect.stringMatching(/switched off/) });
  });

  it("the kill switch applies to the home account too", async () => {
    killSwitch("*");
    const remediation = credentialRecorder();
    await app([remediation]);
    const result = await onConfig.handler(configEvent(HOME));
    expect(result).toMatchObject({
      outcome: "failed",
      reason: expect.stringMatching(/switched off/),
    });
    expect(remediation.seen).toEqual([]);
  });

  it("resolves a member account's IAM ids in that account", async () => {
    iamMock.on(ListUsersCommand).resolves({
      Users: [
        {
          UserId: "AIDAEXAMPLEUSERID0001",
          UserName: "etl-bot",
          Arn: `arn:aws:iam::${MEMBER}:user/etl-bot`,
          Path: "/",
          CreateDate: new Date(),
        },
      ],
    });
    const remediation = credentialRecorder();
    const { app: built } = await app([remediation]);
    const result = await onConfig.handler(
      configEvent(MEMBER, "config-iam-user-policies-noncompliant"),
    );
    expect(result).toMatchObject({ ok: true, outcome: "applied" });
    expect(remediation.seen).toEqual(["ASIAMEMBER", "ASIAMEMBER"]);
    // The resolver's IAM client signs with the member role (the SDK mock skips signing, so ask it).
    const resolverIam = (
      built.intakeDeps(undefined, MEMBER).iamIds as unknown as { iam: IAMClient }
    ).iam;
    expect((await resolverIam.config.credentials()).accessKeyId).toBe("ASIAMEMBER");
    expect(stsMock).toHaveReceivedCommandWith(AssumeRoleCommand, {
      RoleSessionName: `vigil-resolve-ids-${MEMBER}`,
      ExternalId: EXTERNAL_ID,
    });
    const homeIam = (built.intakeDeps(undefined, HOME).iamIds as unknown as { iam: IAMClient }).iam;
    expect((await homeIam.config.credentials()).accessKeyId).toBe("testing");
  });

  it("an Access Analyzer finding in a member account is remediated there", async () => {
    const remediation = credentialRecorder();
    await app([remediation]);
    const event = sample("access-analyzer-s3-public");
    event.detail.accountId = MEMBER;
    // Forwarded by the member account: EventBridge's envelope names it as the sender (issue 14
    // refuses an event whose envelope and detail name different accounts).
    (event as unknown as { account: string }).account = MEMBER;
    const result = await onAccessAnalyzer.handler(event);
    expect(result).toMatchObject({ ok: true, outcome: "applied" });
    expect(remediation.seen).toEqual(["ASIAMEMBER", "ASIAMEMBER"]);
  });

  it("a malformed ExternalId fails the start, naming the variable", async () => {
    await expect(app(registry, {}, { VIGIL_MEMBER_EXTERNAL_ID: "x" })).rejects.toThrow(
      /VIGIL_MEMBER_EXTERNAL_ID/,
    );
  });

  it("reads the finding's account from either event shape", () => {
    expect(findingAccountOf(configEvent(MEMBER))).toBe(MEMBER);
    expect(findingAccountOf(sample("access-analyzer-s3-public"))).toBe(HOME);
    expect(findingAccountOf({})).toBeUndefined();
    expect(findingAccountOf(null)).toBeUndefined();
  });
});
