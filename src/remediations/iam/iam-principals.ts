import {
  AttachGroupPolicyCommand,
  AttachRolePolicyCommand,
  AttachUserPolicyCommand,
  DeleteGroupPolicyCommand,
  DeleteRolePolicyCommand,
  DeleteUserPolicyCommand,
  DetachGroupPolicyCommand,
  DetachRolePolicyCommand,
  DetachUserPolicyCommand,
  GetGroupPolicyCommand,
  GetPolicyCommand,
  GetPolicyVersionCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  GetUserCommand,
  GetUserPolicyCommand,
  type IAMClient,
  PutGroupPolicyCommand,
  PutRolePolicyCommand,
  PutUserPolicyCommand,
  paginateListAttachedGroupPolicies,
  paginateListAttachedRolePolicies,
  paginateListAttachedUserPolicies,
  paginateListEntitiesForPolicy,
  paginateListGroupPolicies,
  paginateListRolePolicies,
  paginateListRoleTags,
  paginateListUserPolicies,
  paginateListUserTags,
  type Tag,
} from "@aws-sdk/client-iam";
import type { Finding } from "../../domain/finding.ts";
import { decodePolicyDocument } from "../../domain/iam-policy.ts";
import type { PlannedChange } from "../../domain/remediation-plan.ts";

/**
 * The IAM reads and writes of iam-risky-policy: one PrincipalApi per principal type (user, role,
 * group) so the remediation's logic is written once, plus the managed-policy reads.
 */

export type PrincipalType = "user" | "role" | "group";
export type NameKey = "UserName" | "RoleName" | "GroupName";

export interface AttachedPolicyRef {
  policyName: string;
  policyArn: string;
}

/** The IAM calls for one principal type, so the logic below is written once. */
export interface PrincipalApi {
  type: PrincipalType;
  nameKey: NameKey;
  detachAction: string;
  deleteInlineAction: string;
  listAttached(iam: IAMClient, name: string): Promise<AttachedPolicyRef[]>;
  listInline(iam: IAMClient, name: string): Promise<string[]>;
  /** The inline document as JSON text, or null when there is no such inline policy. */
  getInline(iam: IAMClient, name: string, policyName: string): Promise<string | null>;
  detach(iam: IAMClient, name: string, policyArn: string): Promise<unknown>;
  attach(iam: IAMClient, name: string, policyArn: string): Promise<unknown>;
  deleteInline(iam: IAMClient, name: string, policyName: string): Promise<unknown>;
  putInline(iam: IAMClient, name: string, policyName: string, document: string): Promise<unknown>;
  listTags(iam: IAMClient, name: string): Promise<Record<string, string>>;
}

export function isNoSuchEntity(error: unknown): boolean {
  const name = (error as { name?: unknown } | null)?.name;
  return name === "NoSuchEntityException" || name === "NoSuchEntity";
}

export async function nullIfMissing<T>(read: () => Promise<T>): Promise<T | null> {
  try {
    return await read();
  } catch (error) {
    if (isNoSuchEntity(error)) return null;
    throw error;
  }
}

export async function collect<P, T>(pages: AsyncIterable<P>, pick: (page: P) => T[] | undefined) {
  const items: T[] = [];
  for await (const page of pages) items.push(...(pick(page) ?? []));
  return items;
}

export function attachedRefs(
  policies: { PolicyName?: string | undefined; PolicyArn?: string | undefined }[],
): AttachedPolicyRef[] {
  return policies.map((policy) => ({
    policyName: policy.PolicyName ?? "",
    policyArn: policy.PolicyArn ?? "",
  }));
}

export function tagRecord(tags: Tag[]): Record<string, string> {
  return Object.fromEntries(tags.map((tag) => [tag.Key ?? "", tag.Value ?? ""]));
}

