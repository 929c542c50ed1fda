import type { FindingKind } from "./finding.ts";

/**
 * The resources whose exposure lives in a resource policy document (besides S3 buckets), how
 * findings name them, and the one strict check of a reported id: the partition, region and
 * account in it must be the finding's own. Acting on an id of another account or region with
 * the finding's credentials would read or change some other, same-named resource.
 */

export const POLICY_RESOURCE_KINDS = {
  "AWS::SQS::Queue": "sqs-queue-policy",
  "AWS::SNS::Topic": "sns-topic-policy",
  "AWS::KMS::Key": "kms-key-policy",
  "AWS::SecretsManager::Secret": "secret-resource-policy",
  "AWS::Lambda::Function": "lambda-function-policy",
  "AWS::ECR::Repository": "ecr-repository-policy",
  "AWS::EFS::FileSystem": "efs-file-system-policy",
  "AWS::DynamoDB::Table": "dynamodb-resource-policy",
  "AWS::DynamoDB::Stream": "dynamodb-resource-policy",
  "AWS::S3::AccessPoint": "s3-access-point-policy",
  "AWS::S3Express::DirectoryBucket": "s3-directory-bucket-policy",
} as const satisfies Record<string, FindingKind>;

export type PolicyResourceType = keyof typeof POLICY_RESOURCE_KINDS;

export function isPolicyResourceType(type: string): type is PolicyResourceType {
  return Object.hasOwn(POLICY_RESOURCE_KINDS, type);
}

export interface PolicyResourceRef {
  arn: string;
  /** The resource's short name: queue, topic, secret or function name, key id. */
  name: string;
}

export function partitionOf(region: string): string {
  if (region.startsWith("cn-")) return "aws-cn";
  if (region.startsWith("us-gov-")) return "aws-us-gov";
  return "aws";
}

// What each service allows in a name: nothing else (no slash, space, colon) reaches an API call.
const ARN = {
  "AWS::SQS::Queue": /^arn:([a-z-]+):sqs:([a-z0-9-]+):(\d{12}):([A-Za-z0-9_-]{1,75}(?:\.fifo)?)$/,
  "AWS::SNS::Topic": /^arn:([a-z-]+):sns:([a-z0-9-]+):(\d{12}):([A-Za-z0-9_-]{1,251}(?:\.fifo)?)$/,
  "AWS::KMS::Key":
    /^arn:([a-z-]+):kms:([a-z0-9-]+):(\d{12}):key\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})$/,
  "AWS::SecretsManager::Secret":
    /^arn:([a-z-]+):secretsmanager:([a-z0-9-]+):(\d{12}):secret:([A-Za-z0-9/_+=.@-]{1,512}-[A-Za-z0-9]{6})$/,
  // The unqualified function: its policy is the one Access Analyzer reports (no version or alias).
  "AWS::Lambda::Function":
    /^arn:([a-z-]+):lambda:([a-z0-9-]+):(\d{12}):function:([A-Za-z0-9_-]{1,64})$/,
  // Repository names are lower-case path segments (ECR's documented pattern), up to 256 characters.
  "AWS::ECR::Repository":
    /^arn:([a-z-]+):ecr:([a-z0-9-]+):(\d{12}):repository\/((?=.{2,256}$)(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*)$/,
  // EFS's documented file system id: fs- and 8 to 40 hex digits.
  "AWS::EFS::FileSystem":
    /^arn:([a-z-]+):elasticfilesystem:([a-z0-9-]+):(\d{12}):file-system\/(fs-[0-9a-f]{8,40})$/,
  // CreateTable's name rule; a stream is its table's ARN plus /stream/<label> (a timestamp).
  "AWS::DynamoDB::Table":
    /^arn:([a-z-]+):dynamodb:([a-z0-9-]+):(\d{12}):table\/([A-Za-z0-9_.-]{3,255})$/,
  "AWS::DynamoDB::Stream":
    /^arn:([a-z-]+):dynamodb:([a-z0-9-]+):(\d{12}):table\/([A-Za-z0-9_.-]{3,255}\/stream\/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3})$/,
  // Access point names: 3 to 50 lower-case letters, digits and hyphens, a letter or digit at each
  // end. Only general purpose buckets' (s3); a directory bucket's are s3express and not matched.
  "AWS::S3::AccessPoint":
    /^arn:([a-z-]+):s3:([a-z0-9-]+):(\d{12}):accesspoint\/([a-z0-9][a-z0-9-]{1,48}[a-z0-9])$/,
  // Directory bucket names: base--zone-id--x-s3, 3 to 63 characters in all (S3's documented rule).
  "AWS::S3Express::DirectoryBucket":
    /^arn:([a-z-]+):s3express:([a-z0-9-]+):(\d{12}):bucket\/((?=.{3,63}$)[a-z0-9](?:[a-z0-9-]*[a-z0-9])?--[a-z0-9]+(?:-[a-z0-9]+)*-az\d+--x-s3)$/,
} as const satisfies Record<PolicyResourceType, RegExp>;

