import { CreateRoleCommand, IAMClient } from "@aws-sdk/client-iam";
import {
  AddPermissionCommand,
  CreateFunctionCommand,
  CreateFunctionUrlConfigCommand,
  DeleteFunctionUrlConfigCommand,
  GetFunctionUrlConfigCommand,
  GetPolicyCommand,
  LambdaClient,
  RemovePermissionCommand,
} from "@aws-sdk/client-lambda";
import { describe, expect, it } from "vitest";
import { lambdaFunctionPolicy } from "../../../src/remediations/lambda/lambda-function-policy.ts";
import { sameLambdaPolicy } from "../../../src/remediations/lambda/lambda-permissions.ts";
import { motoClientConfig, motoEndpoint, TEST_ACCOUNT } from "../../support/moto.ts";
import { PARTNER, resourcePolicySuite, type SuiteTools } from "../resource-policy/harness.ts";
import { expectJsonSerialisable, planApplyVerify } from "../support.ts";

const endpoint = motoEndpoint();

// An empty zip: moto stores the function without running it.
const EMPTY_ZIP = Buffer.from("UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA==", "base64");

async function createFunction(lambda: LambdaClient, name: string): Promise<string> {
  const iam = new IAMClient(motoClientConfig(endpoint as string));
  const { Role } = await iam.send(
    new CreateRoleCommand({ RoleName: `${name}-role`, AssumeRolePolicyDocument: "{}" }),
  );
  const { FunctionArn } = await lambda.send(
    new CreateFunctionCommand({
      FunctionName: name,
      Role: Role?.Arn,
      Runtime: "nodejs22.x",
      Handler: "index.handler",
      Code: { ZipFile: EMPTY_ZIP },
    }),
  );
  return FunctionArn ?? "";
}

async function policyOf(lambda: LambdaClient, arn: string): Promise<string | null> {
  try {
    return (await lambda.send(new GetPolicyCommand({ FunctionName: arn }))).Policy ?? null;
  } catch (error) {
    if ((error as Error).name === "ResourceNotFoundException") return null;
    throw error;
  }
}

/**
 * The harness's statements as AddPermission calls (written here, not with the remediation's own
 * converter, so a fault in that converter cannot hide in the seed).
 */
async function setPermissions(lambda: LambdaClient, arn: string, policy: object): Promise<void> {
  const current = await policyOf(lambda, arn);
  for (const { Sid } of current ? (JSON.parse(current).Statement as { Sid: string }[]) : []) {
    await lambda.send(new RemovePermissionCommand({ FunctionName: arn, StatementId: Sid }));
  }
  const statements = (policy as { Statement: Record<string, unknown>[] }).Statement;
  for (const statement of statements) {
    const principal = statement.Principal as string | { AWS: string };
    const account = typeof principal === "string" ? principal : principal.AWS.split(":")[4];
    const orgId = (statement.Condition as { StringEquals?: Record<string, string> } | undefined)
      ?.StringEquals?.["aws:PrincipalOrgID"];
    await lambda.send(
      new AddPermissionCommand({
        FunctionName: arn,
        StatementId: statement.Sid as string,
        Action: statement.Action as string,
        Principal: account ?? "*",
        ...(orgId ? { PrincipalOrgID: orgId } : {}),
      }),
    );
  }
}

function sids(policy: string | null): string[] {
  return policy ? (JSON.parse(policy).Statement as { Sid: string }[]).map((s) => s.Sid) : [];
}

/** A function URL anyone can call: AuthType NONE plus the grant Lambda's console adds with it. */
async function publicUrl(lambda: LambdaClient, arn: string): Promise<void> {
  await lambda.send(new CreateFunctionUrlConfigCommand({ FunctionName: arn, AuthType: "NONE" }));
  await lambda.send(
    new AddPermissionCommand({
      FunctionName: arn,
      StatementId: "FunctionURLAllowPublicAccess",
      Action: "lambda:InvokeFunctionUrl",
      Principal: "*",
      FunctionUrlAuthType: "NONE",
    }),
  );
}

async function urlAuth(lambda: LambdaClient, arn: string): Promise<string | undefined> {
  return (await lambda.send(new GetFunctionUrlConfigCommand({ FunctionName: arn }))).AuthType;
}