export const USER_API: PrincipalApi = {
  type: "user",
  nameKey: "UserName",
  detachAction: "iam:DetachUserPolicy",
  deleteInlineAction: "iam:DeleteUserPolicy",
  listAttached: async (iam, UserName) =>
    attachedRefs(
      await collect(
        paginateListAttachedUserPolicies({ client: iam }, { UserName }),
        (p) => p.AttachedPolicies,
      ),
    ),
  listInline: (iam, UserName) =>
    collect(paginateListUserPolicies({ client: iam }, { UserName }), (p) => p.PolicyNames),
  getInline: (iam, UserName, PolicyName) =>
    nullIfMissing(async () =>
      decodePolicyDocument(
        (await iam.send(new GetUserPolicyCommand({ UserName, PolicyName }))).PolicyDocument ?? "",
      ),
    ),
  detach: (iam, UserName, PolicyArn) =>
    iam.send(new DetachUserPolicyCommand({ UserName, PolicyArn })),
  attach: (iam, UserName, PolicyArn) =>
    iam.send(new AttachUserPolicyCommand({ UserName, PolicyArn })),
  deleteInline: (iam, UserName, PolicyName) =>
    iam.send(new DeleteUserPolicyCommand({ UserName, PolicyName })),
  putInline: (iam, UserName, PolicyName, PolicyDocument) =>
    iam.send(new PutUserPolicyCommand({ UserName, PolicyName, PolicyDocument })),
  listTags: async (iam, UserName) =>
    tagRecord(await collect(paginateListUserTags({ client: iam }, { UserName }), (p) => p.Tags)),
};

export const ROLE_API: PrincipalApi = {
  type: "role",
  nameKey: "RoleName",
  detachAction: "iam:DetachRolePolicy",
  deleteInlineAction: "iam:DeleteRolePolicy",
  listAttached: async (iam, RoleName) =>
    attachedRefs(
      await collect(
        paginateListAttachedRolePolicies({ client: iam }, { RoleName }),
        (p) => p.AttachedPolicies,
      ),
    ),
  listInline: (iam, RoleName) =>
    collect(paginateListRolePolicies({ client: iam }, { RoleName }), (p) => p.PolicyNames),
  getInline: (iam, RoleName, PolicyName) =>
    nullIfMissing(async () =>
      decodePolicyDocument(
        (await iam.send(new GetRolePolicyCommand({ RoleName, PolicyName }))).PolicyDocument ?? "",
      ),
    ),
  detach: (iam, RoleName, PolicyArn) =>
    iam.send(new DetachRolePolicyCommand({ RoleName, PolicyArn })),
  attach: (iam, RoleName, PolicyArn) =>
    iam.send(new AttachRolePolicyCommand({ RoleName, PolicyArn })),
  deleteInline: (iam, RoleName, PolicyName) =>
    iam.send(new DeleteRolePolicyCommand({ RoleName, PolicyName })),
  putInline: (iam, RoleName, PolicyName, PolicyDocument) =>
    iam.send(new PutRolePolicyCommand({ RoleName, PolicyName, PolicyDocument })),
  listTags: async (iam, RoleName) =>
    tagRecord(await collect(paginateListRoleTags({ client: iam }, { RoleName }), (p) => p.Tags)),
};

export const GROUP_API: PrincipalApi = {
  type: "group",
  nameKey: "GroupName",
  detachAction: "iam:DetachGroupPolicy",
  deleteInlineAction: "iam:DeleteGroupPolicy",
  listAttached: async (iam, GroupName) =>
    attachedRefs(
      await collect(
        paginateListAttachedGroupPolicies({ client: iam }, { GroupName }),
        (p) => p.AttachedPolicies,
      ),
    ),
  listInline: (iam, GroupName) =>
    collect(paginateListGroupPolicies({ client: iam }, { GroupName }), (p) => p.PolicyNames),
  getInline: (iam, GroupName, PolicyName) =>
    nullIfMissing(async () =>
      decodePolicyDocument(
        (await iam.send(new GetGroupPolicyCommand({ GroupName, PolicyName }))).PolicyDocument ?? "",
      ),
    ),
  detach: (iam, GroupName, PolicyArn) =>
    iam.send(new DetachGroupPolicyCommand({ GroupName, PolicyArn })),
  attach: (iam, GroupName, PolicyArn) =>
    iam.send(new AttachGroupPolicyCommand({ GroupName, PolicyArn })),
  deleteInline: (iam, GroupName, PolicyName) =>
    iam.send(new DeleteGroupPolicyCommand({ GroupName, PolicyName })),
  putInline: (iam, GroupName, PolicyName, PolicyDocument) =>
    iam.send(new PutGroupPolicyCommand({ GroupName, PolicyName, PolicyDocument })),
  // IAM groups cannot be tagged.
  listTags: async () => ({}),
};

