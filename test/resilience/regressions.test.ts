/**
 * One regression test per bug the resilience suite found, named after the bug. Each goes through
 * the real handler (or command) on the fake AWS account, like the fuzzer that found it.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GetBucketEncryptionCommand, S3Client } from "@aws-sdk/client-s3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ACCOUNT, FakeAws, isMutating } from "../../bench/resilience/fake-aws.ts";
import { remediationApp } from "../../bench/resilience/fuzz.ts";
import { loadSample } from "../../bench/resilience/generators.ts";
import { captureLogs, type LogCapture } from "../../bench/resilience/log-capture.ts";
import * as detectFunction from "../../functions/detect.ts";
import * as onAccessAnalyzer from "../../functions/on-access-analyzer-finding.ts";
import * as onConfig from "../../functions/on-config-compliance-change.ts";
import * as reconcileFunction from "../../functions/reconcile.ts";
import { awsClientConfig, REQUEST_TIMEOUTS } from "../../src/adapters/aws-clients.ts";
import { runRemediateCommand } from "../../src/cli/remediate.ts";
import { isTransientAwsError } from "../../src/domain/aws-errors.ts";

type Event = Record<string, unknown> & { id: string; detail: Record<string, unknown> };
const sample = (name: string) => loadSample(name) as Event;
const huge = "x".repeat(100_000);

describe("bugs found by fuzzing the handlers", () => {
  let aws: FakeAws;
  const logs: LogCapture[] = [];

  beforeEach(async () => {
    aws = new FakeAws();
    for (const module of [onConfig, onAccessAnalyzer]) {
      logs.push(captureLogs(module.logger));
      module.setRemediationApp(await remediationApp(module.logger));
    }
    aws.resetHistory();
  });
  afterEach(() => {
    onConfig.setRemediationApp(undefined);
    onAccessAnalyzer.setRemediationApp(undefined);
    for (const capture of logs.splice(0)) capture.restore();
    aws.restore();
  });

  const mutating = () => aws.calls().filter(isMutating);

  it.each(["constructor", "__proto__", "toString", "hasOwnProperty"])(
    "a Config rule named %s is an unmapped rule, not a TypeError (ruleKinds[rule] found Object.prototype's member)",
    async (rule) => {
      const event = sample("config-s3-encryption-noncompliant");
      event.detail.configRuleName = rule;
      expect(await onConfig.handler(event)).toMatchObject({
        ok: true,
        outcome: "ignored",
        reason: `rule ${rule} is not mapped to a finding kind (remediation.ruleKinds, nor an AWS managed rule Vigil knows)`,
      });
      expect(mutating()).toEqual([]);
    },
  );

  it.each<[string, typeof onConfig.handler, string, (e: Event) => void]>([
    ["event id", onConfig.handler, "config-s3-encryption-noncompliant", (e) => (e.id = huge)],
    [
      "bucket name",
      onConfig.handler,
      "config-s3-encryption-noncompliant",
      (e) => (e.detail.resourceId = huge),
    ],
    [
      "rule name",
      onConfig.handler,
      "config-s3-encryption-noncompliant",
      (e) => (e.detail.configRuleName = huge),
    ],
    [
      "finding id",
      onAccessAnalyzer.handler,
      "access-analyzer-s3-public",
      (e) => (e.detail.id = huge),
    ],
    [
      "principal",
      onAccessAnalyzer.handler,
      "access-analyzer-iam-role-external",
      (e) => (e.detail.principal = { AWS: huge }),
    ],
    [
      "resource ARN",
      onAccessAnalyzer.handler,
      "access-analyzer-s3-public",
      (e) => (e.detail.resource = `arn:aws:s3:::${huge}`),
    ],
  ])(
    "a 100 KB %s is rejected before any AWS call (it was claimed, journaled and remediated)",
    async (_what, handler, name, mutate) => {
      const event = sample(name);
      mutate(event);
      const result = await handler(event);
      expect(result).toMatchObject({
        ok: false,
        error: expect.stringMatching(/^invalid event: .*Too big/s),
      });
      expect(aws.calls()).toEqual([]);
    },
  );

  it.each([
    ["aws-cn", "access-analyzer-s3-public", "arn:aws-cn:s3:::acme-curated-exports"],
    ["aws-us-gov", "access-analyzer-s3-public", "arn:aws-us-gov:s3:::acme-curated-exports"],
    [
      "aws-cn",
      "access-analyzer-iam-role-external",
      `arn:aws-cn:iam::${ACCOUNT}:role/etl-cross-account-reader`,
    ],
  ])(
    "an Access Analyzer finding on an ARN of partition %s is ignored (the same-named %s resource in this partition was changed)",
    async (partition, name, arn) => {
      const event = sample(name);
      event.detail.resource = arn;
      expect(await onAccessAnalyzer.handler(event)).toMatchObject({
        ok: true,
        outcome: "ignored",
        reason: `resource ${arn} is in partition ${partition} but region eu-west-1 is in aws`,
      });
      expect(mutating()).toEqual([]);
    },
  );

  it.each([
    [
      "another account",
      "arn:aws:iam::999999999999:user/etl-bot",
      "is not in the finding's account",
    ],
    ["another entity type", `arn:aws:iam::${ACCOUNT}:role/etl-bot`, "is not an IAM user"],
    ["another partition", `arn:aws-us-gov:iam::${ACCOUNT}:user/etl-bot`, "is in partition"],
  ])(
    "a Config IAM resource given as an ARN of %s is ignored (the entity with that name here was changed)",
    async (_what, arn, reason) => {
      const event = sample("config-iam-user-policies-noncompliant");
      event.detail.resourceId = arn;
      expect(await onConfig.handler(event)).toMatchObject({
        ok: true,
        outcome: "ignored",
        reason: expect.stringContaining(reason),
      });
      expect(mutating()).toEqual([]);
    },
  );

  it.each(["Bad Bucket", "bucket/key", "../etc", "x".repeat(300), "bücket", "b\u0000"])(
    "a Config S3 resource id %j that is no bucket name is ignored (it was sent to S3 and remediated)",
    async (bucket) => {
      const event = sample("config-s3-encryption-noncompliant");
      event.detail.resourceId = bucket;
      expect(await onConfig.handler(event)).toMatchObject({
        ok: true,
        outcome: "ignored",
        reason: `resource id ${JSON.stringify(bucket)} is not an S3 bucket name`,
      });
      expect(mutating()).toEqual([]);
    },
  );

  it("an Access Analyzer bucket ARN with an invalid bucket name is ignored", async () => {
    const event = sample("access-analyzer-s3-public");
    event.detail.resource = "arn:aws:s3:::Bad Bucket";
    expect(await onAccessAnalyzer.handler(event)).toMatchObject({
      outcome: "ignored",
      reason: "cannot read a resource name from arn:aws:s3:::Bad Bucket",
    });
    expect(mutating()).toEqual([]);
  });

  it.each(["error", "findingType"])(
    "an Access Analyzer finding with an empty %s is rejected (it was read as absent and remediated)",
    async (field) => {
      const event = sample("access-analyzer-s3-public");
      event.detail[field] = "";
      expect(await onAccessAnalyzer.handler(event)).toMatchObject({
        ok: false,
        error: expect.stringContaining(`detail.${field}: Too small`),
      });
      expect(aws.calls()).toEqual([]);
    },
  );
});

describe("bugs found in the scheduled functions' and the CLI's rejections", () => {
  let aws: FakeAws;
  beforeEach(() => {
    aws = new FakeAws();
  });
  afterEach(() => aws.restore());

  const scheduled = {
    id: "7bf73129-1428-4cd3-a780-95db273d1602",
    source: "aws.events",
    "detail-type": "Scheduled Event ",
  };

  it("detect: a rejected request logs one structured line with the event id (it logged a bare message)", async () => {
    const capture = captureLogs(detectFunction.logger);
    try {
      expect(await detectFunction.handler(scheduled)).toMatchObject({ ok: false });
      expect(capture.lines).toEqual([
        {
          level: "error",
          message: "event rejected",
          attributes: {
            decision: "rejected",
            eventId: scheduled.id,
            error: expect.stringMatching(/^invalid detect request: /),
          },
        },
      ]);
      expect(aws.calls()).toEqual([]);
    } finally {
      capture.restore();
    }
  });

  it("reconcile: a rejected request logs the event id (it was left out)", async () => {
    const capture = captureLogs(reconcileFunction.logger);
    try {
      expect(await reconcileFunction.handler(scheduled)).toMatchObject({ ok: false });
      expect(capture.lines).toEqual([
        expect.objectContaining({
          message: "event rejected",
          attributes: expect.objectContaining({ decision: "rejected", eventId: scheduled.id }),
        }),
      ]);
      expect(aws.calls()).toEqual([]);
    } finally {
      capture.restore();
    }
  });

  it("vigil remediate --event: a rejected event names the event id (it did not)", async () => {
    const dir = await mkdtemp(join(tmpdir(), "vigil-regression-"));
    try {
      const event = sample("config-s3-encryption-noncompliant");
      event.detail.awsRegion = "nowhere";
      const file = join(dir, "event.json");
      await writeFile(file, JSON.stringify(event));
      const err: string[] = [];
      const code = await runRemediateCommand(
        { eventFile: file },
        { out: () => {}, err: (line) => err.push(line) },
        () => Promise.reject(new Error("no app needed for a rejected event")),
      );
      expect(code).toBe(2);
      expect(err).toEqual([
        `vigil remediate: invalid Config event:\ndetail.awsRegion: must be an AWS region, e.g. eu-west-1\n(event id "${event.id}")`,
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("bug found by the timeout row of the fault matrix", () => {
  let server: Server;
  const sockets: Socket[] = [];
  beforeEach(async () => {
    // Accepts connections and never answers: a hung endpoint.
    server = createServer((socket) => {
      sockets.push(socket);
      socket.on("error", () => {});
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  });
  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  });

  it("awsClientConfig bounds every request: a hung endpoint ends in a transient TimeoutError (the SDK waited forever)", async () => {
    expect(REQUEST_TIMEOUTS.requestTimeout).toBeGreaterThan(0);
    expect(REQUEST_TIMEOUTS.connectionTimeout).toBeGreaterThan(0);
    const { port } = server.address() as { port: number };
    const config = awsClientConfig({ AWS_ENDPOINT_URL: `http://127.0.0.1:${port}` });
    expect(config.requestHandler).toBe(REQUEST_TIMEOUTS);
    // The production options with a short timeout, so the test takes milliseconds, not 2 × 15 s.
    const s3 = new S3Client({
      ...config,
      maxAttempts: 2,
      requestHandler: { ...REQUEST_TIMEOUTS, requestTimeout: 200 },
      credentials: { accessKeyId: "testing", secretAccessKey: "testing" },
    });
    const started = Date.now();
    const error = await s3.send(new GetBucketEncryptionCommand({ Bucket: "hung" })).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ name: "TimeoutError", $metadata: { attempts: 2 } });
    expect(isTransientAwsError(error)).toBe(true);
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
