/**
 * The encryption kinds beyond S3 for `npm run bench remediation` (bench/remediation.ts): each
 * event a Config evaluation of its own freshly created, unencrypted resource, through the real
 * handler, under the AWS managed rule's default name. moto answers every call except where it does
 * not behave as AWS does; there the fault matrix's stand-ins (bench/resilience/kind-scenarios.ts)
 * lay the missing state over moto's answer: DynamoDB's UpdateTable SSE (moto ignores it) and EBS's
 * default key (moto has no GetEbsDefaultKmsKeyId). The calls are counted all the same.
 */
import { CloudTrailClient, CreateTrailCommand } from "@aws-sdk/client-cloudtrail";
import {
  ConfigServiceClient,
  DescribeConfigRulesCommand,
  PutConfigRuleCommand,
} from "@aws-sdk/client-config-service";
import { CreateTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DisableEbsEncryptionByDefaultCommand, EC2Client } from "@aws-sdk/client-ec2";
import { CreateRoleCommand, IAMClient } from "@aws-sdk/client-iam";
import { CreateStreamCommand, KinesisClient } from "@aws-sdk/client-kinesis";
import { CreateKeyCommand, KMSClient } from "@aws-sdk/client-kms";
import { CreateFunctionCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { CreateTopicCommand, SNSClient } from "@aws-sdk/client-sns";
import { CreateQueueCommand, SQSClient } from "@aws-sdk/client-sqs";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import type { InitializeMiddleware, MetadataBearer, MiddlewareStack } from "@smithy/types";
import type { AwsClientConfig } from "../src/adapters/aws-clients.ts";
import type { RemediationHandlerResult } from "../src/wiring/remediation.ts";
import { TRAIL_KEY_POLICY } from "./resilience/fake-aws-pipeline.ts";
import type { StandIn } from "./resilience/fault-injector.ts";
import { kindScenario } from "./resilience/kind-scenarios.ts";

const ACCOUNT = "123456789012";
/** SQS encryption has no AWS managed rule: mapped by name, as a deployment would. */
const SQS_RULE = "securityhub-sqs-queue-encrypted-11ce1a73";

type Event = { id: string; detail: Record<string, unknown> } & Record<string, unknown>;

export interface BenchKind {
  remediation: string;
  seed: (i: number) => Promise<void>;
  event: (i: number) => Event;
  handler: (event: unknown) => Promise<RemediationHandlerResult>;
}

/** Answers a scenario's stand-in calls on a bench client (inside the bench's call counter). */
export function withStandIns<T extends { middlewareStack: unknown }>(
  client: T,
  standIns: StandIn[],
): T {
  const standIn: InitializeMiddleware<object, MetadataBearer> = (next, context) => async (args) => {
    const command = String(context.commandName ?? "").replace(/Command$/, "");
    const found = standIns.find((s) => s.command === command);
    if (!found) return next(args);
    const input = (args.input ?? {}) as Record<string, unknown>;
    const output = await found.answer(
      input,
      async () => (await next(args)).output as unknown as Record<string, unknown>,
    );
    return { output: { ...output, $metadata: {} } as MetadataBearer, response: {} };
  };
  (client.middlewareStack as MiddlewareStack<object, MetadataBearer>).add(standIn, {
    step: "initialize",
    priority: "low",
    name: "benchStandIn",
  });
  return client;
}

function standInsOf(remediation: string): StandIn[] {
  return kindScenario(remediation)?.standIns?.() ?? [];
}

export interface EncryptionBench {
  /** Clients the remediations ask the context for (counted by the caller). */
  clients: Array<{ middlewareStack: unknown }>;
  /** Settings and rule mappings the bench's deployment needs for these kinds. */
  settings: { cloudTrailKmsKeyArn: string };
  ruleKinds: Record<string, "sqs-encryption">;
  /** The SQS rule's ARN: a custom (Lambda) rule, trusted by ARN. */
  trustedConfigRules: string[];
  /** Rule ARNs of the rules created here, by "<region>/<name>". */
  ruleArns: Map<string, string>;
  /** The bench's EC2 client with EBS's default-key calls stood in (moto lacks them). */
  withEbsDefaultKey(client: EC2Client): EC2Client;
  kinds(): BenchKind[];
}

export async function prepareEncryptionBench(options: {
  config: AwsClientConfig;
  region: string;
  counted: <T extends { middlewareStack: unknown }>(client: T) => T;
  sample: (name: string, mutate: (e: Event) => void) => Event;
  handler: (event: unknown) => Promise<RemediationHandlerResult>;
}): Promise<EncryptionBench> {
  const { config, region, counted, sample, handler } = options;
  // moto_server speaks HTTP/1.1; the Kinesis client defaults to HTTP/2.
  const http1 = { ...config, requestHandler: new NodeHttpHandler() };
  const seed = {
    sqs: new SQSClient(config),
    sns: new SNSClient(config),
    kinesis: new KinesisClient(http1),
    dynamodb: new DynamoDBClient(config),
    ec2: withStandIns(new EC2Client(config), standInsOf("ebs-default-encryption")),
    cloudtrail: new CloudTrailClient(config),
  };
  const dynamodbStandIns = standInsOf("dynamodb-encryption");
  const ebsStandIns = standInsOf("ebs-default-encryption");
  const clients = [
    counted(new KinesisClient(http1)),
    counted(withStandIns(new DynamoDBClient(config), dynamodbStandIns)),
    counted(new CloudTrailClient(config)),
  ];

  // A key made for trails: its policy lets CloudTrail encrypt this account's trails.
  const { KeyMetadata } = await new KMSClient(config).send(
    new CreateKeyCommand({
      Policy: TRAIL_KEY_POLICY,
    }),
  );
  await new S3Client(config).send(
    new CreateBucketCommand({
      Bucket: "bench-trail-logs",
      CreateBucketConfiguration: { LocationConstraint: region as never },
    }),
  );
  // No AWS managed rule checks SQS encryption: Security Hub's is its own Lambda rule, trusted.
  const configService = new ConfigServiceClient(config);
  const { Role } = await new IAMClient(config).send(
    new CreateRoleCommand({ RoleName: "bench-sqs-check-role", AssumeRolePolicyDocument: "{}" }),
  );
  const { FunctionArn } = await new LambdaClient(config).send(
    new CreateFunctionCommand({
      FunctionName: "securityhub-sqs-check",
      Role: Role?.Arn,
      Runtime: "nodejs22.x",
      Handler: "index.handler",
      // An empty zip: moto stores the function without running it.
      Code: { ZipFile: Buffer.from("UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA==", "base64") },
    }),
  );
  await configService.send(
    new PutConfigRuleCommand({
      ConfigRule: {
        ConfigRuleName: SQS_RULE,
        Source: {
          Owner: "CUSTOM_LAMBDA",
          SourceIdentifier: FunctionArn,
          SourceDetails: [
            { EventSource: "aws.config", MessageType: "ConfigurationItemChangeNotification" },
          ],
        },
      },
    }),
  );
  const { ConfigRules = [] } = await configService.send(
    new DescribeConfigRulesCommand({ ConfigRuleNames: [SQS_RULE] }),
  );
  const sqsRuleArn = ConfigRules[0]?.ConfigRuleArn ?? "";
  const ruleArns = new Map([[`${region}/${SQS_RULE}`, sqsRuleArn]]);

  /** The kind's sample, re-aimed at resource `resourceId` under `rule`, evaluated at second i. */
  const configEvent = (name: string, rule: string, resourceId: string, i: number) =>
    sample(name, (e) => {
      e.id = `bench-${name}-${i}`;
      const d = e.detail;
      d.configRuleName = rule;
      d.resourceId = resourceId;
      for (const key of ["newEvaluationResult", "oldEvaluationResult"]) {
        const result = d[key] as { evaluationResultIdentifier: Record<string, unknown> };
        const qualifier = result.evaluationResultIdentifier.evaluationResultQualifier as Record<
          string,
          unknown
        >;
        qualifier.configRuleName = rule;
        qualifier.resourceId = resourceId;
      }
      // A new evaluation each time (the account-level setting is one resource for all 50).
      (d.newEvaluationResult as Record<string, unknown>).resultRecordedTime = new Date(
        Date.UTC(2026, 10, 20, 9, 0, i),
      ).toISOString();
    });

  const kind = (
    remediation: string,
    sampleName: string,
    rule: string,
    create: (i: number) => Promise<string>,
  ): BenchKind => {
    const ids: string[] = [];
    return {
      remediation,
      seed: async (i) => {
        ids[i] = await create(i);
      },
      event: (i) => configEvent(sampleName, rule, ids[i] ?? "", i),
      handler,
    };
  };

  return {
    clients,
    settings: { cloudTrailKmsKeyArn: KeyMetadata?.Arn as string },
    ruleKinds: { "securityhub-sqs-queue-encrypted-*": "sqs-encryption" },
    trustedConfigRules: [sqsRuleArn],
    ruleArns,
    withEbsDefaultKey: (client) => withStandIns(client, ebsStandIns),
    kinds: () => [
      kind("sqs-encryption", "config-sqs-encryption-noncompliant", SQS_RULE, async (i) => {
        await seed.sqs.send(
          new CreateQueueCommand({
            QueueName: `bench-sqs-enc-${i}`,
            Attributes: { SqsManagedSseEnabled: "false" },
          }),
        );
        // As Config names a queue (moto's own URL carries its endpoint instead).
        return `https://sqs.${region}.amazonaws.com/${ACCOUNT}/bench-sqs-enc-${i}`;
      }),
      kind(
        "sns-encryption",
        "config-sns-encryption-noncompliant",
        "sns-encrypted-kms",
        async (i) => {
          const { TopicArn } = await seed.sns.send(
            new CreateTopicCommand({ Name: `bench-sns-enc-${i}` }),
          );
          return TopicArn as string;
        },
      ),
      kind(
        "kinesis-encryption",
        "config-kinesis-encryption-noncompliant",
        "kinesis-stream-encrypted",
        async (i) => {
          await seed.kinesis.send(
            new CreateStreamCommand({ StreamName: `bench-kin-${i}`, ShardCount: 1 }),
          );
          return `bench-kin-${i}`;
        },
      ),
      kind(
        "dynamodb-encryption",
        "config-dynamodb-encryption-noncompliant",
        "dynamodb-table-encrypted-kms",
        async (i) => {
          await seed.dynamodb.send(
            new CreateTableCommand({
              TableName: `bench-ddb-${i}`,
              AttributeDefinitions: [{ AttributeName: "id", AttributeType: "S" }],
              KeySchema: [{ AttributeName: "id", KeyType: "HASH" }],
              BillingMode: "PAY_PER_REQUEST",
            }),
          );
          return `bench-ddb-${i}`;
        },
      ),
      kind(
        "ebs-default-encryption",
        "config-ebs-default-encryption-noncompliant",
        "ec2-ebs-encryption-by-default",
        async () => {
          await seed.ec2.send(new DisableEbsEncryptionByDefaultCommand({}));
          return ACCOUNT;
        },
      ),
      kind(
        "cloudtrail-encryption",
        "config-cloudtrail-encryption-noncompliant",
        "cloud-trail-encryption-enabled",
        async (i) => {
          await seed.cloudtrail.send(
            new CreateTrailCommand({ Name: `bench-trail-${i}`, S3BucketName: "bench-trail-logs" }),
          );
          return `bench-trail-${i}`;
        },
      ),
    ],
  };
}
