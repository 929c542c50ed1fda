import { IAMClient } from "@aws-sdk/client-iam";
import { DescribeKeyCommand, KMSClient, NotFoundException } from "@aws-sdk/client-kms";
import {
  GetBucketEncryptionCommand,
  GetBucketTaggingCommand,
  PutBucketEncryptionCommand,
  S3Client,
  S3ServiceException,
  type ServerSideEncryptionRule,
} from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { InputError } from "../../../src/domain/errors.ts";
import {
  decideEncryption,
  encryptionTarget,
  parseKmsKeyArn,
  s3DefaultEncryption,
} from "../../../src/remediations/s3/s3-default-encryption.ts";
import type { RemediationContext, RemediationSettings } from "../support.ts";
import {
  changeAt,
  KMS_KEY_ARN,
  makeFinding,
  OTHER_KMS_KEY_ARN,
  TEST_SETTINGS,
} from "../support.ts";

function s3Error(name: string, status = 400): S3ServiceException {
  return new S3ServiceException({
    name,
    $fault: status >= 500 ? "server" : "client",
    $metadata: { httpStatusCode: status },
    message: `${name} (test)`,
  });
}

const s3Mock = mockClient(S3Client);
const kmsMock = mockClient(KMSClient);
const USABLE_KEY = {
  KeyMetadata: {
    KeyId: "11111111-2222-3333-4444-555555555555",
    Arn: KMS_KEY_ARN,
    KeyState: "Enabled" as const,
    KeyUsage: "ENCRYPT_DECRYPT" as const,
    KeySpec: "SYMMETRIC_DEFAULT" as const,
  },
};
const finding = makeFinding("s3-encryption", "AWS::S3::Bucket", "acme-raw-landing-prod");

function context(overrides: Partial<RemediationSettings> = {}): RemediationContext {
  return {
    s3: new S3Client({ region: "us-east-1" }),
    iam: new IAMClient({ region: "us-east-1" }),
    client: (Client) => new Client({ region: "us-east-1" }),
    settings: { ...TEST_SETTINGS, ...overrides },
  };
}

beforeEach(() => {
  kmsMock.reset();
  kmsMock.on(DescribeKeyCommand).resolves(USABLE_KEY);
});
afterEach(() => kmsMock.reset());

