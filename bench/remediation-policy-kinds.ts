/**
 * The resource-policy kinds of `npm run bench remediation` (the table in ./remediation-kinds.ts):
 * each event an Access Analyzer finding on its own new resource whose policy has one public
 * statement.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
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
import { CreateKeyCommand, KMSClient, PutKeyPolicyCommand } from "@aws-sdk/client-kms";
import { AddPermissionCommand, CreateFunctionCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { type BucketLocationConstraint, CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { CreateAccessPointCommand, PutAccessPointPolicyCommand } from "@aws-sdk/client-s3-control";
import {
  CreateSecretCommand,
  PutResourcePolicyCommand,
  SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { CreateTopicCommand, SetTopicAttributesCommand, SNSClient } from "@aws-sdk/client-sns";
import { CreateQueueCommand, SQSClient } from "@aws-sdk/client-sqs";
import type { AwsClientConfig } from "../src/adapters/aws-clients.ts";
import { S3_ACCESS_POINT_POLICY } from "../src/remediations/s3/s3-access-point-policy.ts";
import { VigilS3ControlClient } from "../src/remediations/s3/s3-control-client.ts";
import type { RemediationHandlerResult } from "../src/wiring/remediation.ts";
import type { BenchKind } from "./remediation-encryption.ts";
import { createPublicTable } from "./resilience/kind-scenarios.ts";

type Event = ReturnType<BenchKind["event"]>;

const ACCOUNT = "123456789012"; // moto's default account

/** Who the bench roles trust: another account (the roles are findings of their own). */
export const TRUST = JSON.stringify({
  Version: "2012-10-17",
  Statement: [
    {
      Effect: "Allow",
      Principal: { AWS: "arn:aws:iam::444455556666:root" },
      Action: "sts:AssumeRole",
    },
  ],
});

