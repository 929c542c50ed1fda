import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { EC2Client } from "@aws-sdk/client-ec2";
import { S3Client } from "@aws-sdk/client-s3";
import { SNSClient } from "@aws-sdk/client-sns";
import { SQSClient } from "@aws-sdk/client-sqs";
import {
  type DetectResponse,
  handler as detectHandler,
  setDetectDeps,
} from "../functions/detect.ts";
import { awsClientConfig } from "../src/adapters/aws-clients.ts";
import type { CliIo } from "../src/cli/io.ts";
import { formatTable } from "../src/cli/table.ts";
import { loadConfigFile } from "../src/config/load.ts";
import { withRunbookUrl } from "../src/deploy/runbook-url.ts";
import { newestCompletePeriodStart } from "../src/domain/baseline.ts";
import { formatNumber } from "../src/domain/format.ts";
import { metricLabel } from "../src/domain/metric.ts";
import { createDetectionDeps } from "../src/wiring/detection.ts";
import { seedDetectionDemo } from "./seed-detection.ts";
import { createTopicWithQueue, readSnsMessages } from "./sns-readback.ts";

export interface SandboxResult {
  ok: boolean;
  detect: DetectResponse;
  snsSubjects: string[];
}

/**
 * The main job on a fresh machine: seed a demo account in moto_server, run the real detect handler
 * against it and show what was flagged and what reached SNS. Returns ok=false when Vigil did not
 * flag exactly what was injected, so the demo can never quietly lie.
 */
export async function runDetectionSandbox(
  endpoint: string,
  io: CliIo,
  now = Date.now(),
): Promise<SandboxResult> {
  const env = {
    ...process.env,
    AWS_ENDPOINT_URL: endpoint,
    AWS_REGION: "us-east-1",
    AWS_ACCESS_KEY_ID: "sandbox",
    AWS_SECRET_ACCESS_KEY: "sandbox",
  };
  Object.assign(process.env, env);
  delete process.env.AWS_PROFILE;
  const config = awsClientConfig(env);
  const cloudwatch = new CloudWatchClient(config);
  const sns = new SNSClient(config);
  const sqs = new SQSClient(config);

  // Same rule as the detect function: the newest complete hour, 10 minutes after it ended.
  const evaluated = newestCompletePeriodStart(now - 10 * 60_000, 3600);
  io.out(
    `Seeding the demo account (35 days of hourly metrics up to ${new Date(evaluated).toISOString()})…`,
  );
  const demo = await seedDetectionDemo(
    { cloudwatch, s3: new S3Client(config), ec2: new EC2Client(config) },
    evaluated,
  );
  io.out(
    `  buckets with request metrics: ${demo.buckets.join(", ")}; NAT gateway ${demo.natGatewayId}; instance ${demo.instanceId}`,
  );
  io.out(`  ${demo.metrics.length} metrics, ${demo.putMetricDataCalls} PutMetricData calls`);
  for (const m of demo.metrics.filter((x) => x.injected)) {
    io.out(`  injected into ${metricLabel(m.metric)}: ${m.injected}`);
  }

  const { topicArn, queueUrl } = await createTopicWithQueue(sns, sqs, "vigil-alerts");
  process.env.VIGIL_TOPIC_ARN = topicArn;
  // The handler's dependencies, built by the real wiring from this environment; only the clock is
  // pinned to the `now` the demo data was seeded for.
  // The config as a deployed stack has it: the runbook link absolute (from package.json).
  const deps = await createDetectionDeps({
    account: "123456789012",
    config: withRunbookUrl(await loadConfigFile()),
  });
  setDetectDeps({ ...deps, clock: () => now });

  io.out("");
  io.out("Running the detect handler (scheduled event)…");
  const detect = await detectHandler(
    { source: "aws.events", "detail-type": "Scheduled Event", id: "sandbox-tick" },
    { invokedFunctionArn: "arn:aws:lambda:us-east-1:123456789012:function:vigil-detect" },
  );
  for (const e of detect.evaluated ?? []) {
    io.out(`  ${e.metricSet}: ${e.metrics} metrics evaluated for ${e.periodStart}`);
  }
  const anomalies = detect.anomalies ?? [];
  io.out("");
  io.out(
    anomalies.length === 0
      ? "Nothing flagged."
      : formatTable(
          ["set", "metric", "severity", "observed", "expected", "z", "alert"],
          anomalies.map((a) => [
            a.metricSet,
            a.metric,
            a.severity ?? "",
            a.observed === null ? "-" : formatNumber(a.observed),
            a.expected === null ? "-" : formatNumber(a.expected),
            a.z === null ? "-" : a.z.toFixed(1),
            a.alert ?? "",
          ]),
        ),
  );
  for (const a of anomalies) io.out(`  why: ${a.why}`);

  setDetectDeps(undefined);
  const messages = await readSnsMessages(sqs, queueUrl);
  const isDigest = (m: (typeof messages)[number]) => m.MessageAttributes?.event?.Value === "digest";
  const digests = messages.filter(isDigest);
  const pages = messages.filter((m) => !isDigest(m));
  io.out("");
  io.out(
    `What reached SNS (read back through an SQS subscription): ${messages.length} message(s): ${digests.length} digest, ${pages.length} page(s) (no PagerDuty configured here, so pages go to SNS)`,
  );
  for (const message of digests) {
    io.out("");
    io.out(`  Subject: ${message.Subject}`);
    io.out(
      `  Attributes: ${Object.entries(message.MessageAttributes ?? {})
        .map(([k, v]) => `${k}=${v.Value}`)
        .join(" ")}`,
    );
    // The text a person reads; the JSON block after it is for machines.
    const text = message.Message.split("\n```json")[0] ?? "";
    for (const line of text.split("\n")) io.out(`    ${line}`);
  }
  for (const message of pages) io.out(`  Page: ${message.Subject}`);

  const expected = demo.metrics
    .filter((m) => m.injected)
    .map((m) => metricLabel(m.metric))
    .sort();
  const flagged = anomalies.map((a) => a.metric).sort();
  const digest = digests[0]?.Message ?? "";
  const ok =
    detect.ok &&
    JSON.stringify(expected) === JSON.stringify(flagged) &&
    digests.length === 1 &&
    expected.every((label) => digest.includes(label));
  io.out("");
  io.out(
    ok
      ? `OK: Vigil flagged exactly the ${expected.length} injected anomalies and sent one digest listing them.`
      : `UNEXPECTED: injected ${JSON.stringify(expected)}, flagged ${JSON.stringify(flagged)}, ${digests.length} digest(s), ${messages.length} SNS message(s).`,
  );
  return { ok, detect, snsSubjects: messages.map((m) => m.Subject ?? "") };
}
