import {
  CreateRoleCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  IAMClient,
  ListRolePoliciesCommand,
  PutRolePolicyCommand,
} from "@aws-sdk/client-iam";
import { S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import {
  iamRoleQuarantine,
  QUARANTINE_POLICY_DOCUMENT,
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
    return {
      trust: JSON.parse(decodeURIComponent(role?.AssumeRolePolicyDocument ?? "")),
      inline,
    };
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

  it("quarantines with a deny-all inline policy, keeps the trust policy, undo removes it", async () => {
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
        action: "iam:PutRolePolicy",
        params: {
          RoleName: "etl-cross-account-reader",
          PolicyName: POLICY_NAME,
          PolicyDocument: QUARANTINE_POLICY_DOCUMENT,
        },
      }),
    ]);
    expect(plan.summary).toContain("arn:aws:iam::444455556666:root");
    expect(JSON.parse(String(plan.before.trustPolicy))).toEqual(JSON.parse(EXTERNAL_TRUST));
    expectJsonSerialisable(plan);
    expect(verified.ok).toBe(true);

    const after = await roleState("etl-cross-account-reader");
    expect(after.trust).toEqual(original.trust);
    expect(after.inline).toEqual({
      [POLICY_NAME]: {
        Version: "2012-10-17",
        Statement: [{ Sid: "VigilQuarantine", Effect: "Deny", Action: "*", Resource: "*" }],
      },
    });

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

  it("replaces a policy squatting the quarantine name (security alert); undo puts it back", async () => {
    // Issue 14: squatting the name used to plan no change (no-op, silent). Now it is replaced.
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
    expect((await roleState("etl-cross-account-reader")).inline[POLICY_NAME]).toEqual(
      JSON.parse(QUARANTINE_POLICY_DOCUMENT),
    );
    const undone = await recorder.during("undo", () =>
      iamRoleQuarantine.undo(ctx, plan, plan.changes),
    );
    expect(undone.ok).toBe(true);
    expect((await roleState("etl-cross-account-reader")).inline[POLICY_NAME]).toEqual(
      JSON.parse(foreign),
    );
  });

  it("apply refuses to overwrite a foreign policy created after planning; undo never deletes one", async () => {
    const plan = await iamRoleQuarantine.plan(ctx, finding("etl-cross-account-reader"));
    const foreign = JSON.stringify({
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Action: "s3:ListBucket", Resource: "*" }],
    });
    await seed.send(
      new PutRolePolicyCommand({
        RoleName: "etl-cross-account-reader",
        PolicyName: POLICY_NAME,
        PolicyDocument: foreign,
      }),
    );
    await expect(iamRoleQuarantine.apply(ctx, plan, changeAt(plan))).rejects.toThrow(/not Vigil's/);
    await expect(iamRoleQuarantine.undo(ctx, plan, plan.changes)).rejects.toThrow(
      /not deleting it/,
    );
    expect((await roleState("etl-cross-account-reader")).inline[POLICY_NAME]).toEqual(
      JSON.parse(foreign),
    );
  });

  it("propagates NoSuchEntity for a role that no longer exists", async () => {
    await expect(iamRoleQuarantine.plan(ctx, finding("deleted-role"))).rejects.toMatchObject({
      name: "NoSuchEntityException",
    });
  });
});
