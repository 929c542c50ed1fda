/**
 * The fake account's DynamoDB tables for dynamodb-encryption (Kinesis streams are in
 * fake-aws-services.ts). Every named table exists and starts on the AWS owned key, so a valid
 * event has something to change.
 *
 * Not a Vitest module: bench/resilience.ts runs the same fuzzers.
 */
import {
  DescribeTableCommand,
  ListTagsOfResourceCommand,
  UpdateTableCommand,
} from "@aws-sdk/client-dynamodb";
import type { Handlers } from "./fake-aws-services.ts";

const str = (value: unknown) => (typeof value === "string" ? value : String(value));

export class FakePipelineResources {
  /** Table ARN → its KMS key ("" when none). */
  private readonly keys = new Map<string, string>();

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
    ];
  }
}
