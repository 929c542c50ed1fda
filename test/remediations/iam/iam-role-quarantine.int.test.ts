import {
  CreatePolicyCommand,
  CreateRoleCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  IAMClient,
  ListAttachedRolePoliciesCommand,
  ListRolePoliciesCommand,
  PutRolePolicyCommand,
} from "@aws-sdk/client-iam";
import { S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import type { RemediationPlan } from "../../../src/domain/remediation-plan.ts";
import {
  iamRoleQuarantine,
  QUARANTINE_POLICY_DOCUMENT,
  quarantinePolicyDefinition,
} from "../../../src/remediations/iam/iam-role-quarantine.ts";
import { motoClientConfig, motoEndpoint, resetMoto } from "../../support/moto.ts";
import type { RemediationContext } from "../support.ts";
import {
  ActionRecorder,
  changeAt,
  expectJsonSerialisable,
  makeFinding,
  planApplyVerify,
  TEST_SETTINGS,
} from "../support.ts";

const endpoint = motoEndpoint();
const POLICY_NAME = TEST_SETTINGS.quarantinePolicyName;
const QUARANTINE_ARN = "arn:aws:iam::123456789012:policy/vigil-quarantine/VigilQuarantineDenyAll";

const EXTERNAL_TRUST = JSON.stringify({
  Version: "2012-10-17",
  Statement: [
    {
      Effect: "Allow",
      Principal: { AWS: "arn:aws:iam::444455556666:root" },
      Action: "sts:AssumeRole",
    },
  ],
});
const ALLOW_ALL = JSON.stringify({
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }],
});

