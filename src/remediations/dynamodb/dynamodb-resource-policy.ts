import {
  DeleteResourcePolicyCommand,
  DynamoDBClient,
  GetResourcePolicyCommand,
  ListTagsOfResourceCommand,
  PutResourcePolicyCommand,
} from "@aws-sdk/client-dynamodb";
import {
  checkedResource,
  defineResourcePolicyRemediation,
} from "../resource-policy/define-resource-policy-remediation.ts";

/**
 * Removes public (and, with stripExternalAccounts, external-account) statements from a DynamoDB
 * table's or stream's resource policy; deletes the policy when none remains (without a resource
 * policy only the account's own IAM policies grant access). DynamoDB already refuses policies
 * that grant public access, so in practice this strips grants to outside accounts.
 */
export const DYNAMODB_RESOURCE_POLICY = "dynamodb-resource-policy";

export const dynamodbResourcePolicy = defineResourcePolicyRemediation({
  name: DYNAMODB_RESOURCE_POLICY,
  description:
    "Removes statements granting anyone (or, with stripExternalAccounts, outside accounts) from a DynamoDB table or stream resource policy; deletes the policy when nothing remains.",
  kind: "dynamodb-resource-policy",
  resourceTypes: ["AWS::DynamoDB::Table", "AWS::DynamoDB::Stream"],
  noun: "resource policy",
  actions: {
    read: ["dynamodb:GetResourcePolicy"],
    readTags: ["dynamodb:ListTagsOfResource"],
    write: ["dynamodb:PutResourcePolicy"],
    remove: ["dynamodb:DeleteResourcePolicy"],
  },
  store: {
    Client: DynamoDBClient,
    locate(finding) {
      const { arn, name } = checkedResource(finding);
      return { id: arn, name };
    },
    async readTags(dynamodb, resource) {
      // A stream has no tags of its own: its table's count.
      const tableArn = resource.id.replace(/\/stream\/[^/]+$/, "");
      const { Tags } = await dynamodb.send(
        new ListTagsOfResourceCommand({ ResourceArn: tableArn }),
      );
      return Object.fromEntries((Tags ?? []).map((tag) => [tag.Key ?? "", tag.Value ?? ""]));
    },
    readRevision: readWithRevision,
    async read(dynamodb, resource) {
      return (await readWithRevision(dynamodb, resource)).policy;
    },
    async write(dynamodb, resource, policy, current, revision) {
      // Only over the policy just read: its revision, or none at all (NO_POLICY).
      const expected = revision ?? (current === null ? "NO_POLICY" : undefined);
      await conditional(resource, () =>
        dynamodb.send(
          new PutResourcePolicyCommand({
            ResourceArn: resource.id,
            Policy: policy,
            ...(expected ? { ExpectedRevisionId: expected } : {}),
          }),
        ),
      );
    },
    async remove(dynamodb, resource, _current, revision) {
      await conditional(resource, () =>
        dynamodb.send(
          new DeleteResourcePolicyCommand({
            ResourceArn: resource.id,
            ...(revision ? { ExpectedRevisionId: revision } : {}),
          }),
        ),
      );
    },
  },
});

/**
 * A write made conditional on the revision read: DynamoDB answers PolicyNotFoundException when the
 * policy changed (or appeared) since, which means someone else's policy is there now.
 */
async function conditional(resource: { name: string }, write: () => Promise<unknown>) {
  try {
    await write();
  } catch (error) {
    if ((error as { name?: string }).name === "PolicyNotFoundException") {
      throw new Error(
        `the resource policy of ${resource.name} changed since Vigil read it; not overwritten, plan again`,
      );
    }
    throw error;
  }
}

/** The policy and its RevisionId (what a conditional write names). */
async function readWithRevision(
  dynamodb: DynamoDBClient,
  resource: { id: string },
): Promise<{ policy: string | null; revision?: string | undefined }> {
  try {
    const { Policy, RevisionId } = await dynamodb.send(
      new GetResourcePolicyCommand({ ResourceArn: resource.id }),
    );
    return { policy: Policy || null, revision: RevisionId };
  } catch (error) {
    if ((error as { name?: string }).name === "PolicyNotFoundException") return { policy: null };
    throw error;
  }
}
