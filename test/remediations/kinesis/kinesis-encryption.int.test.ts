import {
  AddTagsToStreamCommand,
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  KinesisClient,
  StartStreamEncryptionCommand,
} from "@aws-sdk/client-kinesis";
import { CreateKeyCommand, KMSClient } from "@aws-sdk/client-kms";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { kinesisEncryption } from "../../../src/remediations/kinesis/kinesis-encryption.ts";
import { motoClientConfig, motoEndpoint, resetMoto } from "../../support/moto.ts";
import {
  ActionRecorder,
  changeAt,
  expectJsonSerialisable,
  makeFinding,
  planApplyVerify,
  recordingMotoContext,
  UNUSABLE_KMS_KEYS,
} from "../support.ts";

const endpoint = motoEndpoint();

describe.skipIf(!endpoint)("kinesis-encryption against moto (Kinesis and KMS)", () => {
  // The Kinesis client speaks HTTP/2 by default (for SubscribeToShard); moto_server speaks 1.1.
  const config = { ...motoClientConfig(endpoint as string), requestHandler: new NodeHttpHandler() };
  const seed = new KinesisClient(config);
  const seedKms = new KMSClient(config);
  const { recorder, context, watchedBy } = recordingMotoContext(config, {
    kinesis: KinesisClient,
    kms: KMSClient,
  });

  const arnOf = (stream: string) => `arn:aws:kinesis:us-east-1:123456789012:stream/${stream}`;
  const finding = (stream: string) =>
    makeFinding("kinesis-encryption", "AWS::Kinesis::Stream", stream, {
      resourceArn: arnOf(stream),
    });

  async function stream(name: string, key?: string) {
    await seed.send(new CreateStreamCommand({ StreamName: name, ShardCount: 1 }));
    if (key) await encrypt(name, key);
  }
  async function encrypt(name: string, key: string) {
    await seed.send(
      new StartStreamEncryptionCommand({ StreamName: name, EncryptionType: "KMS", KeyId: key }),
    );
  }
  async function encryptionOf(name: string) {
    const { StreamDescriptionSummary: summary } = await seed.send(
      new DescribeStreamSummaryCommand({ StreamName: name }),
    );
    return { type: summary?.EncryptionType, key: summary?.KeyId };
  }
  async function newKey(): Promise<string> {
    const { KeyMetadata } = await seedKms.send(new CreateKeyCommand({}));
    return KeyMetadata?.Arn as string;
  }

  beforeEach(async () => {
    await resetMoto(endpoint as string);
  });

  afterAll(() => {
    recorder.expectExactly(kinesisEncryption);
  });

  it("encrypts a stream with alias/aws/kinesis by default; undo stops encryption again", async () => {
    await stream("clicks");
    const ctx = context();
    const { plan, verified } = await planApplyVerify(
      kinesisEncryption,
      ctx,
      finding("clicks"),
      recorder,
    );
    expect(changeAt(plan)).toMatchObject({
      action: "kinesis:StartStreamEncryption",
      params: { from: { mode: "none" }, to: { mode: "kms", key: "alias/aws/kinesis" } },
    });
    expect(plan.reason).toMatch(/already in the stream stay unencrypted/);
    expectJsonSerialisable(plan);
    expect(verified.ok).toBe(true);
    expect(await encryptionOf("clicks")).toEqual({ type: "KMS", key: "alias/aws/kinesis" });

    const undone = await recorder.during("undo", () =>
      kinesisEncryption.undo(ctx, plan, plan.changes),
    );
    expect(undone.ok).toBe(true);
    expect((await encryptionOf("clicks")).type).toBe("NONE");
  });

  it("uses a configured key after DescribeKey, and never replaces a stream's own key", async () => {
    const configured = await newKey();
    const own = await newKey();
    await stream("orders");
    await stream("ledger", own);
    const ctx = context({ kinesisKmsKeyId: configured });
    const { plan, verified } = await planApplyVerify(
      kinesisEncryption,
      ctx,
      finding("orders"),
      recorder,
    );
    expect(verified.ok).toBe(true);
    expect(plan.reason).toMatch(/Producers need kms:GenerateDataKey/);
    expect(await encryptionOf("orders")).toEqual({ type: "KMS", key: configured });

    const kept = await recorder.during("plan", () =>
      kinesisEncryption.plan(ctx, finding("ledger")),
    );
    expect(kept.changes).toEqual([]);
    expect(kept.reason).toMatch(/never replaces a stream's own KMS key/);
    expect(await encryptionOf("ledger")).toEqual({ type: "KMS", key: own });
  });

  it("replaces a stream's own key only with replaceExistingKmsKey; undo puts the old key back", async () => {
    const configured = await newKey();
    const own = await newKey();
    await stream("audit", own);
    const ctx = context({ kinesisKmsKeyId: configured, replaceExistingKmsKey: true });
    const { plan, verified } = await planApplyVerify(
      kinesisEncryption,
      ctx,
      finding("audit"),
      recorder,
    );
    expect(verified.ok).toBe(true);
    expect(await encryptionOf("audit")).toEqual({ type: "KMS", key: configured });
    const undone = await recorder.during("undo", () =>
      kinesisEncryption.undo(ctx, plan, plan.changes),
    );
    expect(undone.ok).toBe(true);
    expect(await encryptionOf("audit")).toEqual({ type: "KMS", key: own });
  });

  it("bad key settings fail before the stream is read: zero mutating calls", async () => {
    await stream("metrics");
    for (const [key, error] of UNUSABLE_KMS_KEYS) {
      const watched = new ActionRecorder();
      const ctx = {
        ...context({ kinesisKmsKeyId: key }),
        client: watchedBy(watched),
      };
      await expect(
        watched.during("plan", () => kinesisEncryption.plan(ctx, finding("metrics"))),
      ).rejects.toThrow(error);
      expect([...watched.used.plan].filter((a) => !a.startsWith("kms:Describe"))).toEqual([]);
    }
    expect((await encryptionOf("metrics")).type).toBe("NONE");
  });

  it("apply refuses a stream encrypted since planning; undo leaves a later key alone", async () => {
    await stream("race");
    const ctx = context();
    const plan = await recorder.during("plan", () => kinesisEncryption.plan(ctx, finding("race")));
    const someone = await newKey();
    await encrypt("race", someone);
    await expect(
      recorder.during("apply", () => kinesisEncryption.apply(ctx, plan, changeAt(plan))),
    ).rejects.toThrow(/changed since planning/);
    const undone = await recorder.during("undo", () =>
      kinesisEncryption.undo(ctx, plan, plan.changes),
    );
    expect(undone.ok).toBe(false);
    expect(undone.detail).toMatch(/not what Vigil set/);
    expect(await encryptionOf("race")).toEqual({ type: "KMS", key: someone });
  });

  it("reads the stream's tags for exemptions", async () => {
    await stream("tagged");
    await seed.send(
      new AddTagsToStreamCommand({
        StreamName: "tagged",
        Tags: { "vigil:exempt": "true", team: "data" },
      }),
    );
    const plan = await recorder.during("plan", () =>
      kinesisEncryption.plan(context(), finding("tagged")),
    );
    expect(plan.tags).toEqual({ "vigil:exempt": "true", team: "data" });
  });
});
