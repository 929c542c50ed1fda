import { Logger } from "@aws-lambda-powertools/logger";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { SendMessageBatchCommand, SQSClient } from "@aws-sdk/client-sqs";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { AlertDeadLetterQueue } from "../../src/adapters/alert-dead-letter.ts";
import { PagerDutyNotifier } from "../../src/adapters/pagerduty-notifier.ts";
import {
  AlertDeliveryError,
  destinationsFor,
  RoutingNotifier,
} from "../../src/adapters/routing-notifier.ts";
import { RoutingKeyError } from "../../src/adapters/secret-reader.ts";
import { SnsNotifier } from "../../src/adapters/sns-notifier.ts";
import { DEFAULT_ALERT_ROUTES } from "../../src/config/alerting-config.ts";
import type { AlertRoute } from "../../src/domain/alert-route.ts";
import type { Notification } from "../../src/domain/notification.ts";
import { deadLetterSchema } from "../../src/domain/pagerduty-event.ts";
import {
  anomaly,
  ROUTING_KEY,
  remediation,
  remediationResolved,
} from "../support/alert-fixtures.ts";
import {
  INVALID_EVENT,
  type PagerDutyTestServer,
  startPagerDutyServer,
} from "../support/pagerduty-server.ts";

const snsMock = mockClient(SNSClient);
const sqsMock = mockClient(SQSClient);
const TOPIC = "arn:aws:sns:eu-west-1:123456789012:vigil-alerts";
const DLQ = "https://sqs.eu-west-1.amazonaws.com/123456789012/vigil-alert-dlq";

let server: PagerDutyTestServer;
let logLines: string[];

function recordingLogger() {
  const record =
    (level: string) =>
    (...args: unknown[]) =>
      logLines.push(`${level} ${JSON.stringify(args)}`);
  return { info: record("info"), warn: record("warn"), error: record("error") };
}

function build(
  options: {
    routes?: readonly AlertRoute[];
    pagerDuty?: boolean;
    routingKey?: () => Promise<string>;
    sns?: boolean;
    deadLetter?: boolean;
    /** How long the dead-letter queue waits to batch (default: the production 20 ms). */
    deadLetterLingerMs?: number;
    logger?: Pick<Logger, "info" | "warn" | "error">;
  } = {},
) {
  const logger = options.logger ?? recordingLogger();
  const pagerDuty =
    options.pagerDuty === false
      ? undefined
      : new PagerDutyNotifier({
          routingKey: options.routingKey ?? (async () => ROUTING_KEY),
          endpoint: server.url,
          maxAttempts: 3,
          sleep: async () => {},
          logger,
        });
  return new RoutingNotifier({
    routes: options.routes ?? DEFAULT_ALERT_ROUTES,
    ...(options.sns === false ? {} : { sns: new SnsNotifier(new SNSClient({}), TOPIC) }),
    ...(pagerDuty ? { pagerDuty } : {}),
    ...(options.deadLetter === false
      ? {}
      : {
          deadLetter: new AlertDeadLetterQueue(new SQSClient({}), DLQ, options.deadLetterLingerMs),
        }),
    logger,
    now: () => new Date("2026-11-24T08:15:00Z"),
  });
}

const published = () => snsMock.commandCalls(PublishCommand).map((c) => c.args[0].input);
const deadLetters = () =>
  sqsMock
    .commandCalls(SendMessageBatchCommand)
    .flatMap((c) => c.args[0].input.Entries ?? [])
    .map((e) => JSON.parse(e.MessageBody ?? "{}"));

beforeEach(async () => {
  snsMock.reset();
  sqsMock.reset();
  snsMock.on(PublishCommand).resolves({ MessageId: "m-1" });
  sqsMock.on(SendMessageBatchCommand).callsFake((input) => ({
    Successful: input.Entries.map((e: { Id: string }) => ({ Id: e.Id, MessageId: `q-${e.Id}` })),
  }));
  server = await startPagerDutyServer();
  logLines = [];
});
afterEach(async () => {
  await server.close();
  vi.restoreAllMocks();
});

