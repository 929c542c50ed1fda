import { globToRegExp } from "./glob.ts";
import type { MetricIdentity } from "./metric.ts";

/**
 * Which resource a metric watches, so that anomalies on one resource in one run become one
 * incident with one dedup key: a bucket's S3 BytesDownloaded, an instance's NetworkOut, a
 * principal's API calls. Resources that belong together but have different ids (a bucket and its
 * CloudFront distribution, an instance and its NAT gateway) are linked by `alerting.resourceGroups`.
 */

/** Dimensions that name one resource, most specific first. */
const RESOURCE_DIMENSIONS: ReadonlyArray<[dimension: string, kind: string]> = [
  ["BucketName", "s3-bucket"],
  ["DistributionId", "cloudfront-distribution"],
  ["InstanceId", "ec2-instance"],
  ["NatGatewayId", "nat-gateway"],
  ["DBInstanceIdentifier", "rds-instance"],
  ["FunctionName", "lambda-function"],
  ["TableName", "dynamodb-table"],
  ["LoadBalancer", "load-balancer"],
];

/** CloudTrail metric filters name their dimensions freely: these say "who did it". */
const PRINCIPAL_DIMENSION = /principal|user(name|identity)?|role|identity|arn/i;

export interface MetricMatch {
  namespace?: string | undefined;
  metricName?: string | undefined;
  /** Dimension value globs. */
  dimensions?: Readonly<Record<string, string>> | undefined;
}

export interface ResourceGroup {
  name: string;
  members: readonly MetricMatch[];
}

export interface Resource {
  /** Stable and unique within an account and region: part of the incident's dedup key. */
  key: string;
  /** For people: "s3-bucket acme-raw", "group cdn-assets". */
  label: string;
}

export function metricMatches(match: MetricMatch, metric: MetricIdentity): boolean {
  if (match.namespace !== undefined && match.namespace !== metric.namespace) return false;
  if (match.metricName !== undefined && match.metricName !== metric.metricName) return false;
  for (const [name, glob] of Object.entries(match.dimensions ?? {})) {
    const value = metric.dimensions[name];
    if (value === undefined || !globToRegExp(glob).test(value)) return false;
  }
  return true;
}

/**
 * The resource a metric belongs to: a configured group first, then the first resource dimension,
 * then a principal dimension; a metric naming none is its own resource (key undefined).
 */
export function resourceOf(
  metric: MetricIdentity,
  groups: readonly ResourceGroup[] = [],
): Resource | undefined {
  const group = groups.find((g) => g.members.some((m) => metricMatches(m, metric)));
  if (group) return { key: `group/${group.name}`, label: `group ${group.name}` };
  for (const [dimension, kind] of RESOURCE_DIMENSIONS) {
    const value = metric.dimensions[dimension];
    if (value) return { key: `${kind}/${value}`, label: `${kind} ${value}` };
  }
  for (const [dimension, value] of Object.entries(metric.dimensions)) {
    if (value && PRINCIPAL_DIMENSION.test(dimension)) {
      return { key: `principal/${value}`, label: `principal ${value}` };
    }
  }
  return undefined;
}

/**
 * The resource a remediation finding is about, keyed as resourceOf keys a metric's, so that a fix
 * and an anomaly on the same bucket or principal can name each other. Undefined for resources no
 * metric names (groups, managed policies).
 */
export function findingResource(resourceType: string, resourceName: string): Resource | undefined {
  switch (resourceType) {
    case "AWS::S3::Bucket":
      return { key: `s3-bucket/${resourceName}`, label: `s3-bucket ${resourceName}` };
    case "AWS::IAM::Role":
    case "AWS::IAM::User":
      return { key: `principal/${resourceName}`, label: `principal ${resourceName}` };
    default:
      return undefined;
  }
}
