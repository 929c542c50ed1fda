import {
  DeleteBucketPolicyCommand,
  GetBucketPolicyCommand,
  PutBucketPolicyCommand,
} from "@aws-sdk/client-s3";
import { ListTagsForResourceCommand } from "@aws-sdk/client-s3-control";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Finding } from "../../../src/domain/finding.ts";
import {
  DirectoryBucketClients,
  s3DirectoryBucketPolicy,
} from "../../../src/remediations/s3/s3-directory-bucket-policy.ts";
import { TEST_ACCOUNT, TEST_REGION } from "../../support/moto.ts";
import {
  ActionRecorder,
  changeAt,
  expectJsonSerialisable,
  makeFinding,
  planApplyVerify,
  type RemediationContext,
  type RemediationSettings,
  TEST_SETTINGS,
} from "../support.ts";

const BUCKET = "acme-landing--use1-az4--x-s3";
const ARN = `arn:aws:s3express:${TEST_REGION}:${TEST_ACCOUNT}:bucket/${BUCKET}`;
const PARTNER = "444455556666";
const ORG = "o-a1b2c3d4e5";

function statement(sid: string, principal: unknown, more: object = {}) {
  return {
    Sid: sid,
    Effect: "Allow",
    Principal: principal,
    Action: "s3express:CreateSession",
    Resource: ARN,
    ...more,
  };
}

const policyOf = (...statements: object[]) =>
  JSON.stringify({ Version: "2012-10-17", Statement: statements });
const sids = (policy: string | undefined) =>
  policy === undefined
    ? []
    : (JSON.parse(policy) as { Statement: { Sid: string }[] }).Statement.map((s) => s.Sid);

const finding = (overrides: Partial<Finding> = {}): Finding =>
  makeFinding("s3-directory-bucket-policy", "AWS::S3Express::DirectoryBucket", BUCKET, {
    resourceArn: ARN,
    resourceId: ARN,
    ...overrides,
  });

/**
 * moto serves no S3 Express One Zone (a --x-s3 CreateBucket fails): S3 and S3 Control are mocked
 * with aws-sdk-client-mock, over one directory bucket whose policy the handlers keep.
 */
