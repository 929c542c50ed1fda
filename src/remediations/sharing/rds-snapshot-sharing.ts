import {
  DescribeDBClusterSnapshotAttributesCommand,
  DescribeDBClusterSnapshotsCommand,
  DescribeDBSnapshotAttributesCommand,
  DescribeDBSnapshotsCommand,
  ModifyDBClusterSnapshotAttributeCommand,
  ModifyDBSnapshotAttributeCommand,
  RDSClient,
  type Tag,
} from "@aws-sdk/client-rds";
import { defineSharingRemediation, type SharedResource } from "./define-sharing-remediation.ts";

/**
 * Stops an RDS DB snapshot or DB cluster snapshot being restorable by anyone (`restore` attribute
 * "all") and, with stripExternalAccounts, by accounts outside the owner and trustedAccounts. Undo
 * shares it again with exactly those. See define-sharing-remediation.ts for the phases.
 */
export const RDS_SNAPSHOT_SHARING = "rds-snapshot-sharing";

const RESTORE = "restore";

const isCluster = (resource: SharedResource) => resource.type === "AWS::RDS::DBClusterSnapshot";

function restoreValues(
  attributes: { AttributeName?: string | undefined; AttributeValues?: string[] | undefined }[],
): string[] {
  return attributes.find((attribute) => attribute.AttributeName === RESTORE)?.AttributeValues ?? [];
}

async function readShares(rds: RDSClient, resource: SharedResource): Promise<string[]> {
  if (isCluster(resource)) {
    const response = await rds.send(
      new DescribeDBClusterSnapshotAttributesCommand({ DBClusterSnapshotIdentifier: resource.id }),
    );
    return restoreValues(
      response.DBClusterSnapshotAttributesResult?.DBClusterSnapshotAttributes ?? [],
    );
  }
  const response = await rds.send(
    new DescribeDBSnapshotAttributesCommand({ DBSnapshotIdentifier: resource.id }),
  );
  return restoreValues(response.DBSnapshotAttributesResult?.DBSnapshotAttributes ?? []);
}

async function modify(
  rds: RDSClient,
  resource: SharedResource,
  change: { ValuesToAdd: string[] } | { ValuesToRemove: string[] },
): Promise<void> {
  if (isCluster(resource)) {
    await rds.send(
      new ModifyDBClusterSnapshotAttributeCommand({
        DBClusterSnapshotIdentifier: resource.id,
        AttributeName: RESTORE,
        ...change,
      }),
    );
    return;
  }
  await rds.send(
    new ModifyDBSnapshotAttributeCommand({
      DBSnapshotIdentifier: resource.id,
      AttributeName: RESTORE,
      ...change,
    }),
  );
}

function tagsOf(list: Tag[] | undefined): Record<string, string> {
  return Object.fromEntries(
    (list ?? []).flatMap((tag) => (tag.Key !== undefined ? [[tag.Key, tag.Value ?? ""]] : [])),
  );
}

export const rdsSnapshotSharing = defineSharingRemediation({
  name: RDS_SNAPSHOT_SHARING,
  description:
    "Stops sharing an RDS DB or cluster snapshot with everyone (and, with stripExternalAccounts, with accounts outside the trusted set); undo shares it again",
  kind: "rds-snapshot-sharing",
  resourceTypes: ["AWS::RDS::DBSnapshot", "AWS::RDS::DBClusterSnapshot"],
  noun: "RDS snapshot",
  actions: {
    read: ["rds:DescribeDBSnapshotAttributes", "rds:DescribeDBClusterSnapshotAttributes"],
    readTags: ["rds:DescribeDBSnapshots", "rds:DescribeDBClusterSnapshots"],
    modify: ["rds:ModifyDBSnapshotAttribute", "rds:ModifyDBClusterSnapshotAttribute"],
  },
  changeAction: (resource) =>
    isCluster(resource) ? "rds:ModifyDBClusterSnapshotAttribute" : "rds:ModifyDBSnapshotAttribute",
  store: {
    Client: RDSClient,
    async readWithTags(rds, resource) {
      // The snapshot's own record: its tags, and proof it exists under this identifier.
      const tags = isCluster(resource)
        ? tagsOf(
            (
              await rds.send(
                new DescribeDBClusterSnapshotsCommand({ DBClusterSnapshotIdentifier: resource.id }),
              )
            ).DBClusterSnapshots?.[0]?.TagList,
          )
        : tagsOf(
            (await rds.send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: resource.id })))
              .DBSnapshots?.[0]?.TagList,
          );
      return { shares: await readShares(rds, resource), tags };
    },
    readShares,
    add: (rds, resource, values) => modify(rds, resource, { ValuesToAdd: values }),
    remove: (rds, resource, values) => modify(rds, resource, { ValuesToRemove: values }),
  },
});
