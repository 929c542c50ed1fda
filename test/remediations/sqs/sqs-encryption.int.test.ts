import { CreateKeyCommand, DisableKeyCommand, KMSClient } from "@aws-sdk/client-kms";
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  SetQueueAttributesCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { sqsEncryption } from "../../../src/remediations/sqs/sqs-encryption.ts";
import { motoClientConfig, motoEndpoint, resetMoto } from "../../support/moto.ts";
import {
  ActionRecorder,
  changeAt,
  expectJsonSerialisable,
  makeFinding,
  planApplyVerify,
  recordingMotoContext,
} from "../support.ts";

const endpoint = motoEndpoint();

describe.skipIf(!endpoint)("sqs-encryption against moto (SQS and KMS)", () => {
  const config = motoClientConfig(endpoint as string);
  const seed = new SQSClient(config);
  const seedKms = new KMSClient(config);
  const { recorder, context, watchedBy } = recordingMotoContext(config, {
    sqs: SQSClient,
    kms: KMSClient,
  });

  const finding = (queue: string) =>
    makeFinding("sqs-encryption", "AWS::SQS::Queue", queue, {
      resourceArn: `arn:aws:sqs:us-east-1:123456789012:${queue}`,
    });

  async function queue(name: string, attributes: Record<string, string> = {}): Promise<string> {
    const { QueueUrl } = await seed.send(
      new CreateQueueCommand({
        QueueName: name,
        Attributes: { SqsManagedSseEnabled: "false", ...attributes },
      }),
    );
    return QueueUrl as string;
  }

  async function encryptionOf(url: string) {
    const { Attributes = {} } = await seed.send(
      new GetQueueAttributesCommand({
        QueueUrl: url,
        AttributeNames: ["KmsMasterKeyId", "SqsManagedSseEnabled"],
      }),
    );
    return { key: Attributes.KmsMasterKeyId ?? "", sse: Attributes.SqsManagedSseEnabled };
  }

  async function newKey(): Promise<string> {
    const { KeyMetadata } = await seedKms.send(new CreateKeyCommand({}));
    return KeyMetadata?.Arn as string;
  }

  beforeEach(async () => {
    await resetMoto(endpoint as string);
  });

  afterAll(() => {
    // Every declared action was called, and nothing else: the suite covers every path.
    recorder.expectExactly(sqsEncryption);
  });

  it("turns SSE-SQS on for an unencrypted queue, is idempotent, and undo turns it off", async () => {
    const url = await queue("orders");
    const ctx = context({ sqsKmsKeyArn: undefined });
    const { plan, verified } = await planApplyVerify(
      sqsEncryption,
      ctx,
      finding("orders"),
      recorder,
    );
    expect(plan.before).toEqual({ resource: url, state: { mode: "none" } });
    expect(changeAt(plan).params).toMatchObject({ to: { mode: "service" } });
    expectJsonSerialisable(plan);
    expect(verified.ok).toBe(true);
    expect((await encryptionOf(url)).sse).toBe("true");

    // Applying again changes nothing; a fresh plan finds nothing to do.
    await recorder.during("apply", () => sqsEncryption.apply(ctx, plan, changeAt(plan)));
    const again = await sqsEncryption.plan(ctx, finding("orders"));
    expect(again.changes).toEqual([]);

    const undone = await recorder.during("undo", () => sqsEncryption.undo(ctx, plan, plan.changes));
    expect(undone.ok).toBe(true);
    expect((await encryptionOf(url)).sse).toBe("false");
  });

  it("moves an SSE-SQS queue to the configured KMS key after DescribeKey; undo restores SSE-SQS", async () => {
    const key = await newKey();
    const url = await queue("payments", { SqsManagedSseEnabled: "true" });
    const ctx = context({ sqsKmsKeyArn: key });
    const { plan, verified } = await planApplyVerify(
      sqsEncryption,
      ctx,
      finding("payments"),
      recorder,
    );
    expect(verified.ok).toBe(true);
    expect(plan.reason).toMatch(/kms:GenerateDataKey/);
    expect((await encryptionOf(url)).key).toBe(key);

    const undone = await recorder.during("undo", () => sqsEncryption.undo(ctx, plan, plan.changes));
    expect(undone.ok).toBe(true);
    expect(await encryptionOf(url)).toEqual({ key: "", sse: "true" });
  });

  it("never replaces a queue's own KMS key, nor downgrades it to SSE-SQS", async () => {
    const own = await newKey();
    const configured = await newKey();
    const url = await queue("ledger", { KmsMasterKeyId: own });
    for (const settings of [{ sqsKmsKeyArn: configured }, { sqsKmsKeyArn: undefined }]) {
      const plan = await recorder.during("plan", () =>
        sqsEncryption.plan(context(settings), finding("ledger")),
      );
      expect(plan.changes).toEqual([]);
      expect(plan.reason).toMatch(/never (replaces|downgrades)/);
    }
    expect((await encryptionOf(url)).key).toBe(own);

    // Only with replaceExistingKmsKey on, and then to the configured key.
    const ctx = context({ sqsKmsKeyArn: configured, replaceExistingKmsKey: true });
    const { verified } = await planApplyVerify(sqsEncryption, ctx, finding("ledger"), recorder);
    expect(verified.ok).toBe(true);
    expect((await encryptionOf(url)).key).toBe(configured);
  });

  it("refuses a key that is disabled, missing or in another region: zero mutating calls", async () => {
    const disabled = await newKey();
    await seedKms.send(new DisableKeyCommand({ KeyId: disabled.split("/").at(-1) }));
    const missing = "arn:aws:kms:us-east-1:123456789012:key/00000000-0000-0000-0000-000000000000";
    const elsewhere = "arn:aws:kms:eu-west-1:123456789012:key/00000000-0000-0000-0000-000000000001";
    const url = await queue("bad-key");
    const mutating = new ActionRecorder();
    const watched = watchedBy(mutating);
    for (const [key, message] of [
      [disabled, /is Disabled, not Enabled/],
      [missing, /does not exist/],
      [elsewhere, /is in eu-west-1 but the resource is in us-east-1/],
      ["alias/orders", /is a KMS alias/],
    ] as const) {
      const ctx = { ...context({ sqsKmsKeyArn: key }), client: watched };
      await expect(
        mutating.during("plan", () => sqsEncryption.plan(ctx, finding("bad-key"))),
      ).rejects.toThrow(message);
    }
    expect([...mutating.used.plan].filter((a) => !/:(Get|List|Describe)/.test(a))).toEqual([]);
    expect(await encryptionOf(url)).toEqual({ key: "", sse: "false" });
  });

  it("refuses to apply over a change made since planning, and undo leaves a later change alone", async () => {
    const url = await queue("race");
    const ctx = context({ sqsKmsKeyArn: undefined });
    const plan = await recorder.during("plan", () => sqsEncryption.plan(ctx, finding("race")));
    const someoneKey = await newKey();
    await seed.send(
      new SetQueueAttributesCommand({ QueueUrl: url, Attributes: { KmsMasterKeyId: someoneKey } }),
    );
    await expect(
      recorder.during("apply", () => sqsEncryption.apply(ctx, plan, changeAt(plan))),
    ).rejects.toThrow(/changed since planning/);
    const undone = await recorder.during("undo", () => sqsEncryption.undo(ctx, plan, plan.changes));
    expect(undone.ok).toBe(false);
    expect(undone.detail).toMatch(/not what Vigil set/);
    expect((await encryptionOf(url)).key).toBe(someoneKey);
  });

  it("reads the queue's tags for exemptions", async () => {
    await seed.send(
      new CreateQueueCommand({ QueueName: "tagged", tags: { "vigil:exempt": "legacy consumer" } }),
    );
    const plan = await recorder.during("plan", () =>
      sqsEncryption.plan(context({ sqsKmsKeyArn: undefined }), finding("tagged")),
    );
    expect(plan.tags).toEqual({ "vigil:exempt": "legacy consumer" });
  });
});