describe.skipIf(!endpoint)("iam-role-quarantine against moto", () => {
  const config = motoClientConfig(endpoint as string);
  const seed = new IAMClient(config);
  const recorder = new ActionRecorder();
  const iam = new IAMClient(config);
  recorder.watch(iam, "iam");
  const ctx: RemediationContext = { s3: new S3Client(config), iam, settings: TEST_SETTINGS };
  const finding = (role: string) =>
    makeFinding("iam-external-trust", "AWS::IAM::Role", role, {
      source: "access-analyzer",
      rule: "access-analyzer",
      principal: { AWS: "arn:aws:iam::444455556666:root" },
    });

  async function roleState(name: string) {
    const role = (await seed.send(new GetRoleCommand({ RoleName: name }))).Role;
    const names = (await seed.send(new ListRolePoliciesCommand({ RoleName: name }))).PolicyNames;
    const inline: Record<string, unknown> = {};
    for (const policyName of names ?? []) {
      const output = await seed.send(
        new GetRolePolicyCommand({ RoleName: name, PolicyName: policyName }),
      );
      inline[policyName] = JSON.parse(decodeURIComponent(output.PolicyDocument ?? ""));
    }
    const attached = (await seed.send(new ListAttachedRolePoliciesCommand({ RoleName: name })))
      .AttachedPolicies;
    return {
      trust: JSON.parse(decodeURIComponent(role?.AssumeRolePolicyDocument ?? "")),
      inline,
      attached: (attached ?? []).map((p) => p.PolicyArn),
    };
  }

  async function createQuarantinePolicy(document = QUARANTINE_POLICY_DOCUMENT) {
    await seed.send(
      new CreatePolicyCommand({ ...quarantinePolicyDefinition(), PolicyDocument: document }),
    );
  }

  beforeEach(async () => {
    await resetMoto(endpoint as string);
    await seed.send(
      new CreateRoleCommand({
        RoleName: "etl-cross-account-reader",
        AssumeRolePolicyDocument: EXTERNAL_TRUST,
        Tags: [{ Key: "owner", Value: "analytics" }],
      }),
    );
  });

  afterAll(() => {
    recorder.expectExactly(iamRoleQuarantine);
  });

  it("quarantines by attaching the stack's deny-all policy, keeps the trust policy, undo detaches it", async () => {
    await createQuarantinePolicy();
    const original = await roleState("etl-cross-account-reader");
    const { plan, verified } = await planApplyVerify(
      iamRoleQuarantine,
      ctx,
      finding("etl-cross-account-reader"),
      recorder,
    );
    expect(plan.tags).toEqual({ owner: "analytics" });
    expect(plan.changes).toEqual([
      expect.objectContaining({
        action: "iam:AttachRolePolicy",
        params: { RoleName: "etl-cross-account-reader", PolicyArn: QUARANTINE_ARN },
      }),
    ]);
    expect(plan.summary).toContain("arn:aws:iam::444455556666:root");
    expect(JSON.parse(String(plan.before.trustPolicy))).toEqual(JSON.parse(EXTERNAL_TRUST));
    expectJsonSerialisable(plan);
    expect(verified.ok).toBe(true);

    const after = await roleState("etl-cross-account-reader");
    expect(after).toEqual({ ...original, attached: [QUARANTINE_ARN] });

    await recorder.during("apply", () => iamRoleQuarantine.apply(ctx, plan, changeAt(plan)));
    expect(await roleState("etl-cross-account-reader")).toEqual(after);

    // Planning again sees the quarantine already there.
    const again = await recorder.during("plan", () =>
      iamRoleQuarantine.plan(ctx, finding("etl-cross-account-reader")),
    );
    expect(again.changes).toEqual([]);
    expect(again.summary).toContain("already quarantined");

    const undone = await recorder.during("undo", () =>
      iamRoleQuarantine.undo(ctx, plan, plan.changes),
    );
    expect(undone.ok).toBe(true);
    expect(await roleState("etl-cross-account-reader")).toEqual(original);
  });

  it("an inline policy squatting the old quarantine name does not stop the quarantine (security alert, left in place)", async () => {
    await createQuarantinePolicy();
    const foreign = JSON.stringify({
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "*" }],
    });
    await seed.send(
      new PutRolePolicyCommand({
        RoleName: "etl-cross-account-reader",
        PolicyName: POLICY_NAME,
        PolicyDocument: foreign,
      }),
    );
    const { plan, verified } = await planApplyVerify(
      iamRoleQuarantine,
      ctx,
      finding("etl-cross-account-reader"),
      recorder,
    );
    expect(plan.changes).toHaveLength(1);
    expect(plan.securityAlert).toMatch(/not Vigil's deny-all \(sha256:[0-9a-f]{16}\)/);
    expect(verified.ok).toBe(true);
    const state = await roleState("etl-cross-account-reader");
    expect(state.attached).toEqual([QUARANTINE_ARN]);
    expect(state.inline[POLICY_NAME]).toEqual(JSON.parse(foreign));
  });

  it("a planted quarantine policy (Allow inside) is refused: nothing attached, security alert", async () => {
    await createQuarantinePolicy(ALLOW_ALL);
    const plan = await recorder.during("plan", () =>
      iamRoleQuarantine.plan(ctx, finding("etl-cross-account-reader")),
    );
    expect(plan.changes).toEqual([]);
    expect(plan.securityAlert).toMatch(/is not Vigil's deny-all/);
    expect((await roleState("etl-cross-account-reader")).attached).toEqual([]);
  });

  it("without the stack's policy in the account: refused with the reason, nothing changed", async () => {
    const plan = await recorder.during("plan", () =>
      iamRoleQuarantine.plan(ctx, finding("etl-cross-account-reader")),
    );
    expect(plan.changes).toEqual([]);
    expect(plan.securityAlert).toMatch(/does not exist: deploy Vigil's stack/);
  });

  it("quarantines of earlier versions (inline deny-all) are recognised, and their undo still works", async () => {
    await createQuarantinePolicy();
    await seed.send(
      new PutRolePolicyCommand({
        RoleName: "etl-cross-account-reader",
        PolicyName: POLICY_NAME,
        PolicyDocument: QUARANTINE_POLICY_DOCUMENT,
      }),
    );
    const again = await recorder.during("plan", () =>
      iamRoleQuarantine.plan(ctx, finding("etl-cross-account-reader")),
    );
    expect(again.changes).toEqual([]);
    expect(again.summary).toContain("already quarantined");

    // A journal record of an earlier version: an inline put, replacing a squatter that comes back.
    const squatter = JSON.stringify({
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Action: "s3:ListBucket", Resource: "*" }],
    });
    const legacy = (existingPolicy: string | null): RemediationPlan => ({
      ...again,
      before: {
        roleName: "etl-cross-account-reader",
        roleArn: "arn:aws:iam::123456789012:role/etl-cross-account-reader",
        trustPolicy: EXTERNAL_TRUST,
        policyName: POLICY_NAME,
        existingPolicy,
      },
      changes: [
        {
          action: "iam:PutRolePolicy",
          description: "put inline deny-all",
          params: {
            RoleName: "etl-cross-account-reader",
            PolicyName: POLICY_NAME,
            PolicyDocument: QUARANTINE_POLICY_DOCUMENT,
          },
        },
      ],
    });
    const restored = await recorder.during("undo", () =>
      iamRoleQuarantine.undo(ctx, legacy(squatter), legacy(squatter).changes),
    );
    expect(restored.ok).toBe(true);
    expect((await roleState("etl-cross-account-reader")).inline[POLICY_NAME]).toEqual(
      JSON.parse(squatter),
    );
    await seed.send(
      new PutRolePolicyCommand({
        RoleName: "etl-cross-account-reader",
        PolicyName: POLICY_NAME,
        PolicyDocument: QUARANTINE_POLICY_DOCUMENT,
      }),
    );
    const deleted = await recorder.during("undo", () =>
      iamRoleQuarantine.undo(ctx, legacy(null), legacy(null).changes),
    );
    expect(deleted.ok).toBe(true);
    expect((await roleState("etl-cross-account-reader")).inline).toEqual({});
  });

  it("propagates NoSuchEntity for a role that no longer exists", async () => {
    await expect(iamRoleQuarantine.plan(ctx, finding("deleted-role"))).rejects.toMatchObject({
      name: "NoSuchEntityException",
    });
  });
});
