import {
  AddTagsCommand,
  CloudTrailClient,
  CreateTrailCommand,
  GetTrailCommand,
  UpdateTrailCommand,
} from "@aws-sdk/client-cloudtrail";
import { CreateKeyCommand, KMSClient } from "@aws-sdk/client-kms";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { cloudTrailEncryption } from "../../../src/remediations/cloudtrail/cloudtrail-encryption.ts";
import {
  motoClientConfig,
  motoEndpoint,
  resetMoto,
  TEST_ACCOUNT,
  TEST_REGION,
} from "../../support/moto.ts";
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

// moto serves CreateTrail/GetTrail/UpdateTrail/ListTags and KMS key policies; its trails carry
// no HomeRegion (the ARN's region is used, as in AWS) and it does not check the key policy itself.
describe.skipIf(!endpoint)("cloudtrail-encryption against moto (CloudTrail and KMS)", () => {
  const config = motoClientConfig(endpoint as string);
  const seed = new CloudTrailClient(config);
  const seedKms = new KMSClient(config);
  const seedS3 = new S3Client(config);
  const { recorder, context, watchedBy } = recordingMotoContext(config, {
    cloudtrail: CloudTrailClient,
    kms: KMSClient,
  });
  const MUTATING = ["cloudtrail:UpdateTrail"];

  const arnOf = (trail: string) =>
    `arn:aws:cloudtrail:${TEST_REGION}:${TEST_ACCOUNT}:trail/${trail}`;
  const finding = (trail: string) =>
    makeFinding("cloudtrail-encryption", "AWS::CloudTrail::Trail", trail, {
      resourceArn: arnOf(trail),
    });

  async function trail(name: string, options: { key?: string; organization?: boolean } = {}) {
    await seed.send(
      new CreateTrailCommand({
        Name: name,
        S3BucketName: "trail-logs",
        ...(options.key ? { KmsKeyId: options.key } : {}),
        ...(options.organization ? { IsOrganizationTrail: true } : {}),
      }),
    );
  }
  async function keyOf(name: string) {
    const { Trail } = await seed.send(new GetTrailCommand({ Name: name }));
    return Trail?.KmsKeyId || undefined;
  }
  /** A key whose policy lets CloudTrail encrypt this account's trails (the console's statement). */
  async function trailKey(allowCloudTrail = true): Promise<string> {
    const statements: unknown[] = [
      {
        Sid: "Enable IAM User Permissions",
        Effect: "Allow",
        Principal: { AWS: `arn:aws:iam::${TEST_ACCOUNT}:root` },
        Action: "kms:*",
        Resource: "*",
      },
    ];
    if (allowCloudTrail) {
      statements.push({
        Sid: "Allow CloudTrail to encrypt logs",
        Effect: "Allow",
        Principal: { Service: "cloudtrail.amazonaws.com" },
        Action: "kms:GenerateDataKey*",
        Resource: "*",
        Condition: {
          StringLike: {
            "kms:EncryptionContext:aws:cloudtrail:arn": `arn:aws:cloudtrail:*:${TEST_ACCOUNT}:trail/*`,
          },
        },
      });
      statements.push({
        Sid: "Allow CloudTrail to describe key",
        Effect: "Allow",
        Principal: { Service: "cloudtrail.amazonaws.com" },
        Action: "kms:DescribeKey",
        Resource: "*",
      });
    }
    const { KeyMetadata } = await seedKms.send(
      new CreateKeyCommand({
        Policy: JSON.stringify({ Version: "2012-10-17", Statement: statements }),
      }),
    );
    return KeyMetadata?.Arn as string;
  }

  beforeEach(async () => {
    await resetMoto(endpoint as string);
    await seedS3.send(new CreateBucketCommand({ Bucket: "trail-logs" }));
  });

  afterAll(() => {
    recorder.expectExactly(cloudTrailEncryption);
  });

  it("encrypts a trail with the configured key whose policy allows CloudTrail; undo removes it again", async () => {
    const key = await trailKey();
    await trail("management-events");
    const ctx = context({ cloudTrailKmsKeyArn: key });
    const { plan, verified } = await planApplyVerify(
      cloudTrailEncryption,
      ctx,
      finding("management-events"),
      recorder,
    );
    expect(changeAt(plan)).toMatchObject({
      action: "cloudtrail:UpdateTrail",
      params: { from: { mode: "none" }, to: { mode: "kms", key } },
    });
    expect(plan.reason).toMatch(/needs kms:Decrypt on the key/);
    expect(plan.declined).toBeUndefined();
    expectJsonSerialisable(plan);
    expect(verified.ok).toBe(true);
    expect(await keyOf("management-events")).toBe(key);

    const undone = await recorder.during("undo", () =>
      cloudTrailEncryption.undo(ctx, plan, plan.changes),
    );
    expect(undone.ok).toBe(true);
    expect(await keyOf("management-events")).toBeUndefined();
  });

  it("no key configured: declined with the reason, zero mutating calls", async () => {
    await trail("audit");
    const watched = new ActionRecorder();
    const ctx = { ...context(), client: watchedBy(watched) };
    const plan = await watched.during("plan", () =>
      cloudTrailEncryption.plan(ctx, finding("audit")),
    );
    expect(plan.changes).toEqual([]);
    expect(plan.declined).toMatch(
      /^no cloudTrailKmsKeyArn is configured: CloudTrail has no AWS managed key/,
    );
    expect([...watched.used.plan].filter((a) => MUTATING.includes(a))).toEqual([]);
    expect(await keyOf("audit")).toBeUndefined();
  });

  it("a key whose policy does not let CloudTrail in is refused: logging would stop", async () => {
    const key = await trailKey(false);
    await trail("audit");
    const plan = await recorder.during("plan", () =>
      cloudTrailEncryption.plan(context({ cloudTrailKmsKeyArn: key }), finding("audit")),
    );
    expect(plan.changes).toEqual([]);
    expect(plan.declined).toBe(
      `cloudTrailKmsKeyArn ${key} cannot encrypt this trail: its key policy does not let cloudtrail.amazonaws.com use kms:GenerateDataKey* for this trail; CloudTrail would stop delivering its logs`,
    );
    expect(await keyOf("audit")).toBeUndefined();
  });

  it("declines an organization trail", async () => {
    const key = await trailKey();
    await trail("org-events", { organization: true });
    const plan = await recorder.during("plan", () =>
      cloudTrailEncryption.plan(context({ cloudTrailKmsKeyArn: key }), finding("org-events")),
    );
    expect(plan.changes).toEqual([]);
    expect(plan.declined).toMatch(/it is an organization trail/);
    expect(await keyOf("org-events")).toBeUndefined();
  });

  it("never replaces a trail's own key unless replaceExistingKmsKey; then undo puts it back", async () => {
    const configured = await trailKey();
    const own = await trailKey();
    await trail("ledger", { key: own });
    const kept = await recorder.during("plan", () =>
      cloudTrailEncryption.plan(context({ cloudTrailKmsKeyArn: configured }), finding("ledger")),
    );
    expect(kept.changes).toEqual([]);
    expect(kept.declined).toBeUndefined();
    expect(kept.reason).toMatch(/never replaces a trail's own KMS key/);

    const ctx = context({ cloudTrailKmsKeyArn: configured, replaceExistingKmsKey: true });
    const { plan, verified } = await planApplyVerify(
      cloudTrailEncryption,
      ctx,
      finding("ledger"),
      recorder,
    );
    expect(verified.ok).toBe(true);
    expect(await keyOf("ledger")).toBe(configured);
    const undone = await recorder.during("undo", () =>
      cloudTrailEncryption.undo(ctx, plan, plan.changes),
    );
    expect(undone.ok).toBe(true);
    expect(await keyOf("ledger")).toBe(own);
  });

  it("bad key settings fail before anything is written: zero mutating calls", async () => {
    await trail("metrics");
    for (const [key, error] of UNUSABLE_KMS_KEYS) {
      const watched = new ActionRecorder();
      const ctx = {
        ...context({ cloudTrailKmsKeyArn: key }),
        client: watchedBy(watched),
      };
      await expect(
        watched.during("plan", () => cloudTrailEncryption.plan(ctx, finding("metrics"))),
      ).rejects.toThrow(error);
      expect([...watched.used.plan].filter((a) => MUTATING.includes(a))).toEqual([]);
    }
    expect(await keyOf("metrics")).toBeUndefined();
  });

  it("apply refuses a trail encrypted since planning; undo leaves a later key alone", async () => {
    const key = await trailKey();
    await trail("race");
    const ctx = context({ cloudTrailKmsKeyArn: key });
    const plan = await recorder.during("plan", () =>
      cloudTrailEncryption.plan(ctx, finding("race")),
    );
    const someone = await trailKey();
    await seed.send(new UpdateTrailCommand({ Name: "race", KmsKeyId: someone }));
    await expect(
      recorder.during("apply", () => cloudTrailEncryption.apply(ctx, plan, changeAt(plan))),
    ).rejects.toThrow(/changed since planning/);
    const undone = await recorder.during("undo", () =>
      cloudTrailEncryption.undo(ctx, plan, plan.changes),
    );
    expect(undone.ok).toBe(false);
    expect(undone.detail).toMatch(/not what Vigil set/);
    expect(await keyOf("race")).toBe(someone);
  });

  it("reads the trail's tags for exemptions", async () => {
    await trail("tagged");
    await seed.send(
      new AddTagsCommand({
        ResourceId: arnOf("tagged"),
        TagsList: [
          { Key: "vigil:exempt", Value: "true" },
          { Key: "team", Value: "security" },
        ],
      }),
    );
    const plan = await recorder.during("plan", () =>
      cloudTrailEncryption.plan(context(), finding("tagged")),
    );
    expect(plan.tags).toEqual({ "vigil:exempt": "true", team: "security" });
  });
});
