import {
  GetKeyPolicyCommand,
  KMSClient,
  ListResourceTagsCommand,
  PutKeyPolicyCommand,
} from "@aws-sdk/client-kms";
import { partitionOf } from "../../domain/policy-resources.ts";
import {
  asList,
  isRecord,
  type PolicyOwner,
  parsePolicy,
} from "../../domain/resource-policy/index.ts";
import {
  checkedResource,
  defineResourcePolicyRemediation,
} from "../resource-policy/define-resource-policy-remediation.ts";

/**
 * Removes public (and, with stripExternalAccounts, external-account) statements from a KMS key
 * policy. A key policy cannot be deleted, and a key whose policy does not let the account root
 * use it can only be recovered by AWS Support: Vigil refuses any plan whose policy would not keep
 * an unconditional Allow of kms:* to the account root (the statement of AWS's default key policy).
 */
export const KMS_KEY_POLICY = "kms-key-policy";

/** Whether the policy grants the owner's account root kms:* on the key, with no condition. */
export function grantsRootFullAccess(policy: string, owner: PolicyOwner, region: string): boolean {
  const root = `arn:${partitionOf(region)}:iam::${owner.account}:root`;
  return parsePolicy(policy).statements.some((statement) => {
    if (!isRecord(statement) || statement.Effect !== "Allow") return false;
    if (statement.Condition !== undefined || statement.NotAction !== undefined) return false;
    const principal = statement.Principal;
    const principals = isRecord(principal) ? asList(principal.AWS) : [];
    const actions = asList(statement.Action).map((action) => action.toLowerCase());
    return (
      principals.some((entry) => entry === root || entry === owner.account) &&
      actions.some((action) => action === "kms:*" || action === "*") &&
      asList(statement.Resource).includes("*")
    );
  });
}

export const kmsKeyPolicy = defineResourcePolicyRemediation({
  name: KMS_KEY_POLICY,
  description:
    "Removes statements granting anyone (or, with stripExternalAccounts, outside accounts) from a KMS key policy; refuses any change that would not keep the account root's kms:* (no lockout).",
  kind: "kms-key-policy",
  resourceTypes: ["AWS::KMS::Key"],
  noun: "key policy",
  actions: {
    read: ["kms:GetKeyPolicy"],
    readTags: ["kms:ListResourceTags"],
    write: ["kms:PutKeyPolicy"],
  },
  store: {
    Client: KMSClient,
    locate(finding) {
      const { arn, name } = checkedResource(finding);
      return { id: arn, name };
    },
    async readTags(kms, key) {
      const { Tags } = await kms.send(new ListResourceTagsCommand({ KeyId: key.id }));
      return Object.fromEntries((Tags ?? []).map((tag) => [tag.TagKey ?? "", tag.TagValue ?? ""]));
    },
    async read(kms, key) {
      const { Policy } = await kms.send(
        new GetKeyPolicyCommand({ KeyId: key.id, PolicyName: "default" }),
      );
      return Policy || null;
    },
    async write(kms, key, policy) {
      // BypassPolicyLockoutSafetyCheck stays off: KMS itself also refuses a policy that locks out.
      await kms.send(
        new PutKeyPolicyCommand({ KeyId: key.id, PolicyName: "default", Policy: policy }),
      );
    },
    refuse(after, owner, finding) {
      if (after !== null && grantsRootFullAccess(after, owner, finding.region)) return undefined;
      return `the key policy would not grant the account root (${owner.account}) kms:* without conditions, which could lock the account out of the key; a person must fix it`;
    },
  },
});
