import {
  AddUserToGroupCommand,
  AttachGroupPolicyCommand,
  AttachRolePolicyCommand,
  AttachUserPolicyCommand,
  CreateGroupCommand,
  CreatePolicyCommand,
  CreatePolicyVersionCommand,
  CreateRoleCommand,
  CreateUserCommand,
  GetGroupPolicyCommand,
  GetRolePolicyCommand,
  GetUserPolicyCommand,
  IAMClient,
  ListAttachedGroupPoliciesCommand,
  ListAttachedRolePoliciesCommand,
  ListAttachedUserPoliciesCommand,
  ListEntitiesForPolicyCommand,
  ListGroupPoliciesCommand,
  ListRolePoliciesCommand,
  ListUserPoliciesCommand,
  PutGroupPolicyCommand,
  PutRolePolicyCommand,
  PutUserPolicyCommand,
} from "@aws-sdk/client-iam";
import { S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import type { ResourceType } from "../../../src/domain/finding.ts";
import { iamRiskyPolicy } from "../../../src/remediations/iam/iam-risky-policy.ts";
import { motoClientConfig, motoEndpoint, resetMoto, TEST_ACCOUNT } from "../../support/moto.ts";
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

const ADMIN_DOC = JSON.stringify({
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }],
});
const PASS_ROLE_DOC = JSON.stringify({
  Version: "2012-10-17",
  Statement: [{ Sid: "PassAnything", Effect: "Allow", Action: "iam:PassRole", Resource: "*" }],
});
const ASSUME_DOC = JSON.stringify({
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Action: ["sts:AssumeRole"], Resource: ["*"] }],
});
const READ_LOGS_DOC = JSON.stringify({
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Action: ["logs:Get*", "logs:Describe*"], Resource: "*" }],
});
const TRUST_EC2 = JSON.stringify({
  Version: "2012-10-17",
  Statement: [
    { Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" },
  ],
});

const policyArn = (name: string) => `arn:aws:iam::${TEST_ACCOUNT}:policy/${name}`;

describe.skipIf(!endpoint)("iam-risky-policy against moto", () => {
  const config = motoClientConfig(endpoint as string);
  const seed = new IAMClient(config);
  const recorder = new ActionRecorder();
  const iam = new IAMClient(config);
  recorder.watch(iam, "iam");
  const ctx: RemediationContext = { s3: new S3Client(config), iam, settings: TEST_SETTINGS };

  /** Users, a role and a group carrying risky and harmless policies, as in a real account. */
  async function seedAccount(): Promise<void> {
    // moto does not load AWS managed policies: a customer policy with the same name stands in.
    await seed.send(
      new CreatePolicyCommand({ PolicyName: "AdministratorAccess", PolicyDocument: ADMIN_DOC }),
    );
    // A customer admin policy (ANPA… id) that is risky by its document, not its name.
    await seed.send(
      new CreatePolicyCommand({
        PolicyName: "custom-admin",
        PolicyDocument: ADMIN_DOC,
        Tags: [{ Key: "owner", Value: "platform" }],
      }),
    );
    await seed.send(
      new CreatePolicyCommand({ PolicyName: "read-logs", PolicyDocument: READ_LOGS_DOC }),
    );

    await seed.send(
      new CreateUserCommand({ UserName: "alice", Tags: [{ Key: "team", Value: "data" }] }),
    );
    await seed.send(new CreateUserCommand({ UserName: "bob" }));
    for (const arn of [policyArn("AdministratorAccess"), policyArn("read-logs")]) {
      await seed.send(new AttachUserPolicyCommand({ UserName: "alice", PolicyArn: arn }));
    }
    await seed.send(
      new PutUserPolicyCommand({
        UserName: "alice",
        PolicyName: "escalate",
        PolicyDocument: PASS_ROLE_DOC,
      }),
    );
    await seed.send(
      new PutUserPolicyCommand({
        UserName: "alice",
        PolicyName: "read-only",
        PolicyDocument: READ_LOGS_DOC,
      }),
    );
    await seed.send(
      new AttachUserPolicyCommand({ UserName: "bob", PolicyArn: policyArn("custom-admin") }),
    );

    await seed.send(
      new CreateRoleCommand({
        RoleName: "etl",
        AssumeRolePolicyDocument: TRUST_EC2,
        Tags: [{ Key: "env", Value: "prod" }],
      }),
    );
    for (const arn of [policyArn("custom-admin"), policyArn("read-logs")]) {
      await seed.send(new AttachRolePolicyCommand({ RoleName: "etl", PolicyArn: arn }));
    }
    await seed.send(
      new PutRolePolicyCommand({
        RoleName: "etl",
        PolicyName: "assume-any",
        PolicyDocument: ASSUME_DOC,
      }),
    );

    await seed.send(new CreateGroupCommand({ GroupName: "admins" }));
    await seed.send(new AddUserToGroupCommand({ GroupName: "admins", UserName: "bob" }));
    for (const arn of [policyArn("AdministratorAccess"), policyArn("custom-admin")]) {
      await seed.send(new AttachGroupPolicyCommand({ GroupName: "admins", PolicyArn: arn }));
    }
    await seed.send(
      new PutGroupPolicyCommand({
        GroupName: "admins",
        PolicyName: "group-admin",
        PolicyDocument: ADMIN_DOC,
      }),
    );
  }

  /** What IAM says about a principal: attached ARNs and inline documents (parsed). */
  async function principalState(type: "user" | "role" | "group", name: string) {
    const attached =
      type === "user"
        ? (await seed.send(new ListAttachedUserPoliciesCommand({ UserName: name })))
            .AttachedPolicies
        : type === "role"
          ? (await seed.send(new ListAttachedRolePoliciesCommand({ RoleName: name })))
              .AttachedPolicies
          : (await seed.send(new ListAttachedGroupPoliciesCommand({ GroupName: name })))
              .AttachedPolicies;
    const inlineNames =
      type === "user"
        ? (await seed.send(new ListUserPoliciesCommand({ UserName: name }))).PolicyNames
        : type === "role"
          ? (await seed.send(new ListRolePoliciesCommand({ RoleName: name }))).PolicyNames
          : (await seed.send(new ListGroupPoliciesCommand({ GroupName: name }))).PolicyNames;
    const inline: Record<string, unknown> = {};
    for (const policyName of inlineNames ?? []) {
      const raw =
        type === "user"
          ? (await seed.send(new GetUserPolicyCommand({ UserName: name, PolicyName: policyName })))
              .PolicyDocument
          : type === "role"
            ? (
                await seed.send(
                  new GetRolePolicyCommand({ RoleName: name, PolicyName: policyName }),
                )
              ).PolicyDocument
            : (
                await seed.send(
                  new GetGroupPolicyCommand({ GroupName: name, PolicyName: policyName }),
                )
              ).PolicyDocument;
      inline[policyName] = JSON.parse(decodeURIComponent(raw ?? ""));
    }
    return {
      attached: (attached ?? []).map((policy) => policy.PolicyArn).sort(),
      inline,
    };
  }

  async function entitiesOf(name: string) {
    const output = await seed.send(
      new ListEntitiesForPolicyCommand({ PolicyArn: policyArn(name) }),
    );
    return {
      users: (output.PolicyUsers ?? []).map((user) => user.UserName).sort(),
      roles: (output.PolicyRoles ?? []).map((role) => role.RoleName).sort(),
      groups: (output.PolicyGroups ?? []).map((group) => group.GroupName).sort(),
    };
  }

  beforeEach(async () => {
    await resetMoto(endpoint as string);
    await seedAccount();
  });

  afterAll(() => {
    recorder.expectExactly(iamRiskyPolicy);
  });

  const cases: {
    type: "user" | "role" | "group";
    resourceType: ResourceType;
    name: string;
    detached: string[];
    deleted: string[];
    kept: string[];
    tags: Record<string, string>;
  }[] = [
    {
      type: "user",
      resourceType: "AWS::IAM::User",
      name: "alice",
      detached: [policyArn("AdministratorAccess")],
      deleted: ["escalate"],
      kept: [policyArn("read-logs")],
      tags: { team: "data" },
    },
    {
      type: "role",
      resourceType: "AWS::IAM::Role",
      name: "etl",
      detached: [policyArn("custom-admin")],
      deleted: ["assume-any"],
      kept: [policyArn("read-logs")],
      tags: { env: "prod" },
    },
    {
      type: "group",
      resourceType: "AWS::IAM::Group",
      name: "admins",
      detached: [policyArn("AdministratorAccess"), policyArn("custom-admin")],
      deleted: ["group-admin"],
      kept: [],
      tags: {},
    },
  ];

  it.each(cases)(
    "$type $name: detaches risky policies, deletes risky inline ones, undo restores them",
    async ({ type, resourceType, name, detached, deleted, kept, tags }) => {
      const original = await principalState(type, name);
      const finding = makeFinding("iam-risky-policy", resourceType, name);
      const { plan, verified } = await planApplyVerify(iamRiskyPolicy, ctx, finding, recorder);

      expect(plan.tags).toEqual(tags);
      expect(
        plan.changes
          .filter((change) => change.action.startsWith("iam:Detach"))
          .map((change) => change.params.PolicyArn)
          .sort(),
      ).toEqual([...detached].sort());
      expect(
        plan.changes
          .filter((change) => change.action.startsWith("iam:Delete"))
          .map((change) => change.params.PolicyName),
      ).toEqual(deleted);
      expectJsonSerialisable(plan);
      expect(verified.ok).toBe(true);

      const after = await principalState(type, name);
      expect(after.attached).toEqual([...kept].sort());
      expect(Object.keys(after.inline).sort()).toEqual(
        Object.keys(original.inline)
          .filter((policy) => !deleted.includes(policy))
          .sort(),
      );

      // Applying every change again is harmless.
      for (const change of plan.changes) {
        await recorder.during("apply", () => iamRiskyPolicy.apply(ctx, plan, change));
      }
      expect(await principalState(type, name)).toEqual(after);

      const undone = await recorder.during("undo", () =>
        iamRiskyPolicy.undo(ctx, plan, plan.changes),
      );
      expect(undone.ok).toBe(true);
      expect(await principalState(type, name)).toEqual(original);
    },
  );

  it("detaches a risky customer policy from every user, role and group, and undo re-attaches", async () => {
    const original = await entitiesOf("custom-admin");
    expect(original).toEqual({ users: ["bob"], roles: ["etl"], groups: ["admins"] });
    const finding = makeFinding("iam-risky-policy", "AWS::IAM::Policy", "custom-admin", {
      resourceId: "ANPAEXAMPLEPOLICYID01",
      rule: "iam-policy-no-statements-with-admin-access",
    });
    const { plan, verified } = await planApplyVerify(iamRiskyPolicy, ctx, finding, recorder);
    expect(plan.tags).toEqual({ owner: "platform" });
    expect(plan.changes.map((change) => [change.action, change.params])).toEqual([
      // The principals' real ARNs ride along so protected patterns see them (issue 14).
      [
        "iam:DetachUserPolicy",
        {
          UserName: "bob",
          PolicyArn: policyArn("custom-admin"),
          PrincipalArn: `arn:aws:iam::${TEST_ACCOUNT}:user/bob`,
        },
      ],
      [
        "iam:DetachRolePolicy",
        {
          RoleName: "etl",
          PolicyArn: policyArn("custom-admin"),
          PrincipalArn: `arn:aws:iam::${TEST_ACCOUNT}:role/etl`,
        },
      ],
      ["iam:DetachGroupPolicy", { GroupName: "admins", PolicyArn: policyArn("custom-admin") }],
    ]);
    expect(plan.reason).toContain("allows all actions (*) on *");
    expect(verified.ok).toBe(true);
    expect(await entitiesOf("custom-admin")).toEqual({ users: [], roles: [], groups: [] });

    for (const change of plan.changes) {
      await recorder.during("apply", () => iamRiskyPolicy.apply(ctx, plan, change));
    }

    const undone = await recorder.during("undo", () =>
      iamRiskyPolicy.undo(ctx, plan, plan.changes),
    );
    expect(undone.ok).toBe(true);
    expect(await entitiesOf("custom-admin")).toEqual(original);
  });

  it("changes nothing for a policy whose default version is no longer risky", async () => {
    await seed.send(
      new CreatePolicyVersionCommand({
        PolicyArn: policyArn("custom-admin"),
        PolicyDocument: READ_LOGS_DOC,
        SetAsDefault: true,
      }),
    );
    const finding = makeFinding("iam-risky-policy", "AWS::IAM::Policy", "custom-admin");
    const { plan, verified } = await planApplyVerify(iamRiskyPolicy, ctx, finding, recorder);
    expect(plan.changes).toEqual([]);
    expect(plan.summary).toContain("no longer risky");
    expect(verified.ok).toBe(true);
  });

  it("changes nothing for a principal without risky policies", async () => {
    await seed.send(new CreateUserCommand({ UserName: "carol" }));
    await seed.send(
      new AttachUserPolicyCommand({ UserName: "carol", PolicyArn: policyArn("read-logs") }),
    );
    const finding = makeFinding("iam-risky-policy", "AWS::IAM::User", "carol");
    const { plan } = await planApplyVerify(iamRiskyPolicy, ctx, finding, recorder);
    expect(plan.changes).toEqual([]);
    expect(plan.reason).toContain("None of the 1 attached and 0 inline policies");
  });

  it("refuses to delete an inline policy edited since planning", async () => {
    const finding = makeFinding("iam-risky-policy", "AWS::IAM::User", "alice");
    const plan = await iamRiskyPolicy.plan(ctx, finding);
    const deletion = plan.changes.find((change) => change.action === "iam:DeleteUserPolicy");
    expect(deletion).toBeDefined();
    await seed.send(
      new PutUserPolicyCommand({
        UserName: "alice",
        PolicyName: "escalate",
        PolicyDocument: ADMIN_DOC,
      }),
    );
    await expect(iamRiskyPolicy.apply(ctx, plan, deletion ?? changeAt(plan))).rejects.toThrow(
      /changed since planning/,
    );
    expect((await principalState("user", "alice")).inline.escalate).toEqual(JSON.parse(ADMIN_DOC));
  });

  it("leaves service-linked roles alone", async () => {
    const finding = makeFinding("iam-risky-policy", "AWS::IAM::Role", "AWSServiceRoleForECS", {
      resourceArn: `arn:aws:iam::${TEST_ACCOUNT}:role/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS`,
    });
    const plan = await iamRiskyPolicy.plan(ctx, finding);
    expect(plan.changes).toEqual([]);
    expect(plan.reason).toContain("Service-linked");
  });

  /**
   * moto has no service last accessed report: a middleware on the remediation's own client answers
   * those two calls (after the recorder saw them), everything else goes to moto.
   */
  function lastAccessedStub(answers: Record<string, unknown>[]) {
    const name = "lastAccessedStub";
    const stack = iam.middlewareStack as unknown as {
      add(
        middleware: (
          next: (args: unknown) => Promise<unknown>,
          context: { commandName?: string },
        ) => (args: unknown) => Promise<unknown>,
        options: { step: "initialize"; name: string },
      ): void;
      remove(name: string): boolean;
    };
    const seen: string[] = [];
    stack.add(
      (next, context) => async (args) => {
        const command = context.commandName ?? "";
        if (command === "GenerateServiceLastAccessedDetailsCommand") {
          seen.push(command);
          return { output: { JobId: "job-1" }, response: {} };
        }
        if (command === "GetServiceLastAccessedDetailsCommand") {
          seen.push(command);
          return { output: answers.shift() ?? { JobStatus: "IN_PROGRESS" }, response: {} };
        }
        return next(args);
      },
      { step: "initialize", name },
    );
    return { seen, remove: () => stack.remove(name) };
  }

  it("last-used evidence (service last accessed stubbed: moto lacks it) goes into the plan; the guard keeps a policy used recently", async () => {
    const daysAgo = (days: number) => new Date(Date.now() - days * 86_400_000 - 60_000);
    const report = {
      JobStatus: "COMPLETED",
      IsTruncated: false,
      ServicesLastAccessed: [
        { ServiceNamespace: "s3", ServiceName: "Amazon S3", LastAuthenticated: daysAgo(3) },
        { ServiceNamespace: "iam", ServiceName: "AWS Identity and Access Management" },
      ],
    };
    const answers: Record<string, unknown>[] = [{ JobStatus: "IN_PROGRESS" }, report];
    const stub = lastAccessedStub(answers);
    try {
      const finding = makeFinding("iam-risky-policy", "AWS::IAM::User", "alice");
      const withEvidence = {
        ...ctx,
        settings: { ...TEST_SETTINGS, riskyPolicyLastUsedWaitSeconds: 2 },
      };
      const plan = await recorder.during("plan", () => iamRiskyPolicy.plan(withEvidence, finding));
      expect(stub.seen).toEqual([
        "GenerateServiceLastAccessedDetailsCommand",
        "GetServiceLastAccessedDetailsCommand",
        "GetServiceLastAccessedDetailsCommand",
      ]);
      expect(plan.changes.length).toBe(2);
      // AdministratorAccess (by name: every service) and escalate (iam:PassRole: iam only).
      expect(plan.notes).toEqual([
        "AdministratorAccess's risky grants, by user alice: last used 3 days ago for s3; never for iam (IAM service last accessed, 400-day window)",
        "escalate's risky grants, by user alice: never for iam (IAM service last accessed, 400-day window)",
      ]);

      // The guard: s3 used 3 days ago keeps AdministratorAccess (all services); escalate goes.
      answers.push(report);
      const guarded = await iamRiskyPolicy.plan(
        {
          ...ctx,
          settings: {
            ...withEvidence.settings,
            riskyPolicySkipIfUsedWithinDays: 7,
          },
        },
        finding,
      );
      expect(guarded.changes.map((change) => change.params.PolicyName)).toEqual(["escalate"]);
      expect(guarded.notes?.[0]).toMatch(/^AdministratorAccess KEPT, used within 7 days/);
    } finally {
      stub.remove();
    }
  });

  it("propagates NoSuchEntity for a principal that does not exist", async () => {
    const finding = makeFinding("iam-risky-policy", "AWS::IAM::User", "ghost");
    await expect(iamRiskyPolicy.plan(ctx, finding)).rejects.toMatchObject({
      name: "NoSuchEntityException",
    });
  });
});
