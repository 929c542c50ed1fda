import {
  AccessAnalyzerClient,
  GetFindingV2Command,
  type GetFindingV2CommandOutput,
} from "@aws-sdk/client-accessanalyzer";
import {
  CreateAccessKeyCommand,
  CreateUserCommand,
  IAMClient,
  ListAccessKeysCommand,
  UpdateAccessKeyCommand,
} from "@aws-sdk/client-iam";
import { S3Client } from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { iamUnusedAccessKey } from "../../../src/remediations/iam/unused-access-key.ts";
import { motoClientConfig, motoEndpoint, resetMoto, TEST_ACCOUNT } from "../../support/moto.ts";
import {
  ActionRecorder,
  changeAt,
  expectJsonSerialisable,
  makeFinding,
  planApplyVerify,
  type RemediationContext,
  TEST_SETTINGS,
} from "../support.ts";

const endpoint = motoEndpoint();
const USER = "etl-loader";
const ANALYZER = `arn:aws:access-analyzer:us-east-1:${TEST_ACCOUNT}:analyzer/unused`;

describe.skipIf(!endpoint)(
  "iam-unused-access-key against moto IAM (Access Analyzer mocked: moto has none)",
  () => {
    const config = motoClientConfig(endpoint as string);
    const seed = new IAMClient(config);
    const recorder = new ActionRecorder();
    const iam = new IAMClient(config);
    recorder.watch(iam, "iam");
    // aws-sdk-client-mock replaces send, so the recorder's middleware never sees these calls.
    const analyzer = mockClient(AccessAnalyzerClient);
    const ctx: RemediationContext = {
      s3: new S3Client(config),
      iam,
      settings: TEST_SETTINGS,
      client: <C>(Client: new (c: { region: string }) => C) => new Client(config),
    };
    const finding = (overrides = {}) =>
      makeFinding("iam-unused-access-key", "AWS::IAM::User", USER, {
        source: "access-analyzer",
        rule: "access-analyzer:UnusedIAMUserAccessKey",
        analyzerArn: ANALYZER,
        ...overrides,
      });
    const analyzerSays = (output: Partial<GetFindingV2CommandOutput>) =>
      analyzer.on(GetFindingV2Command).callsFake(() => {
        recorder.record("access-analyzer:GetFinding");
        return output;
      });
    const unusedKey = (
      accessKeyId: string,
      resource = `arn:aws:iam::${TEST_ACCOUNT}:user/${USER}`,
    ) =>
      analyzerSays({
        id: "finding-etl-loader",
        resource,
        resourceType: "AWS::IAM::User",
        status: "ACTIVE",
        findingType: "UnusedIAMUserAccessKey",
        findingDetails: [{ unusedIamUserAccessKeyDetails: { accessKeyId } }],
      } as Partial<GetFindingV2CommandOutput>);
    const keyStatus = async (user = USER) =>
      Object.fromEntries(
        (
          (await seed.send(new ListAccessKeysCommand({ UserName: user }))).AccessKeyMetadata ?? []
        ).map((k) => [k.AccessKeyId, k.Status]),
      );
    let keyId = "";

    beforeEach(async () => {
      await resetMoto(endpoint as string);
      analyzer.reset();
      await seed.send(
        new CreateUserCommand({ UserName: USER, Tags: [{ Key: "team", Value: "data" }] }),
      );
      await seed.send(new CreateUserCommand({ UserName: "someone-else" }));
      keyId =
        (await seed.send(new CreateAccessKeyCommand({ UserName: USER }))).AccessKey?.AccessKeyId ??
        "";
    });

    afterAll(() => {
      analyzer.restore();
      recorder.expectExactly(iamUnusedAccessKey);
    });

    it("deactivates the unused key (never deletes it); undo re-activates it", async () => {
      unusedKey(keyId);
      const { plan, verified } = await planApplyVerify(
        iamUnusedAccessKey,
        ctx,
        finding(),
        recorder,
      );
      expect(plan.tags).toEqual({ team: "data" });
      expect(plan.changes).toEqual([
        expect.objectContaining({
          action: "iam:UpdateAccessKey",
          params: { UserName: USER, AccessKeyId: keyId, Status: "Inactive" },
        }),
      ]);
      expect(plan.summary).toContain("never used");
      expectJsonSerialisable(plan);
      expect(verified).toMatchObject({ ok: true, after: { status: "Inactive" } });
      expect(await keyStatus()).toEqual({ [keyId]: "Inactive" });
      expect(analyzer.commandCalls(GetFindingV2Command)[0]?.args[0].input).toMatchObject({
        analyzerArn: ANALYZER,
        id: "finding-etl-loader",
      });

      // A retry changes nothing.
      await recorder.during("apply", () => iamUnusedAccessKey.apply(ctx, plan, changeAt(plan)));
      expect(await keyStatus()).toEqual({ [keyId]: "Inactive" });

      const undone = await recorder.during("undo", () =>
        iamUnusedAccessKey.undo(ctx, plan, plan.changes),
      );
      expect(undone).toMatchObject({ ok: true, after: { status: "Active" } });
      expect(await keyStatus()).toEqual({ [keyId]: "Active" });
    });

    it("undo leaves a key someone re-activated alone, and refuses a key that is gone", async () => {
      unusedKey(keyId);
      const { plan } = await planApplyVerify(iamUnusedAccessKey, ctx, finding(), recorder);
      await seed.send(
        new UpdateAccessKeyCommand({ UserName: USER, AccessKeyId: keyId, Status: "Active" }),
      );
      const calls = recorder.calls;
      const again = await iamUnusedAccessKey.undo(ctx, plan, plan.changes);
      expect(again.ok).toBe(true);
      expect(again.detail).toContain("Active already");
      expect(recorder.calls - calls).toBe(1); // one ListAccessKeys, no write

      const gone = await iamUnusedAccessKey.undo(
        ctx,
        { ...plan, before: { ...plan.before, accessKeyId: "AKIAIOSFODNN7EXAMPLE" } },
        plan.changes,
      );
      expect(gone).toMatchObject({ ok: false });
      expect(gone.detail).toContain("gone");
    });

    it("plans nothing for a key of another user (ListAccessKeys) and for a key already inactive", async () => {
      const other =
        (await seed.send(new CreateAccessKeyCommand({ UserName: "someone-else" }))).AccessKey
          ?.AccessKeyId ?? "";
      unusedKey(other);
      const foreign = await iamUnusedAccessKey.plan(ctx, finding());
      expect(foreign.changes).toEqual([]);
      expect(foreign.reason).toContain(`is not a key of user ${USER}`);

      await seed.send(
        new UpdateAccessKeyCommand({ UserName: USER, AccessKeyId: keyId, Status: "Inactive" }),
      );
      unusedKey(keyId);
      expect((await iamUnusedAccessKey.plan(ctx, finding())).changes).toEqual([]);
      expect(await keyStatus("someone-else")).toEqual({ [other]: "Active" });
    });

    it.each([
      [
        "the analyzer describing another user",
        () => unusedKey("AKIAIOSFODNN7EXAMPLE", `arn:aws:iam::${TEST_ACCOUNT}:user/someone-else`),
        {},
      ],
      ["a malformed key id", () => unusedKey("not-a-key"), {}],
      [
        "no analyzer on the finding",
        () => unusedKey("AKIAIOSFODNN7EXAMPLE"),
        { analyzerArn: undefined },
      ],
      [
        "a user name IAM cannot have",
        () => unusedKey("AKIAIOSFODNN7EXAMPLE"),
        { resourceName: "a/b" },
      ],
    ])("bad input (%s) → refused, zero IAM calls", async (_name, arrange, overrides) => {
      arrange();
      const calls = recorder.calls;
      await expect(iamUnusedAccessKey.plan(ctx, finding(overrides))).rejects.toThrow();
      expect(recorder.calls).toBe(calls);
      expect(await keyStatus()).toEqual({ [keyId]: "Active" });
    });

    it("apply refuses a key that left the user since planning (re-read before write)", async () => {
      unusedKey(keyId);
      const plan = await iamUnusedAccessKey.plan(ctx, finding());
      const moved = { ...plan, before: { ...plan.before, userName: "someone-else" } };
      await expect(iamUnusedAccessKey.apply(ctx, moved, changeAt(plan))).rejects.toThrow(
        /no longer a key of user someone-else/,
      );
      expect(await keyStatus()).toEqual({ [keyId]: "Active" });
    });
  },
);
