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
  ["QueueName", "sqs-queue"],
  ["TopicName", "sns-topic"],
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
  // A metric filter that names its resource by ARN: keyed like the remediation of that ARN.
  for (const value of Object.values(metric.dimensions)) {
    const resource = value?.startsWith("arn:") ? arnResource(value) : undefined;
    if (resource) return resource;
  }
  for (const [dimension, value] of Object.entries(metric.dimensions)) {
    if (value && PRINCIPAL_DIMENSION.test(dimension)) {
      return { key: `principal/${value}`, label: `principal ${value}` };
    }
  }
  return undefined;
}

/**
 * The resource an ARN names, keyed as resourceOf keys a metric's: every resource type Vigil
 * remediates (buckets, principals, queues, topics, KMS keys, secrets, EBS and RDS snapshots).
 * Undefined for ARNs no metric names (groups, managed policies) or that are not ARNs.
 */
export function arnResource(arn: string): Resource | undefined {
  const match = /^arn:[^:]+:([^:]+):[^:]*:[^:]*:(.+)$/.exec(arn);
  if (!match) return undefined;
  const [, service, rest = ""] = match;
  const kindAndId = ((): [string, string] | undefined => {
    switch (service) {
      case "s3":
        return rest.includes("/") ? undefined : ["s3-bucket", rest];
      case "iam": {
        const principal = /^(?:role|user)\/(?:.*\/)?([^/]+)$/.exec(rest);
        return principal?.[1] ? ["principal", principal[1]] : undefined;
      }
      case "sqs":
        return ["sqs-queue", rest];
      case "sns":
        return ["sns-topic", rest];
      case "kms":
        return rest.startsWith("key/") ? ["kms-key", rest.slice(4)] : undefined;
      case "secretsmanager":
        // secret:name-AbCdEf: the six characters Secrets Manager appends are not in metrics.
        return rest.startsWith("secret:")
          ? ["secret", rest.slice(7).replace(/-[A-Za-z0-9]{6}$/, "")]
          : undefined;
      case "ec2":
        return rest.startsWith("snapshot/") ? ["ebs-snapshot", rest.slice(9)] : undefined;
      case "rds": {
        const snapshot = /^(?:cluster-)?snapshot:(.+)$/.exec(rest);
        return snapshot?.[1] ? ["rds-snapshot", snapshot[1]] : undefined;
      }
      default:
        return undefined;
    }
  })();
  return kindAndId?.[1]
    ? { key: `${kindAndId[0]}/${kindAndId[1]}`, label: `${kindAndId[0]} ${kindAndId[1]}` }
    : undefined;
}
