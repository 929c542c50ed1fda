import type { FindingKind, ResourceType } from "./finding.ts";

/**
 * Resources shared by an attribute or a function policy (EBS and RDS snapshots, Lambda
 * functions): regional, named by an ARN in one account. A finding's resource is accepted only when
 * its ARN (or bare id, as Config reports some) is exactly of the finding's partition, region,
 * account and type: acting on anything else with this deployment's credentials would change
 * another, same-named resource.
 */

export type RegionalResourceType = Extract<
  ResourceType,
  "AWS::EC2::Snapshot" | "AWS::RDS::DBSnapshot" | "AWS::RDS::DBClusterSnapshot"
>;

interface RegionalType {
  kind: FindingKind;
  service: string;
  /** The ARN's resource part; group 1 is the id the service's API takes. */
  resource: RegExp;
  /** How the resource part is built from that id. */
  resourcePart(id: string): string;
  /** EC2 names snapshots with or without the account (IAM's form has none; the owner is checked). */
  accountOptional?: true;
}

// RDS identifiers: a letter, then letters, digits and single hyphens, at most 255 (automated
// snapshots, "rds:…", cannot be shared and are not matched). EBS: snap- and 8 or 17 hex digits.
const RDS_IDENTIFIER = "([A-Za-z](?:[A-Za-z0-9]|-(?!-)){0,254})";

export const REGIONAL_RESOURCE_TYPES: Readonly<Record<RegionalResourceType, RegionalType>> = {
  "AWS::EC2::Snapshot": {
    kind: "ebs-snapshot-sharing",
    service: "ec2",
    resource: /^snapshot\/(snap-(?:[0-9a-f]{8}|[0-9a-f]{17}))$/,
    resourcePart: (id) => `snapshot/${id}`,
    accountOptional: true,
  },
  "AWS::RDS::DBSnapshot": {
    kind: "rds-snapshot-sharing",
    service: "rds",
    resource: new RegExp(`^snapshot:${RDS_IDENTIFIER}$`),
    resourcePart: (id) => `snapshot:${id}`,
  },
  "AWS::RDS::DBClusterSnapshot": {
    kind: "rds-snapshot-sharing",
    service: "rds",
    resource: new RegExp(`^cluster-snapshot:${RDS_IDENTIFIER}$`),
    resourcePart: (id) => `cluster-snapshot:${id}`,
  },
};

export function isRegionalResourceType(type: string): type is RegionalResourceType {
  return Object.hasOwn(REGIONAL_RESOURCE_TYPES, type);
}

export function partitionOfRegion(region: string): string {
  if (region.startsWith("cn-")) return "aws-cn";
  if (region.startsWith("us-gov-")) return "aws-us-gov";
  return "aws";
}

export interface Where {
  account: string;
  region: string;
}

export type RegionalResource = { arn: string; id: string } | { problem: string };

/**
 * The resource a finding names, as an ARN and as the id its API takes, or why it cannot be the
 * finding's resource. `reported` is an ARN, or a bare id (snapshot id, function name).
 */
export function regionalResource(
  type: RegionalResourceType,
  reported: string,
  where: Where,
): RegionalResource {
  const spec = REGIONAL_RESOURCE_TYPES[type];
  const partition = partitionOfRegion(where.region);
  const prefix = `arn:${partition}:${spec.service}:${where.region}:${where.account}:`;
  if (!reported.startsWith("arn:")) {
    const id = spec.resource.exec(spec.resourcePart(reported))?.[1];
    if (id === undefined) return { problem: `${JSON.stringify(reported)} is not a ${type} id` };
    return { arn: `${prefix}${spec.resourcePart(id)}`, id };
  }
  const accountless = `arn:${partition}:${spec.service}:${where.region}::`;
  const start = reported.startsWith(prefix)
    ? prefix.length
    : spec.accountOptional && reported.startsWith(accountless)
      ? accountless.length
      : undefined;
  if (start === undefined) {
    return {
      problem: `resource ${reported} is not a ${spec.service} resource of account ${where.account} in ${where.region} (${partition})`,
    };
  }
  const id = spec.resource.exec(reported.slice(start))?.[1];
  if (id === undefined) return { problem: `resource ${reported} is not a ${type}` };
  return { arn: reported, id };
}

/** Every regional resource type, in a fixed order (event patterns, schemas). */
export const REGIONAL_RESOURCE_TYPE_NAMES = Object.keys(REGIONAL_RESOURCE_TYPES) as [
  RegionalResourceType,
  ...RegionalResourceType[],
];
