import {
  type IAMClient,
  ListGroupsCommand,
  ListPoliciesCommand,
  ListRolesCommand,
  ListUsersCommand,
} from "@aws-sdk/client-iam";
import type { IamIdLookup, IamResourceType, ResolvedIamEntity } from "../ports/iam-ids.ts";

/** IAM actions the resolver calls to turn unique ids (AIDA…, AROA…) into names. */
export const IAM_ID_RESOLVER_ACTIONS = [
  "iam:ListUsers",
  "iam:ListRoles",
  "iam:ListPolicies",
  "iam:ListGroups",
];

interface Page {
  entities: Array<ResolvedIamEntity & { id: string }>;
  marker?: string;
}

interface Index {
  byId: Map<string, ResolvedIamEntity>;
  /** Where the next List call starts; undefined before the first page and after the last. */
  marker?: string | undefined;
  done: boolean;
}

/**
 * Resolves the IAM unique ids AWS Config reports (AIDA… user, AROA… role, ANPA… policy, AGPA…
 * group) to name and ARN. IAM has no "get by id": it lists the entity type 1,000 per call, stops at
 * the page holding the id, and remembers every page read. Make one per invocation (or sweep run):
 * the cache is then fresh and each page is read at most once.
 */
export class IamIdResolver implements IamIdLookup {
  private readonly indexes = new Map<IamResourceType, Index>();
  /** IAM List calls made so far. */
  calls = 0;

  constructor(private readonly iam: IAMClient) {}

  async resolve(
    resourceType: IamResourceType,
    uniqueId: string,
  ): Promise<ResolvedIamEntity | undefined> {
    let index = this.indexes.get(resourceType);
    if (!index) {
      index = { byId: new Map(), done: false };
      this.indexes.set(resourceType, index);
    }
    while (!index.byId.has(uniqueId) && !index.done) {
      const page = await this.listPage(resourceType, index.marker);
      for (const { id, name, arn } of page.entities) index.byId.set(id, { name, arn });
      index.marker = page.marker;
      index.done = page.marker === undefined;
    }
    return index.byId.get(uniqueId);
  }

  private async listPage(type: IamResourceType, marker: string | undefined): Promise<Page> {
    this.calls++;
    const request = { MaxItems: 1000, ...(marker ? { Marker: marker } : {}) };
    const next = (r: { IsTruncated?: boolean | undefined; Marker?: string | undefined }) =>
      r.IsTruncated && r.Marker ? { marker: r.Marker } : {};
    switch (type) {
      case "AWS::IAM::User": {
        const r = await this.iam.send(new ListUsersCommand(request));
        return {
          entities: (r.Users ?? []).map((u) => ({
            id: u.UserId ?? "",
            name: u.UserName ?? "",
            arn: u.Arn ?? "",
          })),
          ...next(r),
        };
      }
      case "AWS::IAM::Role": {
        const r = await this.iam.send(new ListRolesCommand(request));
        return {
          entities: (r.Roles ?? []).map((x) => ({
            id: x.RoleId ?? "",
            name: x.RoleName ?? "",
            arn: x.Arn ?? "",
          })),
          ...next(r),
        };
      }
      case "AWS::IAM::Group": {
        const r = await this.iam.send(new ListGroupsCommand(request));
        return {
          entities: (r.Groups ?? []).map((g) => ({
            id: g.GroupId ?? "",
            name: g.GroupName ?? "",
            arn: g.Arn ?? "",
          })),
          ...next(r),
        };
      }
      case "AWS::IAM::Policy": {
        // Config's IAM policy rules evaluate customer managed policies only.
        const r = await this.iam.send(new ListPoliciesCommand({ ...request, Scope: "Local" }));
        return {
          entities: (r.Policies ?? []).map((p) => ({
            id: p.PolicyId ?? "",
            name: p.PolicyName ?? "",
            arn: p.Arn ?? "",
          })),
          ...next(r),
        };
      }
    }
  }
}
