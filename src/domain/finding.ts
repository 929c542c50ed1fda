/**
 * One normalised finding, whatever reported it (AWS Config, IAM Access Analyzer, the reconciliation
 * sweep or the CLI). Remediations and the runner only ever see this shape.
 */
export type FindingSource = "config" | "access-analyzer" | "sweep" | "cli";

export type ResourceType =
  | "AWS::S3::Bucket"
  | "AWS::IAM::Role"
  | "AWS::IAM::User"
  | "AWS::IAM::Group"
  | "AWS::IAM::Policy"
  | "AWS::SQS::Queue"
  | "AWS::SNS::Topic"
  | "AWS::KMS::Key"
  | "AWS::SecretsManager::Secret"
  | "AWS::Lambda::Function"
  | "AWS::ECR::Repository"
  | "AWS::EFS::FileSystem"
  /**
   * An S3 access point (of a general purpose bucket). Access Analyzer reports no finding of this
   * type: the exposure comes as an AWS::S3::Bucket finding whose only source is the access point.
   */
  | "AWS::S3::AccessPoint"
  | "AWS::S3Express::DirectoryBucket"
  | "AWS::EC2::Snapshot"
  | "AWS::RDS::DBSnapshot"
  | "AWS::RDS::DBClusterSnapshot"
  // Encryption at rest of pipeline services (issue 12 item 6).
  | "AWS::Kinesis::Stream"
  | "AWS::DynamoDB::Table"
  | "AWS::DynamoDB::Stream"
  | "AWS::CloudTrail::Trail"
  /** Account-level settings (EBS encryption by default), one per region. */
  | "AWS::::Account";

/** What is wrong, independent of which rule or analyzer said so. */
export type FindingKind =
  | "s3-encryption" // default encryption missing, downgraded or not the configured algorithm
  | "s3-public-access" // bucket public, or its public access block off
  | "iam-risky-policy" // admin-like or deny-listed policy attached, or inline risky policy
  | "iam-external-trust" // role assumable by an external account or anyone
  // Resource policies granting anyone (or, with stripExternalAccounts, outside accounts):
  | "sqs-queue-policy"
  | "sns-topic-policy"
  | "kms-key-policy"
  | "secret-resource-policy"
  | "lambda-function-policy" // function permissions (and a function URL with AuthType NONE)
  | "ecr-repository-policy"
  | "efs-file-system-policy"
  | "dynamodb-resource-policy" // table or stream resource policy
  | "s3-access-point-policy" // an S3 access point's policy (a bucket finding whose source it is)
  | "s3-directory-bucket-policy" // S3 Express One Zone directory bucket policy
  | "ebs-snapshot-sharing" // EBS snapshot restorable by anyone ("all") or an external account
  | "rds-snapshot-sharing" // RDS DB / cluster snapshot restorable by anyone or an external account
  | "sqs-encryption" // queue without server-side encryption
  | "sns-encryption" // topic without a KMS key
  | "ebs-default-encryption" // EBS encryption by default off in a region
  | "kinesis-encryption" // Kinesis data stream without server-side encryption
  | "cloudtrail-encryption" // CloudTrail trail whose log files are not encrypted with a KMS key
  | "dynamodb-encryption" // DynamoDB table not on a KMS key (AWS owned key)
  // Unused access (IAM Access Analyzer unused-access analyzer):
  | "iam-unused-access-key" // access key not used within the analyzer's window: deactivate
  | "iam-unused-password" // console password not used: tell (a password is never recoverable)
  | "iam-unused-role" // role not used: tell
  | "iam-unused-permission"; // services / actions granted but not used: propose the narrowed policy

export interface Finding {
  /** Stable id: Access Analyzer finding id, or a hash of config rule + resource + time. */
  id: string;
  /** Id of the EventBridge event that carried it (for logs and idempotency). */
  eventId: string;
  source: FindingSource;
  account: string;
  region: string;
  resourceType: ResourceType;
  /** As reported: bucket name, IAM unique id (AIDA…/AROA…/ANPA…/AGPA…), snapshot id or ARN. */
  resourceId: string;
  /** Resolved ARN (IAM unique ids are resolved before remediation). */
  resourceArn: string;
  /** Resolved name: bucket, user, role, group or policy name. */
  resourceName: string;
  /** Config rule name, or "access-analyzer". */
  rule: string;
  kind: FindingKind;
  /** Access Analyzer principal, e.g. { AWS: "444455556666" } or { AWS: "*" }. */
  principal?: Record<string, string>;
  isPublic: boolean;
  /** The analyzer that reported it (unused-access findings: its details come from GetFindingV2). */
  analyzerArn?: string;
  /** ISO time the source observed it. */
  observedAt: string;
}
