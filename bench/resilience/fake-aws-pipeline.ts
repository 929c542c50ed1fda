/**
 * The fake account's pipeline resources for the encryption kinds beyond S3: Kinesis streams and
 * DynamoDB tables. Every named resource exists and starts unencrypted (a stream without
 * StreamEncryption, a table on the AWS owned key), so a valid event has something to change.
 *
 * Not a Vitest module: bench/resilience.ts runs the same fuzzers.
 */
import {
  DescribeTableCommand,
  ListTagsOfResourceCommand,
  UpdateTableCommand,
} from "@aws-sdk/client-dynamodb";
import {
  DescribeStreamSummaryCommand,
  ListTagsForStreamCommand,
  StartStreamEncryptionCommand,
  StopStreamEncryptionCommand,
} from "@aws-sdk/client-kinesis";
import type { Handlers } from "./fake-aws-services.ts";

const str = (value: unknown) => (typeof value === "string" ? value : String(value));

export class FakePipelineResources {
  /** Stream or table ARN → its KMS key ("" when none). */
  private readonly keys = new Map<string, string>();

  kinesis(): Handlers {
    return [
      [
        DescribeStreamSummaryCommand,
        (input) => {
          const key = this.keys.get(str(input.StreamARN)) ?? "";
          return {
            StreamDescriptionSummary: {
              StreamARN: input.StreamARN,
              StreamStatus: "ACTIVE",
              EncryptionType: key ? "KMS" : "NONE",
              ...(key ? { KeyId: key } : {}),
            },
          };
        },
      ],
      [
        StartStreamEncryptionCommand,
        (input) => {
          this.keys.set(str(input.StreamARN), str(input.KeyId));
          return {};
        },
      ],
      [
        StopStreamEncryptionCommand,
        (input) => {
          this.keys.set(str(input.StreamARN), "");
          return {};
        },
      ],
      [ListTagsForStreamCommand, () => ({ Tags: [], HasMoreTags: false })],
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
    ];
  }
}
