/**
 * One fault-matrix scenario per remediation kind beyond the hand-written S3/IAM ones: the sample
 * event (test/fixtures/events), the exposed or unencrypted resource it names created in moto, and
 * which calls change it. fault-matrix.ts turns each into rows (throttling on every call to the
 * resource, AccessDenied on its write); test/resilience/coverage.test.ts fails when a registered
 * remediation has no scenario. A new kind plugs in with one entry here.
 *
 * Not a Vitest module: shared with bench/resilience.ts.
 */
import { CloudTrailClient, CreateTrailCommand } from "@aws-sdk/client-cloudtrail";
import {
  CreateTableCommand,
  DynamoDBClient,
  PutResourcePolicyCommand as PutTablePolicyCommand,
} from "@aws-sdk/client-dynamodb";
import {
  CreateSnapshotCommand,
  CreateVolumeCommand,
  DisableEbsEncryptionByDefaultCommand,
  EC2Client,
  ModifySnapshotAttributeCommand,
} from "@aws-sdk/client-ec2";
import {
  CreateRepositoryCommand,
  ECRClient,
  SetRepositoryPolicyCommand,
} from "@aws-sdk/client-ecr";
import {
  CreateFileSystemCommand,
  EFSClient,
  PutFileSystemPolicyCommand,
} from "@aws-sdk/client-efs";
import { CreateRoleCommand, IAMClient } from "@aws-sdk/client-iam";
import { CreateStreamCommand, KinesisClient } from "@aws-sdk/client-kinesis";
import {
  CreateKeyCommand,
  KMSClient,
  ListKeysCommand,
  PutKeyPolicyCommand,
} from "@aws-sdk/client-kms";
import { AddPermissionCommand, CreateFunctionCommand, LambdaClient } from "@aws-sdk/client-lambda";
import {
  CreateDBInstanceCommand,
  CreateDBSnapshotCommand,
  ModifyDBSnapshotAttributeCommand,
  RDSClient,
} from "@aws-sdk/client-rds";
import { CreateBucketCommand, PutBucketPolicyCommand, S3Client } from "@aws-sdk/client-s3";
import { CreateAccessPointCommand, PutAccessPointPolicyCommand } from "@aws-sdk/client-s3-control";
import {
  CreateSecretCommand,
  PutResourcePolicyCommand,
  SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { CreateTopicCommand, SetTopicAttributesCommand, SNSClient } from "@aws-sdk/client-sns";
import { CreateQueueCommand, SQSClient } from "@aws-sdk/client-sqs";
import { NodeHttpHandler } from "@smithy/node-http-handler";

import { VigilS3ControlClient } from "../../src/remediations/s3/s3-control-client.ts";
import { TRAIL_KEY_POLICY } from "./fake-aws-pipeline.ts";
import type { StandIn } from "./fault-injector.ts";

const ACCOUNT = "123456789012"; // moto's default account
const REGION = "eu-west-1"; // the samples' region

type Input = Record<string, unknown>;
type SampleEvent = { detail: Record<string, unknown> };

export interface KindScenario {
  /** The registered remediation's name. */
  remediation: string;
  /** test/fixtures/events/<sample>.json */
  sample: string;
  /** The SDK client's serviceId the resource's calls go to ("SQS", "Secrets Manager" …). */
  service: string;
  /** Calls about this resource (not Vigil's own topic, queue, secret or journal). */
  target: (input: Input) => boolean;
  /** The calls that change the resource. */
  write: RegExp;
  /** Creates the resource, exposed or unencrypted; points the event at it when moto names it. */
  setup(endpoint: string, event: SampleEvent): Promise<void>;
  /** Calls moto does not answer as AWS does, answered in its place (fresh state per row). */
  standIns?(): StandIn[];
}

function client<C>(
  Client: new (config: object) => C,
  endpoint: string,
  extra: Record<string, unknown> = {},
): C {
  return new Client({
    ...extra,
    endpoint,
    region: REGION,
    credentials: { accessKeyId: "testing", secretAccessKey: "testing" },
    forcePathStyle: true,
  });
}

/**
 * A new DynamoDB table whose resource policy grants `*` (moto does not enforce DynamoDB's block on
 * public policies): a change with default settings. Returns its ARN.
 */
export async function createPublicTable(
  dynamodb: DynamoDBClient,
  TableName: string,
  policy: (tableArn: string) => string,
): Promise<string> {
  const { TableDescription } = await dynamodb.send(
    new CreateTableCommand({
      TableName,
      AttributeDefinitions: [{ AttributeName: "id", AttributeType: "S" }],
      KeySchema: [{ AttributeName: "id", KeyType: "HASH" }],
      BillingMode: "PAY_PER_REQUEST",
    }),
  );
  const arn = TableDescription?.TableArn as string;
  await dynamodb.send(new PutTablePolicyCommand({ ResourceArn: arn, Policy: policy(arn) }));
  return arn;
}

function publicPolicy(action: string, resource: string, root = false): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      ...(root
        ? [
            {
              Sid: "EnableRoot",
              Effect: "Allow",
              Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
              Action: "kms:*",
              Resource: "*",
            },
          ]
        : []),
      { Sid: "Everyone", Effect: "Allow", Principal: "*", Action: action, Resource: resource },
    ],
  });
}

