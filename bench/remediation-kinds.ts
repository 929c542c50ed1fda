/**
 * The scenario table of `npm run bench remediation` (bench/remediation.ts runs and measures it):
 * per remediation kind, how to seed its resource in moto_server (one fresh resource per event)
 * and the event that reports it. S3, IAM and snapshot sharing here, the resource-policy kinds in
 * ./remediation-policy-kinds.ts, the encryption kinds beyond S3 in ./remediation-encryption.ts.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import {
  CreateSnapshotCommand,
  CreateVolumeCommand,
  EC2Client,
  ModifySnapshotAttributeCommand,
} from "@aws-sdk/client-ec2";
import { ECRClient } from "@aws-sdk/client-ecr";
import { EFSClient } from "@aws-sdk/client-efs";
import {
  AttachRolePolicyCommand,
  CreatePolicyCommand,
  CreateRoleCommand,
  IAMClient,
} from "@aws-sdk/client-iam";
import { KMSClient } from "@aws-sdk/client-kms";
import { LambdaClient } from "@aws-sdk/client-lambda";
import {
  CreateDBInstanceCommand,
  CreateDBSnapshotCommand,
  ModifyDBSnapshotAttributeCommand,
  RDSClient,
} from "@aws-sdk/client-rds";
import {
  type BucketLocationConstraint,
  CreateBucketCommand,
  PutBucketEncryptionCommand,
  PutBucketPolicyCommand,
  PutPublicAccessBlockCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { SNSClient } from "@aws-sdk/client-sns";
import { SQSClient } from "@aws-sdk/client-sqs";
import type { AwsClientConfig } from "../src/adapters/aws-clients.ts";
import { quarantinePolicyDefinition } from "../src/remediations/iam/iam-role-quarantine.ts";
import type { RemediationHandlerResult } from "../src/wiring/remediation.ts";
import type { BenchKind } from "./remediation-encryption.ts";
import { resourcePolicyKinds, TRUST } from "./remediation-policy-kinds.ts";

type Event = ReturnType<BenchKind["event"]>;

/** Seeds what every scenario shares (a volume, a DB instance, a role) and returns the table. */
export async function remediationKinds(options: {
  config: AwsClientConfig;
  region: BucketLocationConstraint;
  /** A sample event of test/fixtures/events, its rule's ARN set for the bench account. */
  sample: (name: string) => Event;
  configHandler: (event: unknown) => Promise<RemediationHandlerResult>;
  analyzerHandler: (event: unknown) => Promise<RemediationHandlerResult>;
}): Promise<BenchKind[]> {
  const { config, region: REGION, sample, configHandler, analyzerHandler } = options;
  const seedS3 = new S3Client(config);
  const seedIam = new IAMClient(config);
  const seedEc2 = new EC2Client(config);
  const seedRds = new RDSClient(config);
  const _seedSqs = new SQSClient(config);
  const _seedSns = new SNSClient(config);
  const _seedKms = new KMSClient(config);
  const _seedSecrets = new SecretsManagerClient(config);
  const _seedLambda = new LambdaClient(config);
  const _seedEcr = new ECRClient(config);
  const _seedEfs = new EFSClient(config);
  const _seedDynamodb = new DynamoDBClient(config);

  const bucket = async (name: string) =>
    seedS3.send(
      new CreateBucketCommand({
        Bucket: name,
        CreateBucketConfiguration: { LocationConstraint: REGION },
      }),
    );
  const adminPolicyIds: string[] = [];
  const snapshotIds: string[] = [];
  const volume = await seedEc2.send(
    new CreateVolumeCommand({ AvailabilityZone: `${REGION}a`, Size: 1 }),
  );
  await seedRds.send(
    new CreateDBInstanceCommand({
      DBInstanceIdentifier: "bench-db",
      DBInstanceClass: "db.t3.micro",
      Engine: "postgres",
      MasterUsername: "bench",
      MasterUserPassword: "not-a-secret-1",
      AllocatedStorage: 20,
    }),
  );

  const kinds: BenchKind[] = [
    {
      remediation: "s3-default-encryption",
      seed: async (i) => {
        await bucket(`bench-enc-${i}`);
        await seedS3.send(
          new PutBucketEncryptionCommand({
            Bucket: `bench-enc-${i}`,
            ServerSideEncryptionConfiguration: {
              Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" } }],
            },
          }),
        );
      },
      event: (i) => {
        const e = sample("config-s3-encryption-noncompliant");
        e.id = `bench-enc-${i}`;
        e.detail.resourceId = `bench-enc-${i}`;
        return e;
      },
      handler: configHandler,
    },
    {
      remediation: "s3-block-public-access",
      seed: async (i) => {
        await bucket(`bench-pub-${i}`);
        await seedS3.send(
          new PutPublicAccessBlockCommand({
            Bucket: `bench-pub-${i}`,
            PublicAccessBlockConfiguration: {
              BlockPublicAcls: false,
              IgnorePublicAcls: false,
              BlockPublicPolicy: false,
              RestrictPublicBuckets: false,
            },
          }),
        );
        await seedS3.send(
          new PutBucketPolicyCommand({
            Bucket: `bench-pub-${i}`,
            Policy: JSON.stringify({
              Version: "2012-10-17",
              Statement: [
                {
                  Effect: "Allow",
                  Principal: "*",
                  Action: "s3:GetObject",
                  Resource: `arn:aws:s3:::bench-pub-${i}/*`,
                },
              ],
            }),
          }),
        );
      },
      event: (i) => {
        const e = sample("access-analyzer-s3-public");
        e.id = `bench-pub-${i}`;
        e.detail = { ...e.detail, id: `bench-pub-${i}`, resource: `arn:aws:s3:::bench-pub-${i}` };
        return e;
      },
      handler: analyzerHandler,
    },
    {
      remediation: "iam-risky-policy",
      seed: async (i) => {
        // One policy per event: the same policy fixed 50 times would (rightly) trip the loop breaker.
        const admin = await seedIam.send(
          new CreatePolicyCommand({
            PolicyName: `bench-admin-${i}`,
            PolicyDocument: JSON.stringify({
              Version: "2012-10-17",
              Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }],
            }),
          }),
        );
        adminPolicyIds[i] = admin.Policy?.PolicyId as string;
        await seedIam.send(
          new CreateRoleCommand({
            RoleName: `bench-admin-${i}`,
            AssumeRolePolicyDocument: TRUST,
          }),
        );
        await seedIam.send(
          new AttachRolePolicyCommand({
            RoleName: `bench-admin-${i}`,
            PolicyArn: admin.Policy?.Arn,
          }),
        );
      },
      event: (i) => {
        // Config on the policy: detach from each attachment (one role per event here).
        const e = sample("config-iam-admin-policy-noncompliant");
        e.id = `bench-iam-${i}`;
        e.detail.resourceId = adminPolicyIds[i];
        return e;
      },
      handler: configHandler,
    },
    {
      remediation: "iam-role-quarantine",
      seed: async (i) => {
        // The stack's deny-all policy, once per account.
        if (i === 0) await seedIam.send(new CreatePolicyCommand(quarantinePolicyDefinition()));
        await seedIam.send(
          new CreateRoleCommand({ RoleName: `bench-ext-${i}`, AssumeRolePolicyDocument: TRUST }),
        );
      },
      event: (i) => {
        const e = sample("access-analyzer-iam-role-external");
        e.id = `bench-ext-${i}`;
        e.detail = {
          ...e.detail,
          id: `bench-ext-${i}`,
          resource: `arn:aws:iam::123456789012:role/bench-ext-${i}`,
        };
        return e;
      },
      handler: analyzerHandler,
    },
    {
      remediation: "ebs-snapshot-sharing",
      seed: async (i) => {
        const snapshot = await seedEc2.send(
          new CreateSnapshotCommand({ VolumeId: volume.VolumeId as string }),
        );
        snapshotIds[i] = snapshot.SnapshotId as string;
        await seedEc2.send(
          new ModifySnapshotAttributeCommand({
            SnapshotId: snapshotIds[i],
            Attribute: "createVolumePermission",
            OperationType: "add",
            GroupNames: ["all"],
          }),
        );
      },
      event: (i) => {
        const e = sample("access-analyzer-ebs-snapshot-public");
        e.id = `bench-ebs-${i}`;
        e.detail = {
          ...e.detail,
          id: `bench-ebs-${i}`,
          resource: `arn:aws:ec2:${REGION}:123456789012:snapshot/${snapshotIds[i]}`,
        };
        return e;
      },
      handler: analyzerHandler,
    },
    {
      remediation: "rds-snapshot-sharing",
      seed: async (i) => {
        await seedRds.send(
          new CreateDBSnapshotCommand({
            DBInstanceIdentifier: "bench-db",
            DBSnapshotIdentifier: `bench-rds-${i}`,
          }),
        );
        await seedRds.send(
          new ModifyDBSnapshotAttributeCommand({
            DBSnapshotIdentifier: `bench-rds-${i}`,
            AttributeName: "restore",
            ValuesToAdd: ["all"],
          }),
        );
      },
      event: (i) => {
        const e = sample("access-analyzer-rds-snapshot-public");
        e.id = `bench-rds-${i}`;
        e.detail = {
          ...e.detail,
          id: `bench-rds-${i}`,
          resource: `arn:aws:rds:${REGION}:123456789012:snapshot:bench-rds-${i}`,
        };
        return e;
      },
      handler: analyzerHandler,
    },
  ];

  kinds.push(...(await resourcePolicyKinds({ config, region: REGION, sample, analyzerHandler })));
  return kinds;
}
