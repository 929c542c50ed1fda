import type { AddPermissionCommandInput } from "@aws-sdk/client-lambda";
import { canonicalJson } from "../../domain/iam-policy.ts";
import { asList, isRecord, parsePolicy } from "../../domain/resource-policy/index.ts";

/**
 * A Lambda function policy is edited one permission at a time (AddPermission / RemovePermission by
 * statement id), never written whole: these helpers turn a statement Lambda returned into the
 * AddPermission request that re-creates it, and compare policies the way Lambda keeps them.
 */

export type PermissionInput = Omit<AddPermissionCommandInput, "FunctionName" | "RevisionId">;

/** The one condition value under `operator` / `key` (keys compared case-insensitively). */
function conditionValue(
  condition: Record<string, unknown>,
  operators: readonly string[],
  key: string,
): string | undefined {
  for (const operator of operators) {
    const entries = condition[operator];
    if (!isRecord(entries)) continue;
    for (const [name, value] of Object.entries(entries)) {
      if (name.toLowerCase() !== key.toLowerCase()) continue;
      const values = typeof value === "boolean" ? [String(value)] : asList(value);
      if (values.length === 1) return values[0];
    }
  }
  return undefined;
}

/** How many (operator, key) pairs a Condition holds. */
function conditionEntries(condition: Record<string, unknown>): number {
  return Object.values(condition).reduce<number>(
    (count, entries) => count + (isRecord(entries) ? Object.keys(entries).length : 1),
    0,
  );
}

const ROOT = /^arn:[a-z-]+:iam::(\d{12}):root$/;

/** The AddPermission Principal for a statement's Principal, or undefined when there is none. */
function principalParameter(principal: unknown): string | undefined {
  if (principal === "*") return "*";
  if (typeof principal === "string") return principal; // an account id, as emulators echo it
  if (!isRecord(principal) || Object.keys(principal).length !== 1) return undefined;
  const [type, value] = Object.entries(principal)[0] as [string, unknown];
  const values = asList(value);
  if (values.length !== 1) return undefined;
  const entry = values[0] as string;
  if (type === "Service") return entry;
  if (type !== "AWS") return undefined;
  // Lambda stores an account principal as its root ARN; AddPermission takes the account id.
  return ROOT.exec(entry)?.[1] ?? entry;
}

/**
 * The AddPermission request that re-creates `statement`, or why none can (a statement written by
 * other means than AddPermission: several actions or principals, a Deny, another condition…).
 * Vigil removes only what it can put back.
 */
export function permissionInput(statement: unknown): PermissionInput | { problem: string } {
  if (!isRecord(statement)) return { problem: "it is not an object" };
  const sid = statement.Sid;
  if (typeof sid !== "string" || sid === "") return { problem: "it has no Sid" };
  if (statement.Effect !== "Allow") return { problem: `${sid} is not an Allow` };
  const actions = asList(statement.Action);
  if (actions.length !== 1) return { problem: `${sid} does not name exactly one action` };
  const principal = principalParameter(statement.Principal);
  if (principal === undefined) return { problem: `${sid} does not name exactly one principal` };
  const condition = isRecord(statement.Condition) ? statement.Condition : {};
  const input: PermissionInput = {
    StatementId: sid,
    Action: actions[0] as string,
    Principal: principal,
  };
  const sourceArn = conditionValue(condition, ["ArnLike", "ArnEquals"], "AWS:SourceArn");
  const sourceAccount = conditionValue(condition, ["StringEquals"], "AWS:SourceAccount");
  const orgId = conditionValue(condition, ["StringEquals"], "aws:PrincipalOrgID");
  const token = conditionValue(condition, ["StringEquals"], "lambda:EventSourceToken");
  const urlAuth = conditionValue(condition, ["StringEquals"], "lambda:FunctionUrlAuthType");
  const viaUrl = conditionValue(condition, ["Bool"], "lambda:InvokedViaFunctionUrl");
  if (sourceArn !== undefined) input.SourceArn = sourceArn;
  if (sourceAccount !== undefined) input.SourceAccount = sourceAccount;
  if (orgId !== undefined) input.PrincipalOrgID = orgId;
  if (token !== undefined) input.EventSourceToken = token;
  if (urlAuth === "NONE" || urlAuth === "AWS_IAM") input.FunctionUrlAuthType = urlAuth;
  if (viaUrl === "true") input.InvokedViaFunctionUrl = true;
  // Some emulators keep the URL auth type beside the statement instead of in its Condition.
  const beside = statement.FunctionUrlAuthType;
  if (beside === "NONE" || beside === "AWS_IAM") input.FunctionUrlAuthType = beside;
  const understood = [sourceArn, sourceAccount, orgId, token, urlAuth, viaUrl].filter(
    (value) => value !== undefined,
  ).length;
  if (understood !== conditionEntries(condition)) {
    return { problem: `${sid} has a condition AddPermission cannot express` };
  }
  return input;
}

/** Whether the statement is a function URL's public grant (AuthType NONE): the URL setting's call. */
export function isPublicUrlGrant(statement: unknown): boolean {
  const input = permissionInput(statement);
  if ("problem" in input || input.Principal !== "*") return false;
  return (
    (input.Action === "lambda:InvokeFunctionUrl" && input.FunctionUrlAuthType === "NONE") ||
    (input.Action === "lambda:InvokeFunction" && input.InvokedViaFunctionUrl === true)
  );
}

/** The statements of a Lambda policy by Sid (null: no policy). */
export function statementsBySid(policy: string | null): Map<string, unknown> {
  const bySid = new Map<string, unknown>();
  if (policy === null) return bySid;
  for (const statement of parsePolicy(policy).statements) {
    if (isRecord(statement) && typeof statement.Sid === "string")
      bySid.set(statement.Sid, statement);
  }
  return bySid;
}

/**
 * Whether two Lambda policies hold the same statements. Order does not count: Lambda appends a
 * re-added permission at the end, and the document around them (Version, Id) is Lambda's own.
 */
export function sameLambdaPolicy(a: string | null, b: string | null): boolean {
  if (a === null || b === null) return a === b;
  try {
    const sorted = (policy: string) =>
      parsePolicy(policy)
        .statements.map((statement) => canonicalJson(statement))
        .sort();
    return canonicalJson(sorted(a)) === canonicalJson(sorted(b));
  } catch {
    return a === b;
  }
}
