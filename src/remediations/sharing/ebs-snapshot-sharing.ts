import {
  DescribeSnapshotAttributeCommand,
  DescribeSnapshotsCommand,
  EC2Client,
  ModifySnapshotAttributeCommand,
} from "@aws-sdk/client-ec2";
import { EVERYONE } from "../../domain/resource-policy/index.ts";
import { defineSharingRemediation, type SharedResource } from "./define-sharing-remediation.ts";

/**
 * Stops an EBS snapshot being restorable by anyone (createVolumePermission group "all") and, with
 * stripExternalAccounts, by accounts outside the owner and trustedAccounts. Undo shares it again
 * with exactly those. See define-sharing-remediation.ts for the phases.
 */
export const EBS_SNAPSHOT_SHARING = "ebs-snapshot-sharing";

async function readShares(ec2: EC2Client, resource: SharedResource): Promise<string[]> {
  const response = await ec2.send(
    new DescribeSnapshotAttributeCommand({
      SnapshotId: resource.id,
      Attribute: "createVolumePermission",
    }),
  );
  return (response.CreateVolumePermissions ?? []).flatMap((permission) =>
    permission.Group === "all" ? [EVERYONE] : permission.UserId ? [permission.UserId] : [],
  );
}

/** ModifySnapshotAttribute takes "all" as a group and accounts as user ids. */
function modification(resource: SharedResource, values: string[], operation: "add" | "remove") {
  const accounts = values.filter((value) => value !== EVERYONE);
  return new ModifySnapshotAttributeCommand({
    SnapshotId: resource.id,
    Attribute: "createVolumePermission",
    OperationType: operation,
    ...(values.includes(EVERYONE) ? { GroupNames: ["all"] } : {}),
    ...(accounts.length > 0 ? { UserIds: accounts } : {}),
  });
}

export const ebsSnapshotSharing = defineSharingRemediation({
  name: EBS_SNAPSHOT_SHARING,
  description:
    "Stops sharing an EBS snapshot with everyone (and, with stripExternalAccounts, with accounts outside the trusted set); undo shares it again",
  kind: "ebs-snapshot-sharing",
  resourceTypes: ["AWS::EC2::Snapshot"],
  noun: "EBS snapshot",
  actions: {
    read: ["ec2:DescribeSnapshotAttribute"],
    readTags: ["ec2:DescribeSnapshots"],
    modify: ["ec2:ModifySnapshotAttribute"],
  },
  store: {
    Client: EC2Client,
    async readWithTags(ec2, resource) {
      const [described, shares] = await Promise.all([
        ec2.send(new DescribeSnapshotsCommand({ SnapshotIds: [resource.id] })),
        readShares(ec2, resource),
      ]);
      const snapshot = described.Snapshots?.[0];
      const tags = Object.fromEntries(
        (snapshot?.Tags ?? []).flatMap((tag) =>
          tag.Key !== undefined ? [[tag.Key, tag.Value ?? ""]] : [],
        ),
      );
      return { shares, tags, ...(snapshot?.OwnerId ? { owner: snapshot.OwnerId } : {}) };
    },
    readShares,
    async add(ec2, resource, values) {
      await ec2.send(modification(resource, values, "add"));
    },
    async remove(ec2, resource, values) {
      await ec2.send(modification(resource, values, "remove"));
    },
  },
});
