import { IAMClient } from "@aws-sdk/client-iam";
import {
  GetBucketAclCommand,
  GetBucketPolicyCommand,
  GetBucketTaggingCommand,
  GetBucketWebsiteCommand,
  GetPublicAccessBlockCommand,
  PutBucketPolicyCommand,
  PutPublicAccessBlockCommand,
  S3Client,
  S3ServiceException,
} from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { s3BlockPublicAccess } from "../../../src/remediations/s3/s3-block-public-access.ts";
import type { RemediationContext, RemediationSettings } from "../support.ts";
import { changeAt, makeFinding, TEST_SETTINGS } from "../support.ts";

function s3Error(name: string, status = 400): S3ServiceException {
  return new S3ServiceException({
    name,
    $fault: status >= 500 ? "server" : "client",
    $metadata: { httpStatusCode: status },
    message: `${name} (test)`,
  });
}

const s3Mock = mockClient(S3Client);
const finding = makeFinding("s3-public-access", "AWS::S3::Bucket", "acme-curated-exports");
const PUBLIC_POLICY = JSON.stringify({
  Version: "2012-10-17",
  Statement: [
    { Sid: "Public", Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: "*" },
    {
      Sid: "Partner",
      Effect: "Allow",
      Principal: { AWS: "arn:aws:iam::444455556666:root" },
      Action: "s3:GetObject",
      Resource: "*",
    },
    {
      Sid: "Own",
      Effect: "Allow",
      Principal: { AWS: "arn:aws:iam::123456789012:root" },
      Action: "s3:*",
      Resource: "*",
    },
  ],
});

function context(overrides: Partial<RemediationSettings> = {}): RemediationContext {
  return {
    s3: new S3Client({ region: "us-east-1" }),
    iam: new IAMClient({ region: "us-east-1" }),
    settings: { ...TEST_SETTINGS, ...overrides },
  };
}

describe("s3-block-public-access with mocked S3", () => {
  beforeEach(() => {
    s3Mock.reset();
    s3Mock
      .on(GetPublicAccessBlockCommand)
      .rejects(s3Error("NoSuchPublicAccessBlockConfiguration", 404));
    s3Mock.on(GetBucketPolicyCommand).resolves({ Policy: PUBLIC_POLICY });
    s3Mock.on(GetBucketAclCommand).resolves({
      Owner: { ID: "owner-id" },
      Grants: [{ Grantee: { Type: "CanonicalUser", ID: "owner-id" }, Permission: "FULL_CONTROL" }],
    });
    s3Mock.on(GetBucketWebsiteCommand).rejects(s3Error("NoSuchWebsiteConfiguration", 404));
    s3Mock.on(GetBucketTaggingCommand).resolves({ TagSet: [{ Key: "team", Value: "bi" }] });
  });
  afterEach(() => s3Mock.reset());

  it("plans policy rewrite then the block, honouring trusted accounts", async () => {
    const plan = await s3BlockPublicAccess.plan(context(), finding);
    expect(plan.tags).toEqual({ team: "bi" });
    expect(plan.changes.map((change) => change.action)).toEqual([
      "s3:PutBucketPolicy",
      "s3:PutBucketPublicAccessBlock",
    ]);
    expect(
      JSON.parse(String(changeAt(plan).params.Policy)).Statement.map((s: { Sid: string }) => s.Sid),
    ).toEqual(["Own"]);
    expect(plan.reason).toContain("external account(s) 444455556666");

    const trusted = await s3BlockPublicAccess.plan(
      context({ trustedAccounts: ["444455556666"] }),
      finding,
    );
    expect(
      JSON.parse(String(changeAt(trusted).params.Policy)).Statement.map(
        (s: { Sid: string }) => s.Sid,
      ),
    ).toEqual(["Partner", "Own"]);
  });

  it("propagates AccessDenied on read unchanged", async () => {
    const denied = s3Error("AccessDenied", 403);
    s3Mock.on(GetBucketPolicyCommand).rejects(denied);
    await expect(s3BlockPublicAccess.plan(context(), finding)).rejects.toBe(denied);
  });

  it("propagates AccessDenied on write unchanged", async () => {
    const ctx = context();
    const plan = await s3BlockPublicAccess.plan(ctx, finding);
    const denied = s3Error("AccessDenied", 403);
    s3Mock.on(PutPublicAccessBlockCommand).rejects(denied);
    await expect(s3BlockPublicAccess.apply(ctx, plan, changeAt(plan, 1))).rejects.toBe(denied);
  });

  it("propagates NoSuchBucket when the bucket disappears between plan and apply", async () => {
    const ctx = context();
    const plan = await s3BlockPublicAccess.plan(ctx, finding);
    const gone = s3Error("NoSuchBucket", 404);
    s3Mock.on(GetBucketPolicyCommand).rejects(gone);
    s3Mock.on(PutPublicAccessBlockCommand).rejects(gone);
    await expect(s3BlockPublicAccess.apply(ctx, plan, changeAt(plan, 0))).rejects.toBe(gone);
    await expect(s3BlockPublicAccess.apply(ctx, plan, changeAt(plan, 1))).rejects.toBe(gone);
    expect(s3Mock).not.toHaveReceivedCommand(PutBucketPolicyCommand);
  });

  it.each(["SlowDown", "ThrottlingException"])("does not swallow %s", async (name) => {
    const throttled = s3Error(name, 503);
    s3Mock.on(GetBucketAclCommand).rejects(throttled);
    await expect(s3BlockPublicAccess.plan(context(), finding)).rejects.toBe(throttled);
  });

  it("sends the block with all four flags and the expected bucket owner", async () => {
    const ctx = context();
    const plan = await s3BlockPublicAccess.plan(ctx, finding);
    s3Mock.on(PutPublicAccessBlockCommand).resolves({});
    await s3BlockPublicAccess.apply(ctx, plan, changeAt(plan, 1));
    expect(s3Mock).toHaveReceivedCommandWith(PutPublicAccessBlockCommand, {
      Bucket: "acme-curated-exports",
      ExpectedBucketOwner: "123456789012",
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        IgnorePublicAcls: true,
        BlockPublicPolicy: true,
        RestrictPublicBuckets: true,
      },
    });
  });

  it("rejects a change it did not plan", async () => {
    const ctx = context();
    const plan = await s3BlockPublicAccess.plan(ctx, finding);
    await expect(
      s3BlockPublicAccess.apply(ctx, plan, {
        action: "s3:DeleteBucket",
        description: "",
        params: {},
      }),
    ).rejects.toThrow(/cannot apply action s3:DeleteBucket/);
  });
});