function functionUrlTests({
  seed,
  context,
  findingFor,
  recorder,
  mutating,
}: SuiteTools<LambdaClient>) {
  it("alerts on a public function URL by default and leaves it (and its grant) alone", async () => {
    const arn = await createFunction(seed, "webhook");
    await publicUrl(seed, arn);
    const plan = await lambdaFunctionPolicy.plan(context(), findingFor(arn));
    expect(plan.changes).toEqual([]);
    expect(plan.alertOnly).toMatch(/function URL of webhook lets anyone call it.*aws-iam/);
    expect(plan.reason).toContain("FunctionURLAllowPublicAccess");
    expect(mutating).toEqual([]);
  });

  it("removes other public permissions but keeps the URL's grant by default, with a note", async () => {
    const arn = await createFunction(seed, "mixed");
    await publicUrl(seed, arn);
    await seed.send(
      new AddPermissionCommand({
        FunctionName: arn,
        StatementId: "Public",
        Action: "lambda:InvokeFunction",
        Principal: "*",
      }),
    );
    const { plan, verified } = await planApplyVerify(
      lambdaFunctionPolicy,
      context(),
      findingFor(arn),
      recorder,
    );
    expect(plan.changes.map((change) => change.action)).toEqual(["lambda:RemovePermission"]);
    expect(plan.notes?.join(" ")).toMatch(/function URL of mixed lets anyone call it/);
    expect(verified.ok, verified.detail).toBe(true);
    expect(sids(await policyOf(seed, arn))).toEqual(["FunctionURLAllowPublicAccess"]);
    expect(await urlAuth(seed, arn)).toBe("NONE");
  });

  it('with lambdaFunctionUrlAuth "aws-iam" requires IAM auth on the URL, removes its grant, and undoes both', async () => {
    const arn = await createFunction(seed, "locked");
    await publicUrl(seed, arn);
    const before = await policyOf(seed, arn);
    const ctx = context({ lambdaFunctionUrlAuth: "aws-iam" });
    const { plan, verified } = await planApplyVerify(
      lambdaFunctionPolicy,
      ctx,
      findingFor(arn),
      recorder,
    );
    expectJsonSerialisable(plan);
    expect(plan.changes.map((change) => change.action)).toEqual([
      "lambda:RemovePermission",
      "lambda:UpdateFunctionUrlConfig",
    ]);
    expect(verified.ok, verified.detail).toBe(true);
    expect(await urlAuth(seed, arn)).toBe("AWS_IAM");
    expect(await policyOf(seed, arn)).toBeNull();

    // Applying again changes nothing (idempotent).
    for (const change of plan.changes) await lambdaFunctionPolicy.apply(ctx, plan, change);

    const undone = await recorder.during("undo", () =>
      lambdaFunctionPolicy.undo(ctx, plan, plan.changes),
    );
    expect(undone.ok, undone.detail).toBe(true);
    expect(await urlAuth(seed, arn)).toBe("NONE");
    expect(sameLambdaPolicy(await policyOf(seed, arn), before)).toBe(true);
  });

  it("undo leaves a URL someone else changed since", async () => {
    const arn = await createFunction(seed, "edited");
    await publicUrl(seed, arn);
    const ctx = context({ lambdaFunctionUrlAuth: "aws-iam" });
    const plan = await lambdaFunctionPolicy.plan(ctx, findingFor(arn));
    for (const change of plan.changes) await lambdaFunctionPolicy.apply(ctx, plan, change);
    // Someone deletes the URL and its grant is gone: nothing of Vigil's to restore on the URL.
    await seed.send(new DeleteFunctionUrlConfigCommand({ FunctionName: arn }));
    const undone = await lambdaFunctionPolicy.undo(ctx, plan, plan.changes);
    expect(undone.ok).toBe(false);
    expect(undone.detail).toContain("not restored");
  });
}

describe.skipIf(!endpoint)("lambda-function-policy", () => {
  resourcePolicySuite(
    endpoint as string,
    {
      remediation: lambdaFunctionPolicy,
      resourceType: "AWS::Lambda::Function",
      Client: LambdaClient,
      prefix: "lambda",
      create: (lambda, name) => createFunction(lambda, name),
      policyOf,
      setPolicy: setPermissions,
      foreignArn: (arn) => arn.replace(`:${TEST_ACCOUNT}:`, `:${PARTNER}:`),
      whenEmptied: "deleted",
      samePolicy: sameLambdaPolicy,
      more: functionUrlTests,
    },
    "lambda:InvokeFunction",
  );
});