/**
 * Config reports a queue by its URL, a key by its id and a function by its name; each is turned
 * into the ARN first.
 */
const QUEUE_URL =
  /^https:\/\/sqs\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?\/(\d{12})\/([A-Za-z0-9_.-]{1,80})$/;
const FUNCTION_NAME = /^[A-Za-z0-9_-]{1,64}$/;
const KEY_ID = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})$/;

function asArn(
  type: PolicyResourceType,
  id: string,
  where: { account: string; region: string },
): string {
  const partition = partitionOf(where.region);
  if (type === "AWS::SQS::Queue") {
    const url = QUEUE_URL.exec(id);
    if (url) return `arn:${partition}:sqs:${url[1]}:${url[2]}:${url[3]}`;
  }
  if (type === "AWS::KMS::Key" && KEY_ID.test(id)) {
    return `arn:${partition}:kms:${where.region}:${where.account}:key/${id}`;
  }
  // Config names a function by its name (checked by the function ARN pattern below).
  if (type === "AWS::Lambda::Function" && FUNCTION_NAME.test(id)) {
    return `arn:${partition}:lambda:${where.region}:${where.account}:function:${id}`;
  }
  return id;
}

/**
 * The ARN and name of a reported resource (an ARN, or the id Config uses), or why it cannot be
 * the finding's resource.
 */
export function policyResourceOf(
  type: PolicyResourceType,
  id: string,
  where: { account: string; region: string },
): PolicyResourceRef | { problem: string } {
  const arn = asArn(type, id, where);
  const match = ARN[type].exec(arn);
  if (!match) return { problem: `resource ${JSON.stringify(id)} is not a valid ${type} ARN` };
  const [, partition, region, account, name] = match;
  if (partition !== partitionOf(where.region)) {
    return {
      problem: `resource ${arn} is in partition ${partition}, not ${partitionOf(where.region)}`,
    };
  }
  if (region !== where.region) {
    return { problem: `resource ${arn} is not in the finding's region ${where.region}` };
  }
  if (account !== where.account) {
    return { problem: `resource ${arn} is not in the finding's account ${where.account}` };
  }
  return { arn, name: name as string };
}

/** How Access Analyzer says an S3 bucket finding's access is granted (its `sources`). */
export interface FindingSource {
  type: string;
  detail?: { accessPointArn?: string | undefined } | undefined;
}

/**
 * The one access point through which, and only through which, a bucket finding's access is
 * granted; undefined when the bucket's own policy or ACL grants it too (or sources are absent);
 * a problem when access points are the only source but not exactly one is named.
 */
export function soleAccessPoint(
  sources: readonly FindingSource[] | undefined,
): { arn: string } | { problem: string } | undefined {
  if (!sources || sources.length === 0) return undefined;
  if (sources.some((source) => source.type !== "S3_ACCESS_POINT")) return undefined;
  const arns = [
    ...new Set(sources.map((source) => source.detail?.accessPointArn).filter((arn) => arn)),
  ] as string[];
  if (arns.length === 1) return { arn: arns[0] as string };
  if (arns.length === 0) return { problem: "the access point source names no access point" };
  return {
    problem: `the access is granted through ${arns.length} access points (${arns.join(", ")}): Vigil remediates one access point per finding; review them`,
  };
}