export const API_BY_RESOURCE_TYPE: Partial<Record<Finding["resourceType"], PrincipalApi>> = {
  "AWS::IAM::User": USER_API,
  "AWS::IAM::Role": ROLE_API,
  "AWS::IAM::Group": GROUP_API,
};
export const APIS = [USER_API, ROLE_API, GROUP_API];

/** Which principal API and operation a planned change uses. */
export function operationOf(change: PlannedChange): {
  api: PrincipalApi;
  op: "detach" | "deleteInline";
} {
  for (const api of APIS) {
    if (change.action === api.detachAction) return { api, op: "detach" };
    if (change.action === api.deleteInlineAction) return { api, op: "deleteInline" };
  }
  throw new Error(`iam-risky-policy cannot handle action ${change.action}`);
}

export function stringParam(change: PlannedChange, key: string): string {
  const value = change.params[key];
  if (typeof value !== "string" || value === "") {
    throw new Error(`planned change ${change.action} lacks parameter ${key}`);
  }
  return value;
}

/** JSON text of a managed policy's default version, plus that version id. */
export async function managedPolicyDocument(
  iam: IAMClient,
  policyArn: string,
): Promise<{ name: string; versionId: string; document: string }> {
  const policy = (await iam.send(new GetPolicyCommand({ PolicyArn: policyArn }))).Policy;
  const versionId = policy?.DefaultVersionId;
  if (!versionId) throw new Error(`policy ${policyArn} has no default version`);
  const version = await iam.send(
    new GetPolicyVersionCommand({ PolicyArn: policyArn, VersionId: versionId }),
  );
  return {
    name: policy?.PolicyName ?? policyArn.split("/").pop() ?? policyArn,
    versionId,
    document: decodePolicyDocument(version.PolicyVersion?.Document ?? "{}"),
  };
}

/** The principal's ARN with its path (undefined when it vanished meanwhile). */
export async function principalArn(
  iam: IAMClient,
  type: "user" | "role",
  name: string,
): Promise<string | undefined> {
  const read = async () =>
    type === "user"
      ? (await iam.send(new GetUserCommand({ UserName: name })))?.User?.Arn
      : (await iam.send(new GetRoleCommand({ RoleName: name })))?.Role?.Arn;
  return (await nullIfMissing(read)) ?? undefined;
}

export async function listEntities(iam: IAMClient, policyArn: string) {
  const entities = { users: [] as string[], roles: [] as string[], groups: [] as string[] };
  for await (const page of paginateListEntitiesForPolicy(
    { client: iam },
    { PolicyArn: policyArn },
  )) {
    entities.users.push(...(page.PolicyUsers ?? []).map((user) => user.UserName ?? ""));
    entities.roles.push(...(page.PolicyRoles ?? []).map((role) => role.RoleName ?? ""));
    entities.groups.push(...(page.PolicyGroups ?? []).map((group) => group.GroupName ?? ""));
  }
  return entities;
}

export function entityList(
  entities: { users: string[]; roles: string[]; groups: string[] },
  type: PrincipalType,
): string[] {
  return type === "user" ? entities.users : type === "role" ? entities.roles : entities.groups;
}
