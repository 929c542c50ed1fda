/**
 * Issue 14 item 6: `vigil undo` runs as the operator role (home account) and through a member's
 * VigilOperatorRole; `vigil remediate` and `vigil undo` honour the kill switch.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GetParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { MemoryJournal } from "../../src/adapters/memory-journal.ts";
import { MemoryNotifier } from "../../src/adapters/sns-notifier.ts";
import {
  type CreateRemediationApp,
  runRemediateCommand,
  runUndoCommand,
} from "../../src/cli/remediate.ts";
import type { RemediationContext } from "../../src/ports/remediation.ts";
import { createRemediationDeps } from "../../src/wiring/remediation.ts";
import {
  fakeConfigRules,
  fakeRemediation,
  NOW,
  recordingLogger,
  testConfig,
  testSeal,
} from "../usecases/fakes.ts";
import { fixture, io } from "./remediation-app.ts";

const HOME = "123456789012";
const MEMBER = "111122223333";
const OPERATOR = `arn:aws:iam::${HOME}:role/vigil-prod-operator`;
const EXTERNAL_ID = "vigil-ext-0123456789";
const ID = "20261120T100000Z-00000001";

const stsMock = mockClient(STSClient);
const ssmMock = mockClient(SSMClient);

const killSwitch = (value: string) =>
  ssmMock.on(GetParameterCommand).resolves({ Parameter: { Value: value } });

/** A fake remediation that records which access key each phase's S3 client signs with. */
function recorder() {
  const inner = fakeRemediation({ kinds: ["s3-encryption"] });
  const keys: Record<string, Array<string | undefined>> = { plan: [], undo: [] };
  const seen = async (phase: string, ctx: RemediationContext) =>
    keys[phase]?.push((await ctx.s3.config.credentials()).accessKeyId);
  return {
    keys,
    remediation: {
      ...inner,
      async plan(ctx: RemediationContext, finding: Parameters<typeof inner.plan>[1]) {
        await seen("plan", ctx);
        return inner.plan(ctx, finding);
      },
      async undo(ctx: RemediationContext, ...rest: [never, never]) {
        await seen("undo", ctx);
        return inner.undo(ctx, ...rest);
      },
    },
    calls: inner.calls,
  };
}

/** The bin's factory with fakes for what is not under test; `operator` is passed through. */
function harness() {
  const fake = recorder();
  const journal = new MemoryJournal();
  const seal = testSeal();
  let ids = 0;
  const operators: Array<{ roleArn?: string | undefined } | undefined> = [];
  const createApp: CreateRemediationApp = async ({ dryRun, operator }) => {
    operators.push(operator);
    return createRemediationDeps({
      env: {
        AWS_REGION: "us-east-1",
        VIGIL_KILL_SWITCH_PARAMETER: "/vigil/prod/disabled-accounts",
        VIGIL_MEMBER_EXTERNAL_ID: EXTERNAL_ID,
      },
      loadConfig: async () =>
        testConfig({ defaultMode: "enforce", allowedAccounts: [HOME, MEMBER] }),
      remediations: [fake.remediation],
      logger: recordingLogger(),
      homeAccount: HOME,
      dryRun,
      ...(operator ? { operator } : {}),
      overrides: {
        journal,
        seal,
        notifier: new MemoryNotifier(),
        clock: () => NOW,
        newJournalId: () => `20261120T100000Z-0000000${++ids}`,
        configRules: fakeConfigRules(),
      },
    });
  };
  return { ...fake, journal, operators, createApp };
}

