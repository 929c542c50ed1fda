import {
  DisableEbsEncryptionByDefaultCommand,
  EC2Client,
  EnableEbsEncryptionByDefaultCommand,
  GetEbsDefaultKmsKeyIdCommand,
  GetEbsEncryptionByDefaultCommand,
  ModifyEbsDefaultKmsKeyIdCommand,
  ResetEbsDefaultKmsKeyIdCommand,
} from "@aws-sdk/client-ec2";
import { CreateKeyCommand, KMSClient } from "@aws-sdk/client-kms";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { ebsDefaultEncryptionArn } from "../../../src/domain/service-resources.ts";
import { ebsDefaultEncryption } from "../../../src/remediations/ec2/ebs-default-encryption.ts";
import { motoClientConfig, motoEndpoint, resetMoto, TEST_ACCOUNT } from "../../support/moto.ts";
import {
  ActionRecorder,
  expectJsonSerialisable,
  makeFinding,
  planApplyVerify,
  recordingMotoContext,
} from "../support.ts";

const endpoint = motoEndpoint();

/**
 * moto serves EBS encryption by default (Enable/Disable/Get) and KMS, but not the region's default
 * key (no GetEbsDefaultKmsKeyId nor ResetEbsDefaultKmsKeyId): those three calls are answered by a
 * fake that keeps the default key, on both the test's and the remediation's EC2 client.
 */
const defaultKey = { id: "alias/aws/ebs" };
function fakeDefaultKeyCalls(client: EC2Client): EC2Client {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const input = (args as { input: { KmsKeyId?: string } }).input;
      switch (context.commandName) {
        case "GetEbsDefaultKmsKeyIdCommand":
          return { output: { KmsKeyId: defaultKey.id, $metadata: {} }, response: {} };
        case "ModifyEbsDefaultKmsKeyIdCommand":
          defaultKey.id = input.KmsKeyId ?? defaultKey.id;
          return { output: { KmsKeyId: defaultKey.id, $metadata: {} }, response: {} };
        case "ResetEbsDefaultKmsKeyIdCommand":
          defaultKey.id = "alias/aws/ebs";
          return { output: { KmsKeyId: defaultKey.id, $metadata: {} }, response: {} };
        default:
          return next(args);
      }
    },
    { step: "initialize", name: "fakeEbsDefaultKey", priority: "low" },
  );
  return client;
}

