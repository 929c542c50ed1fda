/**
 * Remediation against moto_server on loopback: 50 events per remediation through the real
 * handlers, each on its own freshly seeded resource (the resource-policy kinds: a policy with one
 * public statement). Reports AWS calls per remediation (reads
 * and writes the remediation itself makes; the journal's and SNS's are counted apart) and latency
 * from event to verified fix, p50/p99.
 */
import { readFileSync } from "node:fs";
import { Logger } from "@aws-lambda-powertools/logger";
import { ConfigServiceClient } from "@aws-sdk/client-config-service";
import {
  CreateTableCommand,
  DynamoDBClient,
  PutResourcePolicyCommand as PutTablePolicyCommand,
} from "@aws-sdk/client-dynamodb";
import {
  CreateSnapshotCommand,
  CreateVolumeCommand,
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
import {
  AttachRolePolicyCommand,
  CreatePolicyCommand,
  CreateRoleCommand,
  IAMClient,
} from "@aws-sdk/client-iam";
import { CreateKeyCommand, KMSClient, PutKeyPolicyCommand } from "@aws-sdk/client-kms";
import { AddPermissionCommand, CreateFunctionCommand, LambdaClient } from "@aws-sdk/client-lambda";
import {
  CreateDBInstanceCommand,
  CreateDBSnapshotCommand,
  ModifyDBSnapshotAttributeCommand,
  RDSClient,
} from "@aws-sdk/client-rds";
import {
  CreateBucketCommand,
  PutBucketEncryptionCommand,
  PutBucketPolicyCommand,
  PutPublicAccessBlockCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { CreateAccessPointCommand, PutAccessPointPolicyCommand } from "@aws-sdk/client-s3-control";
import {
  CreateSecretCommand,
  PutResourcePolicyCommand,
  SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { CreateTopicCommand, SetTopicAttributesCommand, SNSClient } from "@aws-sdk/client-sns";
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from "@aws-sdk/client-sqs";
import type { InitializeMiddleware, MetadataBearer, MiddlewareStack } from "@smithy/types";
import { quantileSorted } from "simple-statistics";
import * as onAccessAnalyzer from "../functions/on-access-analyzer-finding.ts";
import * as onConfig from "../functions/on-config-compliance-change.ts";
import { putManagedConfigRules, withRuleArn } from "../sandbox/config-rules.ts";
import { startMotoServer } from "../sandbox/moto-server.ts";
import { awsClientConfig } from "../src/adapters/aws-clients.ts";
import { MemoryNotifier } from "../src/adapters/sns-notifier.ts";
import { parseRemediationConfig } from "../src/config/remediation-config.ts";
import { quarantinePolicyDefinition } from "../src/remediations/iam/iam-role-quarantine.ts";
import { S3_ACCESS_POINT_POLICY } from "../src/remediations/s3/s3-access-point-policy.ts";
import { VigilS3ControlClient } from "../src/remediations/s3/s3-control-client.ts";
import { createRemediationDeps, type RemediationHandlerResult } from "../src/wiring/remediation.ts";
import { prepareEncryptionBench, withStandIns } from "./remediation-encryption.ts";
import { kindScenario } from "./resilience/kind-scenarios.ts";

const REGION = "eu-west-1";
const ACCOUNT = "123456789012"; // moto's default account
const KEY = "arn:aws:kms:eu-west-1:123456789012:key/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0";
const PER_KIND = 50;
const WRITE =
  /^(Put|Delete|Attach|Detach|Create|Update|Modify|Add|Remove|Set|Start|Stop|Enable|Disable|Reset)/;
const TRUST = JSON.stringify({
  Version: "2012-10-17",
  Statement: [
    {
      Effect: "Allow",
      Principal: { AWS: "arn:aws:iam::444455556666:root" },
      Action: "sts:AssumeRole",
    },
  ],
});

type Event = { id: string; detail: Record<string, unknown> } & Record<string, unknown>;
/** Config rule ARNs of the bench account: events carry their rule's. */
let ruleArns = new Map<string, string>();
const sample = (name: string, mutate: (e: Event) => void = () => {}): Event => {
  const e = JSON.parse(
    readFileSync(new URL(`../test/fixtures/events/${name}.json`, import.meta.url), "utf8"),
  ) as Event;
  mutate(e);
  return withRuleArn(e, ruleArns);
};

/** Counts every command a client sends, by name. */
function counted<T extends { middlewareStack: unknown }>(
  client: T,
  counts: Map<string, number>,
): T {
  const countCommands: InitializeMiddleware<object, MetadataBearer> =
    (next, context) => async (args) => {
      const name = String(context.commandName ?? "?").replace(/Command$/, "");
      counts.set(name, (counts.get(name) ?? 0) + 1);
      return next(args);
    };
  (client.middlewareStack as unknown as MiddlewareStack<object, MetadataBearer>).add(
    countCommands,
    {
      step: "initialize",
      name: "vigilBenchCounter",
    },
  );
  return client;
}

/** `only`: the remediations to run (all when empty). */
export async function benchRemediation(only: readonly string[] = []) {
  const moto = await startMotoServer();
  try {
    const env = {
      ...process.env,
      AWS_ENDPOINT_URL: moto.endpoint,
      AWS_REGION: REGION,
      VIGIL_JOURNAL_BUCKET: "vigil-bench-journal",
    };
    const config = awsClientConfig(env);
    const seedS3 = new S3Client(config);
    const seedIam = new IAMClient(config);
    await seedS3.send(
      new CreateBucketCommand({
        Bucket: "vigil-bench-journal",
        CreateBucketConfiguration: { LocationConstraint: REGION },
      }),
    );
    // The samples' managed rules: the intake acts on AWS-owned rules only.
    ruleArns = new Map([
      ...(await putManagedConfigRules(new ConfigServiceClient(config))),
      ...(await putManagedConfigRules(new ConfigServiceClient({ ...config, region: "us-east-1" }))),
    ]);
    const counts = new Map<string, number>();
    const s3 = counted(new S3Client(config), counts);
    const iam = counted(new IAMClient(config), counts);
    const configHandler = (e: unknown) =>
      onConfig.handler(e, {
        invokedFunctionArn: "arn:aws:lambda:eu-west-1:123456789012:function:b",
      });
    const encryption = await prepareEncryptionBench({
      config,
      region: REGION,
      counted: (client) => counted(client, counts),
      sample,
      handler: configHandler,
    });
    for (const [key, arn] of encryption.ruleArns) ruleArns.set(key, arn);
    const ec2 = counted(encryption.withEbsDefaultKey(new EC2Client(config)), counts);
    const rds = counted(new RDSClient(config), counts);
    const seedEc2 = new EC2Client(config);
    const seedRds = new RDSClient(config);
    // Any other service's client, as the runner's context builds them (counted like s3 and iam).
    const sqs = counted(new SQSClient(config), counts);
    const sns = counted(new SNSClient(config), counts);
    const kms = counted(new KMSClient(config), counts);
    const secrets = counted(new SecretsManagerClient(config), counts);
    const lambda = counted(new LambdaClient(config), counts);
    const ecr = counted(new ECRClient(config), counts);
    const efs = counted(new EFSClient(config), counts);
    // moto routes no ListTagsForResource on an access point ARN: the fault matrix's stand-in
    // answers it (counted like any call).
    const control = counted(
      withStandIns(
        new VigilS3ControlClient(config),
        kindScenario(S3_ACCESS_POINT_POLICY)?.standIns?.() ?? [],
      ),
      counts,
    );
    const others = [
      ...[ec2, rds, sqs, sns, kms, secrets, lambda, ecr, efs, control],
      ...encryption.clients,
    ];
    const seedSqs = new SQSClient(config);
    const seedSns = new SNSClient(config);
    const seedKms = new KMSClient(config);
    const seedSecrets = new SecretsManagerClient(config);
    const seedLambda = new LambdaClient(config);
    const seedEcr = new ECRClient(config);
    const seedEfs = new EFSClient(config);
    const seedDynamodb = new DynamoDBClient(config);
    const client = <Client>(Client: new (config: { region: string }) => Client): Client => {
      const found = others.find((candidate) => candidate.constructor === Client);
      if (!found) throw new Error(`bench built no ${Client.name}`);
      return found as Client;
    };
    const remediationConfig = parseRemediationConfig({
      defaultMode: "enforce",
      // The bench changes 200 resources in a minute: lift the per-account rate limit; and the
      // account's EBS default setting, one resource, is changed 50 times: lift the loop breaker.
      rateLimit: { maxChanges: 1000, windowMinutes: 60 },
      loopBreaker: { maxRemediations: 1000 },
      settings: { s3EncryptionAlgorithm: "aws:kms", s3KmsKeyArn: KEY, ...encryption.settings },
      ruleKinds: encryption.ruleKinds,
      trustedConfigRules: encryption.trustedConfigRules,
    });
    const app = await createRemediationDeps({
      env,
      loadConfig: async () => remediationConfig,
      logger: new Logger({ serviceName: "bench", logLevel: "SILENT" }),
      homeAccount: "123456789012",
      overrides: {
        notifier: new MemoryNotifier(),
        contextFor: () => ({ s3, iam, client, settings: remediationConfig.settings }),
      },
    });
    onConfig.setRemediationApp(app);
    onAccessAnalyzer.setRemediationApp(app);

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
    const analyzerHandler = (e: unknown) =>
      onAccessAnalyzer.handler(e, {
        invokedFunctionArn: "arn:aws:lambda:eu-west-1:123456789012:function:b",
      });

    const kinds: Array<{
      remediation: string;
      seed: (i: number) => Promise<void>;
      event: (i: number) => Event;
      handler: (event: unknown) => Promise<RemediationHandlerResult>;
    }> = [
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
        handler: (e) =>
          onConfig.handler(e, {
            invokedFunctionArn: "arn:aws:lambda:eu-west-1:123456789012:function:b",
          }),
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
        handler: (e) =>
          onAccessAnalyzer.handler(e, {
            invokedFunctionArn: "arn:aws:lambda:eu-west-1:123456789012:function:b",
          }),
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
        handler: (e) =>
          onConfig.handler(e, {
            invokedFunctionArn: "arn:aws:lambda:eu-west-1:123456789012:function:b",
          }),
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
        handler: (e) =>
          onAccessAnalyzer.handler(e, {
            invokedFunctionArn: "arn:aws:lambda:eu-west-1:123456789012:function:b",
          }),
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
    kinds.push(
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
      {
        // A bucket finding whose only source is the access point (how Access Analyzer reports it).
        remediation: S3_ACCESS_POINT_POLICY,
        seed: async (i: number) => {
          const Bucket = `bench-ap-${i}`;
          await bucket(Bucket);
          const seedControl = new VigilS3ControlClient(config);
          await seedControl.send(
            new CreateAccessPointCommand({ AccountId: ACCOUNT, Name: `bench-ap-${i}`, Bucket }),
          );
          // Built here: moto names the region it signs for, not the client's (us-east-1), in
          // the ARN it returns, and addresses access points by account and name only.
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
      policyKind("dynamodb-resource-policy", "access-analyzer-dynamodb-external", async (i) => {
        const { TableDescription } = await seedDynamodb.send(
          new CreateTableCommand({
            TableName: `bench-policy-${i}`,
            AttributeDefinitions: [{ AttributeName: "id", AttributeType: "S" }],
            KeySchema: [{ AttributeName: "id", KeyType: "HASH" }],
            BillingMode: "PAY_PER_REQUEST",
          }),
        );
        const arn = TableDescription?.TableArn as string;
        // Public (moto does not enforce DynamoDB's block on public policies): a change by default.
        await seedDynamodb.send(
          new PutTablePolicyCommand({
            ResourceArn: arn,
            Policy: publicPolicy("dynamodb:GetItem", arn),
          }),
        );
        return arn;
      }),
    );

    kinds.push(...encryption.kinds());

    // The floor, in the same run on the same loaded machine: one read round trip to moto.
    const { QueueUrl: queueUrl } = await seedSqs.send(
      new CreateQueueCommand({ QueueName: "bench-floor" }),
    );
    const floor: number[] = [];
    for (let i = 0; i < PER_KIND; i++) {
      const started = performance.now();
      await seedSqs.send(
        new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ["All"] }),
      );
      floor.push(performance.now() - started);
    }
    floor.sort((a, b) => a - b);
    const floorMs = Math.round(quantileSorted(floor, 0.5) * 10) / 10;

    const lines: Record<string, unknown>[] = [];
    const all: number[] = [];
    for (const kind of kinds.filter((k) => only.length === 0 || only.includes(k.remediation))) {
      const latencies: number[] = [];
      let reads = 0;
      let writes = 0;
      let applied = 0;
      for (let i = 0; i < PER_KIND; i++) {
        await kind.seed(i);
        counts.clear();
        const started = performance.now();
        const result = await kind.handler(kind.event(i));
        latencies.push(performance.now() - started);
        if ("outcome" in result && result.outcome === "applied") applied++;
        for (const [name, n] of counts) {
          if (WRITE.test(name)) writes += n;
          else reads += n;
        }
      }
      latencies.sort((a, b) => a - b);
      all.push(...latencies);
      lines.push({
        bench: "remediation",
        remediation: kind.remediation,
        events: PER_KIND,
        applied,
        readsPerEvent: reads / PER_KIND,
        writesPerEvent: writes / PER_KIND,
        p50Ms: Math.round(quantileSorted(latencies, 0.5)),
        p99Ms: Math.round(quantileSorted(latencies, 0.99)),
        // Latency in round trips of the floor: comparable across runs on a noisy machine.
        p50PerFloor: Math.round(quantileSorted(latencies, 0.5) / floorMs),
      });
    }
    all.sort((a, b) => a - b);
    lines.push({ bench: "remediation-floor", call: "SQS GetQueueAttributes", p50Ms: floorMs });
    lines.push({
      bench: "remediation-latency",
      events: all.length,
      p50Ms: Math.round(quantileSorted(all, 0.5)),
      p99Ms: Math.round(quantileSorted(all, 0.99)),
    });
    return lines;
  } finally {
    onConfig.setRemediationApp(undefined);
    onAccessAnalyzer.setRemediationApp(undefined);
    await moto.stop();
  }
}