let dir: string;
beforeEach(async () => {
  stsMock.reset();
  ssmMock.reset();
  killSwitch("none");
  stsMock.on(AssumeRoleCommand).callsFake((input: { RoleArn: string }) => ({
    Credentials: {
      AccessKeyId: input.RoleArn.endsWith("/VigilOperatorRole")
        ? "ASIAMEMBEROP"
        : input.RoleArn.endsWith("/VigilRemediationRole")
          ? "ASIAMEMBERREM"
          : "ASIAOPERATOR",
      SecretAccessKey: "s",
      SessionToken: "t",
      Expiration: new Date(Date.now() + 900_000),
    },
  }));
  dir = await mkdtemp(join(tmpdir(), "vigil-operator-"));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

/** The sample Config event, moved to `account`. */
async function eventIn(account: string): Promise<string> {
  const event = JSON.parse(await readFile(fixture("config-s3-encryption-noncompliant"), "utf8"));
  event.account = account;
  event.detail.awsAccountId = account;
  const path = join(dir, `event-${account}.json`);
  await writeFile(path, JSON.stringify(event));
  return path;
}

describe("vigil undo runs with the operator role (issue 14 item 6)", () => {
  it("assumes --operator-role and undoes with its credentials; remediate never assumes it", async () => {
    const app = harness();
    const remediated = await runRemediateCommand(
      { eventFile: await eventIn(HOME) },
      io().sink,
      app.createApp,
    );
    expect(remediated).toBe(0);
    // The caller's own credentials (the test environment's).
    expect(app.keys.plan).toEqual([process.env.AWS_ACCESS_KEY_ID]);
    expect(stsMock.commandCalls(AssumeRoleCommand)).toHaveLength(0);

    const cli = io();
    const code = await runUndoCommand(
      { id: ID, yes: true, operatorRole: OPERATOR },
      cli.sink,
      app.createApp,
    );
    expect(code, cli.err.join("\n")).toBe(0);
    expect(app.keys.undo).toEqual(["ASIAOPERATOR"]);
    const [call] = stsMock.commandCalls(AssumeRoleCommand);
    expect(call?.args[0].input).toMatchObject({
      RoleArn: OPERATOR,
      RoleSessionName: `vigil-undo-${ID}`,
    });
    expect(call?.args[0].input.ExternalId).toBeUndefined();
  });

  it("in a member account, undo goes through its VigilOperatorRole (as the operator), never VigilRemediationRole", async () => {
    const app = harness();
    await runRemediateCommand({ eventFile: await eventIn(MEMBER) }, io().sink, app.createApp);
    expect(app.keys.plan).toEqual(["ASIAMEMBERREM"]);
    const remediationRole = stsMock.commandCalls(AssumeRoleCommand).map((c) => c.args[0].input);
    expect(remediationRole).toEqual([
      expect.objectContaining({
        RoleArn: `arn:aws:iam::${MEMBER}:role/VigilRemediationRole`,
        ExternalId: EXTERNAL_ID,
      }),
    ]);
    stsMock.resetHistory();

    const cli = io();
    const code = await runUndoCommand(
      { id: ID, yes: true, operatorRole: OPERATOR },
      cli.sink,
      app.createApp,
    );
    expect(code, cli.err.join("\n")).toBe(0);
    expect(app.keys.undo).toEqual(["ASIAMEMBEROP"]);
    const calls = stsMock.commandCalls(AssumeRoleCommand);
    const member = calls.find(
      (c) => c.args[0].input.RoleArn === `arn:aws:iam::${MEMBER}:role/VigilOperatorRole`,
    );
    expect(member?.args[0].input.ExternalId).toBe(EXTERNAL_ID);
    expect(calls.map((c) => c.args[0].input.RoleArn)).not.toContain(
      `arn:aws:iam::${MEMBER}:role/VigilRemediationRole`,
    );
    // The member's VigilOperatorRole trusts only the central operator role: STS is asked with it.
    const sts = member?.thisValue as STSClient;
    expect((await sts.config.credentials()).accessKeyId).toBe("ASIAOPERATOR");
  });

  it("a refused operator role changes nothing and says which role to be allowed", async () => {
    const app = harness();
    await runRemediateCommand({ eventFile: await eventIn(HOME) }, io().sink, app.createApp);
    stsMock.on(AssumeRoleCommand).rejects(
      Object.assign(new Error("not authorized to perform sts:AssumeRole"), {
        name: "AccessDenied",
      }),
    );
    const cli = io();
    const code = await runUndoCommand(
      { id: ID, yes: true, operatorRole: OPERATOR },
      cli.sink,
      app.createApp,
    );
    expect(code).not.toBe(0);
    expect(`${cli.err.join("\n")}${cli.text()}`).toMatch(
      /cannot assume .*vigil-prod-operator.*OperatorRoleArn/,
    );
    expect(app.calls.filter((c) => c.phase === "undo")).toEqual([]);
  });
});

describe("the CLI honours the kill switch", () => {
  it("vigil remediate: a switched-off account is not changed", async () => {
    killSwitch(HOME);
    const app = harness();
    const cli = io();
    const code = await runRemediateCommand(
      { eventFile: await eventIn(HOME) },
      cli.sink,
      app.createApp,
    );
    expect(code).toBe(1);
    expect(cli.text()).toMatch(/outcome: failed.*switched off/s);
    expect(app.calls.filter((c) => c.phase === "apply")).toEqual([]);
  });

  it("vigil undo: refused while the account is switched off, applied once it is back on", async () => {
    const app = harness();
    await runRemediateCommand({ eventFile: await eventIn(MEMBER) }, io().sink, app.createApp);
    killSwitch("*");
    const cli = io();
    const code = await runUndoCommand({ id: ID, yes: true }, cli.sink, app.createApp);
    expect(code).not.toBe(0);
    expect(cli.err.join("\n") + cli.text()).toMatch(/switched off/);
    expect(app.calls.filter((c) => c.phase === "undo")).toEqual([]);

    killSwitch("none");
    expect(await runUndoCommand({ id: ID, yes: true }, io().sink, app.createApp)).toBe(0);
    expect(app.calls.filter((c) => c.phase === "undo")).toHaveLength(1);
  });
});