describe("s3-directory-bucket-policy (aws-sdk-client-mock: moto has no directory buckets)", () => {
  const recorder = new ActionRecorder();
  let clients: DirectoryBucketClients;
  let restore: Array<() => void> = [];
  /** The bucket's policy (undefined: none) and tags, as S3 keeps them. */
  let stored: string | undefined;
  let tags: Record<string, string>;
  let calls: string[];

  const record = (action: string) => {
    calls.push(action);
    recorder.record(action);
  };

  beforeEach(() => {
    clients = new DirectoryBucketClients({ region: TEST_REGION });
    stored = undefined;
    tags = {};
    calls = [];
    const s3 = mockClient(clients.s3);
    const control = mockClient(clients.control);
    restore = [() => s3.restore(), () => control.restore()];
    s3.onAnyCommand().rejects(new Error("unexpected S3 call"));
    control.onAnyCommand().rejects(new Error("unexpected S3 Control call"));
    s3.on(GetBucketPolicyCommand).callsFake(async (input: { Bucket: string }) => {
      record("s3express:GetBucketPolicy");
      expect(input.Bucket).toBe(BUCKET);
      if (stored === undefined) {
        throw Object.assign(new Error("The bucket policy does not exist"), {
          name: "NoSuchBucketPolicy",
        });
      }
      return { Policy: stored };
    });
    s3.on(PutBucketPolicyCommand).callsFake(async (input: { Bucket: string; Policy: string }) => {
      record("s3express:PutBucketPolicy");
      expect(input.Bucket).toBe(BUCKET);
      stored = input.Policy;
      return {};
    });
    s3.on(DeleteBucketPolicyCommand).callsFake(async (input: { Bucket: string }) => {
      record("s3express:DeleteBucketPolicy");
      expect(input.Bucket).toBe(BUCKET);
      stored = undefined;
      return {};
    });
    control
      .on(ListTagsForResourceCommand)
      .callsFake(async (input: { AccountId: string; ResourceArn: string }) => {
        record("s3express:ListTagsForResource");
        expect(input).toEqual({ AccountId: TEST_ACCOUNT, ResourceArn: ARN });
        return { Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) };
      });
  });

  afterEach(() => {
    for (const undo of restore) undo();
  });

  function context(overrides: Partial<RemediationSettings> = {}): RemediationContext {
    return {
      s3: clients.s3,
      iam: undefined as never,
      settings: { ...TEST_SETTINGS, ...overrides },
      // The account facts adapter's reads (its own suite runs them against moto).
      accountFacts: {
        read: async () => {
          for (const action of [
            "organizations:DescribeOrganization",
            "ec2:DescribeVpcEndpoints",
            "ec2:DescribeVpcs",
          ])
            record(action);
          return { organizationId: ORG, vpcEndpointIds: [], vpcIds: [] };
        },
      },
      client: <C>(Class: unknown) => {
        if (Class !== DirectoryBucketClients) throw new Error("unexpected client class");
        return clients as C;
      },
    };
  }

  it("removes the public statement, keeps the owner's and the org-narrowed one, and undoes", async () => {
    const before = policyOf(
      statement("Public", "*"),
      statement("Own", { AWS: `arn:aws:iam::${TEST_ACCOUNT}:root` }),
      statement("Org", "*", { Condition: { StringEquals: { "aws:PrincipalOrgID": ORG } } }),
    );
    stored = before;
    tags = { team: "landing" };
    const { plan, verified } = await planApplyVerify(
      s3DirectoryBucketPolicy,
      context(),
      finding(),
      recorder,
    );
    expectJsonSerialisable(plan);
    expect(plan.tags).toEqual({ team: "landing" });
    expect(changeAt(plan).description).toContain("Public");
    expect(changeAt(plan).description).not.toContain(ORG);
    expect(verified.ok, verified.detail).toBe(true);
    expect(sids(stored)).toEqual(["Own", "Org"]);

    const undone = await recorder.during("undo", () =>
      s3DirectoryBucketPolicy.undo(context(), plan, plan.changes),
    );
    expect(undone.ok, undone.detail).toBe(true);
    expect(stored).toBe(before);
  });

  it("keeps an external-account grant unless stripExternalAccounts, then deletes the emptied policy", async () => {
    stored = policyOf(statement("Partner", { AWS: `arn:aws:iam::${PARTNER}:root` }));
    const kept = await s3DirectoryBucketPolicy.plan(context(), finding());
    expect(kept.changes).toEqual([]);
    expect(kept.reason).toContain("stripExternalAccounts");

    const { plan, verified } = await planApplyVerify(
      s3DirectoryBucketPolicy,
      context({ stripExternalAccounts: true }),
      finding(),
      recorder,
    );
    expect(changeAt(plan).action).toBe("s3express:DeleteBucketPolicy");
    expect(verified.ok, verified.detail).toBe(true);
    expect(stored).toBeUndefined();
  });

  it("a bucket without a policy: no change", async () => {
    const plan = await s3DirectoryBucketPolicy.plan(context(), finding());
    expect(plan.changes).toEqual([]);
    expect(plan.summary).toContain("has no bucket policy");
  });

  it("refuses to apply over a policy changed since planning, and undo leaves a later change alone", async () => {
    stored = policyOf(statement("Public", "*"));
    const plan = await s3DirectoryBucketPolicy.plan(context(), finding());
    stored = policyOf(
      statement("Public", "*"),
      statement("Own", { AWS: `arn:aws:iam::${TEST_ACCOUNT}:root` }),
    );
    await expect(s3DirectoryBucketPolicy.apply(context(), plan, changeAt(plan))).rejects.toThrow(
      /changed since planning/,
    );

    const fresh = await s3DirectoryBucketPolicy.plan(context(), finding());
    await s3DirectoryBucketPolicy.apply(context(), fresh, changeAt(fresh));
    stored = policyOf(statement("Later", { AWS: `arn:aws:iam::${TEST_ACCOUNT}:root` }));
    const undone = await s3DirectoryBucketPolicy.undo(context(), fresh, fresh.changes);
    expect(undone.ok).toBe(false);
    expect(undone.detail).toContain("not restored");
    expect(sids(stored)).toEqual(["Later"]);
  });

  it("bad input: a bucket of another account, region or kind makes zero calls", async () => {
    stored = policyOf(statement("Public", "*"));
    for (const bad of [
      ARN.replace(`:${TEST_ACCOUNT}:`, `:${PARTNER}:`),
      ARN.replace(`:${TEST_REGION}:`, ":eu-west-1:"),
      `arn:aws:s3:::${BUCKET}`,
      `${ARN}/../other--use1-az4--x-s3`,
      ARN.replace("--x-s3", ""),
      "not an arn",
    ]) {
      await expect(
        s3DirectoryBucketPolicy.plan(context(), finding({ resourceArn: bad, resourceId: bad })),
      ).rejects.toThrow();
    }
    expect(calls).toEqual([]);
  });

  it("declares exactly the IAM actions it calls", () => {
    recorder.expectExactly(s3DirectoryBucketPolicy);
  });
});
