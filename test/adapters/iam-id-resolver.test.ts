import {
  IAMClient,
  ListGroupsCommand,
  ListPoliciesCommand,
  ListRolesCommand,
  ListUsersCommand,
} from "@aws-sdk/client-iam";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { IamIdResolver } from "../../src/adapters/iam-id-resolver.ts";

const iamMock = mockClient(IAMClient);
const user = (n: number) => ({
  UserId: `AIDAUSER${n}`,
  UserName: `user-${n}`,
  Arn: `arn:aws:iam::123456789012:user/user-${n}`,
  Path: "/",
  CreateDate: new Date(),
});

describe("IamIdResolver", () => {
  beforeEach(() => iamMock.reset());

  it("stops paginating at the page holding the id and caches every page read", async () => {
    iamMock
      .on(ListUsersCommand, { Marker: undefined })
      .resolves({ Users: [user(1), user(2)], IsTruncated: true, Marker: "p2" })
      .on(ListUsersCommand, { Marker: "p2" })
      .resolves({ Users: [user(3)], IsTruncated: true, Marker: "p3" })
      .on(ListUsersCommand, { Marker: "p3" })
      .resolves({ Users: [user(4)], IsTruncated: false });
    const resolver = new IamIdResolver(new IAMClient({}));

    expect(await resolver.resolve("AWS::IAM::User", "AIDAUSER3")).toEqual({
      name: "user-3",
      arn: "arn:aws:iam::123456789012:user/user-3",
    });
    expect(iamMock).toHaveReceivedCommandTimes(ListUsersCommand, 2);
    expect(iamMock.commandCalls(ListUsersCommand).map((c) => c.args[0].input)).toEqual([
      { MaxItems: 1000 },
      { MaxItems: 1000, Marker: "p2" },
    ]);

    // Already read: no call. Not read yet: continues from the saved marker.
    expect(await resolver.resolve("AWS::IAM::User", "AIDAUSER1")).toMatchObject({ name: "user-1" });
    expect(await resolver.resolve("AWS::IAM::User", "AIDAUSER4")).toMatchObject({ name: "user-4" });
    expect(iamMock).toHaveReceivedCommandTimes(ListUsersCommand, 3);

    // Unknown id after the last page: undefined without listing again.
    expect(await resolver.resolve("AWS::IAM::User", "AIDANOBODY")).toBeUndefined();
    expect(iamMock).toHaveReceivedCommandTimes(ListUsersCommand, 3);
    expect(resolver.calls).toBe(3);
  });

  it("lists the right API per type (customer managed policies only)", async () => {
    iamMock.on(ListRolesCommand).resolves({
      Roles: [
        {
          RoleId: "AROAX",
          RoleName: "r",
          Arn: "arn:aws:iam::1:role/r",
          Path: "/",
          CreateDate: new Date(),
        },
      ],
    });
    iamMock.on(ListPoliciesCommand).resolves({
      Policies: [{ PolicyId: "ANPAX", PolicyName: "p", Arn: "arn:aws:iam::1:policy/p" }],
    });
    iamMock.on(ListGroupsCommand).resolves({
      Groups: [
        {
          GroupId: "AGPAX",
          GroupName: "g",
          Arn: "arn:aws:iam::1:group/g",
          Path: "/",
          CreateDate: new Date(),
        },
      ],
    });
    const resolver = new IamIdResolver(new IAMClient({}));
    expect(await resolver.resolve("AWS::IAM::Role", "AROAX")).toEqual({
      name: "r",
      arn: "arn:aws:iam::1:role/r",
    });
    expect(await resolver.resolve("AWS::IAM::Policy", "ANPAX")).toEqual({
      name: "p",
      arn: "arn:aws:iam::1:policy/p",
    });
    expect(await resolver.resolve("AWS::IAM::Group", "AGPAX")).toEqual({
      name: "g",
      arn: "arn:aws:iam::1:group/g",
    });
    expect(iamMock).toHaveReceivedCommandWith(ListPoliciesCommand, { Scope: "Local" });
    expect(iamMock).not.toHaveReceivedCommand(ListUsersCommand);
  });
});
