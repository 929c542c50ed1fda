import type { ResourceType } from "./finding.ts";

/**
 * The resources of the encryption remediations beyond S3 and IAM (issue 12 item 6): their name
 * and ARN from what Config reports. Config names a Kinesis stream, DynamoDB table or CloudTrail
 * trail by name (or ARN), and an account-level setting by the account id. (Queues and topics are
 * identified once, in policy-resources.ts, for their policy and their encryption alike.) Whatever the form, the resource must be in the finding's own account
 * and region: a forwarded event must not aim Vigil at a same-named resource elsewhere.
 */
export type ServiceResourceType = Extract<
  ResourceType,
  "AWS::Kinesis::Stream" | "AWS::DynamoDB::Table" | "AWS::CloudTrail::Trail" | "AWS::::Account"
>;

interface Shape {
  service: string;
  /** What precedes the name in the ARN's resource part ("stream/"), "" when nothing. */
  prefix: string;
  name: RegExp;
}

// Name rules from each service's API reference (CreateStream, CreateTable, CreateTrail).
const SHAPES: Record<Exclude<ServiceResourceType, "AWS::::Account">, Shape> = {
  "AWS::Kinesis::Stream": {
    service: "kinesis",
    prefix: "stream/",
    name: /^[A-Za-z0-9_.-]{1,128}$/,
  },
  "AWS::DynamoDB::Table": {
    service: "dynamodb",
    prefix: "table/",
    name: /^[A-Za-z0-9_.-]{3,255}$/,
  },
  "AWS::CloudTrail::Trail": {
    service: "cloudtrail",
    prefix: "trail/",
    name: /^[A-Za-z0-9_.-]{3,128}$/,
  },
};

export const SERVICE_RESOURCE_TYPES: ReadonlySet<ResourceType> = new Set<ResourceType>([
  ...(Object.keys(SHAPES) as ServiceResourceType[]),
  "AWS::::Account",
]);

export function isServiceResourceType(type: ResourceType): type is ServiceResourceType {
  return SERVICE_RESOURCE_TYPES.has(type);
}

export type ServiceResourceIdentity = { name: string; arn: string } | { problem: string };

/**
 * The ARN Vigil journals an account's EBS encryption-by-default setting under: not an AWS resource
 * ARN (the setting has none), but one per account and region, which is what the setting is.
 */
export function ebsDefaultEncryptionArn(partition: string, region: string, account: string) {
  return `arn:${partition}:ec2:${region}:${account}:ebs-encryption-by-default`;
}

export function serviceResourceIdentity(
  type: ServiceResourceType,
  resourceId: string,
  where: { account: string; region: string; partition: string },
): ServiceResourceIdentity {
  const { account, region, partition } = where;
  if (type === "AWS::::Account") {
    if (resourceId !== account) {
      return {
        problem: `account-level resource ${resourceId} is not the finding's account ${account}`,
      };
    }
    return { name: account, arn: ebsDefaultEncryptionArn(partition, region, account) };
  }
  const shape = SHAPES[type];
  let name = resourceId;
  const arn = /^arn:([^:]+):([^:]+):([^:]*):([^:]*):(.+)$/.exec(resourceId);
  if (arn) {
    const [, arnPartition, service, arnRegion, arnAccount, rest = ""] = arn;
    if (arnPartition !== partition || service !== shape.service) {
      return { problem: `resource ${resourceId} is not a ${type} in partition ${partition}` };
    }
    if (arnRegion !== region || arnAccount !== account) {
      return {
        problem: `resource ${resourceId} is not in the finding's account ${account} and region ${region}`,
      };
    }
    if (!rest.startsWith(shape.prefix))
      return { problem: `resource ${resourceId} is not a ${type}` };
    name = rest.slice(shape.prefix.length);
  }
  if (!shape.name.test(name)) {
    return { problem: `resource id ${JSON.stringify(resourceId)} does not name a ${type}` };
  }
  return {
    name,
    arn: `arn:${partition}:${shape.service}:${region}:${account}:${shape.prefix}${name}`,
  };
}
