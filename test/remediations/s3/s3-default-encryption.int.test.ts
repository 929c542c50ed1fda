import { IAMClient } from "@aws-sdk/client-iam";
import { CreateKeyCommand, DisableKeyCommand, KMSClient } from "@aws-sdk/client-kms";
import {
  CreateBucketCommand,
  GetBucketEncryptionCommand,
  PutBucketEncryptionCommand,
  PutBucketTaggingCommand,
  S3Client,
  type ServerSideEncryptionConfiguration,
} from "@aws-sdk/client-s3";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { s3DefaultEncryption } from "../../../src/remediations/s3/s3-default-encryption.ts";
import { motoClientConfig, motoEndpoint, resetMoto } from "../../support/moto.ts";
import type { RemediationContext, RemediationSettings } from "../support.ts";
import {
  ActionRecorder,
  changeAt,
  expectJsonSerialisable,
  makeFinding,
  OTHER_KMS_KEY_ARN,
  planApplyVerify,
  TEST_SETTINGS,
} from "../support.ts";

const endpoint = motoEndpoint();

describe.skipIf(!endpoint)("s3-default-encryption against moto", () => {
  const config = motoClientConfig(endpoint as string);
  const seed = new S3Client(config);
  const recorder = new ActionRecorder();
  const s3 = new S3Client(config);
  recorder.watch(s3, "s3");
  const iam = new IAMClient(config);
  const seedKms = new KMSClient(config);
  const kmsClient = new KMSClient(config);
  recorder.watch(kmsClient, "kms");
  // The configured key, created in moto before each test: the plan checks it with DescribeKey.
  let KMS_KEY_ARN = "";

  function context(overrides: Partial<RemediationSettings> = {}): RemediationContext {
    return {
      s3,
      iam,
      client: <Client>() => kmsClient as Client,
      settings: { ...TEST_SETTINGS, s3KmsKeyArn: KMS_KEY_ARN, ...overrides },
    };
  }

  async function bucketWith(
    name: string,
    encryption?: ServerSideEncryptionConfiguration,
  ): Promise<void> {
    await seed.send(new CreateBucketCommand({ Bucket: name }));
    if (encryption) {
      await seed.send(
        new PutBucketEncryptionCommand({
          Bucket: name,
          ServerSideEncryptionConfiguration: encryption,
        }),
      );
    }
  }

  async function encryptionOf(name: string): Promise<ServerSideEncryptionConfiguration | null> {
    try {
      const output = await seed.send(new GetBucketEncryptionCommand({ Bucket: name }));
      return output.ServerSideEncryptionConfiguration ?? null;
    } catch (error) {
      if ((error as Error).name === "ServerSideEncryptionConfigurationNotFoundError") return null;
      throw error;
    }
  }

  const finding = (bucket: string) => makeFinding("s3-encryption", "AWS::S3::Bucket", bucket);
  const kms = (key: string, bucketKey: boolean): ServerSideEncryptionConfiguration => ({
    Rules: [
      {
        ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "aws:kms", KMSMasterKeyID: key },
        BucketKeyEnabled: bucketKey,
      },
    ],
  });
  const aes256: ServerSideEncryptionConfiguration = {
    Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" } }],
  };

  beforeEach(async () => {
    await resetMoto(endpoint as string);
    const { KeyMetadata } = await seedKms.send(new CreateKeyCommand({}));
    KMS_KEY_ARN = KeyMetadata?.Arn ?? "";
  });

  it("refuses SSE-KMS with a key that is missing or disabled: nothing written", async () => {
    await bucketWith("needs-key");
    const missing = "arn:aws:kms:us-east-1:123456789012:key/00000000-0000-0000-0000-000000000000";
    await expect(
      s3DefaultEncryption.plan(context({ s3KmsKeyArn: missing }), finding("needs-key")),
    ).rejects.toThrow(/does not exist/);
    await seedKms.send(new DisableKeyCommand({ KeyId: KMS_KEY_ARN.split("/").at(-1) }));
    await expect(s3DefaultEncryption.plan(context(), finding("needs-key"))).rejects.toThrow(
      /is Disabled, not Enabled/,
    );
    expect(await encryptionOf("needs-key")).toBeNull();
  });

  afterAll(() => {
    // Across this file every code path runs: the declared permissions must be exactly those used.
    recorder.expectExactly(s3DefaultEncryption);
  });

  it("sets SSE-KMS on an unencrypted bucket, is idempotent, and undo removes it again", async () => {
    await bucketWith("raw-landing");
    await seed.send(
      new PutBucketTaggingCommand({
        Bucket: "raw-landing",
        Tagging: { TagSet: [{ Key: "owner", Value: "data-eng" }] },
      }),
    );
    const ctx = context();
    const { plan, verified } = await planApplyVerify(
      s3DefaultEncryption,
      ctx,
      finding("raw-landing"),
      recorder,
    );

    expect(plan.tags).toEqual({ owner: "data-eng" });
    expect(plan.before).toEqual({ bucket: "raw-landing", encryption: null });
    expect(plan.changes).toHaveLength(1);
    expect(plan.changes[0]?.action).toBe("s3:PutEncryptionConfiguration");
    expect(plan.summary).toContain(KMS_KEY_ARN);
    expectJsonSerialisable(plan);
    expect(verified.ok).toBe(true);
    expect(await encryptionOf("raw-landing")).toEqual(kms(KMS_KEY_ARN, true));

    // Applying the same change again is harmless.
    await recorder.during("apply", () => s3DefaultEncryption.apply(ctx, plan, changeAt(plan)));
    expect(await encryptionOf("raw-landing")).toEqual(kms(KMS_KEY_ARN, true));

    const undone = await recorder.during("undo", () =>
      s3DefaultEncryption.undo(ctx, plan, plan.changes),
    );
    expect(undone.ok).toBe(true);
    expect(await encryptionOf("raw-landing")).toBeNull();
  });

  it("moves an AES256 bucket to SSE-KMS and undo restores AES256 exactly", async () => {
    await bucketWith("curated", aes256);
    const original = await encryptionOf("curated");
    const ctx = context();
    const { plan, verified } = await planApplyVerify(
      s3DefaultEncryption,
      ctx,
      finding("curated"),
      recorder,
    );
    expect(plan.before.encryption).toEqual(original);
    expect(verified.ok).toBe(true);
    expect(await encryptionOf("curated")).toEqual(kms(KMS_KEY_ARN, true));

    const undone = await recorder.during("undo", () =>
      s3DefaultEncryption.undo(ctx, plan, plan.changes),
    );
    expect(undone.ok).toBe(true);
    expect(await encryptionOf("curated")).toEqual(original);
  });

  it("never downgrades or replaces a bucket's own KMS key", async () => {
    await bucketWith("kms-bucket", kms(OTHER_KMS_KEY_ARN, true));
    for (const settings of [
      {},
      { s3EncryptionAlgorithm: "AES256" as const },
      { s3EncryptionAlgorithm: "AES256" as const, s3ReplaceExistingKmsKey: true },
    ]) {
      const { plan, verified } = await planApplyVerify(
        s3DefaultEncryption,
        context(settings),
        finding("kms-bucket"),
        recorder,
      );
      expect(plan.changes, JSON.stringify(settings)).toEqual([]);
      expect(plan.reason).toMatch(/never (downgrades|replaces)/);
      expect(verified.ok).toBe(true);
    }
    expect(await encryptionOf("kms-bucket")).toEqual(kms(OTHER_KMS_KEY_ARN, true));
  });

  it("turns the bucket key on for a KMS bucket, keeping its key; undo turns it off", async () => {
    await bucketWith("kms-no-bucket-key", kms(OTHER_KMS_KEY_ARN, false));
    const ctx = context();
    const { plan, verified } = await planApplyVerify(
      s3DefaultEncryption,
      ctx,
      finding("kms-no-bucket-key"),
      recorder,
    );
    expect(plan.changes).toHaveLength(1);
    expect(plan.summary).toContain("keeping its KMS key");
    expect(verified.ok).toBe(true);
    expect(await encryptionOf("kms-no-bucket-key")).toEqual(kms(OTHER_KMS_KEY_ARN, true));

    await recorder.during("undo", () => s3DefaultEncryption.undo(ctx, plan, plan.changes));
    expect(await encryptionOf("kms-no-bucket-key")).toEqual(kms(OTHER_KMS_KEY_ARN, false));
  });

  it("replaces the key only when s3ReplaceExistingKmsKey is on; undo puts the old key back", async () => {
    await bucketWith("kms-replace", kms(OTHER_KMS_KEY_ARN, true));
    const ctx = context({ s3ReplaceExistingKmsKey: true });
    const { plan, verified } = await planApplyVerify(
      s3DefaultEncryption,
      ctx,
      finding("kms-replace"),
      recorder,
    );
    expect(plan.changes).toHaveLength(1);
    expect(verified.ok).toBe(true);
    expect(await encryptionOf("kms-replace")).toEqual(kms(KMS_KEY_ARN, true));

    const undone = await recorder.during("undo", () =>
      s3DefaultEncryption.undo(ctx, plan, plan.changes),
    );
    expect(undone.ok).toBe(true);
    expect(await encryptionOf("kms-replace")).toEqual(kms(OTHER_KMS_KEY_ARN, true));
  });

  it("leaves an AES256 bucket alone when AES256 is configured, and sets AES256 on a bare one", async () => {
    await bucketWith("already-aes", aes256);
    await bucketWith("bare");
    const ctx = context({ s3EncryptionAlgorithm: "AES256", s3KmsKeyArn: undefined });

    const unchanged = await planApplyVerify(
      s3DefaultEncryption,
      ctx,
      finding("already-aes"),
      recorder,
    );
    expect(unchanged.plan.changes).toEqual([]);

    const { plan, verified } = await planApplyVerify(
      s3DefaultEncryption,
      ctx,
      finding("bare"),
      recorder,
    );
    expect(plan.changes).toHaveLength(1);
    expect(verified.ok).toBe(true);
    expect((await encryptionOf("bare"))?.Rules?.[0]?.ApplyServerSideEncryptionByDefault).toEqual({
      SSEAlgorithm: "AES256",
    });
  });

  it("refuses to apply when the encryption changed since planning (no downgrade race)", async () => {
    await bucketWith("raced");
    const ctx = context({ s3EncryptionAlgorithm: "AES256", s3KmsKeyArn: undefined });
    const plan = await s3DefaultEncryption.plan(ctx, finding("raced"));
    expect(plan.changes).toHaveLength(1);

    // Someone moves the bucket to KMS between plan and apply.
    await seed.send(
      new PutBucketEncryptionCommand({
        Bucket: "raced",
        ServerSideEncryptionConfiguration: kms(OTHER_KMS_KEY_ARN, true),
      }),
    );
    await expect(s3DefaultEncryption.apply(ctx, plan, changeAt(plan))).rejects.toThrow(
      /changed since planning/,
    );
    expect(await encryptionOf("raced")).toEqual(kms(OTHER_KMS_KEY_ARN, true));
  });

  it("propagates NoSuchBucket from plan", async () => {
    await expect(
      s3DefaultEncryption.plan(context(), finding("does-not-exist")),
    ).rejects.toMatchObject({ name: "NoSuchBucket" });
  });
});
