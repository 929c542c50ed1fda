import {
  AddPermissionCommand,
  GetFunctionUrlConfigCommand,
  GetPolicyCommand,
  LambdaClient,
  ListTagsCommand,
  RemovePermissionCommand,
  UpdateFunctionUrlConfigCommand,
} from "@aws-sdk/client-lambda";
import { z } from "zod";
import { InputError, VigilError } from "../../domain/errors.ts";
import { canonicalJson } from "../../domain/iam-policy.ts";
import type { PlannedChange, VerifyResult } from "../../domain/remediation-plan.ts";
import { defineRemediation } from "../define.ts";
import {
  checkedResource,
  defineResourcePolicyRemediation,
  type PolicyResource,
  type PolicyStore,
} from "../resource-policy/define-resource-policy-remediation.ts";
import {
  isPublicUrlGrant,
  permissionInput,
  sameLambdaPolicy,
  statementsBySid,
} from "./lambda-permissions.ts";
import { lambdaFunctionPolicySettings, lambdaFunctionUrlAuth } from "./settings.ts";

/**
 * Removes public (and, with stripExternalAccounts, external-account) permissions from a Lambda
 * function's resource policy, one RemovePermission per statement; undo re-adds each with
 * AddPermission from the journaled statement, while the policy is still what Vigil left. A
 * function URL anyone can call (AuthType NONE with its public grant) is alerted on by default;
 * with lambdaFunctionUrlAuth "aws-iam" its AuthType becomes AWS_IAM (undo restores NONE).
 */
export const LAMBDA_FUNCTION_POLICY = "lambda-function-policy";

function isNotFound(error: unknown): boolean {
  return (error as { name?: string }).name === "ResourceNotFoundException";
}

/** Makes the function's permissions those of `target` (null: none), one call per statement. */
async function writePermissions(
  lambda: LambdaClient,
  fn: PolicyResource,
  target: string | null,
  current: string | null,
): Promise<void> {
  const want = statementsBySid(target);
  const have = statementsBySid(current);
  const same = (a: unknown, b: unknown) => canonicalJson(a) === canonicalJson(b);
  // Removals first: a statement whose Sid is kept but whose content differs is removed, re-added.
  for (const [sid, statement] of have) {
    if (want.has(sid) && same(want.get(sid), statement)) continue;
    await lambda.send(new RemovePermissionCommand({ FunctionName: fn.id, StatementId: sid }));
  }
  for (const [sid, statement] of want) {
    if (have.has(sid) && same(have.get(sid), statement)) continue;
    const input = permissionInput(statement);
    if ("problem" in input) throw new VigilError(`cannot re-add ${sid}: ${input.problem}`);
    await lambda.send(new AddPermissionCommand({ FunctionName: fn.id, ...input }));
  }
}

const lambdaPermissions: PolicyStore<LambdaClient> = {
  Client: LambdaClient,
  locate(finding) {
    // The unqualified function ARN (checked strictly): never a same-named function elsewhere.
    const { arn, name } = checkedResource(finding);
    return { id: arn, name };
  },
  async readTags(lambda, fn) {
    const { Tags } = await lambda.send(new ListTagsCommand({ Resource: fn.id }));
    return { ...Tags };
  },
  async read(lambda, fn) {
    try {
      const { Policy } = await lambda.send(new GetPolicyCommand({ FunctionName: fn.id }));
      return Policy || null;
    } catch (error) {
      // Lambda answers a function without permissions (or without a policy at all) so.
      if (isNotFound(error)) return null;
      throw error;
    }
  },
  write: writePermissions,
  remove: (lambda, fn, current) => writePermissions(lambda, fn, null, current),
  refuse(_after, _owner, _finding, removed) {
    const problems = removed
      .map((statement) => permissionInput(statement))
      .flatMap((input) => ("problem" in input ? [input.problem] : []));
    if (problems.length === 0) return undefined;
    return `undo could not add back what would be removed (${problems.join("; ")}); a person must fix it`;
  },
  hold(statement, settings) {
    if (!isPublicUrlGrant(statement)) return undefined;
    const mode = lambdaFunctionUrlAuth.safeParse(settings.lambdaFunctionUrlAuth);
    if (mode.success && mode.data === "aws-iam") return undefined;
    return 'the function URL\'s public grant, left as is (lambdaFunctionUrlAuth is "alert")';
  },
  same: sameLambdaPolicy,
};

/** The permissions part alone, on the shared resource-policy factory (not registered). */
const permissions = defineResourcePolicyRemediation({
  name: LAMBDA_FUNCTION_POLICY,
  description: "Lambda function permissions",
  kind: "lambda-function-policy",
  resourceTypes: ["AWS::Lambda::Function"],
  noun: "function policy",
  actions: {
    read: ["lambda:GetPolicy"],
    readTags: ["lambda:ListTags"],
    write: ["lambda:RemovePermission"],
    remove: ["lambda:RemovePermission"],
    restore: ["lambda:AddPermission"],
  },
  store: lambdaPermissions,
});

const READ_URL = "lambda:GetFunctionUrlConfig";
const UPDATE_URL = "lambda:UpdateFunctionUrlConfig";

/** What plan saved: the permissions part's, plus the function URL's AuthType (null: no URL). */
const lambdaBefore = permissions.before.extend({
  url: z.object({ authType: z.string().min(1) }).nullable(),
});

const urlChangeParams = z.object({
  function: z.string().min(1),
  authType: z.literal("AWS_IAM"),
});

async function urlAuthType(lambda: LambdaClient, functionArn: string): Promise<string | null> {
  try {
    const { AuthType } = await lambda.send(
      new GetFunctionUrlConfigCommand({ FunctionName: functionArn }),
    );
    return AuthType ?? null;
  } catch (error) {
    if (isNotFound(error)) return null; // the function has no URL
    throw error;
  }
}

