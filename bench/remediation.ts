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
import { EC2Client } from "@aws-sdk/client-ec2";
import { ECRClient } from "@aws-sdk/client-ecr";
import { EFSClient } from "@aws-sdk/client-efs";
import { IAMClient } from "@aws-sdk/client-iam";
import { KMSClient } from "@aws-sdk/client-kms";
import { LambdaClient } from "@aws-sdk/client-lambda";
import { RDSClient } from "@aws-sdk/client-rds";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { SNSClient } from "@aws-sdk/client-sns";
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
import { S3_ACCESS_POINT_POLICY } from "../src/remediations/s3/s3-access-point-policy.ts";
import { VigilS3ControlClient } from "../src/remediations/s3/s3-control-client.ts";
import { createRemediationDeps } from "../src/wiring/remediation.ts";
import { prepareEncryptionBench, withStandIns } from "./remediation-encryption.ts";
import { remediationKinds } from "./remediation-kinds.ts";
import { kindScenario } from "./resilience/kind-scenarios.ts";

const REGION = "eu-west-1";
const KEY = "arn:aws:kms:eu-west-1:123456789012:key/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0";
const PER_KIND = 50;
const WRITE =
  /^(Put|Delete|Attach|Detach|Create|Update|Modify|Add|Remove|Set|Start|Stop|Enable|Disable|Reset)/;
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

    const analyzerHandler = (e: unknown) =>
      onAccessAnalyzer.handler(e, {
        invokedFunctionArn: "arn:aws:lambda:eu-west-1:123456789012:function:b",
      });
    const kinds = await remediationKinds({
      config,
      region: REGION,
      sample,
      configHandler,
      analyzerHandler,
    });
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
