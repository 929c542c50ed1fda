import type { Finding, FindingKind, ResourceType } from "../domain/finding.ts";
import type { LazyRemediation, Remediation } from "../ports/remediation.ts";

/**
 * Every remediation Vigil knows, by the findings it handles, its module loaded on first use.
 *
 * A remediation module imports its service's AWS SDK client and commands (EC2's alone is ~555 KB
 * minified): imported statically, every client would load at each cold start whatever the event.
 * Here each module is a dynamic import(), which esbuild splits into its own chunk, so a function
 * loads EC2 when the first snapshot finding arrives and never for an S3 one (bench/deploy.ts
 * measures both). The Lambda wiring uses this list; the CLI, deploy generation and tests use
 * registry.ts, which loads them all. A test checks that each entry's `handles` agrees with its
 * module's and that its name is the module's.
 *
 * A new remediation: one entry here (name, the kinds and resource types it handles, its loader).
 */
type Handles = Partial<Record<FindingKind, readonly ResourceType[]>>;

export function lazy(
  name: string,
  handles: Handles,
  load: () => Promise<Remediation>,
): LazyRemediation {
  let loaded: Promise<Remediation> | undefined;
  return {
    name,
    handles: (finding: Finding) => handles[finding.kind]?.includes(finding.resourceType) === true,
    load: () => {
      // A failed import is not cached: the next event (or Lambda's retry) tries again.
      loaded ??= load().catch((error: unknown) => {
        loaded = undefined;
        throw error;
      });
      return loaded;
    },
  };
}

const IAM_ENTITIES: readonly ResourceType[] = [
  "AWS::IAM::User",
  "AWS::IAM::Role",
  "AWS::IAM::Group",
  "AWS::IAM::Policy",
];

export const remediationCatalog: readonly LazyRemediation[] = Object.freeze([
  lazy(
    "s3-default-encryption",
    { "s3-encryption": ["AWS::S3::Bucket"] },
    async () => (await import("./s3/s3-default-encryption.ts")).s3DefaultEncryption,
  ),
  lazy(
    "s3-block-public-access",
    { "s3-public-access": ["AWS::S3::Bucket"] },
    async () => (await import("./s3/s3-block-public-access.ts")).s3BlockPublicAccess,
  ),
  lazy(
    "iam-risky-policy",
    { "iam-risky-policy": IAM_ENTITIES },
    async () => (await import("./iam/iam-risky-policy.ts")).iamRiskyPolicy,
  ),
  lazy(
    "iam-role-quarantine",
    { "iam-external-trust": ["AWS::IAM::Role"] },
    async () => (await import("./iam/iam-role-quarantine.ts")).iamRoleQuarantine,
  ),
  lazy(
    "sqs-queue-policy",
    { "sqs-queue-policy": ["AWS::SQS::Queue"] },
    async () => (await import("./sqs/sqs-queue-policy.ts")).sqsQueuePolicy,
  ),
  lazy(
    "sns-topic-policy",
    { "sns-topic-policy": ["AWS::SNS::Topic"] },
    async () => (await import("./sns/sns-topic-policy.ts")).snsTopicPolicy,
  ),
  lazy(
    "kms-key-policy",
    { "kms-key-policy": ["AWS::KMS::Key"] },
    async () => (await import("./kms/kms-key-policy.ts")).kmsKeyPolicy,
  ),
  lazy(
    "secret-resource-policy",
    { "secret-resource-policy": ["AWS::SecretsManager::Secret"] },
    async () => (await import("./secretsmanager/secret-resource-policy.ts")).secretResourcePolicy,
  ),
  lazy(
    "ebs-snapshot-sharing",
    { "ebs-snapshot-sharing": ["AWS::EC2::Snapshot"] },
    async () => (await import("./sharing/ebs-snapshot-sharing.ts")).ebsSnapshotSharing,
  ),
  lazy(
    "rds-snapshot-sharing",
    { "rds-snapshot-sharing": ["AWS::RDS::DBSnapshot", "AWS::RDS::DBClusterSnapshot"] },
    async () => (await import("./sharing/rds-snapshot-sharing.ts")).rdsSnapshotSharing,
  ),
  lazy(
    "sqs-encryption",
    { "sqs-encryption": ["AWS::SQS::Queue"] },
    async () => (await import("./sqs/sqs-encryption.ts")).sqsEncryption,
  ),
  lazy(
    "sns-encryption",
    { "sns-encryption": ["AWS::SNS::Topic"] },
    async () => (await import("./sns/sns-encryption.ts")).snsEncryption,
  ),
  lazy(
    "ebs-default-encryption",
    { "ebs-default-encryption": ["AWS::::Account"] },
    async () => (await import("./ec2/ebs-default-encryption.ts")).ebsDefaultEncryption,
  ),
  lazy(
    "lambda-function-policy",
    { "lambda-function-policy": ["AWS::Lambda::Function"] },
    async () => (await import("./lambda/lambda-function-policy.ts")).lambdaFunctionPolicy,
  ),
  lazy(
    "ecr-repository-policy",
    { "ecr-repository-policy": ["AWS::ECR::Repository"] },
    async () => (await import("./ecr/ecr-repository-policy.ts")).ecrRepositoryPolicy,
  ),
  lazy(
    "efs-file-system-policy",
    { "efs-file-system-policy": ["AWS::EFS::FileSystem"] },
    async () => (await import("./efs/efs-file-system-policy.ts")).efsFileSystemPolicy,
  ),
  lazy(
    "dynamodb-resource-policy",
    { "dynamodb-resource-policy": ["AWS::DynamoDB::Table", "AWS::DynamoDB::Stream"] },
    async () => (await import("./dynamodb/dynamodb-resource-policy.ts")).dynamodbResourcePolicy,
  ),
  lazy(
    "kinesis-encryption",
    { "kinesis-encryption": ["AWS::Kinesis::Stream"] },
    async () => (await import("./kinesis/kinesis-encryption.ts")).kinesisEncryption,
  ),
  lazy(
    "iam-unused-access-key",
    { "iam-unused-access-key": ["AWS::IAM::User"] },
    async () => (await import("./iam/unused-access-key.ts")).iamUnusedAccessKey,
  ),
  lazy(
    "iam-unused-access-notice",
    {
      "iam-unused-password": ["AWS::IAM::User"],
      "iam-unused-role": ["AWS::IAM::Role"],
      "iam-unused-permission": ["AWS::IAM::User", "AWS::IAM::Role"],
    },
    async () => (await import("./iam/unused-access-notice.ts")).iamUnusedAccessNotice,
  ),
  lazy(
    "cloudtrail-encryption",
    { "cloudtrail-encryption": ["AWS::CloudTrail::Trail"] },
    async () => (await import("./cloudtrail/cloudtrail-encryption.ts")).cloudTrailEncryption,
  ),
  lazy(
    "dynamodb-encryption",
    { "dynamodb-encryption": ["AWS::DynamoDB::Table"] },
    async () => (await import("./dynamodb/dynamodb-encryption.ts")).dynamodbEncryption,
  ),
  lazy(
    "s3-access-point-policy",
    { "s3-access-point-policy": ["AWS::S3::AccessPoint"] },
    async () => (await import("./s3/s3-access-point-policy.ts")).s3AccessPointPolicy,
  ),
  lazy(
    "s3-directory-bucket-policy",
    { "s3-directory-bucket-policy": ["AWS::S3Express::DirectoryBucket"] },
    async () => (await import("./s3/s3-directory-bucket-policy.ts")).s3DirectoryBucketPolicy,
  ),
]);
