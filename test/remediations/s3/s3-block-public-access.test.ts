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

  it("plans policy rewrite then the block; external grants only with stripExternalAccounts", async () => {
    // Issue 14: an external-account grant is not public: kept (and reported) by default.
    const plan = await s3BlockPublicAccess.plan(context(), finding);
    expect(plan.tags).toEqual({ team: "bi" });
    expect(plan.changes.map((change) => change.action)).toEqual([
      "s3:PutBucketPolicy",
      "s3:PutBucketPublicAccessBlock",
    ]);
    expect(
      JSON.parse(String(changeAt(plan).params.Policy)).Statement.map((s: { Sid: string }) => s.Sid),
    ).toEqual(["Partner", "Own"]);
    expect(plan.reason).toContain("grants account 444455556666 outside the owner");
    expect(plan.reason).toContain("1 external-account statement kept (Partner;");

    const stripping = await s3BlockPublicAccess.plan(
      context({ stripExternalAccounts: true }),
      finding,
    );
    expect(
      JSON.parse(String(changeAt(stripping).params.Policy)).Statement.map(
        (s: { Sid: string }) => s.Sid,
      ),
    ).toEqual(["Own"]);

    const trusted = await s3BlockPublicAccess.plan(
      context({ trustedAccounts: ["444455556666"], stripExternalAccounts: true }),
      finding,
    );
    expect(
      JSON.parse(String(changeAt(trusted).params.Policy)).Statement.map(
        (s: { Sid: string }) => s.Sid,
      ),
    ).toEqual(["Partner", "Own"]);
  });

  it("judges organisation and endpoint conditions against the account's own, read only when named", async () => {
    const facts = { organizationId: "o-own1234567", vpcEndpointIds: ["vpce-0own"], vpcIds: [] };
    let reads = 0;
    const accountFacts = {
      read: async () => {
        reads += 1;
        return facts;
      },
    };
    const scoped = (sid: string, condition: Record<string, unknown>) => ({
      Sid: sid,
      Effect: "Allow",
      Principal: "*",
      Action: "s3:GetObject",
      Resource: "arn:aws:s3:::data-bucket/*",
      Condition: { StringEquals: condition },
    });
    s3Mock.on(GetBucketPolicyCommand).resolves({
      Policy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          scoped("OwnOrg", { "aws:PrincipalOrgID": "o-own1234567" }),
          scoped("ForeignOrg", { "aws:PrincipalOrgID": "o-attacker99" }),
          scoped("OwnVpce", { "aws:SourceVpce": "vpce-0own" }),
          scoped("ForeignVpce", { "aws:SourceVpce": "vpce-0attacker" }),
        ],
      }),
    });
    const plan = await s3BlockPublicAccess.plan({ ...context(), accountFacts }, finding);
    expect(reads).toBe(1);
    const kept = JSON.parse(String(changeAt(plan).params.Policy)).Statement;
    expect(kept.map((s: { Sid: string }) => s.Sid)).toEqual(["OwnOrg", "OwnVpce"]);
    // The change names the statements and the documents' hashes, never the policy text.
    const description = changeAt(plan).description;
    expect(description).toMatch(
      /removed: ForeignOrg Allow \*: s3:GetObject; ForeignVpce Allow \*: s3:GetObject; policy sha256:[0-9a-f]{16} → sha256:[0-9a-f]{16}/,
    );
    expect(description).not.toContain("o-attacker99");

    // Without the account's facts an organisation condition narrows nothing.
    const blind = await s3BlockPublicAccess.plan(context(), finding);
    expect(JSON.parse(String(changeAt(blind).params.Policy ?? "null"))).toBeNull();
    expect(changeAt(blind).action).toBe("s3:DeleteBucketPolicy");
  });

  it("does not read the account's facts for a policy that names no organisation or endpoint", async () => {
    const accountFacts = {
      read: () => Promise.reject(new Error("must not be called")),
    };
    const plan = await s3BlockPublicAccess.plan({ ...context(), accountFacts }, finding);
    expect(plan.changes.length).toBeGreaterThan(0);
  });

  it("fails the plan when the account's facts cannot be read (never judges against a guess)", async () => {
    s3Mock.on(GetBucketPolicyCommand).resolves({
      Policy: JSON.stringify({
        Statement: [
          {
            Effect: "Allow",
            Principal: "*",
            Action: "s3:GetObject",
            Condition: { StringEquals: { "aws:SourceVpce": "vpce-0own" } },
          },
        ],
      }),
    });
    const accountFacts = { read: () => Promise.reject(new Error("AccessDenied")) };
    await expect(s3BlockPublicAccess.plan({ ...context(), accountFacts }, finding)).rejects.toThrow(
      "AccessDenied",
    );
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
