import {
  AttachRolePolicyCommand,
  GetPolicyCommand,
  GetPolicyVersionCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  IAMClient,
  IAMServiceException,
  ListAttachedRolePoliciesCommand,
  ListRoleTagsCommand,
  NoSuchEntityException,
} from "@aws-sdk/client-iam";
import { S3Client } from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  iamRoleQuarantine,
  QUARANTINE_POLICY_DOCUMENT,
} from "../../../src/remediations/iam/iam-role-quarantine.ts";
import type { RemediationContext, RemediationSettings } from "../support.ts";
import { changeAt, makeFinding, TEST_SETTINGS } from "../support.ts";

function iamError(name: string, status = 400): IAMServiceException {
  return new IAMServiceException({
    name,
    $fault: status >= 500 ? "server" : "client",
    $metadata: { httpStatusCode: status },
    message: `${name} (test)`,
  });
}

const iamMock = mockClient(IAMClient);
const finding = makeFinding("iam-external-trust", "AWS::IAM::Role", "etl-cross-account-reader", {
  principal: { AWS: "arn:aws:iam::444455556666:root" },
});
const QUARANTINE_ARN = "arn:aws:iam::123456789012:policy/vigil-quarantine/VigilQuarantineDenyAll";
const TRUST = encodeURIComponent(
  '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::444455556666:root"},"Action":"sts:AssumeRole"}]}',
);

function context(overrides: Partial<RemediationSettings> = {}): RemediationContext {
  return {
    s3: new S3Client({ region: "us-east-1" }),
    iam: new IAMClient({ region: "us-east-1" }),
    settings: { ...TEST_SETTINGS, ...overrides },
  };
}

