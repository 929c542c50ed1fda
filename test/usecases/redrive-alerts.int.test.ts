import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  SendMessageCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AlertDeadLetterQueue } from "../../src/adapters/alert-dead-letter.ts";
import { PagerDutyNotifier } from "../../src/adapters/pagerduty-notifier.ts";
import { type DeadLetter, pagerDutyEvent } from "../../src/domain/pagerduty-event.ts";
import { redriveAlerts } from "../../src/usecases/redrive-alerts.ts";
import { anomaly, ROUTING_KEY, remediation } from "../support/alert-fixtures.ts";
import { motoClientConfig, motoEndpoint, resetMoto } from "../support/moto.ts";
import {
  INVALID_EVENT,
  type PagerDutyTestServer,
  startPagerDutyServer,
} from "../support/pagerduty-server.ts";

const endpoint = motoEndpoint();

describe.skipIf(!endpoint)(
  "redrive the alert dead-letter queue (moto SQS, PagerDuty server)",
  () => {
    const sqs = new SQSClient(motoClientConfig(endpoint ?? ""));
    let server: PagerDutyTestServer;
    let queue: AlertDeadLetterQueue;
    let pagerDuty: PagerDutyNotifier;

    async function letter(
      n: ReturnType<typeof anomaly>,
      queuedAt: string,
      reason = "PagerDuty unavailable after 4 attempt(s): HTTP 503",
    ): Promise<void> {
      const entry: DeadLetter = {
        version: 1,
        kind: "vigil.pagerduty-event",
        queuedAt,
        reason,
        event: pagerDutyEvent(n, queuedAt),
      };
      await queue.enqueue(entry);
    }

    async function depth(): Promise<number> {
      const attributes = await sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: queue.queueUrl,
          AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        }),
      );
      return (
        Number(attributes.Attributes?.ApproximateNumberOfMessages) +
        Number(attributes.Attributes?.ApproximateNumberOfMessagesNotVisible)
      );
    }

    beforeEach(async () => {
      await resetMoto(endpoint ?? "");
      server = await startPagerDutyServer();
      const url = (await sqs.send(new CreateQueueCommand({ QueueName: "vigil-alert-dlq" })))
        .QueueUrl;
      queue = new AlertDeadLetterQueue(sqs, url ?? "");
      pagerDuty = new PagerDutyNotifier({
        routingKey: async () => ROUTING_KEY,
        endpoint: server.url,
        maxAttempts: 2,
        sleep: async () => {},
      });
    });
    afterEach(async () => {
      await server.close();
    });

    it("sends each queued event with the routing key added back, deletes what PagerDuty took", async () => {
      await letter(anomaly("critical"), "2026-11-24T08:00:00.000Z");
      await letter(remediation("applied"), "2026-11-24T08:01:00.000Z");
      const report = await redriveAlerts({ queue, pagerDuty });
      expect(report.received).toBe(2);
      expect(report.delivered.map((d) => d.dedupKey).sort()).toEqual(
        [anomaly().dedupKey, remediation().dedupKey].sort(),
      );
      expect(report.failed).toEqual([]);
      expect(server.requests.map((r) => r.body.routing_key)).toEqual([ROUTING_KEY, ROUTING_KEY]);
      expect(server.requests.map((r) => r.body.event_action)).toEqual(["trigger", "trigger"]);
      expect(await depth()).toBe(0);
    });

    it("sends only the newest event per incident: a queued trigger then its resolve never re-opens it", async () => {
      await letter(anomaly("critical"), "2026-11-24T08:00:00.000Z");
      await letter(anomaly("critical", "resolved"), "2026-11-24T09:00:00.000Z");
      const report = await redriveAlerts({ queue, pagerDuty });
      expect(server.requests.map((r) => r.body.event_action)).toEqual(["resolve"]);
      expect(report.delivered).toHaveLength(1);
      expect(report.superseded.map((s) => s.action)).toEqual(["trigger"]);
      expect(await depth()).toBe(0);
    });

    it("keeps what PagerDuty still refuses, and malformed messages, visible for the next try", async () => {
      server.answer(INVALID_EVENT("Invalid routing key"));
      await letter(anomaly("critical"), "2026-11-24T08:00:00.000Z");
      await sqs.send(
        new SendMessageCommand({ QueueUrl: queue.queueUrl, MessageBody: '{"hello":1}' }),
      );
      const report = await redriveAlerts({ queue, pagerDuty });
      expect(report.delivered).toEqual([]);
      expect(report.failed).toHaveLength(1);
      expect(report.failed[0]?.error).toContain(
        "HTTP 400: Event object is invalid; Invalid routing key",
      );
      expect(report.malformed).toHaveLength(1);
      expect(report.malformed[0]?.error).toContain("version");
      expect(report.stoppedEarly).toBe(true);
      // Released at once: the next redrive sees both again.
      const again = await redriveAlerts({ queue, pagerDuty });
      expect(again.received).toBe(2);
      expect(again.delivered).toHaveLength(1);
      expect(await depth()).toBe(1); // the malformed one waits for a person
    });

    it("dry run: lists, sends and deletes nothing", async () => {
      await letter(anomaly("critical"), "2026-11-24T08:00:00.000Z");
      const report = await redriveAlerts({ queue, pagerDuty }, { dryRun: true });
      expect(report.delivered).toHaveLength(1);
      expect(server.requests).toHaveLength(0);
      expect(await depth()).toBe(1);
      expect((await redriveAlerts({ queue, pagerDuty }, { dryRun: true })).received).toBe(1);
    });

    it("drains more than one round of messages, in batched calls", async () => {
      const alerts = Array.from({ length: 25 }, (_, i) => ({
        ...anomaly("critical"),
        dedupKey: `vigil:anomaly:m${i}`,
      }));
      await Promise.all(
        alerts.map((a, i) => letter(a, `2026-11-24T08:00:${String(i).padStart(2, "0")}.000Z`)),
      );
      const report = await redriveAlerts({ queue, pagerDuty }, { maxMessages: 1000 });
      expect(report.delivered).toHaveLength(25);
      expect(new Set(server.requests.map((r) => r.body.dedup_key)).size).toBe(25);
      expect(await depth()).toBe(0);
    });
  },
);
