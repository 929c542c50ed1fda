/**
 * The fake account's DynamoDB tables for dynamodb-encryption and CloudTrail trails for
 * cloudtrail-encryption (Kinesis streams are in fake-aws-services.ts). Every named table exists
 * and starts on the AWS owned key, every named trail exists unencrypted in the samples' region,
 * so a valid event has something to change.
 *
 * Not a Vitest module: bench/resilience.ts runs the same fuzzers.
 */

import { GetTrailCommand, ListTagsCommand, UpdateTrailCommand } from "@aws-sdk/client-cloudtrail";
import {
  DeleteResourcePolicyCommand,
  DescribeTableCommand,
  GetResourcePolicyCommand,
  ListTagsOfResourceCommand,
  PutResourcePolicyCommand,
  UpdateTableCommand,
} from "@aws-sdk/client-dynamodb";
import type { Handlers } from "./fake-aws-services.ts";

/** The samples' account and region: a trail of the fake account is homed there. */
const ACCOUNT = "123456789012";
const REGION = "eu-west-1";

/**
 * The key the fuzzed deployment configures for trails (cloudTrailKmsKeyArn); its policy lets
 * CloudTrail in, as the key policy of a key made for trails does.
 */
export const TRAIL_KEY_ARN = `arn:aws:kms:${REGION}:${ACCOUNT}:key/5e1c7a2b-3d4f-4a6b-9c8d-0e1f2a3b4c5d`;
export const TRAIL_KEY_POLICY = JSON.stringify({
  Version: "2012-10-17",
  Statement: [
    {
      Sid: "EnableRoot",
      Effect: "Allow",
      Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
      Action: "kms:*",
      Resource: "*",
    },
    // The two sections the CloudTrail User Guide requires for trails (encrypt, describe).
    {
      Sid: "AllowCloudTrailToEncryptLogs",
      Effect: "Allow",
      Principal: { Service: "cloudtrail.amazonaws.com" },
      Action: "kms:GenerateDataKey*",
      Resource: "*",
      Condition: {
        StringLike: {
          "kms:EncryptionContext:aws:cloudtrail:arn": `arn:aws:cloudtrail:*:${ACCOUNT}:trail/*`,
        },
      },
    },
    {
      Sid: "AllowCloudTrailToDescribeKey",
      Effect: "Allow",
      Principal: { Service: "cloudtrail.amazonaws.com" },
      Action: "kms:DescribeKey",
      Resource: "*",
    },
  ],
});

const str = (value: unknown) => (typeof value === "string" ? value : String(value));

export class FakePipelineResources {
  /** Table ARN → its KMS key ("" when none). */
  private readonly keys = new Map<string, string>();
  /** Trail ARN → its KMS key ("" when none). */
  private readonly trailKeys = new Map<string, string>();
  /** Table or stream ARN → its resource policy ("" when deleted); each starts with a public read. */
  private readonly policies = new Map<string, string>();

  private tablePolicy(arn: string): string {
    if (!this.policies.has(arn)) {
      this.policies.set(
        arn,
        JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            {
              Sid: "Public",
              Effect: "Allow",
              Principal: "*",
              Action: "dynamodb:GetItem",
              Resource: arn,
            },
          ],
        }),
      );
    }
    return this.policies.get(arn) ?? "";
  }

  cloudtrail(): Handlers {
    // Named by name or ARN, as GetTrail and UpdateTrail take it.
    const arnOf = (name: unknown) =>
      str(name).startsWith("arn:")
        ? str(name)
        : `arn:aws:cloudtrail:${REGION}:${ACCOUNT}:trail/${str(name)}`;
    return [
      [
        GetTrailCommand,
        (input) => {
          const arn = arnOf(input.Name);
          const key = this.trailKeys.get(arn) ?? "";
          return {
            Trail: {
              Name: arn.split("/").at(-1),
              TrailARN: arn,
              HomeRegion: arn.split(":")[3],
              IsOrganizationTrail: false,
              S3BucketName: "acme-trail-logs",
              ...(key ? { KmsKeyId: key } : {}),
            },
          };
        },
      ],
      [
        UpdateTrailCommand,
        (input) => {
          this.trailKeys.set(arnOf(input.Name), str(input.KmsKeyId ?? ""));
          return { TrailARN: arnOf(input.Name) };
        },
      ],
      [
        ListTagsCommand,
        (input) => ({
          ResourceTagList: ((input.ResourceIdList ?? []) as string[]).map((id) => ({
            ResourceId: id,
            TagsList: [],
          })),
        }),
      ],
    ];
  }

  dynamodb(): Handlers {
    return [
      [
        DescribeTableCommand,
        (input) => {
          const key = this.keys.get(str(input.TableName)) ?? "";
          return {
            Table: {
              TableArn: input.TableName,
              TableStatus: "ACTIVE",
              ...(key
                ? { SSEDescription: { Status: "ENABLED", SSEType: "KMS", KMSMasterKeyArn: key } }
                : {}),
            },
          };
        },
      ],
      [
        UpdateTableCommand,
        (input) => {
          const sse = (input.SSESpecification ?? {}) as {
            Enabled?: boolean;
            KMSMasterKeyId?: string;
          };
          this.keys.set(str(input.TableName), sse.Enabled ? str(sse.KMSMasterKeyId) : "");
          return {};
        },
      ],
      [ListTagsOfResourceCommand, () => ({ Tags: [] })],
      [
        GetResourcePolicyCommand,
        (input) => {
          const policy = this.tablePolicy(str(input.ResourceArn));
          if (!policy) {
            throw Object.assign(new Error("PolicyNotFoundException"), {
              name: "PolicyNotFoundException",
              $metadata: { httpStatusCode: 400 },
            });
          }
          return { Policy: policy, RevisionId: String(policy.length) };
        },
      ],
      [
        PutResourcePolicyCommand,
        (input) => {
          this.policies.set(str(input.ResourceArn), str(input.Policy));
          return { RevisionId: "1" };
        },
      ],
      [
        DeleteResourcePolicyCommand,
        (input) => {
          this.policies.set(str(input.ResourceArn), "");
          return {};
        },
      ],
    ];
  }
}