const queueUrl = (name: string) => (input: Input) =>
  input.QueueName === name || String(input.QueueUrl ?? "").endsWith(`/${name}`);
const topicArn = (name: string) => (input: Input) =>
  input.TopicArn === `arn:aws:sns:${REGION}:${ACCOUNT}:${name}` ||
  input.ResourceArn === `arn:aws:sns:${REGION}:${ACCOUNT}:${name}`;

export const KIND_SCENARIOS: readonly KindScenario[] = [
  {
    remediation: "s3-block-public-access",
    sample: "config-s3-public-access-noncompliant",
    service: "S3",
    target: (input) => input.Bucket === "acme-curated-exports",
    write: /^Put(PublicAccessBlock|BucketPolicy|BucketAcl)$/,
    async setup(endpoint) {
      const s3 = client(S3Client, endpoint);
      const Bucket = "acme-curated-exports";
      await s3.send(
        new CreateBucketCommand({
          Bucket,
          CreateBucketConfiguration: { LocationConstraint: REGION },
        }),
      );
      await s3.send(
        new PutBucketPolicyCommand({
          Bucket,
          Policy: publicPolicy("s3:GetObject", `arn:aws:s3:::${Bucket}/*`),
        }),
      );
    },
  },
  {
    remediation: "sqs-queue-policy",
    sample: "access-analyzer-sqs-public",
    service: "SQS",
    target: queueUrl("acme-ingest-events"),
    write: /^SetQueueAttributes$/,
    async setup(endpoint) {
      const arn = `arn:aws:sqs:${REGION}:${ACCOUNT}:acme-ingest-events`;
      await client(SQSClient, endpoint).send(
        new CreateQueueCommand({
          QueueName: "acme-ingest-events",
          Attributes: { Policy: publicPolicy("sqs:SendMessage", arn) },
        }),
      );
    },
  },
  {
    remediation: "sqs-encryption",
    sample: "config-sqs-encryption-noncompliant",
    service: "SQS",
    target: queueUrl("acme-orders-ingest"),
    write: /^SetQueueAttributes$/,
    async setup(endpoint) {
      await client(SQSClient, endpoint).send(
        new CreateQueueCommand({
          QueueName: "acme-orders-ingest",
          Attributes: { SqsManagedSseEnabled: "false" },
        }),
      );
    },
  },
  {
    remediation: "sns-topic-policy",
    sample: "access-analyzer-sns-public",
    service: "SNS",
    target: topicArn("acme-pipeline-alerts"),
    write: /^SetTopicAttributes$/,
    async setup(endpoint) {
      const sns = client(SNSClient, endpoint);
      const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: "acme-pipeline-alerts" }));
      await sns.send(
        new SetTopicAttributesCommand({
          TopicArn,
          AttributeName: "Policy",
          AttributeValue: publicPolicy("sns:Publish", TopicArn as string),
        }),
      );
    },
  },
  {
    remediation: "sns-encryption",
    sample: "config-sns-encryption-noncompliant",
    service: "SNS",
    target: topicArn("acme-etl-events"),
    write: /^SetTopicAttributes$/,
    async setup(endpoint) {
      await client(SNSClient, endpoint).send(new CreateTopicCommand({ Name: "acme-etl-events" }));
    },
  },
  {
    remediation: "kms-key-policy",
    sample: "access-analyzer-kms-external",
    service: "KMS",
    target: () => true,
    write: /^PutKeyPolicy$/,
    async setup(endpoint, event) {
      const kms = client(KMSClient, endpoint);
      const { KeyMetadata } = await kms.send(new CreateKeyCommand({}));
      await kms.send(
        new PutKeyPolicyCommand({
          KeyId: KeyMetadata?.KeyId,
          PolicyName: "default",
          Policy: publicPolicy("kms:Decrypt", "*", true),
        }),
      );
      event.detail.resource = KeyMetadata?.Arn;
    },
  },
  {
    remediation: "secret-resource-policy",
    sample: "access-analyzer-secret-public",
    service: "Secrets Manager",
    target: (input) => String(input.SecretId ?? "").includes("acme/warehouse/password"),
    write: /^(Put|Delete)ResourcePolicy$/,
    async setup(endpoint, event) {
      const secrets = client(SecretsManagerClient, endpoint);
      const { ARN } = await secrets.send(
        new CreateSecretCommand({ Name: "acme/warehouse/password", SecretString: "x" }),
      );
      await secrets.send(
        new PutResourcePolicyCommand({
          SecretId: ARN,
          ResourcePolicy: publicPolicy("secretsmanager:GetSecretValue", "*"),
        }),
      );
      event.detail.resource = ARN;
    },
  },
  {
    remediation: "efs-file-system-policy",
    sample: "access-analyzer-efs-public",
    service: "EFS",
    target: (input) => String(input.FileSystemId ?? input.ResourceId ?? "").startsWith("fs-"),
    write: /^PutFileSystemPolicy$/,
    async setup(endpoint, event) {
      const efs = client(EFSClient, endpoint);
      const { FileSystemArn, FileSystemId } = await efs.send(
        new CreateFileSystemCommand({ CreationToken: "acme-shared-scratch" }),
      );
      await efs.send(
        new PutFileSystemPolicyCommand({
          FileSystemId,
          Policy: publicPolicy("elasticfilesystem:ClientMount", FileSystemArn as string),
        }),
      );
      event.detail.resource = FileSystemArn;
    },
  },
  {
    remediation: "s3-access-point-policy",
    sample: "access-analyzer-s3-access-point-public",
    service: "S3 Control",
    target: (input) =>
      input.Name === "acme-partner-exports" ||
      String(input.ResourceArn ?? "").endsWith(":accesspoint/acme-partner-exports"),
    write: /^(Put|Delete)AccessPointPolicy$/,
    async setup(endpoint) {
      const Bucket = "acme-curated-exports";
      await client(S3Client, endpoint).send(
        new CreateBucketCommand({
          Bucket,
          CreateBucketConfiguration: { LocationConstraint: REGION },
        }),
      );
      const control = client(
        VigilS3ControlClient as new (
          config: object,
        ) => VigilS3ControlClient,
        endpoint,
      );
      const { AccessPointArn } = await control.send(
        new CreateAccessPointCommand({ AccountId: ACCOUNT, Name: "acme-partner-exports", Bucket }),
      );
      await control.send(
        new PutAccessPointPolicyCommand({
          AccountId: ACCOUNT,
          Name: "acme-partner-exports",
          Policy: publicPolicy("s3:GetObject", `${AccessPointArn}/object/*`),
        }),
      );
    },
    standIns() {
      // moto routes no ListTagsForResource on an access point ARN (its path has a slash).
      return [
        {
          service: "S3 Control",
          command: "ListTagsForResource",
          answer: async () => ({ Tags: [] }),
        },
      ];
    },
  },
  {
    remediation: "ebs-snapshot-sharing",
    sample: "access-analyzer-ebs-snapshot-public",
    service: "EC2",
    target: () => true,
    write: /^ModifySnapshotAttribute$/,
    async setup(endpoint, event) {
      const ec2 = client(EC2Client, endpoint);
      const volume = await ec2.send(
        new CreateVolumeCommand({ AvailabilityZone: `${REGION}a`, Size: 1 }),
      );
      const { SnapshotId } = await ec2.send(
        new CreateSnapshotCommand({ VolumeId: volume.VolumeId as string }),
      );
      await ec2.send(
        new ModifySnapshotAttributeCommand({
          SnapshotId,
          Attribute: "createVolumePermission",
          OperationType: "add",
          GroupNames: ["all"],
        }),
      );
      event.detail.resource = `arn:aws:ec2:${REGION}:${ACCOUNT}:snapshot/${SnapshotId}`;
    },
  },
  {
    remediation: "rds-snapshot-sharing",
    sample: "access-analyzer-rds-snapshot-public",
    service: "RDS",
    target: () => true,
    write: /^ModifyDB(Cluster)?SnapshotAttribute$/,
    async setup(endpoint) {
      const rds = client(RDSClient, endpoint);
      const name = "curated-exports-2026-11-20";
      await rds.send(
        new CreateDBInstanceCommand({
          DBInstanceIdentifier: `${name}-db`,
          DBInstanceClass: "db.t3.micro",
          Engine: "postgres",
          MasterUsername: "vigil",
          MasterUserPassword: "not-a-secret-1",
          AllocatedStorage: 20,
        }),
      );
      await rds.send(
        new CreateDBSnapshotCommand({
          DBInstanceIdentifier: `${name}-db`,
          DBSnapshotIdentifier: name,
        }),
      );
      await rds.send(
        new ModifyDBSnapshotAttributeCommand({
          DBSnapshotIdentifier: name,
          AttributeName: "restore",
          ValuesToAdd: ["all"],
        }),
      );
    },
  },
  {
    remediation: "kinesis-encryption",
    sample: "config-kinesis-encryption-noncompliant",
    service: "Kinesis",
    target: (input) => String(input.StreamARN ?? "").endsWith(":stream/acme-clickstream"),
    write: /^StartStreamEncryption$/,
    async setup(endpoint) {
      // HTTP/1.1 for moto, as the fault injector gives the handler's Kinesis client.
      await client(KinesisClient, endpoint, { requestHandler: new NodeHttpHandler() }).send(
        new CreateStreamCommand({ StreamName: "acme-clickstream", ShardCount: 1 }),
      );
    },
  },
  {
    remediation: "lambda-function-policy",
    sample: "access-analyzer-lambda-public",
    service: "Lambda",
    target: (input) => String(input.FunctionName ?? "").endsWith("acme-ingest-webhook"),
    write: /^(RemovePermission|UpdateFunctionUrlConfig)$/,
    async setup(endpoint) {
      const { Role } = await client(IAMClient, endpoint).send(
        new CreateRoleCommand({
          RoleName: "acme-ingest-webhook-role",
          AssumeRolePolicyDocument: "{}",
        }),
      );
      const lambda = client(LambdaClient, endpoint);
      await lambda.send(
        new CreateFunctionCommand({
          FunctionName: "acme-ingest-webhook",
          Role: Role?.Arn,
          Runtime: "nodejs22.x",
          Handler: "index.handler",
          // An empty zip: moto stores the function without running it.
          Code: { ZipFile: Buffer.from("UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA==", "base64") },
        }),
      );
      await lambda.send(
        new AddPermissionCommand({
          FunctionName: "acme-ingest-webhook",
          StatementId: "Everyone",
          Action: "lambda:InvokeFunction",
          Principal: "*",
        }),
      );
    },
  },
  {
    remediation: "ecr-repository-policy",
    sample: "access-analyzer-ecr-public",
    service: "ECR",
    target: (input) => input.repositoryName === "acme/ingest-worker",
    write: /^(Set|Delete)RepositoryPolicy$/,
    async setup(endpoint) {
      const ecr = client(ECRClient, endpoint);
      const { repository } = await ecr.send(
        new CreateRepositoryCommand({ repositoryName: "acme/ingest-worker" }),
      );
      await ecr.send(
        new SetRepositoryPolicyCommand({
          repositoryName: "acme/ingest-worker",
          policyText: publicPolicy("ecr:BatchGetImage", repository?.repositoryArn ?? "*"),
        }),
      );
    },
  },
  {
    remediation: "dynamodb-resource-policy",
    sample: "access-analyzer-dynamodb-external",
    service: "DynamoDB",
    target: (input) => String(input.ResourceArn ?? "").includes(":table/acme-orders"),
    write: /^(Put|Delete)ResourcePolicy$/,
    async setup(endpoint, event) {
      const dynamodb = client(DynamoDBClient, endpoint);
      event.detail.resource = await createPublicTable(dynamodb, "acme-orders", (arn) =>
        publicPolicy("dynamodb:GetItem", arn),
      );
    },
  },
  {
    remediation: "dynamodb-encryption",
    sample: "config-dynamodb-encryption-noncompliant",
    service: "DynamoDB",
    target: (input) =>
      String(input.TableName ?? input.ResourceArn ?? "").endsWith(":table/acme-orders"),
    write: /^UpdateTable$/,
    async setup(endpoint) {
      await client(DynamoDBClient, endpoint).send(
        new CreateTableCommand({
          TableName: "acme-orders",
          AttributeDefinitions: [{ AttributeName: "id", AttributeType: "S" }],
          KeySchema: [{ AttributeName: "id", KeyType: "HASH" }],
          BillingMode: "PAY_PER_REQUEST",
        }),
      );
    },
    // moto's UpdateTable ignores SSESpecification (it reads it at CreateTable only): moto still
    // answers both calls, and the table's key is kept here and laid over DescribeTable's answer.
    standIns() {
      const keys = new Map<string, string>();
      return [
        {
          service: "DynamoDB",
          command: "UpdateTable",
          async answer(input, moto) {
            const sse = (input.SSESpecification ?? {}) as {
              Enabled?: boolean;
              KMSMasterKeyId?: string;
            };
            const output = await moto();
            keys.set(String(input.TableName), sse.Enabled ? String(sse.KMSMasterKeyId) : "");
            return output;
          },
        },
        {
          service: "DynamoDB",
          command: "DescribeTable",
          async answer(input, moto) {
            const output = (await moto()) as { Table?: Record<string, unknown> };
            const key = keys.get(String(input.TableName));
            if (key === undefined || !output.Table) return output;
            const { SSEDescription: _ignored, ...table } = output.Table;
            return {
              ...output,
              Table: {
                ...table,
                ...(key
                  ? { SSEDescription: { Status: "ENABLED", SSEType: "KMS", KMSMasterKeyArn: key } }
                  : {}),
              },
            };
          },
        },
      ];
    },
  },
  {
    remediation: "ebs-default-encryption",
    sample: "config-ebs-default-encryption-noncompliant",
    service: "EC2",
    // The account's setting in the samples' region: every EC2 call in this scenario is about it.
    target: () => true,
    write: /^(EnableEbsEncryptionByDefault|ModifyEbsDefaultKmsKeyId)$/,
    async setup(endpoint) {
      await client(EC2Client, endpoint).send(new DisableEbsEncryptionByDefaultCommand({}));
    },
    // moto serves Enable/Disable/GetEbsEncryptionByDefault but not the region's default key
    // (GetEbsDefaultKmsKeyId, ResetEbsDefaultKmsKeyId): those are answered here, as in its moto test.
    standIns() {
      let key = "alias/aws/ebs";
      const answer =
        (next: (input: Record<string, unknown>) => void) =>
        async (input: Record<string, unknown>) => {
          next(input);
          return { KmsKeyId: key };
        };
      return [
        { service: "EC2", command: "GetEbsDefaultKmsKeyId", answer: answer(() => {}) },
        {
          service: "EC2",
          command: "ModifyEbsDefaultKmsKeyId",
          answer: answer((input) => {
            key = String(input.KmsKeyId ?? key);
          }),
        },
        {
          service: "EC2",
          command: "ResetEbsDefaultKmsKeyId",
          answer: answer(() => {
            key = "alias/aws/ebs";
          }),
        },
      ];
    },
  },
  {
    remediation: "cloudtrail-encryption",
    sample: "config-cloudtrail-encryption-noncompliant",
    service: "CloudTrail",
    target: (input) =>
      String(input.Name ?? "").endsWith("acme-management-events") ||
      (Array.isArray(input.ResourceIdList) &&
        input.ResourceIdList.some((id) => String(id).endsWith(":trail/acme-management-events"))),
    write: /^UpdateTrail$/,
    async setup(endpoint) {
      const Bucket = "acme-trail-logs";
      await client(S3Client, endpoint).send(
        new CreateBucketCommand({
          Bucket,
          CreateBucketConfiguration: { LocationConstraint: REGION },
        }),
      );
      await client(CloudTrailClient, endpoint).send(
        new CreateTrailCommand({ Name: "acme-management-events", S3BucketName: Bucket }),
      );
      // The deployment's key (matrixRemediationConfig's cloudTrailKmsKeyArn, the only key in
      // the account) lets CloudTrail encrypt this account's trails, as a key made for trails does.
      const kms = client(KMSClient, endpoint);
      for (const key of (await kms.send(new ListKeysCommand({}))).Keys ?? []) {
        await kms.send(
          new PutKeyPolicyCommand({
            KeyId: key.KeyId,
            PolicyName: "default",
            Policy: TRAIL_KEY_POLICY,
          }),
        );
      }
    },
  },
];

/**
 * Registered remediations with no fault-matrix scenario, and why. The coverage test fails when one
 * gets a scenario (remove it here) or another kind is missing without a line here.
 */
export const NO_FAULT_SCENARIO: Readonly<Record<string, string>> = {
  "s3-directory-bucket-policy":
    "moto serves no S3 Express One Zone (its CreateBucket of a --x-s3 name fails), so there is no moto scenario; the fuzzer drives it on the fake account and its suite mocks S3 and S3 Control with aws-sdk-client-mock",
  "iam-unused-access-key":
    "moto serves no Access Analyzer (GetFindingV2 names the key), so there is no moto scenario; the fuzzer deactivates a key on the fake account and its moto suite mocks only the analyzer",
  "iam-unused-access-notice":
    "tell-only: it declares no write, so there is no write to fault; its one read is Access Analyzer's GetFindingV2, which moto does not serve",
};

export function kindScenario(name: string): KindScenario | undefined {
  return KIND_SCENARIOS.find((scenario) => scenario.remediation === name);
}
