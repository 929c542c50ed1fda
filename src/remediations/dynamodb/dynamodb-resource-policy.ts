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
    async read(dynamodb, resource) {
      try {
        const { Policy } = await dynamodb.send(
          new GetResourcePolicyCommand({ ResourceArn: resource.id }),
        );
        return Policy || null;
      } catch (error) {
        if ((error as { name?: string }).name === "PolicyNotFoundException") return null;
        throw error;
      }
    },
    async write(dynamodb, resource, policy) {
      await dynamodb.send(
        new PutResourcePolicyCommand({ ResourceArn: resource.id, Policy: policy }),
      );
    },
    async remove(dynamodb, resource) {
      await dynamodb.send(new DeleteResourcePolicyCommand({ ResourceArn: resource.id }));
    },
  },
});