describe("s3-default-encryption with mocked S3", () => {
  beforeEach(() => {
    s3Mock.reset();
    s3Mock.on(GetBucketTaggingCommand).rejects(s3Error("NoSuchTagSet", 404));
    s3Mock
      .on(GetBucketEncryptionCommand)
      .rejects(s3Error("ServerSideEncryptionConfigurationNotFoundError", 404));
  });
  afterEach(() => s3Mock.reset());

  it.each([
    ["alias/data-lake", /is a KMS alias/],
    ["arn:aws:kms:us-east-1:123456789012:alias/data-lake", /is a KMS alias/],
    ["11111111-2222-3333-4444-555555555555", /not a full KMS key ARN/],
    ["arn:aws:kms:us-east-1:123456789012:key/not-a-key", /not a full KMS key ARN/],
  ])("rejects s3KmsKeyArn %s before any AWS call", async (key, message) => {
    await expect(s3DefaultEncryption.plan(context({ s3KmsKeyArn: key }), finding)).rejects.toThrow(
      message,
    );
    expect(s3Mock.calls()).toHaveLength(0);
  });

  it("rejects aws:kms without a key and a key from another region", async () => {
    await expect(
      s3DefaultEncryption.plan(context({ s3KmsKeyArn: undefined }), finding),
    ).rejects.toThrow(/s3KmsKeyArn is not set/);
    await expect(
      s3DefaultEncryption.plan(context(), { ...finding, region: "eu-west-1" }),
    ).rejects.toThrow(/KMS key in the bucket's region/);
    expect(s3Mock.calls()).toHaveLength(0);
  });

  it("propagates AccessDenied on read unchanged", async () => {
    const denied = s3Error("AccessDenied", 403);
    s3Mock.on(GetBucketEncryptionCommand).rejects(denied);
    await expect(s3DefaultEncryption.plan(context(), finding)).rejects.toBe(denied);
  });

  it("propagates AccessDenied on write unchanged", async () => {
    const ctx = context();
    const plan = await s3DefaultEncryption.plan(ctx, finding);
    const denied = s3Error("AccessDenied", 403);
    s3Mock.on(PutBucketEncryptionCommand).rejects(denied);
    await expect(s3DefaultEncryption.apply(ctx, plan, changeAt(plan))).rejects.toBe(denied);
  });

  it("propagates NoSuchBucket when the bucket disappears between plan and apply", async () => {
    const ctx = context();
    const plan = await s3DefaultEncryption.plan(ctx, finding);
    const gone = s3Error("NoSuchBucket", 404);
    s3Mock.on(GetBucketEncryptionCommand).rejects(gone);
    await expect(s3DefaultEncryption.apply(ctx, plan, changeAt(plan))).rejects.toBe(gone);
    expect(s3Mock).not.toHaveReceivedCommand(PutBucketEncryptionCommand);
  });

  it.each(["SlowDown", "ThrottlingException"])("does not swallow %s", async (name) => {
    const throttled = s3Error(name, 503);
    s3Mock.on(GetBucketTaggingCommand).rejects(throttled);
    await expect(s3DefaultEncryption.plan(context(), finding)).rejects.toBe(throttled);
  });

  it("sends exactly the planned parameters, with the expected bucket owner", async () => {
    const ctx = context();
    const plan = await s3DefaultEncryption.plan(ctx, finding);
    s3Mock.on(PutBucketEncryptionCommand).resolves({});
    await s3DefaultEncryption.apply(ctx, plan, changeAt(plan));
    expect(s3Mock).toHaveReceivedCommandWith(PutBucketEncryptionCommand, {
      Bucket: "acme-raw-landing-prod",
      ExpectedBucketOwner: "123456789012",
      ServerSideEncryptionConfiguration: {
        Rules: [
          {
            ApplyServerSideEncryptionByDefault: {
              SSEAlgorithm: "aws:kms",
              KMSMasterKeyID: KMS_KEY_ARN,
            },
            BucketKeyEnabled: true,
          },
        ],
      },
    });
  });

  it("checks the configured key with kms:DescribeKey before planning SSE-KMS", async () => {
    await s3DefaultEncryption.plan(context(), finding);
    expect(kmsMock).toHaveReceivedCommandWith(DescribeKeyCommand, { KeyId: KMS_KEY_ARN });
  });

  it.each([
    [
      "missing",
      () =>
        kmsMock
          .on(DescribeKeyCommand)
          .rejects(new NotFoundException({ message: "no such key", $metadata: {} })),
      /does not exist/,
    ],
    [
      "disabled",
      () =>
        kmsMock
          .on(DescribeKeyCommand)
          .resolves({ KeyMetadata: { ...USABLE_KEY.KeyMetadata, KeyState: "Disabled" } }),
      /is Disabled, not Enabled/,
    ],
    [
      "pending deletion",
      () =>
        kmsMock
          .on(DescribeKeyCommand)
          .resolves({ KeyMetadata: { ...USABLE_KEY.KeyMetadata, KeyState: "PendingDeletion" } }),
      /PendingDeletion, not Enabled/,
    ],
    [
      "asymmetric",
      () =>
        kmsMock.on(DescribeKeyCommand).resolves({
          KeyMetadata: { ...USABLE_KEY.KeyMetadata, KeySpec: "RSA_2048", KeyUsage: "SIGN_VERIFY" },
        }),
      /needs a symmetric ENCRYPT_DECRYPT key/,
    ],
  ])("refuses a %s key: InputError, nothing planned", async (_what, arrange, reason) => {
    arrange();
    const plan = s3DefaultEncryption.plan(context(), finding);
    await expect(plan).rejects.toBeInstanceOf(InputError);
    await expect(plan).rejects.toThrow(reason);
    expect(s3Mock).not.toHaveReceivedCommand(PutBucketEncryptionCommand);
  });

  it("does not check a key it does not apply (AES256, or a bucket keeping its own key)", async () => {
    await s3DefaultEncryption.plan(context({ s3EncryptionAlgorithm: "AES256" }), finding);
    s3Mock.on(GetBucketEncryptionCommand).resolves({
      ServerSideEncryptionConfiguration: {
        Rules: [
          {
            ApplyServerSideEncryptionByDefault: {
              SSEAlgorithm: "aws:kms",
              KMSMasterKeyID: OTHER_KMS_KEY_ARN,
            },
            BucketKeyEnabled: true,
          },
        ],
      },
    });
    await s3DefaultEncryption.plan(context(), finding);
    expect(kmsMock).not.toHaveReceivedCommand(DescribeKeyCommand);
  });

  it("rejects a change it did not plan", async () => {
    const ctx = context();
    const plan = await s3DefaultEncryption.plan(ctx, finding);
    await expect(
      s3DefaultEncryption.apply(ctx, plan, {
        action: "s3:DeleteBucket",
        description: "",
        params: {},
      }),
    ).rejects.toThrow(/cannot apply action s3:DeleteBucket/);
  });
});

describe("s3-default-encryption undo reads its saved state through the before schema", () => {
  afterEach(() => s3Mock.reset());

  it.each([
    ["an encryption that is not a configuration", { bucket: "b", encryption: "AES256" }],
    ["no bucket", { encryption: null }],
    [
      "an algorithm S3 does not have",
      {
        bucket: "b",
        encryption: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "rot13" } }] },
      },
    ],
  ])("refuses %s: InputError, no S3 call", async (_what, before) => {
    s3Mock.reset();
    s3Mock.on(GetBucketTaggingCommand).rejects(s3Error("NoSuchTagSet", 404));
    s3Mock
      .on(GetBucketEncryptionCommand)
      .rejects(s3Error("ServerSideEncryptionConfigurationNotFoundError", 404));
    const plan = await s3DefaultEncryption.plan(context(), finding);
    s3Mock.resetHistory();
    const edited = { ...plan, before };
    const undo = s3DefaultEncryption.undo(context(), edited, plan.changes);
    await expect(undo).rejects.toBeInstanceOf(InputError);
    await expect(undo).rejects.toThrow(
      /before-state of arn:aws:s3:::acme-raw-landing-prod does not match/,
    );
    expect(() => s3DefaultEncryption.parseBefore(edited)).toThrow(InputError);
    expect(s3Mock.calls()).toHaveLength(0);
  });

  it("accepts the state its own plan saved, as read back from a JSON journal", async () => {
    s3Mock.on(GetBucketTaggingCommand).rejects(s3Error("NoSuchTagSet", 404));
    s3Mock.on(GetBucketEncryptionCommand).resolves({
      ServerSideEncryptionConfiguration: {
        Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" } }],
      },
    });
    const plan = JSON.parse(JSON.stringify(await s3DefaultEncryption.plan(context(), finding)));
    expect(s3DefaultEncryption.parseBefore(plan)).toEqual(plan.before);
  });
});