function hasPublicUrlGrant(policy: string | null): boolean {
  return [...statementsBySid(policy).values()].some(isPublicUrlGrant);
}

const isUrlChange = (change: PlannedChange) => change.action === UPDATE_URL;

export const lambdaFunctionPolicy = defineRemediation({
  name: LAMBDA_FUNCTION_POLICY,
  description:
    'Removes permissions granting anyone (or, with stripExternalAccounts, outside accounts) from a Lambda function policy; a public function URL (AuthType NONE) is alerted on, or set to AWS_IAM with lambdaFunctionUrlAuth "aws-iam".',
  settings: lambdaFunctionPolicySettings,
  before: lambdaBefore,
  handles: (finding) => permissions.handles(finding),
  permissions: {
    plan: [...permissions.permissions.plan, READ_URL],
    apply: [...permissions.permissions.apply, READ_URL, UPDATE_URL],
    verify: [...permissions.permissions.verify, READ_URL],
    undo: [...permissions.permissions.undo, READ_URL, UPDATE_URL],
  },

  async plan(ctx, finding) {
    const policyPlan = await permissions.plan(ctx, finding);
    const policyBefore = permissions.parseBefore(policyPlan) as z.output<typeof permissions.before>;
    const { resource } = policyBefore;
    const authType = await urlAuthType(clientOf(ctx), resource.id);
    const plan = {
      ...policyPlan,
      before: { ...policyBefore, url: authType ? { authType } : null },
    };
    // AuthType NONE makes the URL public only together with its public grant in the policy.
    if (authType !== "NONE" || !hasPublicUrlGrant(policyBefore.policy)) return plan;
    if (ctx.settings.lambdaFunctionUrlAuth === "aws-iam") {
      const change: PlannedChange = {
        action: UPDATE_URL,
        description: `require IAM authentication on the function URL of ${resource.name} (AuthType NONE → AWS_IAM)`,
        params: { function: resource.id, authType: "AWS_IAM" },
      };
      return {
        ...plan,
        summary: `${plan.changes.length > 0 ? `${plan.summary}; ` : ""}require IAM auth on the function URL of ${resource.name}`,
        changes: [...plan.changes, change],
      };
    }
    const publicUrl = `the function URL of ${resource.name} lets anyone call it (AuthType NONE): left as is; set lambdaFunctionUrlAuth to "aws-iam" to require IAM authentication`;
    return plan.changes.length > 0
      ? { ...plan, notes: [...(plan.notes ?? []), publicUrl] }
      : { ...plan, alertOnly: publicUrl };
  },

  async apply(ctx, plan, change) {
    if (!isUrlChange(change)) return permissions.apply(ctx, plan, change);
    const params = urlChangeParams.parse(change.params);
    const { resource, url } = plan.before;
    if (params.function !== resource.id) {
      throw new InputError(`the change names ${params.function}, the plan ${resource.id}`);
    }
    const lambda = clientOf(ctx);
    const current = await urlAuthType(lambda, resource.id);
    if (current === params.authType) return; // already applied
    if (current !== url?.authType) {
      throw new Error(`the function URL of ${resource.name} changed since planning; plan again`);
    }
    await lambda.send(
      new UpdateFunctionUrlConfigCommand({ FunctionName: resource.id, AuthType: params.authType }),
    );
  },

  async verify(ctx, plan): Promise<VerifyResult> {
    const policy = await permissions.verify(ctx, plan);
    if (!plan.changes.some(isUrlChange)) return policy;
    const authType = await urlAuthType(clientOf(ctx), plan.before.resource.id);
    const ok = authType === "AWS_IAM";
    return {
      ok: policy.ok && ok,
      after: { ...policy.after, urlAuthType: authType },
      detail: `${policy.detail}; function URL AuthType ${authType ?? "(no URL)"}${ok ? "" : ", not AWS_IAM"}`,
    };
  },

  async undo(ctx, plan, applied): Promise<VerifyResult> {
    const results: VerifyResult[] = [];
    // Reverse order: the URL (planned last) first.
    if (applied.some(isUrlChange)) {
      const { resource, url } = plan.before;
      if (!url) throw new InputError(`no previous function URL recorded for ${resource.name}`);
      const lambda = clientOf(ctx);
      let current = await urlAuthType(lambda, resource.id);
      // The change is planned only from NONE. AWS_IAM is what Vigil set: NONE goes back; any
      // other state (URL deleted, recreated) is someone else's change and is left alone.
      if (current === "AWS_IAM" && url.authType === "NONE") {
        await lambda.send(
          new UpdateFunctionUrlConfigCommand({ FunctionName: resource.id, AuthType: "NONE" }),
        );
        current = await urlAuthType(lambda, resource.id);
      }
      const ok = current === url.authType;
      results.push({
        ok,
        after: { urlAuthType: current },
        detail: ok
          ? `function URL of ${resource.name}: AuthType ${url.authType} restored`
          : `function URL of ${resource.name} is ${current ?? "gone"}, not what Vigil left: not restored`,
      });
    }
    const policyChanges = applied.filter((change) => !isUrlChange(change));
    if (policyChanges.length > 0 || results.length === 0) {
      results.push(await permissions.undo(ctx, plan, policyChanges));
    }
    return {
      ok: results.every((result) => result.ok),
      after: Object.assign({}, ...results.map((result) => result.after)),
      detail: results.map((result) => result.detail).join("; "),
    };
  },
});

function clientOf(ctx: { client?: <C>(Class: new (config: { region: string }) => C) => C }) {
  if (!ctx.client)
    throw new VigilError(`${LAMBDA_FUNCTION_POLICY}: the runner gave no AWS client factory`);
  return ctx.client(LambdaClient);
}
