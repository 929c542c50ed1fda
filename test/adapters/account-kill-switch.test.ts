import { GetParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import {
  AccountDisabledError,
  AccountKillSwitch,
  parseDisabledAccounts,
} from "../../src/adapters/account-kill-switch.ts";
import { awsError } from "../usecases/fakes.ts";

const ssmMock = mockClient(SSMClient);
const PARAMETER = "/vigil/prod/disabled-accounts";

function killSwitch(now = { t: 0 }) {
  return new AccountKillSwitch({
    ssm: new SSMClient({ region: "us-east-1", maxAttempts: 1 }),
    parameterName: PARAMETER,
    ttlMs: 30_000,
    clock: () => now.t,
  });
}
const value = (Value: string) => ssmMock.on(GetParameterCommand).resolves({ Parameter: { Value } });

beforeEach(() => ssmMock.reset());

describe("parseDisabledAccounts", () => {
  it("reads none, * and lists separated by commas, spaces or newlines", () => {
    expect(parseDisabledAccounts("none")).toEqual(new Set());
    expect(parseDisabledAccounts("*")).toBe("all");
    expect(parseDisabledAccounts("111122223333, 444455556666\n777788889999")).toEqual(
      new Set(["111122223333", "444455556666", "777788889999"]),
    );
  });

  it("refuses anything else rather than reading it as all clear", () => {
    expect(() => parseDisabledAccounts("")).toThrow(/empty/);
    expect(() => parseDisabledAccounts("111122223333,prod")).toThrow(/"prod"/);
  });
});

describe("AccountKillSwitch", () => {
  it("lets enabled accounts through and stops disabled ones with a clear reason", async () => {
    value("111122223333");
    const ks = killSwitch();
    await expect(ks.assertEnabled("444455556666")).resolves.toBeUndefined();
    await expect(ks.assertEnabled("111122223333")).rejects.toThrow(
      /switched off for account 111122223333 .*\/vigil\/prod\/disabled-accounts.*nothing was read or changed/,
    );
    expect(ssmMock).toHaveReceivedCommandWith(GetParameterCommand, { Name: PARAMETER });
  });

  it("'*' stops every account", async () => {
    value("*");
    await expect(killSwitch().assertEnabled("444455556666")).rejects.toThrow(AccountDisabledError);
  });

  it("caches the value for the TTL, then reads it again", async () => {
    value("none");
    const now = { t: 0 };
    const ks = killSwitch(now);
    await ks.assertEnabled("111122223333");
    now.t = 29_999;
    await ks.assertEnabled("111122223333");
    expect(ssmMock.commandCalls(GetParameterCommand)).toHaveLength(1);
    value("111122223333");
    now.t = 30_000;
    await expect(ks.assertEnabled("111122223333")).rejects.toThrow(AccountDisabledError);
  });

  it("fails closed when the parameter is missing, unreadable or malformed", async () => {
    ssmMock.on(GetParameterCommand).rejects(awsError("ParameterNotFound", 400));
    await expect(killSwitch().assertEnabled("111122223333")).rejects.toThrow(
      /cannot read the kill switch .*ParameterNotFound.*stays off/,
    );
    ssmMock.on(GetParameterCommand).rejects(awsError("AccessDeniedException", 400));
    await expect(killSwitch().assertEnabled("111122223333")).rejects.toThrow(AccountDisabledError);
    value("all of them");
    await expect(killSwitch().assertEnabled("111122223333")).rejects.toThrow(/malformed/);
  });

  it("rethrows throttling so the event is retried rather than dropped", async () => {
    ssmMock.on(GetParameterCommand).rejects(awsError("ThrottlingException", 400));
    await expect(killSwitch().assertEnabled("111122223333")).rejects.toMatchObject({
      name: "ThrottlingException",
    });
  });
});
