import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import { mockClient } from "aws-sdk-client-mock";
import fc from "fast-check";
import { beforeEach, describe, expect, it } from "vitest";
import {
  AssumeRoleError,
  assumeRole,
  MemberAccountError,
  MemberAccounts,
  memberRoleArn,
  roleSessionName,
} from "../../src/adapters/assume-role.ts";
import { awsError } from "../usecases/fakes.ts";

const stsMock = mockClient(STSClient);
const HOME = "123456789012";
const MEMBER = "111122223333";
const EXPIRES = new Date("2026-11-20T11:00:00Z");

function members(overrides: Partial<ConstructorParameters<typeof MemberAccounts>[0]> = {}) {
  return new MemberAccounts({
    sts: new STSClient({ region: "us-east-1" }),
    homeAccount: HOME,
    allowedAccounts: [MEMBER],
    roleName: "VigilRemediationRole",
    externalId: "vigil-ext-0123456789",
    ...overrides,
  });
}

beforeEach(() => {
  stsMock.reset();
  stsMock.on(AssumeRoleCommand).resolves({
    Credentials: {
      AccessKeyId: "ASIAMEMBER",
      SecretAccessKey: "secret",
      SessionToken: "token",
      Expiration: EXPIRES,
    },
  });
});

describe("roleSessionName", () => {
  it("keeps the finding id readable and within STS's characters and length", () => {
    expect(roleSessionName("vigil", "7f3c1e52-0b7a-4c1e-9d41-5a2f0c9e1a10")).toBe(
      "vigil-7f3c1e52-0b7a-4c1e-9d41-5a2f0c9e1a10",
    );
    expect(roleSessionName("vigil", "a/b c:d#e")).toBe("vigil-a-b-c-d-e");
    expect(roleSessionName("vigil", "x".repeat(200))).toHaveLength(64);
  });

  it("always yields a name STS accepts, whatever the id", () => {
    fc.assert(
      fc.property(fc.string(), fc.string({ maxLength: 10 }), (id, prefix) => {
        expect(roleSessionName(prefix, id)).toMatch(/^[\w+=,.@-]{2,64}$/);
      }),
    );
  });
});

describe("memberRoleArn", () => {
  it("builds the role ARN in the member account and partition", () => {
    expect(memberRoleArn(MEMBER, "VigilRemediationRole")).toBe(
      "arn:aws:iam::111122223333:role/VigilRemediationRole",
    );
    expect(memberRoleArn(MEMBER, "VigilDetectionRole", "aws-cn")).toBe(
      "arn:aws-cn:iam::111122223333:role/VigilDetectionRole",
    );
  });

  it("refuses a malformed account id or role name", () => {
    expect(() => memberRoleArn("11112222333", "R")).toThrow(/not a 12-digit AWS account id/);
    expect(() => memberRoleArn("arn:aws:iam::111122223333:root", "R")).toThrow(MemberAccountError);
    expect(() => memberRoleArn(MEMBER, "bad role/name")).toThrow(/not a valid IAM role name/);
  });
});