describe("routing by severity and source (default routes)", () => {
  it("pages critical alerts and publishes them on SNS too", async () => {
    const n = anomaly("critical");
    await build().notify(n);
    expect(server.requests.map((r) => r.body.event_action)).toEqual(["trigger"]);
    expect(server.requests[0]?.body.dedup_key).toBe(n.dedupKey);
    expect(published()).toHaveLength(1);
    expect(published()[0]?.Subject).toBe(n.subject);
  });

  it("sends warnings to SNS only", async () => {
    await build().notify(anomaly("warning"));
    expect(server.requests).toHaveLength(0);
    expect(published()).toHaveLength(1);
  });

  it("pages every enforced remediation (outcome applied), not dry runs", async () => {
    await build().notify(remediation("applied"));
    await build().notify(remediation("would-change"));
    expect(server.requests).toHaveLength(1);
    expect((server.requests[0]?.body.payload as { class?: string } | undefined)?.class).toBe(
      "remediation applied",
    );
    expect(published()).toHaveLength(2);
  });

  it("sends a resolve wherever its trigger could have gone", async () => {
    await build().notify(anomaly("critical", "resolved"));
    expect(server.requests.map((r) => r.body.event_action)).toEqual(["resolve"]);
    // Detect sees only a short look-back: an episode that paged as critical can resolve looking
    // like a warning, so the resolve still goes to PagerDuty (a no-op when nothing was opened).
    await build().notify(anomaly("warning", "resolved"));
    expect(server.requests.map((r) => r.body.event_action)).toEqual(["resolve", "resolve"]);
    // A remediation resolve does not say what its trigger was: it closes whatever is open.
    await build().notify(remediationResolved());
    expect(server.requests.at(-1)?.body).toEqual({
      routing_key: ROUTING_KEY,
      event_action: "resolve",
      dedup_key: remediation().dedupKey,
    });
    expect(server.requests).toHaveLength(3);
    expect(published()).toHaveLength(3);
  });

  it("follows configured routes, first match wins", () => {
    const routes: AlertRoute[] = [
      { when: { source: ["remediation"], outcome: ["loop-detected"] }, to: ["pagerduty"] },
      {
        when: { severity: ["critical", "warning"], source: ["anomaly"] },
        to: ["pagerduty", "sns"],
      },
      { when: {}, to: ["sns"] },
    ];
    expect(destinationsFor(routes, anomaly("warning"))).toEqual(["pagerduty", "sns"]);
    expect(destinationsFor(routes, remediation("loop-detected"))).toEqual(["pagerduty"]);
    expect(destinationsFor(routes, remediation("applied"))).toEqual(["sns"]);
    expect(destinationsFor(routes, anomaly("warning", "resolved"))).toEqual(["pagerduty", "sns"]);
  });

  it("adds the runbook link (and for anomalies what Vigil did) before the JSON block", async () => {
    await build().notify(anomaly("critical"));
    const body = published()[0]?.Message ?? "";
    const lines = body.split("\n");
    expect(lines[0]).toMatch(
      /^CRITICAL: 9\.1 GB out of acme-raw-landing-prod in 1 h, .* AWS\/S3 BytesDownloaded .* in 123456789012 eu-west-1 is anomalous/,
    );
    const runbook = lines.indexOf("Runbook: docs/oncall-runbook.md#anomaly-new-episode");
    expect(runbook).toBeGreaterThan(lines.findIndex((l) => l.startsWith("Why: ")));
    expect(lines).toContain("Vigil did: nothing was changed (detection only alerts).");
    expect(lines[runbook + 1]).toBe("");
    expect(lines[runbook + 2]).toBe("```json");
    expect(server.requests[0]?.body.payload).toMatchObject({
      custom_details: { runbook: "docs/oncall-runbook.md#anomaly-new-episode" },
    });
  });

  it("sends routes to PagerDuty through SNS when no routing key is configured", async () => {
    await build({ pagerDuty: false }).notify(anomaly("critical"));
    expect(published()).toHaveLength(1);
    expect(published()[0]?.Subject).not.toContain("pager delivery failed");
  });
});

