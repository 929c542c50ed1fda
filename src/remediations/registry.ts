import type { Finding } from "../domain/finding.ts";
import type { Remediation } from "../ports/remediation.ts";
import { cloudTrailEncryption } from "./cloudtrail/cloudtrail-encryption.ts";
import { dynamodbEncryption } from "./dynamodb/dynamodb-encryption.ts";
import { dynamodbResourcePolicy } from "./dynamodb/dynamodb-resource-policy.ts";
import { ebsDefaultEncryption } from "./ec2/ebs-default-encryption.ts";
import { ecrRepositoryPolicy } from "./ecr/ecr-repository-policy.ts";
import { efsFileSystemPolicy } from "./efs/efs-file-system-policy.ts";
import { iamRiskyPolicy } from "./iam/iam-risky-policy.ts";
import { iamRoleQuarantine } from "./iam/iam-role-quarantine.ts";
import { iamUnusedAccessKey } from "./iam/unused-access-key.ts";
import { iamUnusedAccessNotice } from "./iam/unused-access-notice.ts";
import { kinesisEncryption } from "./kinesis/kinesis-encryption.ts";
import { kmsKeyPolicy } from "./kms/kms-key-policy.ts";
import { lambdaFunctionPolicy } from "./lambda/lambda-function-policy.ts";
import { s3AccessPointPolicy } from "./s3/s3-access-point-policy.ts";
import { s3BlockPublicAccess } from "./s3/s3-block-public-access.ts";
import { s3DefaultEncryption } from "./s3/s3-default-encryption.ts";
import { s3DirectoryBucketPolicy } from "./s3/s3-directory-bucket-policy.ts";
import { secretResourcePolicy } from "./secretsmanager/secret-resource-policy.ts";
import { ebsSnapshotSharing } from "./sharing/ebs-snapshot-sharing.ts";
import { rdsSnapshotSharing } from "./sharing/rds-snapshot-sharing.ts";
import { snsEncryption } from "./sns/sns-encryption.ts";
import { snsTopicPolicy } from "./sns/sns-topic-policy.ts";
import { sqsEncryption } from "./sqs/sqs-encryption.ts";
import { sqsQueuePolicy } from "./sqs/sqs-queue-policy.ts";

/** Every remediation Vigil knows. Each FindingKind is handled by exactly one (a test checks). */
export const remediations: readonly Remediation[] = Object.freeze([
  s3DefaultEncryption,
  s3BlockPublicAccess,
  iamRiskyPolicy,
  iamRoleQuarantine,
  sqsQueuePolicy,
  snsTopicPolicy,
  kmsKeyPolicy,
  secretResourcePolicy,
  ebsSnapshotSharing,
  rdsSnapshotSharing,
  sqsEncryption,
  snsEncryption,
  ebsDefaultEncryption,
  lambdaFunctionPolicy,
  ecrRepositoryPolicy,
  efsFileSystemPolicy,
  dynamodbResourcePolicy,
  kinesisEncryption,
  iamUnusedAccessKey,
  iamUnusedAccessNotice,
  cloudTrailEncryption,
  dynamodbEncryption,
  s3AccessPointPolicy,
  s3DirectoryBucketPolicy,
]);

export function remediationFor(finding: Finding): Remediation | undefined {
  return remediations.find((remediation) => remediation.handles(finding));
}

export function remediationByName(name: string): Remediation | undefined {
  return remediations.find((remediation) => remediation.name === name);
}

export { DEFAULT_REMEDIATION_SETTINGS } from "./settings.ts";