describe("parseKmsKeyArn / encryptionTarget", () => {
  it("accepts key ARNs in other partitions and multi-Region keys", () => {
    expect(
      parseKmsKeyArn(
        "arn:aws-us-gov:kms:us-gov-west-1:123456789012:key/11111111-2222-3333-4444-555555555555",
      ),
    ).toMatchObject({ partition: "aws-us-gov", region: "us-gov-west-1", account: "123456789012" });
    expect(
      parseKmsKeyArn("arn:aws:kms:eu-west-1:123456789012:key/mrk-1234567890abcdef1234567890abcdef")
        .keyId,
    ).toBe("mrk-1234567890abcdef1234567890abcdef");
  });

  it("needs no key for AES256", () => {
    expect(
      encryptionTarget(
        { ...TEST_SETTINGS, s3EncryptionAlgorithm: "AES256", s3KmsKeyArn: undefined },
        "eu-west-1",
      ),
    ).toEqual({ algorithm: "AES256" });
  });

  it("rejects an unknown algorithm", () => {
    expect(() =>
      encryptionTarget(
        { ...TEST_SETTINGS, s3EncryptionAlgorithm: "aws:kms:dsse" as never },
        "us-east-1",
      ),
    ).toThrow(/must be "AES256" or "aws:kms"/);
  });
});

