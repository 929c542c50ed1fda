import {
  DescribeFileSystemPolicyCommand,
  EFSClient,
  ListTagsForResourceCommand,
  PutFileSystemPolicyCommand,
} from "@aws-sdk/client-efs";
import type { Finding } from "../../domain/finding.ts";
import { partitionOf } from "../../domain/policy-resources.ts";
import {
  checkedResource,
  defineResourcePolicyRemediation,
} from "../resource-policy/define-resource-policy-remediation.ts";

/**
 * Removes public (and, with stripExternalAccounts, external-account) statements from an EFS file
 * system policy.
 *
 * An emptied policy is never deleted: a file system without a policy lets every NFS client that
 * can reach a mount target mount, write and act as root, which is what the public statement
 * granted. It becomes the owner-only policy instead (the account's IAM principals keep
 * mount/write/root access; anonymous clients are refused).
 */
export const EFS_FILE_SYSTEM_POLICY = "efs-file-system-policy";

/** What an emptied file system policy becomes (see above). */
export function ownerOnlyFileSystemPolicy(finding: Finding, fileSystemArn: string): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Id: "vigil-owner-only",
    Statement: [
      {
        Sid: "OwnerAccountOnly",
        Effect: "Allow",
        Principal: { AWS: `arn:${partitionOf(finding.region)}:iam::${finding.account}:root` },
        Action: [
          "elasticfilesystem:ClientMount",
          "elasticfilesystem:ClientWrite",
          "elasticfilesystem:ClientRootAccess",
        ],
        Resource: fileSystemArn,
      },
    ],
  });
}

export const efsFileSystemPolicy = defineResourcePolicyRemediation({
  name: EFS_FILE_SYSTEM_POLICY,
  description:
    "Removes statements granting anyone (or, with stripExternalAccounts, outside accounts) from an EFS file system policy; an emptied policy becomes owner-only (never deleted: no policy means open to every client on the network).",
  kind: "efs-file-system-policy",
  resourceTypes: ["AWS::EFS::FileSystem"],
  noun: "file system policy",
  actions: {
    read: ["elasticfilesystem:DescribeFileSystemPolicy"],
    readTags: ["elasticfilesystem:ListTagsForResource"],
    write: ["elasticfilesystem:PutFileSystemPolicy"],
  },
  store: {
    Client: EFSClient,
    locate(finding) {
      // Addressed by the checked ARN's file system id (EFS's calls take the id in this account).
      const { arn, name } = checkedResource(finding);
      return { id: arn, name };
    },
    async readTags(efs, fileSystem) {
      const { Tags } = await efs.send(
        new ListTagsForResourceCommand({ ResourceId: fileSystem.name }),
      );
      return Object.fromEntries((Tags ?? []).map((tag) => [tag.Key ?? "", tag.Value ?? ""]));
    },
    async read(efs, fileSystem) {
      try {
        const { Policy } = await efs.send(
          new DescribeFileSystemPolicyCommand({ FileSystemId: fileSystem.name }),
        );
        return Policy || null;
      } catch (error) {
        if ((error as { name?: string }).name === "PolicyNotFound") return null;
        throw error;
      }
    },
    async write(efs, fileSystem, policy) {
      // BypassPolicyLockoutSafetyCheck stays false: EFS refuses a policy that locks Vigil out.
      await efs.send(
        new PutFileSystemPolicyCommand({ FileSystemId: fileSystem.name, Policy: policy }),
      );
    },
    emptyPolicy: (finding, fileSystem) => ownerOnlyFileSystemPolicy(finding, fileSystem.id),
  },
});
