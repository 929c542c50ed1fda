import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CloudWatchClient,
  GetMetricDataCommand,
  ListMetricsCommand,
} from "@aws-sdk/client-cloudwatch";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { SendMessageBatchCommand, SQSClient } from "@aws-sdk/client-sqs";
import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import type { SQSEvent } from "aws-lambda";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { handler as fanout, setFanoutDeps } from "../../functions/detect-fanout.ts";
import { setShardDeps, handler as worker } from "../../functions/detect-worker.ts";
import type { DetectShard } from "../../src/events/detect-shard.ts";
import { awsError } from "../usecases/fakes.ts";
import { mutatingCommands } from "./support.ts";

const cloudwatch = mockClient(CloudWatchClient);
const sns = mockClient(SNSClient);
const sqs = mockClient(SQSClient);
const sts = mockClient(STSClient);
// The unit project shares one module graph (isolate: false): put the real clients' send back.
afterAll(() => {
  for (const mock of [cloudwatch, sns, sqs, sts]) mock.restore();
});

const HOUR = 3_600_000;
const EVALUATED = Date.parse("2026-11-24T07:00:00Z");
const HOME = "123456789012";
const MEMBER = "111122223333";
const CONTEXT = { invokedFunctionArn: `arn:aws:lambda:eu-west-1:${HOME}:function:vigil-prod-x` };
const QUEUE = "https://sqs.eu-west-1.amazonaws.com/123456789012/vigil-prod-detect-shards";
const SCHEDULED = {
  source: "aws.events",
  "detail-type": "Scheduled Event",
  id: "tick-1",
  time: "2026-11-24T08:15:00Z",
};

const dir = mkdtempSync(join(tmpdir(), "vigil-fanout-"));
const members = Array.from({ length: 25 }, (_, i) => String(200_000_000_000 + i));
const configPath = join(dir, "vigil.config.yaml");
writeFileSync(
  configPath,
  [
    "detection:",
    "  metricSets:",
    "    - { name: egress, builtin: egress, settings: { periodSeconds: 3600 } }",
    "    - { name: api-calls, builtin: api-calls, settings: { periodSeconds: 3600 } }",
    "remediation:",
    `  allowedAccounts: [${[HOME, MEMBER, ...members].map((a) => `"${a}"`).join(", ")}]`,
  ].join("\n"),
);

const shard = (overrides: Partial<DetectShard> = {}): DetectShard => ({
  version: 1,
  runId: "20261124T081500Z-abcdef",
  account: MEMBER,
  region: "eu-west-1",
  metricSets: ["egress", "api-calls"],
  plannedAt: "2026-11-24T08:15:00.000Z",
  force: false,
  dryRun: false,
  part: { index: 0, count: 1 },
  ...overrides,
});

const sqsEvent = (...bodies: string[]): SQSEvent =>
  ({
    Records: bodies.map((body, i) => ({ messageId: `msg-${i}`, body })),
  }) as unknown as SQSEvent;

beforeEach(() => {
  for (const m of [cloudwatch, sns, sqs, sts]) m.reset();
  setShardDeps(undefined);
  setFanoutDeps(undefined);
  process.env.VIGIL_CONFIG = configPath;
  process.env.AWS_REGION = "eu-west-1";
  process.env.VIGIL_TOPIC_ARN = "arn:aws:sns:eu-west-1:123456789012:vigil-alerts";
  process.env.VIGIL_SHARD_QUEUE_URL = QUEUE;
  process.env.VIGIL_MEMBER_EXTERNAL_ID = "vigil-ext-0123456789";
  sts.on(AssumeRoleCommand).resolves({
    Credentials: {
      AccessKeyId: "ASIAMEMBER",
      SecretAccessKey: "s",
      SessionToken: "t",
      Expiration: new Date(Date.now() + 900_000),
    },
  });
  cloudwatch.on(ListMetricsCommand).callsFake((input) =>
    input.Namespace === "AWS/S3"
      ? {
          Metrics: [
            {
              Namespace: "AWS/S3",
              MetricName: "BytesDownloaded",
              Dimensions: [
                { Name: "BucketName", Value: "raw" },
                { Name: "FilterId", Value: "EntireBucket" },
              ],
            },
          ],
        }
      : { Metrics: [] },
  );
  cloudwatch.on(GetMetricDataCommand).callsFake((input) => ({
    MetricDataResults: (input.MetricDataQueries ?? []).map((q: { Id: string }) => {
      const timestamps: Date[] = [];
      const values: number[] = [];
      for (let t = input.StartTime.getTime(); t < input.EndTime.getTime(); t += HOUR) {
        timestamps.push(new Date(t));
        values.push(t === EVALUATED ? 50e9 : 1e9 + ((t / HOUR) % 7) * 1e7);
      }
      return { Id: q.Id, StatusCode: "Complete", Timestamps: timestamps, Values: values };
    }),
  }));
  sns.on(PublishCommand).resolves({ MessageId: "m-1" });
  sqs.on(SendMessageBatchCommand).callsFake((input) => ({
    Successful: input.Entries.map((e: { Id: string }) => ({ Id: e.Id, MessageId: e.Id })),
    Failed: [],
  }));
});

afterEach(() => {
  for (const name of [
    "VIGIL_CONFIG",
    "VIGIL_TOPIC_ARN",
    "VIGIL_SHARD_QUEUE_URL",
    "VIGIL_MEMBER_EXTERNAL_ID",
  ]) {
    delete process.env[name];
  }
  process.env.AWS_REGION = "us-east-1";
  setShardDeps(undefined);
  setFanoutDeps(undefined);
});