describe("decideEncryption", () => {
  const kmsTarget = encryptionTarget(TEST_SETTINGS, "us-east-1");
  const aesTarget = { algorithm: "AES256" as const };
  const kmsRule = (key: string | undefined, bucketKey?: boolean): ServerSideEncryptionRule => ({
    ApplyServerSideEncryptionByDefault: {
      SSEAlgorithm: "aws:kms",
      ...(key ? { KMSMasterKeyID: key } : {}),
    },
    ...(bucketKey === undefined ? {} : { BucketKeyEnabled: bucketKey }),
  });

  it("keeps a DSSE-KMS bucket's key, and swaps only the key when replacement is on", () => {
    const dsse: ServerSideEncryptionRule = {
      ApplyServerSideEncryptionByDefault: {
        SSEAlgorithm: "aws:kms:dsse",
        KMSMasterKeyID: OTHER_KMS_KEY_ARN,
      },
    };
    expect(decideEncryption("b", dsse, kmsTarget, false).rule).toBeUndefined();
    expect(decideEncryption("b", dsse, aesTarget, true).rule).toBeUndefined();
    // No Bucket Key for DSSE (not supported), algorithm kept.
    expect(decideEncryption("b", dsse, kmsTarget, true).rule).toEqual({
      ApplyServerSideEncryptionByDefault: {
        SSEAlgorithm: "aws:kms:dsse",
        KMSMasterKeyID: KMS_KEY_ARN,
      },
    });
  });

  it("keeps the AWS managed key (no KMSMasterKeyID) unless replacement is on", () => {
    const kept = decideEncryption("b", kmsRule(undefined, true), kmsTarget, false);
    expect(kept.rule).toBeUndefined();
    expect(kept.reason).toContain("the AWS managed key aws/s3");
    expect(decideEncryption("b", kmsRule(undefined, true), kmsTarget, true).rule).toEqual(
      kmsRule(KMS_KEY_ARN, true),
    );
  });

  it("recognises the configured key by id as well as by ARN", () => {
    const byId = kmsRule("11111111-2222-3333-4444-555555555555", true);
    expect(decideEncryption("b", byId, kmsTarget, true).rule).toBeUndefined();
  });

  it("turns the bucket key on without touching the key, even when AES256 is configured", () => {
    expect(decideEncryption("b", kmsRule(OTHER_KMS_KEY_ARN), aesTarget, false).rule).toEqual(
      kmsRule(OTHER_KMS_KEY_ARN, true),
    );
  });

  it("keeps other rule fields such as BlockedEncryptionTypes", () => {
    const rule: ServerSideEncryptionRule = {
      ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" },
      BlockedEncryptionTypes: { EncryptionType: ["SSE-C"] },
    };
    expect(decideEncryption("b", rule, kmsTarget, false).rule).toEqual({
      ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "aws:kms", KMSMasterKeyID: KMS_KEY_ARN },
      BucketKeyEnabled: true,
      BlockedEncryptionTypes: { EncryptionType: ["SSE-C"] },
    });
  });

  it("leaves an unknown algorithm alone", () => {
    const rule = { ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "aws:future" as never } };
    const decision = decideEncryption("b", rule, kmsTarget, true);
    expect(decision.rule).toBeUndefined();
    expect(decision.summary).toContain("unknown algorithm aws:future");
  });
});