describe("nothing lost when PagerDuty fails", () => {
  async function failing(n: Notification, options: Parameters<typeof build>[0] = {}) {
    const error = await build(options)
      .notify(n)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AlertDeliveryError);
    return error as AlertDeliveryError;
  }

  it("a 400: SNS gets the alert marked with PagerDuty's error, the event goes to the dead-letter queue, the caller hears about it", async () => {
    server.answer(INVALID_EVENT("'payload.source' is missing or blank"));
    const n = anomaly("critical");
    const error = await failing(n);
    expect(server.requests).toHaveLength(1); // not retried
    const message = published()[0];
    expect(message?.Subject).toMatch(
      /^\[Vigil CRITICAL, pager delivery failed\] 123456789012 eu-west-1/,
    );
    expect(message?.Subject?.length).toBeLessThanOrEqual(100);
    const lines = (message?.Message ?? "").split("\n");
    expect(lines[0]).toBe(
      "pager delivery failed: PagerDuty rejected the event (HTTP 400: Event object is invalid; 'payload.source' is missing or blank); check alerting.pagerduty and the routing key secret",
    );
    expect(lines[1]).toContain("Nobody was paged");
    expect(lines[1]).toContain("vigil redrive");
    expect(lines[1]).toContain("docs/oncall-runbook.md#pager-delivery-failed");
    expect(message?.MessageAttributes?.pagerDelivery).toEqual({
      DataType: "String",
      StringValue: "failed",
    });
    // The original alert follows, whole.
    expect(message?.Message).toContain("Why: observed 9.1G");

    const [letter] = deadLetters();
    expect(deadLetterSchema.safeParse(letter).success).toBe(true);
    expect(letter).toMatchObject({
      kind: "vigil.pagerduty-event",
      queuedAt: "2026-11-24T08:15:00.000Z",
      event: { event_action: "trigger", dedup_key: n.dedupKey, payload: { summary: n.summary } },
    });
    expect(JSON.stringify(letter)).not.toContain(ROUTING_KEY);
    expect(letter.event.routing_key).toBeUndefined();

    expect(error.message).toMatch(
      /^pager delivery failed: PagerDuty rejected the event \(HTTP 400: .*; delivered to dead-letter queue, sns \(marked pager delivery failed\)$/,
    );
    expect(error.delivered).toEqual(["dead-letter queue", "sns (marked pager delivery failed)"]);
    expect(logLines.some((l) => l.startsWith("error") && l.includes("pager delivery failed"))).toBe(
      true,
    );
  });

  it("PagerDuty down through every retry: same fallbacks", async () => {
    server.always({ status: 503 });
    const error = await failing(remediation("applied"));
    expect(server.requests).toHaveLength(3);
    expect(published()[0]?.Subject).toMatch(/^\[Vigil INFO, pager delivery failed\] fixed: /);
    expect(deadLetters()).toHaveLength(1);
    expect(error.message).toContain("PagerDuty unavailable after 3 attempt(s): HTTP 503");
  });

  it("a secret that cannot be read: the SNS copy names the setting; the event is still queued", async () => {
    const error = await failing(anomaly("critical"), {
      routingKey: async () => {
        throw new RoutingKeyError(
          'cannot read the PagerDuty routing key from Secrets Manager secret "vigil/pagerduty" (VIGIL_PAGERDUTY_SECRET): ResourceNotFoundException: not found',
        );
      },
    });
    expect(server.requests).toHaveLength(0);
    expect(published()[0]?.Message?.split("\n")[0]).toBe(
      'pager delivery failed: cannot read the PagerDuty routing key from Secrets Manager secret "vigil/pagerduty" (VIGIL_PAGERDUTY_SECRET): ResourceNotFoundException: not found',
    );
    expect(deadLetters()).toHaveLength(1);
    expect(error.message).toContain("VIGIL_PAGERDUTY_SECRET");
  });

  it("a route to PagerDuty only still falls back to SNS", async () => {
    server.always({ status: 500 });
    await failing(anomaly("critical"), { routes: [{ when: {}, to: ["pagerduty"] }] });
    expect(published()).toHaveLength(1);
    expect(published()[0]?.Subject).toContain("pager delivery failed");
  });

  it("without a dead-letter queue the SNS copy says it is the only one", async () => {
    server.always({ status: 500 });
    const error = await failing(anomaly("critical"), { deadLetter: false });
    expect(published()[0]?.Message).toContain("could NOT be queued for redrive");
    expect(error.failed.map((f) => f.destination)).toEqual(["pagerduty", "dead-letter queue"]);
  });

  it("SNS refusing a warning: the caller hears it, named", async () => {
    snsMock
      .on(PublishCommand)
      .rejects(Object.assign(new Error("Topic does not exist"), { name: "NotFoundException" }));
    const error = await failing(anomaly("warning"));
    expect(error.message).toBe(
      "alert not fully delivered: sns: NotFoundException: Topic does not exist; delivered to nowhere",
    );
    // No copy anywhere a person reads: the logs keep the whole alert.
    expect(
      logLines.some((l) => l.includes("full text follows") && l.includes("Why: observed")),
    ).toBe(true);
  });

  it("SNS down but PagerDuty took a critical alert: reported, not lost", async () => {
    snsMock.on(PublishCommand).rejects(new Error("throttled"));
    const error = await failing(anomaly("critical"));
    expect(server.requests).toHaveLength(1);
    expect(error.delivered).toEqual(["pagerduty"]);
    expect(error.message).toContain("sns: Error: throttled");
  });

  it("everything down: every failure listed, the alert kept in the logs", async () => {
    server.always({ status: 500 });
    snsMock.on(PublishCommand).rejects(new Error("sns down"));
    sqsMock.on(SendMessageBatchCommand).rejects(new Error("sqs down"));
    const error = await failing(anomaly("critical"));
    expect(error.message).toMatch(/^pager delivery failed: PagerDuty unavailable after 3 attempt/);
    expect(error.message).toContain("delivered to nowhere");
    expect(error.message).toContain(
      "dead-letter queue failed: Error: SQS SendMessageBatch failed: Error: sqs down",
    );
    expect(error.message).toContain("sns failed: Error: sns down");
    expect(logLines.some((l) => l.includes("full text follows"))).toBe(true);
  });

  it("queues the failures of one run in SendMessageBatch calls, not one call per alert", async () => {
    server.always({ status: 500 });
    // The 12 failures reach the queue over a few milliseconds, more on a loaded machine: a linger
    // longer than that makes the batching, not the machine's speed, what this test checks.
    const notifier = build({ deadLetterLingerMs: 500 });
    const alerts = Array.from({ length: 12 }, (_, i) => ({
      ...anomaly("critical"),
      dedupKey: `vigil:anomaly:test-${i}`,
    }));
    await Promise.all(alerts.map((a) => notifier.notify(a).catch(() => undefined)));
    expect(deadLetters()).toHaveLength(12);
    expect(sqsMock.commandCalls(SendMessageBatchCommand).length).toBeLessThanOrEqual(3);
    for (const call of sqsMock.commandCalls(SendMessageBatchCommand)) {
      expect(call.args[0].input.Entries?.length).toBeLessThanOrEqual(10);
    }
  });
});

