import { CreateSecretCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { CreateTopicCommand, SNSClient } from "@aws-sdk/client-sns";
import { CreateQueueCommand, SQSClient } from "@aws-sdk/client-sqs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createTopicWithQueue, readSnsMessages } from "../../sandbox/sns-readback.ts";
import { AlertDeadLetterQueue } from "../../src/adapters/alert-dead-letter.ts";
import { runAlertTestCommand, TEST_DEDUP_KEY } from "../../src/cli/alert.ts";
import type { CliIo } from "../../src/cli/io.ts";
import { runRedriveCommand } from "../../src/cli/redrive.ts";
import { parseConfig } from "../../src/config/load.ts";
import { pagerDutyEvent } from "../../src/domain/pagerduty-event.ts";
import { anomaly, ROUTING_KEY } from "../support/alert-fixtures.ts";
import { motoClientConfig, motoEndpoint, resetMoto } from "../support/moto.ts";
import {
  INVALID_EVENT,
  type PagerDutyTestServer,
  startPagerDutyServer,
} from "../support/pagerduty-server.ts";

const endpoint = motoEndpoint();

function captureIo() {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { out: (l) => out.push(l), err: (l) => err.push(l) };
  return { io, out, err };
}

describe.skipIf(!endpoint)(
  "vigil alert test and vigil redrive, end to end (moto, PagerDuty server)",
  () => {
    const config = motoClientConfig(endpoint ?? "");
    const sns = new SNSClient(config);
    const sqs = new SQSClient(config);
    const secrets = new SecretsManagerClient(config);
    let server: PagerDutyTestServer;
    let topicArn: string;
    let readbackUrl: string;
    let dlqUrl: string;
    let env: NodeJS.ProcessEnv;

    const loadConfig = async () =>
      parseConfig({
        detection: { metricSets: [{ name: "egress", builtin: "egress" }] },
        alerting: {
          pagerduty: { secret: "vigil/pagerduty", endpoint: server.url, maxAttempts: 2 },
        },
      });
    const deps = () => ({ env, loadConfig, sleep: async () => {} });

    beforeEach(async () => {
      await resetMoto(endpoint ?? "");
      server = await startPagerDutyServer();
      ({ topicArn, queueUrl: readbackUrl } = await createTopicWithQueue(sns, sqs, "vigil-alerts"));
      dlqUrl =
        (await sqs.send(new CreateQueueCommand({ QueueName: "vigil-alert-dlq" }))).QueueUrl ?? "";
      await secrets.send(
        new CreateSecretCommand({ Name: "vigil/pagerduty", SecretString: ROUTING_KEY }),
      );
      env = {
        AWS_ENDPOINT_URL: endpoint ?? "",
        AWS_REGION: "us-east-1",
        VIGIL_TOPIC_ARN: topicArn,
        VIGIL_ALERT_DLQ_URL: dlqUrl,
      };
    });
    afterEach(async () => {
      await server.close();
    });

    it("--to pagerduty reads the key from Secrets Manager and opens, then resolves, the test incident", async () => {
      const { io, out, err } = captureIo();
      expect(await runAlertTestCommand({ to: "pagerduty", severity: "critical" }, io, deps())).toBe(
        0,
      );
      expect(server.requests[0]?.body).toMatchObject({
        routing_key: ROUTING_KEY,
        event_action: "trigger",
        dedup_key: TEST_DEDUP_KEY,
        payload: { severity: "critical", summary: expect.stringContaining("TEST alert") },
      });
      expect(out.join("\n")).toContain("PagerDuty accepted the test trigger");
      expect(out.join("\n")).toContain("secret vigil/pagerduty");
      expect([...out, ...err].join("\n")).not.toContain(ROUTING_KEY);

      expect(
        await runAlertTestCommand({ to: "pagerduty", resolve: true }, captureIo().io, deps()),
      ).toBe(0);
      expect(server.requests[1]?.body).toEqual({
        routing_key: ROUTING_KEY,
        event_action: "resolve",
        dedup_key: TEST_DEDUP_KEY,
      });
    });

    it("--to sns publishes a test message subscribers receive", async () => {
      const { io, out } = captureIo();
      expect(await runAlertTestCommand({ to: "sns" }, io, deps())).toBe(0);
      const messages = await readSnsMessages(sqs, readbackUrl);
      expect(messages).toHaveLength(1);
      expect(messages[0]?.Subject).toBe(
        "[Vigil INFO] TEST alert from vigil alert test: nothing is wrong",
      );
      expect(messages[0]?.Message).toContain("Runbook: docs/oncall-runbook.md#test-alert");
      expect(out[0]).toContain("SNS accepted the test message");
      expect(out[1]).toContain("Delivered to 1 confirmed subscription(s): sqs");
      expect(server.requests).toHaveLength(0);
    });

    it("--to sns fails when nobody is subscribed to the topic (accepted is not received)", async () => {
      const bare = (await sns.send(new CreateTopicCommand({ Name: "vigil-alerts-unsubscribed" })))
        .TopicArn as string;
      const { io, out, err } = captureIo();
      const code = await runAlertTestCommand({ to: "sns" }, io, {
        ...deps(),
        env: { ...env, VIGIL_TOPIC_ARN: bare },
      });
      expect(code).toBe(1);
      expect(out[0]).toContain("SNS accepted the test message");
      expect(err.join("\n")).toContain(
        `nobody receives alerts: ${bare} has no confirmed subscription`,
      );
      expect(err.join("\n")).toContain("aws sns subscribe");
    });

    it("a PagerDuty 400 is reported with PagerDuty's text and exit 1", async () => {
      server.answer(INVALID_EVENT("Invalid routing key"));
      const { io, err } = captureIo();
      expect(await runAlertTestCommand({ to: "pagerduty" }, io, deps())).toBe(1);
      expect(err.join("\n")).toContain("HTTP 400: Event object is invalid; Invalid routing key");
    });

    it("a missing secret is bad input naming the setting; nothing is sent", async () => {
      env.VIGIL_PAGERDUTY_SECRET = "vigil/does-not-exist";
      const { io, err } = captureIo();
      expect(await runAlertTestCommand({ to: "pagerduty" }, io, deps())).toBe(2);
      expect(err.join("\n")).toMatch(
        /Secrets Manager secret "vigil\/does-not-exist" \(VIGIL_PAGERDUTY_SECRET\): ResourceNotFoundException/,
      );
      expect(server.requests).toHaveLength(0);
    });

    it("vigil redrive re-sends queued events and empties the queue", async () => {
      const queue = new AlertDeadLetterQueue(sqs, dlqUrl);
      const n = anomaly("critical");
      await queue.enqueue({
        version: 1,
        kind: "vigil.pagerduty-event",
        queuedAt: "2026-11-24T08:15:00.000Z",
        reason: "PagerDuty unavailable after 4 attempt(s): HTTP 503",
        event: pagerDutyEvent(n, "2026-11-24T08:15:00.000Z"),
      });
      const dry = captureIo();
      expect(await runRedriveCommand({ dryRun: true }, dry.io, deps())).toBe(0);
      expect(dry.out[0]).toBe(
        `would send  trigger ${n.dedupKey} (queued 2026-11-24T08:15:00.000Z: PagerDuty unavailable after 4 attempt(s): HTTP 503)`,
      );
      expect(server.requests).toHaveLength(0);

      const { io, out } = captureIo();
      expect(await runRedriveCommand({}, io, deps())).toBe(0);
      expect(out.at(-1)).toBe(
        "1 message(s) read, 1 sent, 0 superseded, 0 still failing, 0 malformed",
      );
      expect(server.requests[0]?.body).toMatchObject({
        routing_key: ROUTING_KEY,
        dedup_key: n.dedupKey,
      });

      const again = captureIo();
      expect(await runRedriveCommand({}, again.io, deps())).toBe(0);
      expect(again.out.at(-1)).toMatch(/^0 message\(s\) read/);
    });
  },
);

describe("vigil alert test / redrive: bad input", () => {
  const loadConfig = async () =>
    parseConfig({ detection: { metricSets: [{ name: "egress", builtin: "egress" }] } });

  it("refuses an unknown destination or severity", async () => {
    const { io, err } = captureIo();
    expect(await runAlertTestCommand({ to: "email" }, io, { env: {}, loadConfig })).toBe(2);
    expect(
      await runAlertTestCommand({ to: "sns", severity: "urgent" }, io, { env: {}, loadConfig }),
    ).toBe(2);
    expect(err).toEqual([
      'vigil alert test: --to must be pagerduty or sns, not "email"',
      "vigil alert test: --severity must be one of critical, warning, info",
    ]);
  });

  it("says which setting is missing", async () => {
    const pd = captureIo();
    expect(await runAlertTestCommand({ to: "pagerduty" }, pd.io, { env: {}, loadConfig })).toBe(2);
    expect(pd.err.at(-1)).toMatch(/PagerDuty is not configured: set VIGIL_PAGERDUTY_SECRET/);
    const topic = captureIo();
    expect(await runAlertTestCommand({ to: "sns" }, topic.io, { env: {}, loadConfig })).toBe(2);
    expect(topic.err.at(-1)).toBe(
      "vigil alert test: no SNS topic: set VIGIL_TOPIC_ARN or alerting.topicArn",
    );
    const redrive = captureIo();
    expect(
      await runRedriveCommand({}, redrive.io, {
        env: { VIGIL_PAGERDUTY_SECRET: "vigil/pd" },
        loadConfig,
      }),
    ).toBe(2);
    expect(redrive.err.at(-1)).toMatch(/no alert dead-letter queue: set VIGIL_ALERT_DLQ_URL/);
  });

  it("a malformed environment value is bad input and is not echoed", async () => {
    const { io, err } = captureIo();
    expect(
      await runAlertTestCommand({ to: "pagerduty" }, io, {
        env: { VIGIL_PAGERDUTY_SECRET: ROUTING_KEY },
        loadConfig,
      }),
    ).toBe(2);
    expect(err.join("\n")).toContain("VIGIL_PAGERDUTY_SECRET: must name a Secrets Manager secret");
    expect(err.join("\n")).not.toContain(ROUTING_KEY);
  });
});
