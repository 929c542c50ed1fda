import {
  DetachUserPolicyCommand,
  GetPolicyCommand,
  GetPolicyVersionCommand,
  GetRoleCommand,
  GetUserCommand,
  GetUserPolicyCommand,
  IAMClient,
  IAMServiceException,
  ListAttachedUserPoliciesCommand,
  ListEntitiesForPolicyCommand,
  ListPolicyTagsCommand,
  ListUserPoliciesCommand,
  ListUserTagsCommand,
  NoSuchEntityException,
} from "@aws-sdk/client-iam";
import { S3Client } from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { iamRiskyPolicy } from "../../../src/remediations/iam/iam-risky-policy.ts";
import type { RemediationContext } from "../support.ts";
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
const ctx: RemediationContext = {
  s3: new S3Client({ region: "us-east-1" }),
  iam: new IAMClient({ region: "us-east-1" }),
  settings: TEST_SETTINGS,
};
const userFinding = makeFinding("iam-risky-policy", "AWS::IAM::User", "alice");
const ADMIN =
  '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}';

describe("iam-risky-policy with mocked IAM", () => {
  beforeEach(() => {
    iamMock.reset();
    iamMock.on(ListAttachedUserPoliciesCommand).resolves({
      AttachedPolicies: [
        {
          PolicyName: "AdministratorAccess",
          PolicyArn: "arn:aws:iam::aws:policy/AdministratorAccess",
        },
      ],
    });
    iamMock.on(ListUserPoliciesCommand).resolves({ PolicyNames: [] });
    iamMock.on(ListUserTagsCommand).resolves({ Tags: [] });
  });
  afterEach(() => iamMock.reset());

  it("judges a deny-listed AWS managed policy by name without fetching its document", async () => {
    const plan = await iamRiskyPolicy.plan(ctx, userFinding);
    expect(plan.changes).toEqual([
      expect.objectContaining({
        action: "iam:DetachUserPolicy",
        params: { UserName: "alice", PolicyArn: "arn:aws:iam::aws:policy/AdministratorAccess" },
      }),
    ]);
    expect(iamMock).not.toHaveReceivedCommand(GetPolicyCommand);
  });

  it("judges other AWS managed policies by their default version's document", async () => {
    const arn = "arn:aws:iam::aws:policy/SomeVendorFullAccess";
    iamMock.on(ListAttachedUserPoliciesCommand).resolves({
      AttachedPolicies: [{ PolicyName: "SomeVendorFullAccess", PolicyArn: arn }],
    });
    iamMock.on(GetPolicyCommand).resolves({
      Policy: { PolicyName: "SomeVendorFullAccess", Arn: arn, DefaultVersionId: "v7" },
    });
    iamMock.on(GetPolicyVersionCommand, { PolicyArn: arn, VersionId: "v7" }).resolves({
      PolicyVersion: { Document: encodeURIComponent(ADMIN), VersionId: "v7" },
    });
    const plan = await iamRiskyPolicy.plan(ctx, userFinding);
    expect(plan.changes.map((change) => change.params.PolicyArn)).toEqual([arn]);
  });

  it("reads URL-encoded inline documents and saves them decoded for undo", async () => {
    iamMock.on(ListAttachedUserPoliciesCommand).resolves({ AttachedPolicies: [] });
    iamMock.on(ListUserPoliciesCommand).resolves({ PolicyNames: ["inline-admin"] });
    iamMock.on(GetUserPolicyCommand).resolves({
      UserName: "alice",
      PolicyName: "inline-admin",
      PolicyDocument: encodeURIComponent(ADMIN),
    });
    const plan = await iamRiskyPolicy.plan(ctx, userFinding);
    expect(changeAt(plan).action).toBe("iam:DeleteUserPolicy");
    expect(plan.before.inlinePolicies).toEqual([
      expect.objectContaining({ policyName: "inline-admin", risky: true, document: ADMIN }),
    ]);
  });

  it("a user with harmless policies only: no change, and says once what Vigil will not do", async () => {
    const readOnly = "arn:aws:iam::aws:policy/ReadOnlyAccess";
    iamMock.on(ListAttachedUserPoliciesCommand).resolves({
      AttachedPolicies: [{ PolicyName: "ReadOnlyAccess", PolicyArn: readOnly }],
    });
    iamMock.on(GetPolicyCommand).resolves({
      Policy: { PolicyName: "ReadOnlyAccess", Arn: readOnly, DefaultVersionId: "v1" },
    });
    iamMock.on(GetPolicyVersionCommand).resolves({
      PolicyVersion: {
        Document: encodeURIComponent(
          '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::reports/*"}]}',
        ),
        VersionId: "v1",
      },
    });
    iamMock.on(ListUserPoliciesCommand).resolves({ PolicyNames: ["notes"] });
    iamMock.on(GetUserPolicyCommand).resolves({
      UserName: "alice",
      PolicyName: "notes",
      PolicyDocument: encodeURIComponent(
        '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sqs:SendMessage","Resource":"arn:aws:sqs:eu-west-1:123456789012:notes"}]}',
      ),
    });
    const plan = await iamRiskyPolicy.plan(ctx, {
      ...userFinding,
      rule: "iam-user-no-policies-check",
    });
    expect(plan.changes).toEqual([]);
    expect(plan.declined).toBe(
      "rule iam-user-no-policies-check flags user alice, but none of its policies (ReadOnlyAccess, notes (inline)) is risky: Vigil removes risky policies only and leaves these. To meet the rule, grant them through a group or role.",
    );
  });

  function inlinePolicies(documents: Record<string, string>) {
    iamMock.on(ListAttachedUserPoliciesCommand).resolves({ AttachedPolicies: [] });
    iamMock.on(ListUserPoliciesCommand).resolves({ PolicyNames: Object.keys(documents) });
    for (const [PolicyName, document] of Object.entries(documents)) {
      iamMock
        .on(GetUserPolicyCommand, { PolicyName })
        .resolves({ UserName: "alice", PolicyName, PolicyDocument: encodeURIComponent(document) });
    }
  }
  const onAll = (action: string) =>
    `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"${action}","Resource":"*"}]}`;

  it("removes an escalation path and tells, without removing, a broad data read (default categories)", async () => {
    inlinePolicies({
      deploy: onAll("iam:CreatePolicyVersion"),
      etl: onAll("s3:GetObject"),
    });
    const plan = await iamRiskyPolicy.plan(ctx, userFinding);
    expect(plan.changes.map((change) => change.params.PolicyName)).toEqual(["deploy"]);
    expect(changeAt(plan).description).toContain(
      "privilege-escalation: statement #1 on *: iam:CreatePolicyVersion writes a new default version",
    );
    expect(plan.notes).toEqual([
      "etl (inline), left in place: data-exfiltration: statement #1 allows s3:GetObject on *",
    ]);
    expect(plan.declined).toBeUndefined();
  });

  it("only alert-only risks: no change, told once (declined) with the categories and actions", async () => {
    inlinePolicies({ etl: onAll("s3:Get*") });
    const plan = await iamRiskyPolicy.plan(ctx, userFinding);
    expect(plan.changes).toEqual([]);
    expect(plan.declined).toContain(
      "user alice has risks Vigil only reports (riskyPolicyDetachCategories): etl (inline), left in place: data-exfiltration: statement #1 allows s3:GetObject, s3:GetObjectVersion (via s3:Get*) on *",
    );
  });

  it("riskyPolicyDetachCategories decides: with data-exfiltration listed the broad read is removed", async () => {
    inlinePolicies({ etl: onAll("s3:GetObject") });
    const plan = await iamRiskyPolicy.plan(
      {
        ...ctx,
        settings: {
          ...TEST_SETTINGS,
          riskyPolicyDetachCategories: ["admin", "privilege-escalation", "data-exfiltration"],
        },
      },
      userFinding,
    );
    expect(plan.changes.map((change) => change.action)).toEqual(["iam:DeleteUserPolicy"]);
    expect(plan.notes).toBeUndefined();
  });

  it("a user with no policy left is a plain no-op (nothing to decline)", async () => {
    iamMock.on(ListAttachedUserPoliciesCommand).resolves({ AttachedPolicies: [] });
    const plan = await iamRiskyPolicy.plan(ctx, userFinding);
    expect(plan.changes).toEqual([]);
    expect(plan.declined).toBeUndefined();
  });

  it("follows pagination markers", async () => {
    iamMock
      .on(ListAttachedUserPoliciesCommand)
      .resolvesOnce({
        AttachedPolicies: [
          {
            PolicyName: "AdministratorAccess",
            PolicyArn: "arn:aws:iam::aws:policy/AdministratorAccess",
          },
        ],
        IsTruncated: true,
        Marker: "page-2",
      })
      .resolvesOnce({
        AttachedPolicies: [
          { PolicyName: "IAMFullAccess", PolicyArn: "arn:aws:iam::aws:policy/IAMFullAccess" },
        ],
        IsTruncated: false,
      });
    const plan = await iamRiskyPolicy.plan(ctx, userFinding);
    expect(plan.changes.map((change) => change.params.PolicyArn)).toEqual([
      "arn:aws:iam::aws:policy/AdministratorAccess",
      "arn:aws:iam::aws:policy/IAMFullAccess",
    ]);
    expect(iamMock).toHaveReceivedCommandWith(ListAttachedUserPoliciesCommand, {
      UserName: "alice",
      Marker: "page-2",
    });
  });

  it("lists every entity of a risky policy across pages", async () => {
    const arn = "arn:aws:iam::123456789012:policy/custom-admin";
    const finding = makeFinding("iam-risky-policy", "AWS::IAM::Policy", "custom-admin", {
      resourceArn: arn,
    });
    iamMock.on(GetPolicyCommand).resolves({
      Policy: { PolicyName: "custom-admin", Arn: arn, DefaultVersionId: "v1" },
    });
    iamMock.on(GetPolicyVersionCommand).resolves({ PolicyVersion: { Document: ADMIN } });
    iamMock.on(ListPolicyTagsCommand).resolves({ Tags: [{ Key: "owner", Value: "x" }] });
    iamMock
      .on(ListEntitiesForPolicyCommand)
      .resolvesOnce({ PolicyUsers: [{ UserName: "u1" }], IsTruncated: true, Marker: "m" })
      .resolvesOnce({ PolicyRoles: [{ RoleName: "r1" }], PolicyGroups: [{ GroupName: "g1" }] });
    // Principals are named without their path; their real ARNs are looked up (issue 14).
    iamMock.on(GetUserCommand).resolves({
      User: { UserName: "u1", Arn: "arn:aws:iam::123456789012:user/ops/u1" } as never,
    });
    iamMock.on(GetRoleCommand).resolves({
      Role: { RoleName: "r1", Arn: "arn:aws:iam::123456789012:role/breakglass/r1" } as never,
    });
    const plan = await iamRiskyPolicy.plan(ctx, finding);
    expect(plan.tags).toEqual({ owner: "x" });
    expect(plan.changes.map((change) => [change.action, change.params])).toEqual([
      [
        "iam:DetachUserPolicy",
        { UserName: "u1", PolicyArn: arn, PrincipalArn: "arn:aws:iam::123456789012:user/ops/u1" },
      ],
      [
        "iam:DetachRolePolicy",
        {
          RoleName: "r1",
          PolicyArn: arn,
          PrincipalArn: "arn:aws:iam::123456789012:role/breakglass/r1",
        },
      ],
      ["iam:DetachGroupPolicy", { GroupName: "g1", PolicyArn: arn }],
    ]);
  });

  it("propagates AccessDenied on read unchanged", async () => {
    const denied = iamError("AccessDenied", 403);
    iamMock.on(ListAttachedUserPoliciesCommand).rejects(denied);
    await expect(iamRiskyPolicy.plan(ctx, userFinding)).rejects.toBe(denied);
  });

  it("propagates AccessDenied on write unchanged", async () => {
    const plan = await iamRiskyPolicy.plan(ctx, userFinding);
    const denied = iamError("AccessDenied", 403);
    iamMock.on(DetachUserPolicyCommand).rejects(denied);
    await expect(iamRiskyPolicy.apply(ctx, plan, changeAt(plan))).rejects.toBe(denied);
  });

  it("treats NoSuchEntity on detach as already detached (idempotent)", async () => {
    const plan = await iamRiskyPolicy.plan(ctx, userFinding);
    iamMock
      .on(DetachUserPolicyCommand)
      .rejects(new NoSuchEntityException({ message: "not attached", $metadata: {} }));
    await expect(iamRiskyPolicy.apply(ctx, plan, changeAt(plan))).resolves.toBeUndefined();
  });

  it.each(["Throttling", "ThrottlingException"])("does not swallow %s", async (name) => {
    const throttled = iamError(name, 400);
    iamMock.on(ListUserTagsCommand).rejects(throttled);
    await expect(iamRiskyPolicy.plan(ctx, userFinding)).rejects.toBe(throttled);
  });

  it("rejects a change it did not plan", async () => {
    const plan = await iamRiskyPolicy.plan(ctx, userFinding);
    await expect(
      iamRiskyPolicy.apply(ctx, plan, { action: "iam:DeleteUser", description: "", params: {} }),
    ).rejects.toThrow(/cannot handle action iam:DeleteUser/);
  });
});
