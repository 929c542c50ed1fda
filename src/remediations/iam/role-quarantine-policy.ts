/**
 * The quarantine's deny-all policy: its one definition (stacks, sandbox, tests, benches), and the IAM
 * reads that tell whether a role carries it and whether the policy can be trusted.
 */
import {
  GetPolicyCommand,
  GetPolicyVersionCommand,
  GetRolePolicyCommand,
  type IAMClient,
  paginateListAttachedRolePolicies,
} from "@aws-sdk/client-iam";
import { decodePolicyDocument, sameDocument } from "../../domain/iam-policy.ts";
import { contentHash } from "../../domain/journal-integrity.ts";
import { DEFAULT_QUARANTINE_POLICY_NAME, QUARANTINE_POLICY_PATH } from "./settings.ts";

export const QUARANTINE_STATEMENT_ID = "VigilQuarantine";

export const QUARANTINE_POLICY_DOCUMENT = JSON.stringify({
  Version: "2012-10-17",
  Statement: [{ Sid: QUARANTINE_STATEMENT_ID, Effect: "Deny", Action: "*", Resource: "*" }],
});

/**
 * The stack's quarantine policy as IAM's CreatePolicy takes it: one definition for the stacks
 * (src/deploy), the sandbox, the tests and the benches.
 */
export function quarantinePolicyDefinition(name = DEFAULT_QUARANTINE_POLICY_NAME) {
  return {
    PolicyName: name,
    Path: QUARANTINE_POLICY_PATH,
    Description:
      "Vigil quarantine: denies everything to a role assumable from outside (attached by Vigil, detached by vigil undo)",
    PolicyDocument: QUARANTINE_POLICY_DOCUMENT,
  };
}

/** IAM's own rule for policy names. */
export const POLICY_NAME = /^[\w+=,.@-]{1,128}$/;

export function isNoSuchEntity(error: unknown): boolean {
  const name = (error as { name?: unknown } | null)?.name;
  return name === "NoSuchEntityException" || name === "NoSuchEntity";
}

/** The role's inline policy of that name as JSON text, or null when there is none. */
export async function readInlinePolicy(
  iam: IAMClient,
  roleName: string,
  policyName: string,
): Promise<string | null> {
  try {
    const output = await iam.send(
      new GetRolePolicyCommand({ RoleName: roleName, PolicyName: policyName }),
    );
    return decodePolicyDocument(output.PolicyDocument ?? "");
  } catch (error) {
    if (isNoSuchEntity(error)) return null;
    throw error;
  }
}

export function isVigilQuarantine(document: string | null): boolean {
  if (document === null) return false;
  try {
    return sameDocument(document, QUARANTINE_POLICY_DOCUMENT);
  } catch {
    return false;
  }
}

/**
 * Why the quarantine policy cannot be trusted, or undefined when its default version is exactly
 * Vigil's deny-all. Missing → the stack was not deployed in that account.
 */
export async function quarantinePolicyProblem(
  iam: IAMClient,
  arn: string,
): Promise<string | undefined> {
  let versionId: string | undefined;
  try {
    versionId = (await iam.send(new GetPolicyCommand({ PolicyArn: arn }))).Policy?.DefaultVersionId;
  } catch (error) {
    if (isNoSuchEntity(error)) {
      return `quarantine policy ${arn} does not exist: deploy Vigil's stack (deploy/member-account.yaml creates it) in that account`;
    }
    throw error;
  }
  const version = await iam.send(
    new GetPolicyVersionCommand({ PolicyArn: arn, VersionId: versionId }),
  );
  const document = decodePolicyDocument(version.PolicyVersion?.Document ?? "");
  return isVigilQuarantine(document)
    ? undefined
    : `quarantine policy ${arn} is not Vigil's deny-all (${contentHash(document)}): someone planted or changed it`;
}

export async function attachedPolicyArns(iam: IAMClient, roleName: string): Promise<string[]> {
  const arns: string[] = [];
  for await (const page of paginateListAttachedRolePolicies(
    { client: iam },
    { RoleName: roleName },
  )) {
    for (const policy of page.AttachedPolicies ?? []) {
      if (policy.PolicyArn) arns.push(policy.PolicyArn);
    }
  }
  return arns;
}