describe("iam-role-quarantine with mocked IAM", () => {
  beforeEach(() => {
    iamMock.reset();
    iamMock.on(GetRoleCommand).resolves({
      Role: {
        RoleName: "etl-cross-account-reader",
        Arn: "arn:aws:iam::123456789012:role/etl-cross-account-reader",
        Path: "/",
        RoleId: "AROAEXAMPLE",
        CreateDate: new Date("2026-01-01T00:00:00Z"),
        AssumeRolePolicyDocument: TRUST,
      },
    });
    iamMock.on(ListRoleTagsCommand).resolves({ Tags: [] });
    iamMock
      .on(GetRolePolicyCommand)
      .rejects(new NoSuchEntityException({ message: "no such policy", $metadata: {} }));
    iamMock.on(ListAttachedRolePoliciesCommand).resolves({ AttachedPolicies: [] });
    iamMock.on(GetPolicyCommand).resolves({ Policy: { DefaultVersionId: "v1" } });
    iamMock.on(GetPolicyVersionCommand).resolves({
      PolicyVersion: { VersionId: "v1", Document: encodeURIComponent(QUARANTINE_POLICY_DOCUMENT) },
    });
  });
  afterEach(() => iamMock.reset());

  it("records the decoded trust policy and a JSON-serialisable plan", async () => {
    const plan = await iamRoleQuarantine.plan(context(), finding);
    expect(plan.before.trustPolicy).toBe(decodeURIComponent(TRUST));
    expect(JSON.parse(JSON.stringify(plan))).toEqual(plan);
    expect(changeAt(plan)).toMatchObject({
      action: "iam:AttachRolePolicy",
      params: { RoleName: "etl-cross-account-reader", PolicyArn: QUARANTINE_ARN },
    });
  });

  it("refuses, changes nothing and pages when the quarantine policy is not deny-all (planted)", async () => {
    const planted = JSON.stringify({
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }],
    });
    iamMock.on(GetPolicyVersionCommand).resolves({
      PolicyVersion: { VersionId: "v1", Document: encodeURIComponent(planted) },
    });
    const plan = await iamRoleQuarantine.plan(context(), finding);
    expect(plan.changes).toEqual([]);
    expect(plan.securityAlert).toMatch(/not Vigil's deny-all/);
  });

  it("refuses with the reason when the stack's quarantine policy is missing in the account", async () => {
    iamMock
      .on(GetPolicyCommand)
      .rejects(new NoSuchEntityException({ message: "no such policy", $metadata: {} }));
    const plan = await iamRoleQuarantine.plan(context(), finding);
    expect(plan.changes).toEqual([]);
    expect(plan.securityAlert).toMatch(/does not exist: deploy Vigil's stack/);
  });

  it("is a no-op on a role that already has the policy attached, or the inline deny-all of earlier versions", async () => {
    iamMock.on(ListAttachedRolePoliciesCommand).resolves({
      AttachedPolicies: [{ PolicyArn: QUARANTINE_ARN, PolicyName: "VigilQuarantineDenyAll" }],
    });
    expect((await iamRoleQuarantine.plan(context(), finding)).changes).toEqual([]);
    iamMock.on(ListAttachedRolePoliciesCommand).resolves({ AttachedPolicies: [] });
    iamMock.on(GetRolePolicyCommand).resolves({
      RoleName: "etl-cross-account-reader",
      PolicyName: "vigil-quarantine-deny-all",
      PolicyDocument: encodeURIComponent(QUARANTINE_POLICY_DOCUMENT),
    });
    expect((await iamRoleQuarantine.plan(context(), finding)).changes).toEqual([]);
  });

  it("apply attaches only the quarantine policy to the planned role, whatever a (forged) change names", async () => {
    const ctx = context();
    const plan = await iamRoleQuarantine.plan(ctx, finding);
    const admin = {
      ...changeAt(plan),
      params: {
        ...changeAt(plan).params,
        PolicyArn: "arn:aws:iam::aws:policy/AdministratorAccess",
      },
    };
    await expect(iamRoleQuarantine.apply(ctx, plan, admin)).rejects.toThrow(
      /attaches only the quarantine policy/,
    );
    const otherRole = {
      ...changeAt(plan),
      params: { ...changeAt(plan).params, RoleName: "admin" },
    };
    await expect(iamRoleQuarantine.apply(ctx, plan, otherRole)).rejects.toThrow(
      /attaches only the quarantine policy/,
    );
    expect(iamMock.commandCalls(AttachRolePolicyCommand)).toHaveLength(0);
  });

  it.each(["", "has spaces", "x".repeat(129), "semi;colon"])(
    "rejects quarantinePolicyName and quarantineManagedPolicyName %j before any AWS call",
    async (name) => {
      await expect(
        iamRoleQuarantine.plan(context({ quarantinePolicyName: name }), finding),
      ).rejects.toThrow(/not a valid IAM policy name/);
      await expect(
        iamRoleQuarantine.plan(context({ quarantineManagedPolicyName: name }), finding),
      ).rejects.toThrow(/not a valid IAM policy name/);
      expect(iamMock.calls()).toHaveLength(0);
    },
  );

  it("leaves service-linked roles alone", async () => {
    iamMock.on(GetRoleCommand).resolves({
      Role: {
        RoleName: "AWSServiceRoleForECS",
        Arn: "arn:aws:iam::123456789012:role/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS",
        Path: "/aws-service-role/ecs.amazonaws.com/",
        RoleId: "AROAEXAMPLE2",
        CreateDate: new Date("2026-01-01T00:00:00Z"),
      },
    });
    const plan = await iamRoleQuarantine.plan(context(), finding);
    expect(plan.changes).toEqual([]);
    expect(plan.reason).toContain("Service-linked");
  });

  it("propagates AccessDenied on read unchanged", async () => {
    const denied = iamError("AccessDenied", 403);
    iamMock.on(GetRoleCommand).rejects(denied);
    await expect(iamRoleQuarantine.plan(context(), finding)).rejects.toBe(denied);
  });

  it("propagates AccessDenied on write unchanged", async () => {
    const ctx = context();
    const plan = await iamRoleQuarantine.plan(ctx, finding);
    const denied = iamError("AccessDenied", 403);
    iamMock.on(AttachRolePolicyCommand).rejects(denied);
    await expect(iamRoleQuarantine.apply(ctx, plan, changeAt(plan))).rejects.toBe(denied);
  });

  it("propagates NoSuchEntity when the role disappears before apply", async () => {
    const ctx = context();
    const plan = await iamRoleQuarantine.plan(ctx, finding);
    const gone = new NoSuchEntityException({ message: "role not found", $metadata: {} });
    iamMock.on(AttachRolePolicyCommand).rejects(gone);
    await expect(iamRoleQuarantine.apply(ctx, plan, changeAt(plan))).rejects.toBe(gone);
  });

  it("does not swallow throttling", async () => {
    const throttled = iamError("Throttling", 400);
    iamMock.on(ListRoleTagsCommand).rejects(throttled);
    await expect(iamRoleQuarantine.plan(context(), finding)).rejects.toBe(throttled);
  });
});