export async function resourcePolicyKinds(options: {
  config: AwsClientConfig;
  region: string;
  sample: (name: string) => Event;
  analyzerHandler: (event: unknown) => Promise<RemediationHandlerResult>;
}): Promise<BenchKind[]> {
  const { config, region: REGION, sample, analyzerHandler } = options;
  const seedIam = new IAMClient(config);
  const seedSqs = new SQSClient(config);
  const seedSns = new SNSClient(config);
  const seedKms = new KMSClient(config);
  const seedSecrets = new SecretsManagerClient(config);
  const seedLambda = new LambdaClient(config);
  const seedEcr = new ECRClient(config);
  const seedEfs = new EFSClient(config);
  const seedDynamodb = new DynamoDBClient(config);
  const seedS3 = new S3Client(config);
  const seedControl = new VigilS3ControlClient(config);

  // The resource-policy kinds: each resource gets a policy with one public statement.
  const publicPolicy = (action: string, resource: string, ...more: object[]) =>
    JSON.stringify({
      Version: "2012-10-17",
      Statement: [
        ...more,
        { Sid: "Public", Effect: "Allow", Principal: "*", Action: action, Resource: resource },
      ],
    });
  const arns: string[] = [];
  const policyKind = (
    remediation: string,
    sampleName: string,
    create: (i: number) => Promise<string>,
  ) => ({
    remediation,
    seed: async (i: number) => {
      arns[i] = await create(i);
    },
    event: (i: number) => {
      const e = sample(sampleName);
      e.id = `bench-${remediation}-${i}`;
      e.detail = { ...e.detail, id: `bench-${remediation}-${i}`, resource: arns[i] };
      return e;
    },
    handler: analyzerHandler,
  });
  const { Role } = await seedIam.send(
    new CreateRoleCommand({ RoleName: "bench-fn-role", AssumeRolePolicyDocument: TRUST }),
  );
  const root = {
    Sid: "Root",
    Effect: "Allow",
    Principal: { AWS: "arn:aws:iam::123456789012:root" },
    Action: "kms:*",
    Resource: "*",
  };
  return [
    policyKind("sqs-queue-policy", "access-analyzer-sqs-public", async (i) => {
      const arn = `arn:aws:sqs:${REGION}:123456789012:bench-q-${i}`;
      await seedSqs.send(
        new CreateQueueCommand({
          QueueName: `bench-q-${i}`,
          Attributes: { Policy: publicPolicy("sqs:SendMessage", arn) },
        }),
      );
      return arn;
    }),
    policyKind("sns-topic-policy", "access-analyzer-sns-public", async (i) => {
      const { TopicArn } = await seedSns.send(new CreateTopicCommand({ Name: `bench-t-${i}` }));
      await seedSns.send(
        new SetTopicAttributesCommand({
          TopicArn,
          AttributeName: "Policy",
          AttributeValue: publicPolicy("sns:Publish", TopicArn as string),
        }),
      );
      return TopicArn as string;
    }),
    policyKind("kms-key-policy", "access-analyzer-kms-external", async () => {
      const { KeyMetadata } = await seedKms.send(new CreateKeyCommand({}));
      await seedKms.send(
        new PutKeyPolicyCommand({
          KeyId: KeyMetadata?.KeyId,
          PolicyName: "default",
          Policy: publicPolicy("kms:Decrypt", "*", root),
        }),
      );
      return KeyMetadata?.Arn as string;
    }),
    policyKind("secret-resource-policy", "access-analyzer-secret-public", async (i) => {
      const { ARN } = await seedSecrets.send(
        new CreateSecretCommand({ Name: `bench-s-${i}`, SecretString: "x" }),
      );
      await seedSecrets.send(
        new PutResourcePolicyCommand({
          SecretId: ARN,
          ResourcePolicy: publicPolicy("secretsmanager:GetSecretValue", "*"),
        }),
      );
      return ARN as string;
    }),
    policyKind("lambda-function-policy", "access-analyzer-lambda-public", async (i) => {
      const { FunctionArn } = await seedLambda.send(
        new CreateFunctionCommand({
          FunctionName: `bench-fn-${i}`,
          Role: Role?.Arn,
          Runtime: "nodejs22.x",
          Handler: "index.handler",
          Code: { ZipFile: Buffer.from("UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA==", "base64") },
        }),
      );
      await seedLambda.send(
        new AddPermissionCommand({
          FunctionName: FunctionArn,
          StatementId: "Public",
          Action: "lambda:InvokeFunction",
          Principal: "*",
        }),
      );
      return FunctionArn as string;
    }),
    policyKind("ecr-repository-policy", "access-analyzer-ecr-public", async (i) => {
      const { repository } = await seedEcr.send(
        new CreateRepositoryCommand({ repositoryName: `bench/repo-${i}` }),
      );
      await seedEcr.send(
        new SetRepositoryPolicyCommand({
          repositoryName: `bench/repo-${i}`,
          policyText: publicPolicy("ecr:BatchGetImage", "*"),
        }),
      );
      return repository?.repositoryArn as string;
    }),
    policyKind("efs-file-system-policy", "access-analyzer-efs-public", async (i) => {
      const { FileSystemArn, FileSystemId } = await seedEfs.send(
        new CreateFileSystemCommand({ CreationToken: `bench-fs-${i}` }),
      );
      await seedEfs.send(
        new PutFileSystemPolicyCommand({
          FileSystemId,
          Policy: publicPolicy("elasticfilesystem:ClientMount", FileSystemArn as string),
        }),
      );
      return FileSystemArn as string;
    }),
    policyKind("dynamodb-resource-policy", "access-analyzer-dynamodb-external", (i) =>
      createPublicTable(seedDynamodb, `bench-policy-${i}`, (arn) =>
        publicPolicy("dynamodb:GetItem", arn),
      ),
    ),
    {
      // A bucket finding whose only source is the access point (how Access Analyzer reports it).
      remediation: S3_ACCESS_POINT_POLICY,
      seed: async (i: number) => {
        const Bucket = `bench-ap-${i}`;
        await seedS3.send(
          new CreateBucketCommand({
            Bucket,
            CreateBucketConfiguration: { LocationConstraint: REGION as BucketLocationConstraint },
          }),
        );
        await seedControl.send(
          new CreateAccessPointCommand({ AccountId: ACCOUNT, Name: `bench-ap-${i}`, Bucket }),
        );
        // Built here: moto names the region it signs for, not the client's (us-east-1), in the
        // ARN it returns, and addresses access points by account and name only.
        const AccessPointArn = `arn:aws:s3:${REGION}:${ACCOUNT}:accesspoint/bench-ap-${i}`;
        await seedControl.send(
          new PutAccessPointPolicyCommand({
            AccountId: ACCOUNT,
            Name: `bench-ap-${i}`,
            Policy: publicPolicy("s3:GetObject", `${AccessPointArn}/object/*`),
          }),
        );
        arns[i] = AccessPointArn;
      },
      event: (i: number) => {
        const e = sample("access-analyzer-s3-access-point-public");
        e.id = `bench-ap-${i}`;
        e.detail = {
          ...e.detail,
          id: `bench-ap-${i}`,
          resource: `arn:aws:s3:::bench-ap-${i}`,
          sources: [{ type: "S3_ACCESS_POINT", detail: { accessPointArn: arns[i] } }],
        };
        return e;
      },
      handler: analyzerHandler,
    },
  ];
}
