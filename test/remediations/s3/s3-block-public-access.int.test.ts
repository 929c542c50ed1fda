import { CreateVpcCommand, CreateVpcEndpointCommand, EC2Client } from "@aws-sdk/client-ec2";
import { IAMClient } from "@aws-sdk/client-iam";
import { CreateOrganizationCommand, OrganizationsClient } from "@aws-sdk/client-organizations";
import {
  CreateBucketCommand,
  GetBucketAclCommand,
  GetBucketPolicyCommand,
  GetPublicAccessBlockCommand,
  type Grant,
  type PublicAccessBlockConfiguration,
  PutBucketAclCommand,
  PutBucketPolicyCommand,
  PutBucketTaggingCommand,
  PutBucketWebsiteCommand,
  PutPublicAccessBlockCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { AwsAccountFacts } from "../../../src/adapters/account-facts.ts";
import { ALL_USERS_URI } from "../../../src/domain/bucket-policy.ts";
import { s3BlockPublicAccess } from "../../../src/remediations/s3/s3-block-public-access.ts";
import { motoClientConfig, motoEndpoint, resetMoto, TEST_ACCOUNT } from "../../support/moto.ts";
import type { RemediationContext, RemediationSettings } from "../support.ts";
import {
  ActionRecorder,
  changeAt,
  expectJsonSerialisable,
  makeFinding,
  planApplyVerify,
  TEST_SETTINGS,
} from "../support.ts";

const endpoint = motoEndpoint();

const ALL_OFF: PublicAccessBlockConfiguration = {
  BlockPublicAcls: false,
  IgnorePublicAcls: false,
  BlockPublicPolicy: false,
  RestrictPublicBuckets: false,
};
const ALL_ON: PublicAccessBlockConfiguration = {
  BlockPublicAcls: true,
  IgnorePublicAcls: true,
  BlockPublicPolicy: true,
  RestrictPublicBuckets: true,
};

function publicStatement(bucket: string) {
  return {
    Sid: "PublicRead",
    Effect: "Allow",
    Principal: "*",
    Action: "s3:GetObject",
    Resource: `arn:aws:s3:::${bucket}/*`,
  };
}

function ownStatement(bucket: string) {
  return {
    Sid: "OwnAccount",
    Principal: { AWS: `arn:aws:iam::${TEST_ACCOUNT}:root` },
    Effect: "Allow",
    Action: ["s3:GetObject", "s3:PutObject"],
    Resource: `arn:aws:s3:::${bucket}/*`,
  };
}

describe.skipIf(!endpoint)("s3-block-public-access against moto", () => {
  const config = motoClientConfig(endpoint as string);
  const seed = new S3Client(config);
  const recorder = new ActionRecorder();
  const s3 = new S3Client(config);
  recorder.watch(s3, "s3");
  const iam = new IAMClient(config);
  const ec2 = new EC2Client(config);
  const organizations = new OrganizationsClient(config);
  recorder.watch(ec2, "ec2");
  recorder.watch(organizations, "organizations");
  // A fresh reader per read: each phase's reads are recorded (production reads once per context).
  const accountFacts = { read: () => new AwsAccountFacts(organizations, ec2).read() };

  function context(overrides: Partial<RemediationSettings> = {}): RemediationContext {
    return { s3, iam, settings: { ...TEST_SETTINGS, ...overrides }, accountFacts };
  }
  const finding = (bucket: string) => makeFinding("s3-public-access", "AWS::S3::Bucket", bucket);

  async function bucket(
    name: string,
    options: { pab?: PublicAccessBlockConfiguration; policy?: string; publicAcl?: boolean } = {},
  ) {
    await seed.send(new CreateBucketCommand({ Bucket: name }));
    if (options.pab) {
      await seed.send(
        new PutPublicAccessBlockCommand({
          Bucket: name,
          PublicAccessBlockConfiguration: options.pab,
        }),
      );
    }
    if (options.policy) {
      await seed.send(new PutBucketPolicyCommand({ Bucket: name, Policy: options.policy }));
    }
    if (options.publicAcl) {
      await seed.send(new PutBucketAclCommand({ Bucket: name, ACL: "public-read" }));
    }
  }

  async function state(name: string) {
    const pab = await seed
      .send(new GetPublicAccessBlockCommand({ Bucket: name }))
      .then((output) => output.PublicAccessBlockConfiguration ?? null)
      .catch((error: Error) => {
        if (error.name === "NoSuchPublicAccessBlockConfiguration") return null;
        throw error;
      });
    const policy = await seed
      .send(new GetBucketPolicyCommand({ Bucket: name }))
      .then((output) => output.Policy ?? null)
      .catch((error: Error) => {
        if (error.name === "NoSuchBucketPolicy") return null;
        throw error;
      });
    const grants: Grant[] =
      (await seed.send(new GetBucketAclCommand({ Bucket: name }))).Grants ?? [];
    return { pab, policy, grants };
  }

  beforeEach(async () => {
    await resetMoto(endpoint as string);
  });

  afterAll(() => {
    recorder.expectExactly(s3BlockPublicAccess);
  });

  it("blocks a public bucket, strips public grants and statements, and undo restores all", async () => {
    const policy = JSON.stringify({
      Version: "2012-10-17",
      Id: "exports-policy",
      Statement: [publicStatement("exports"), ownStatement("exports")],
    });
    await bucket("exports", { pab: ALL_OFF, policy, publicAcl: true });
    await seed.send(
      new PutBucketTaggingCommand({
        Bucket: "exports",
        Tagging: { TagSet: [{ Key: "vigil:exempt", Value: "no" }] },
      }),
    );
    const original = await state("exports");
    expect(original.grants.some((grant) => grant.Grantee?.URI === ALL_USERS_URI)).toBe(true);

    const ctx = context();
    const { plan, verified } = await planApplyVerify(
      s3BlockPublicAccess,
      ctx,
      finding("exports"),
      recorder,
    );
    expect(plan.intentionallyPublic).toBeUndefined();
    expect(plan.tags).toEqual({ "vigil:exempt": "no" });
    expect(plan.changes.map((change) => change.action)).toEqual([
      "s3:PutBucketPolicy",
      "s3:PutBucketAcl",
      "s3:PutBucketPublicAccessBlock",
    ]);
    expect(plan.summary).toContain("exports");
    expect(plan.reason).toContain('statement "PublicRead" grants Principal "*"');
    expectJsonSerialisable(plan);
    expect(verified.ok).toBe(true);

    const after = await state("exports");
    expect(after.pab).toEqual(ALL_ON);
    expect(after.grants.some((grant) => grant.Grantee?.URI === ALL_USERS_URI)).toBe(false);
    expect(after.grants).toHaveLength(original.grants.length - 1);
    // The kept statement and top-level keys are exactly the original ones.
    expect(JSON.parse(after.policy ?? "")).toEqual({
      Version: "2012-10-17",
      Id: "exports-policy",
      Statement: [ownStatement("exports")],
    });

    // Applying every change a second time is harmless.
    for (const change of plan.changes) {
      await recorder.during("apply", () => s3BlockPublicAccess.apply(ctx, plan, change));
    }
    expect(await state("exports")).toEqual(after);

    const undone = await recorder.during("undo", () =>
      s3BlockPublicAccess.undo(ctx, plan, plan.changes),
    );
    expect(undone.ok).toBe(true);
    expect(await state("exports")).toEqual(original);
  });

  it("keeps what S3 calls non-public when the values are the account's own, strips the rest (issue 14)", async () => {
    const seedEc2 = new EC2Client(config);
    const seedOrganizations = new OrganizationsClient(config);
    const { Organization } = await seedOrganizations.send(
      new CreateOrganizationCommand({ FeatureSet: "ALL" }),
    );
    const { Vpc } = await seedEc2.send(new CreateVpcCommand({ CidrBlock: "10.0.0.0/16" }));
    const { VpcEndpoint } = await seedEc2.send(
      new CreateVpcEndpointCommand({
        VpcId: Vpc?.VpcId,
        ServiceName: "com.amazonaws.us-east-1.s3",
      }),
    );
    const name = "policy-semantics";
    const anyone = (sid: string, condition: Record<string, unknown>) => ({
      Sid: sid,
      Effect: "Allow",
      Principal: "*",
      Action: "s3:GetObject",
      Resource: `arn:aws:s3:::${name}/*`,
      Condition: condition,
    });
    const policy = JSON.stringify({
      Version: "2012-10-17",
      Statement: [
        anyone("OwnOrg", { StringEquals: { "aws:PrincipalOrgID": Organization?.Id } }),
        anyone("ForeignOrg", { StringEquals: { "aws:PrincipalOrgID": "o-attacker0001" } }),
        anyone("OwnVpce", { StringEquals: { "aws:SourceVpce": VpcEndpoint?.VpcEndpointId } }),
        anyone("ForeignVpce", { StringEquals: { "aws:SourceVpce": "vpce-0attacker00000001" } }),
        anyone("HalfTheInternet", { IpAddress: { "aws:SourceIp": ["0.0.0.0/1", "128.0.0.0/1"] } }),
        anyone("AccessPoints", { StringEquals: { "s3:DataAccessPointAccount": TEST_ACCOUNT } }),
        {
          Sid: "ElbLogs",
          Effect: "Allow",
          Principal: { AWS: "arn:aws:iam::127311923021:root" },
          Action: "s3:PutObject",
          Resource: `arn:aws:s3:::${name}/AWSLogs/${TEST_ACCOUNT}/*`,
        },
        {
          Sid: "Partner",
          Effect: "Allow",
          Principal: { AWS: "arn:aws:iam::444455556666:root" },
          Action: "s3:GetObject",
          Resource: `arn:aws:s3:::${name}/*`,
        },
      ],
    });
    await bucket(name, { pab: ALL_ON, policy });

    const { plan, verified } = await planApplyVerify(
      s3BlockPublicAccess,
      context(),
      finding(name),
      recorder,
    );
    expect(verified.ok).toBe(true);
    const kept = JSON.parse((await state(name)).policy ?? "{}").Statement.map(
      (statement: { Sid: string }) => statement.Sid,
    );
    expect(kept).toEqual(["OwnOrg", "OwnVpce", "AccessPoints", "ElbLogs", "Partner"]);
    expect(plan.reason).toContain("1 external-account statement kept (Partner;");
    expect(changeAt(plan).description).toMatch(
      /removed: ForeignOrg Allow \*: s3:GetObject; ForeignVpce Allow \*: s3:GetObject; HalfTheInternet Allow \*: s3:GetObject; policy sha256:/,
    );
  });

  it("deletes a policy with only public statements and undo puts the exact text back", async () => {
    const policy = JSON.stringify({ Version: "2012-10-17", Statement: [publicStatement("open")] });
    await bucket("open", { policy });
    const original = await state("open");
    expect(original.pab).toBeNull();

    const ctx = context();
    const { plan, verified } = await planApplyVerify(
      s3BlockPublicAccess,
      ctx,
      finding("open"),
      recorder,
    );
    expect(plan.changes.map((change) => change.action)).toEqual([
      "s3:DeleteBucketPolicy",
      "s3:PutBucketPublicAccessBlock",
    ]);
    expect(verified.ok).toBe(true);
    expect(await state("open")).toMatchObject({ pab: ALL_ON, policy: null });

    await recorder.during("apply", () => s3BlockPublicAccess.apply(ctx, plan, changeAt(plan, 0)));

    const undone = await recorder.during("undo", () =>
      s3BlockPublicAccess.undo(ctx, plan, plan.changes),
    );
    expect(undone.ok).toBe(true);
    const restored = await state("open");
    expect(restored.pab).toBeNull(); // there was none: deleted again, not set to all-false
    expect(restored.policy).toBe(policy);
  });

  it("undoes only the changes that were applied", async () => {
    const policy = JSON.stringify({ Version: "2012-10-17", Statement: [publicStatement("half")] });
    await bucket("half", { pab: ALL_OFF, policy });
    const ctx = context();
    const plan = await recorder.during("plan", () =>
      s3BlockPublicAccess.plan(ctx, finding("half")),
    );
    const first = changeAt(plan, 0);
    await recorder.during("apply", () => s3BlockPublicAccess.apply(ctx, plan, first));

    const undone = await recorder.during("undo", () =>
      s3BlockPublicAccess.undo(ctx, plan, [first]),
    );
    expect(undone.ok).toBe(true);
    expect(await state("half")).toMatchObject({ pab: ALL_OFF, policy });
  });

  it("treats a website bucket as intentionally public and changes nothing", async () => {
    await bucket("www-site", { pab: ALL_OFF, publicAcl: true });
    await seed.send(
      new PutBucketWebsiteCommand({
        Bucket: "www-site",
        WebsiteConfiguration: { IndexDocument: { Suffix: "index.html" } },
      }),
    );
    const original = await state("www-site");
    const { plan, verified } = await planApplyVerify(
      s3BlockPublicAccess,
      context(),
      finding("www-site"),
      recorder,
    );
    expect(plan.intentionallyPublic).toContain("static website hosting");
    expect(plan.changes).toEqual([]);
    expect(plan.summary).toContain("alert only");
    expect(verified.ok).toBe(true);
    expect(await state("www-site")).toEqual(original);

    const forced = await recorder.during("plan", () =>
      s3BlockPublicAccess.plan(
        context({ s3RemediateIntentionallyPublic: true }),
        finding("www-site"),
      ),
    );
    expect(forced.intentionallyPublic).toContain("static website hosting");
    expect(forced.changes.map((change) => change.action)).toEqual([
      "s3:PutBucketAcl",
      "s3:PutBucketPublicAccessBlock",
    ]);
  });

  it("treats a CloudFront origin (OAC) as intentionally public", async () => {
    const policy = JSON.stringify({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "AllowCloudFront",
          Effect: "Allow",
          Principal: { Service: "cloudfront.amazonaws.com" },
          Action: "s3:GetObject",
          Resource: "arn:aws:s3:::cdn-origin/*",
          // Issue 14: only a distribution of the bucket's own account makes it "on purpose".
          Condition: {
            StringEquals: {
              "AWS:SourceArn": `arn:aws:cloudfront::${TEST_ACCOUNT}:distribution/E2ABCDEF`,
            },
          },
        },
      ],
    });
    await bucket("cdn-origin", { pab: ALL_OFF, policy });
    const plan = await recorder.during("plan", () =>
      s3BlockPublicAccess.plan(context(), finding("cdn-origin")),
    );
    expect(plan.intentionallyPublic).toContain("CloudFront");
    expect(plan.changes).toEqual([]);
  });

  it("keeps ACL grants and statements when their settings are off", async () => {
    const policy = JSON.stringify({ Version: "2012-10-17", Statement: [publicStatement("keep")] });
    await bucket("keep", { pab: ALL_OFF, policy, publicAcl: true });
    const plan = await recorder.during("plan", () =>
      s3BlockPublicAccess.plan(
        context({ s3RemovePublicAclGrants: false, s3RemovePublicPolicyStatements: false }),
        finding("keep"),
      ),
    );
    expect(plan.changes.map((change) => change.action)).toEqual(["s3:PutBucketPublicAccessBlock"]);
    expect(plan.reason).toContain("s3RemovePublicAclGrants is off");
    expect(plan.reason).toContain("s3RemovePublicPolicyStatements is off");
  });

  it("plans nothing for a bucket that already blocks public access", async () => {
    await bucket("private", { pab: ALL_ON });
    const { plan, verified } = await planApplyVerify(
      s3BlockPublicAccess,
      context(),
      finding("private"),
      recorder,
    );
    expect(plan.changes).toEqual([]);
    expect(plan.summary).toContain("already blocks public access");
    expect(verified.ok).toBe(true);
  });

  it("refuses to overwrite a bucket policy changed since planning", async () => {
    const policy = JSON.stringify({
      Version: "2012-10-17",
      Statement: [publicStatement("moving")],
    });
    await bucket("moving", { policy });
    const ctx = context();
    const plan = await s3BlockPublicAccess.plan(ctx, finding("moving"));
    const changed = JSON.stringify({
      Version: "2012-10-17",
      Statement: [publicStatement("moving"), ownStatement("moving")],
    });
    await seed.send(new PutBucketPolicyCommand({ Bucket: "moving", Policy: changed }));
    await expect(s3BlockPublicAccess.apply(ctx, plan, changeAt(plan, 0))).rejects.toThrow(
      /changed since planning/,
    );
    expect((await state("moving")).policy).toBe(changed);
  });
});
