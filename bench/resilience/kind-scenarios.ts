/**
 * One fault-matrix scenario per remediation kind beyond the hand-written S3/IAM ones: the sample
 * event (test/fixtures/events), the exposed or unencrypted resource it names created in moto, and
 * which calls change it. fault-matrix.ts turns each into rows (throttling on every call to the
 * resource, AccessDenied on its write); test/resilience/coverage.test.ts fails when a registered
 * remediation has no scenario. A new kind plugs in with one entry here.
 *
 * Not a Vitest module: shared with bench/resilience.ts.
 */
import {
  CreateSnapshotCommand,
  CreateVolumeCommand,
  EC2Client,
  ModifySnapshotAttributeCommand,
} from "@aws-sdk/client-ec2";
import {
  CreateFileSystemCommand,
  EFSClient,
  PutFileSystemPolicyCommand,
} from "@aws-sdk/client-efs";
import { CreateKeyCommand, KMSClient, PutKeyPolicyCommand } from "@aws-sdk/client-kms";
import {
  CreateDBInstanceCommand,
  CreateDBSnapshotCommand,
  ModifyDBSnapshotAttributeCommand,
  RDSClient,
} from "@aws-sdk/client-rds";
import { CreateBucketCommand, PutBucketPolicyCommand, S3Client } from "@aws-sdk/client-s3";
import {
  CreateSecretCommand,
  PutResourcePolicyCommand,
  SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { CreateTopicCommand, SetTopicAttributesCommand, SNSClient } from "@aws-sdk/client-sns";
import { CreateQueueCommand, SQSClient } from "@aws-sdk/client-sqs";

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
}

function client<C>(Client: new (config: object) => C, endpoint: string): C {
  return new Client({
    endpoint,
    region: REGION,
    credentials: { accessKeyId: "testing", secretAccessKey: "testing" },
    forcePathStyle: true,
  });
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
];

/**
 * Registered remediations with no fault-matrix scenario, and why. The coverage test fails when one
 * gets a scenario (remove it here) or another kind is missing without a line here.
 */
export const NO_FAULT_SCENARIO: Readonly<Record<string, string>> = {
  "kinesis-encryption":
    "not written yet: the Kinesis client speaks HTTP/2 by default, which moto does not ('Protocol error'); the scenario needs the HTTP/1.1 handler its moto test uses (the fuzzer covers it)",
  "dynamodb-encryption":
    "not written yet: moto's UpdateTable ignores SSESpecification, so its test mocks DynamoDB (the fuzzer covers it)",
  "lambda-function-policy": "not written yet (merged last; the fuzzer and its moto suite cover it)",
  "ecr-repository-policy": "not written yet (merged last; the fuzzer and its moto suite cover it)",
  "ebs-default-encryption":
    "moto serves no GetEbsDefaultKmsKeyId (the SDK retries its 500s as transient); its moto test fakes that call in the client's middleware",
};

export function kindScenario(name: string): KindScenario | undefined {
  return KIND_SCENARIOS.find((scenario) => scenario.remediation === name);
}