describe("assumeRole", () => {
  it("passes the ExternalId, the session name and the shortest duration", async () => {
    const credentials = await assumeRole(new STSClient({ region: "us-east-1" }), {
      roleArn: "arn:aws:iam::111122223333:role/VigilRemediationRole",
      externalId: "vigil-ext-0123456789",
      sessionName: "vigil-finding-1",
    });
    expect(credentials).toEqual({
      accessKeyId: "ASIAMEMBER",
      secretAccessKey: "secret",
      sessionToken: "token",
      expiration: EXPIRES,
    });
    expect(stsMock).toHaveReceivedCommandWith(AssumeRoleCommand, {
      RoleArn: "arn:aws:iam::111122223333:role/VigilRemediationRole",
      ExternalId: "vigil-ext-0123456789",
      RoleSessionName: "vigil-finding-1",
      DurationSeconds: 900,
    });
  });

  it("turns AccessDenied (e.g. an ExternalId mismatch) into a clear, non-transient error", async () => {
    stsMock.on(AssumeRoleCommand).rejects(awsError("AccessDenied", 403));
    const error = await assumeRole(new STSClient({ region: "us-east-1" }), {
      roleArn: "arn:aws:iam::111122223333:role/VigilRemediationRole",
      externalId: "wrong-external-id",
      sessionName: "vigil-finding-1",
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AssumeRoleError);
    expect((error as Error).message).toMatch(
      /cannot assume arn:aws:iam::111122223333:role\/VigilRemediationRole .*AccessDenied.*ExternalId.*Nothing was read or changed/,
    );
  });

  it("rethrows throttling untouched so the caller retries", async () => {
    const throttled = awsError("Throttling", 400);
    stsMock.on(AssumeRoleCommand).rejects(throttled);
    await expect(
      assumeRole(new STSClient({ region: "us-east-1", maxAttempts: 1 }), {
        roleArn: "arn:aws:iam::111122223333:role/R",
        externalId: "xx",
        sessionName: "vigil-1",
      }),
    ).rejects.toMatchObject({ name: "Throttling" });
  });
});

describe("MemberAccounts", () => {
  it("needs no AssumeRole in the home account", async () => {
    expect(await members().credentialsFor(HOME, "finding-1")).toBeUndefined();
    expect(members().credentialProvider(HOME, "x")).toBeUndefined();
    expect(stsMock.calls()).toHaveLength(0);
  });

  it("assumes the member role with a session named after the finding", async () => {
    const credentials = await members().credentialsFor(MEMBER, "finding/42");
    expect(credentials?.accessKeyId).toBe("ASIAMEMBER");
    expect(stsMock).toHaveReceivedCommandWith(AssumeRoleCommand, {
      RoleArn: "arn:aws:iam::111122223333:role/VigilRemediationRole",
      RoleSessionName: "vigil-finding-42",
      ExternalId: "vigil-ext-0123456789",
    });
  });

  it("refuses, without any AWS call, an account not allowed, malformed, or without ExternalId", async () => {
    await expect(members().credentialsFor("999999999999", "f")).rejects.toThrow(
      /account 999999999999 is not in remediation.allowedAccounts/,
    );
    await expect(members().credentialsFor("12345", "f")).rejects.toThrow(/12-digit/);
    const withoutExternalId = new MemberAccounts({
      sts: new STSClient({ region: "us-east-1" }),
      homeAccount: HOME,
      allowedAccounts: [MEMBER],
      roleName: "VigilRemediationRole",
    });
    await expect(withoutExternalId.credentialsFor(MEMBER, "f")).rejects.toThrow(
      /VIGIL_MEMBER_EXTERNAL_ID is not set/,
    );
    expect(stsMock.calls()).toHaveLength(0);
  });

  it("rejects a malformed ExternalId or allow-list at construction", () => {
    expect(() => members({ externalId: "x" })).toThrow(/VIGIL_MEMBER_EXTERNAL_ID must be 2-1224/);
    expect(() => members({ externalId: "has space" })).toThrow(MemberAccountError);
    expect(() => members({ allowedAccounts: ["1111-2222-3333"] })).toThrow(/12-digit/);
    expect(() =>
      members({ roleName: "arn:aws:iam::111122223333:role/VigilRemediationRole" }),
    ).toThrow(/not a valid IAM role name/);
  });

  it("tells member accounts from the home account", () => {
    const m = members({ allowedAccounts: [HOME, MEMBER] });
    expect(m.isMember(MEMBER)).toBe(true);
    expect(m.isMember(HOME)).toBe(false);
    expect(m.isMember("999999999999")).toBe(false);
    expect(m.crossAccount).toBe(true);
    expect(members({ allowedAccounts: [HOME] }).crossAccount).toBe(false);
    expect(members({ allowedAccounts: [] }).crossAccount).toBe(false);
  });

  it("gives SDK clients a lazy provider that assumes the role on first use", async () => {
    const provider = members().credentialProvider(MEMBER, "resolve-ids");
    expect(stsMock.calls()).toHaveLength(0);
    expect((await provider?.())?.sessionToken).toBe("token");
    expect(stsMock.commandCalls(AssumeRoleCommand)).toHaveLength(1);
  });
});
