import {
  CreateFileSystemCommand,
  DescribeFileSystemPolicyCommand,
  EFSClient,
  PutFileSystemPolicyCommand,
} from "@aws-sdk/client-efs";
import { describe, expect } from "vitest";
import { efsFileSystemPolicy } from "../../../src/remediations/efs/efs-file-system-policy.ts";
import { motoEndpoint, TEST_ACCOUNT } from "../../support/moto.ts";
import { PARTNER, resourcePolicySuite } from "../resource-policy/harness.ts";

const endpoint = motoEndpoint();

const idOf = (arn: string) => arn.split(":file-system/")[1] ?? "";

describe.skipIf(!endpoint)("efs-file-system-policy", () => {
  resourcePolicySuite(
    endpoint as string,
    {
      remediation: efsFileSystemPolicy,
      resourceType: "AWS::EFS::FileSystem",
      Client: EFSClient,
      prefix: "elasticfilesystem",
      async create(efs, name) {
        const { FileSystemArn } = await efs.send(
          new CreateFileSystemCommand({ CreationToken: `vigil-${name}` }),
        );
        return FileSystemArn ?? "";
      },
      async policyOf(efs, arn) {
        try {
          const { Policy } = await efs.send(
            new DescribeFileSystemPolicyCommand({ FileSystemId: idOf(arn) }),
          );
          return Policy || null;
        } catch (error) {
          if ((error as Error).name === "PolicyNotFound") return null;
          throw error;
        }
      },
      async setPolicy(efs, arn, policy) {
        await efs.send(
          new PutFileSystemPolicyCommand({
            FileSystemId: idOf(arn),
            Policy: JSON.stringify(policy),
          }),
        );
      },
      foreignArn: (arn) => arn.replace(`:${TEST_ACCOUNT}:`, `:${PARTNER}:`),
      // Never deleted (no policy = open to every client on the network): owner-only instead.
      whenEmptied(policy) {
        const parsed = JSON.parse(policy ?? "null") as {
          Statement: { Sid: string; Principal: unknown; Condition?: unknown }[];
        };
        expect(parsed.Statement).toEqual([
          expect.objectContaining({
            Sid: "OwnerAccountOnly",
            Principal: { AWS: `arn:aws:iam::${TEST_ACCOUNT}:root` },
          }),
        ]);
      },
    },
    "elasticfilesystem:ClientMount",
  );
});