describe("detect fan-out handler", () => {
  it("enqueues one shard per member account, ten per SendMessageBatch, the central account excluded", async () => {
    const response = await fanout(SCHEDULED, CONTEXT);
    expect(response).toMatchObject({ ok: true, accounts: 26, shards: 26, enqueued: 26 });
    const calls = sqs.commandCalls(SendMessageBatchCommand);
    expect(calls).toHaveLength(3);
    const sent = calls.flatMap((c) =>
      (c.args[0].input.Entries ?? []).map((e) => JSON.parse(e.MessageBody ?? "")),
    );
    expect(sent.map((s: DetectShard) => s.account)).not.toContain(HOME);
    expect(sent[0]).toMatchObject({
      account: MEMBER,
      region: "eu-west-1",
      metricSets: ["egress", "api-calls"],
    });
    expect(calls[0]?.args[0].input.QueueUrl).toBe(QUEUE);
  });

  it.each([
    [{ metricSets: ["egres"] }, /unknown metric set "egres"/],
    [{ accounts: ["999999999999"] }, /account 999999999999 is not a member account/],
    [{ accounts: ["not-an-account"] }, /not 12-digit/],
    [{ bogus: true }, /invalid fan-out request/],
  ])("bad input %j: clear error, nothing enqueued", async (request, message) => {
    const response = await fanout(request, CONTEXT);
    expect(response).toMatchObject({ ok: false, error: expect.stringMatching(message) });
    expect(sqs.calls()).toHaveLength(0);
  });

  it("fails the invocation when shards cannot be enqueued", async () => {
    sqs.on(SendMessageBatchCommand).callsFake((input) => ({
      Successful: [],
      Failed: input.Entries.map((e: { Id: string }) => ({
        Id: e.Id,
        Code: "KMS.DisabledException",
        SenderFault: true,
        Message: "key disabled",
      })),
    }));
    await expect(fanout({ accounts: [MEMBER] }, CONTEXT)).rejects.toThrow(
      /1 of 1 detection shards not enqueued .*KMS.DisabledException/,
    );
  });
});

describe("detect worker handler", () => {
  it("evaluates a member shard through VigilDetectionRole and alerts", async () => {
    const response = await worker(sqsEvent(JSON.stringify(shard())), CONTEXT);
    expect(response).toEqual({ batchItemFailures: [] });
    expect(sts).toHaveReceivedCommandWith(AssumeRoleCommand, {
      RoleArn: `arn:aws:iam::${MEMBER}:role/VigilDetectionRole`,
      ExternalId: "vigil-ext-0123456789",
      RoleSessionName: "vigil-detect-20261124T081500Z-abcdef-0",
    });
    expect(cloudwatch.commandCalls(GetMetricDataCommand)).toHaveLength(1);
    const published = sns.commandCalls(PublishCommand).map((c) => c.args[0].input.Subject);
    expect(published).toEqual([
      expect.stringMatching(/111122223333 eu-west-1 egress/),
      expect.stringMatching(/111122223333 eu-west-1 digest: 1 new/),
    ]);
  });

  it("needs no AssumeRole for a shard of the central account", async () => {
    await worker(sqsEvent(JSON.stringify(shard({ account: HOME }))), CONTEXT);
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(0);
    expect(cloudwatch.commandCalls(GetMetricDataCommand)).toHaveLength(1);
  });

  it("reports only the failed messages of a batch: malformed, unknown account, AccessDenied", async () => {
    sts
      .on(AssumeRoleCommand, { RoleArn: `arn:aws:iam::${members[0]}:role/VigilDetectionRole` })
      .rejects(awsError("AccessDenied", 403));
    const response = await worker(
      sqsEvent(
        JSON.stringify(shard()),
        "{not json",
        JSON.stringify(shard({ account: "999999999999" })),
        JSON.stringify(shard({ account: members[0] as string })),
        JSON.stringify(shard({ metricSets: ["gone"] })),
      ),
      CONTEXT,
    );
    expect(response.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual([
      "msg-1",
      "msg-2",
      "msg-3",
      "msg-4",
    ]);
    // Only the good shard read metrics; nothing was changed anywhere.
    expect(cloudwatch.commandCalls(GetMetricDataCommand)).toHaveLength(1);
    expect(mutatingCommands(cloudwatch, sts)).toEqual([]);
  });

  it("splits a big shard into sub-shards on the queue", async () => {
    process.env.VIGIL_MAX_METRICS_PER_SHARD = "1";
    cloudwatch.on(ListMetricsCommand).callsFake((input) => ({
      Metrics:
        input.Namespace === "AWS/S3"
          ? ["a", "b", "c"].map((name) => ({
              Namespace: "AWS/S3",
              MetricName: "BytesDownloaded",
              Dimensions: [
                { Name: "BucketName", Value: name },
                { Name: "FilterId", Value: "EntireBucket" },
              ],
            }))
          : [],
    }));
    try {
      const response = await worker(sqsEvent(JSON.stringify(shard())), CONTEXT);
      expect(response).toEqual({ batchItemFailures: [] });
    } finally {
      delete process.env.VIGIL_MAX_METRICS_PER_SHARD;
    }
    const entries = sqs
      .commandCalls(SendMessageBatchCommand)
      .flatMap((c) => c.args[0].input.Entries ?? []);
    expect(entries.map((e) => JSON.parse(e.MessageBody ?? "").part)).toEqual([
      { index: 0, count: 3 },
      { index: 1, count: 3 },
      { index: 2, count: 3 },
    ]);
    expect(cloudwatch.commandCalls(GetMetricDataCommand)).toHaveLength(0);
  });
});
