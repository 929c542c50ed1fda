import {
  DescribeTableCommand,
  DynamoDBClient,
  ListTagsOfResourceCommand,
  UpdateTableCommand,
} from "@aws-sdk/client-dynamodb";
import { DescribeKeyCommand, KMSClient } from "@aws-sdk/client-kms";
import { InputError } from "../../domain/errors.ts";
import { serviceClient } from "../clients.ts";
import { defineEncryptionRemediation, type EncryptionState } from "../encryption-at-rest.ts";
import { configuredKey } from "../kms-key.ts";
import { dynamodbEncryptionSettings } from "./settings.ts";

/**
 * Encryption of a DynamoDB table with a KMS key (what DYNAMODB_TABLE_ENCRYPTED_KMS asks for):
 * UpdateTable SSESpecification KMS with the configured key (dynamodbKmsKeyArn), by default the AWS
 * managed key aws/dynamodb. Every table is encrypted at rest; "service" here is DynamoDB's AWS
 * owned key, which the rule counts as not KMS. A table already on a KMS key keeps it (never
 * downgraded; replaced only with replaceExistingKmsKey and a configured key).
 *
 * DescribeTable reports the key by ARN, never by alias: the managed key's alias is resolved with
 * kms:DescribeKey (which also creates aws/dynamodb in a region where it was never used), so that
 * the state Vigil writes is the state it reads back. Undo restores the previous setting (the AWS
 * owned key, or the table's own key) only while the table is still on the key Vigil set.
 */
export const DYNAMODB_ENCRYPTION = "dynamodb-encryption";

const MANAGED_KEY_ALIAS = "alias/aws/dynamodb";

const dynamodb = (ctx: Parameters<typeof serviceClient>[0]) =>
  serviceClient(ctx, DYNAMODB_ENCRYPTION, DynamoDBClient);

/** SSEDescription statuses under which the table is (or is becoming) encrypted with its key. */
const ON_KMS = new Set(["ENABLED", "ENABLING", "UPDATING"]);

export const dynamodbEncryption = defineEncryptionRemediation({
  name: DYNAMODB_ENCRYPTION,
  description:
    "Encrypts a DynamoDB table with a KMS key (the configured key checked with DescribeKey, default the AWS managed key aws/dynamodb); never downgrades or replaces a table's own KMS key; undo restores the previous setting while the table is still as Vigil left it.",
  kind: "dynamodb-encryption",
  resourceType: "AWS::DynamoDB::Table",
  noun: "table",
  settings: dynamodbEncryptionSettings,
  permissions: {
    plan: ["dynamodb:DescribeTable", "dynamodb:ListTagsOfResource"],
    apply: ["dynamodb:DescribeTable", "dynamodb:UpdateTable"],
    verify: ["dynamodb:DescribeTable"],
    undo: ["dynamodb:DescribeTable", "dynamodb:UpdateTable"],
  },
  writeAction: "dynamodb:UpdateTable",

  async goal(settings, finding, ctx) {
    if (settings.dynamodbKmsKeyArn) {
      const key = configuredKey(settings.dynamodbKmsKeyArn, "dynamodbKmsKeyArn", finding.region);
      return {
        mode: "kms",
        key: key.arn,
        label: `KMS key ${key.arn}`,
        check: { setting: "dynamodbKmsKeyArn", region: finding.region },
      };
    }
    const { KeyMetadata } = await serviceClient(ctx, DYNAMODB_ENCRYPTION, KMSClient).send(
      new DescribeKeyCommand({ KeyId: MANAGED_KEY_ALIAS }),
    );
    if (!KeyMetadata?.Arn) {
      throw new InputError(`kms:DescribeKey ${MANAGED_KEY_ALIAS} returned no key: nothing changed`);
    }
    return {
      mode: "kms",
      key: KeyMetadata.Arn,
      label: `the AWS managed key aws/dynamodb (${KeyMetadata.Arn})`,
    };
  },

  caveat(goal) {
    return goal.mode === "kms" && goal.check
      ? "The key policy must let the table's readers and writers use the key through DynamoDB; a disabled or deleted key makes the table inaccessible."
      : undefined;
  },

  async locate(_ctx, finding) {
    return finding.resourceArn;
  },

  async read(ctx, tableArn): Promise<EncryptionState> {
    // DescribeTable takes the table's ARN as TableName: the account and region are the ARN's.
    const { Table } = await dynamodb(ctx).send(new DescribeTableCommand({ TableName: tableArn }));
    const sse = Table?.SSEDescription;
    return sse?.SSEType === "KMS" && ON_KMS.has(sse.Status ?? "") && sse.KMSMasterKeyArn
      ? { mode: "kms", key: sse.KMSMasterKeyArn }
      : { mode: "service" };
  },

  async tags(ctx, tableArn) {
    const tags: Record<string, string> = {};
    let next: string | undefined;
    for (let page = 0; page < 10; page++) {
      const { Tags = [], NextToken } = await dynamodb(ctx).send(
        new ListTagsOfResourceCommand({ ResourceArn: tableArn, NextToken: next }),
      );
      for (const tag of Tags) tags[tag.Key ?? ""] = tag.Value ?? "";
      next = NextToken;
      if (!next) break;
    }
    return tags;
  },

  async write(ctx, tableArn, to) {
    await dynamodb(ctx).send(
      new UpdateTableCommand({
        TableName: tableArn,
        // Disabled: back to the AWS owned key (undo of a table that had it).
        SSESpecification:
          to.mode === "kms"
            ? { Enabled: true, SSEType: "KMS", KMSMasterKeyId: to.key }
            : { Enabled: false },
      }),
    );
  },
});