describe.skipIf(!endpoint)(
  "ebs-default-encryption against moto (EC2 and KMS; default-key calls faked)",
  () => {
    const config = motoClientConfig(endpoint as string);
    const seed = fakeDefaultKeyCalls(new EC2Client(config));
    const seedKms = new KMSClient(config);
    const { recorder, client, context, watchedBy } = recordingMotoContext(config, {
      ec2: EC2Client,
      kms: KMSClient,
    });
    fakeDefaultKeyCalls(client(EC2Client));

    const finding = () =>
      makeFinding("ebs-default-encryption", "AWS::::Account", TEST_ACCOUNT, {
        resourceArn: ebsDefaultEncryptionArn("aws", "us-east-1", TEST_ACCOUNT),
      });

    async function setting() {
      const [{ EbsEncryptionByDefault }, { KmsKeyId }] = await Promise.all([
        seed.send(new GetEbsEncryptionByDefaultCommand({})),
        seed.send(new GetEbsDefaultKmsKeyIdCommand({})),
      ]);
      return { enabled: EbsEncryptionByDefault === true, key: KmsKeyId };
    }
    async function newKey(): Promise<string> {
      const { KeyMetadata } = await seedKms.send(new CreateKeyCommand({}));
      return KeyMetadata?.Arn as string;
    }

    beforeEach(async () => {
      await resetMoto(endpoint as string);
      await seed.send(new DisableEbsEncryptionByDefaultCommand({}));
      await seed.send(new ResetEbsDefaultKmsKeyIdCommand({}));
    });

    afterAll(() => {
      recorder.expectExactly(ebsDefaultEncryption);
    });

    it("turns encryption by default on with aws/ebs; undo turns it off while still as Vigil set it", async () => {
      const ctx = context();
      const { plan, verified } = await planApplyVerify(
        ebsDefaultEncryption,
        ctx,
        finding(),
        recorder,
      );
      expect(plan.before).toEqual({ resource: "us-east-1", state: { mode: "none" } });
      expectJsonSerialisable(plan);
      expect(verified.ok).toBe(true);
      expect((await setting()).enabled).toBe(true);

      const undone = await recorder.during("undo", () =>
        ebsDefaultEncryption.undo(ctx, plan, plan.changes),
      );
      expect(undone.ok).toBe(true);
      expect((await setting()).enabled).toBe(false);
    });

    it("does not turn it off when someone changed the default key since (not Vigil's record)", async () => {
      const ctx = context();
      const { plan } = await planApplyVerify(ebsDefaultEncryption, ctx, finding(), recorder);
      const theirs = await newKey();
      await seed.send(new ModifyEbsDefaultKmsKeyIdCommand({ KmsKeyId: theirs }));
      const undone = await recorder.during("undo", () =>
        ebsDefaultEncryption.undo(ctx, plan, plan.changes),
      );
      expect(undone.ok).toBe(false);
      expect(undone.detail).toMatch(/not what Vigil set/);
      expect((await setting()).enabled).toBe(true);
    });

    it("sets the configured default key (after DescribeKey) and undo resets it to aws/ebs", async () => {
      const key = await newKey();
      await seed.send(new EnableEbsEncryptionByDefaultCommand({}));
      const ctx = context({ ebsKmsKeyArn: key });
      const { verified, plan } = await planApplyVerify(
        ebsDefaultEncryption,
        ctx,
        finding(),
        recorder,
      );
      expect(verified.ok).toBe(true);
      expect(plan.reason).toMatch(/created from now on/);
      expect((await setting()).key).toBe(key);
      const undone = await recorder.during("undo", () =>
        ebsDefaultEncryption.undo(ctx, plan, plan.changes),
      );
      expect(undone.ok).toBe(true);
      expect(await setting()).toMatchObject({ enabled: true });
      expect((await setting()).key).not.toBe(key);
    });

    it("keeps a customer default key unless replaceExistingKmsKey; undo puts the old key back", async () => {
      const own = await newKey();
      const configured = await newKey();
      await seed.send(new ModifyEbsDefaultKmsKeyIdCommand({ KmsKeyId: own }));
      await seed.send(new EnableEbsEncryptionByDefaultCommand({}));
      const kept = await recorder.during("plan", () =>
        ebsDefaultEncryption.plan(context({ ebsKmsKeyArn: configured }), finding()),
      );
      expect(kept.changes).toEqual([]);
      expect(kept.reason).toMatch(/never replaces/);

      const ctx = context({ ebsKmsKeyArn: configured, replaceExistingKmsKey: true });
      const { plan, verified } = await planApplyVerify(
        ebsDefaultEncryption,
        ctx,
        finding(),
        recorder,
      );
      expect(verified.ok).toBe(true);
      expect((await setting()).key).toBe(configured);
      const undone = await recorder.during("undo", () =>
        ebsDefaultEncryption.undo(ctx, plan, plan.changes),
      );
      expect(undone.ok).toBe(true);
      expect((await setting()).key).toBe(own);
    });

    it("refuses a key in another region before any EC2 call", async () => {
      const watched = new ActionRecorder();
      const ctx = {
        ...context({
          ebsKmsKeyArn:
            "arn:aws:kms:eu-west-1:123456789012:key/00000000-0000-0000-0000-000000000001",
        }),
        client: watchedBy(watched),
      };
      await expect(
        watched.during("plan", () => ebsDefaultEncryption.plan(ctx, finding())),
      ).rejects.toThrow(/is in eu-west-1 but the resource is in us-east-1/);
      expect([...watched.used.plan]).toEqual([]);
      expect((await setting()).enabled).toBe(false);
    });
  },
);