describe("routing key redaction", () => {
  it("never writes the routing key to a log line (Powertools JSON logs) or an error message", async () => {
    const written: string[] = [];
    const capture = (chunk: unknown) => {
      written.push(String(chunk));
      return true;
    };
    vi.spyOn(process.stdout, "write").mockImplementation(capture as typeof process.stdout.write);
    vi.spyOn(process.stderr, "write").mockImplementation(capture as typeof process.stderr.write);
    const logger = new Logger({ serviceName: "vigil-test", logLevel: "DEBUG" });

    // PagerDuty echoes the key in a 500 (retried, logged) and then in a 400 (reported).
    server.answer(
      { status: 500, body: { message: `routing key ${ROUTING_KEY} overloaded` } },
      INVALID_EVENT(`unknown routing_key ${ROUTING_KEY}`),
    );
    const error = await build({ logger })
      .notify(anomaly("critical"))
      .catch((e: unknown) => e as Error);
    vi.restoreAllMocks();

    expect(written.length).toBeGreaterThan(1);
    const logs = written.join("");
    expect(logs).toContain("PagerDuty delivery retry");
    expect(logs).toContain("pager delivery failed");
    expect(logs).toContain("[redacted]");
    expect(logs).not.toContain(ROUTING_KEY);
    expect(error?.message).toContain("[redacted]");
    expect(error?.message).not.toContain(ROUTING_KEY);
    for (const message of published()) expect(JSON.stringify(message)).not.toContain(ROUTING_KEY);
    expect(JSON.stringify(deadLetters())).not.toContain(ROUTING_KEY);
    // The key went to PagerDuty, and only there.
    expect(server.requests[0]?.body.routing_key).toBe(ROUTING_KEY);
  });
});
