import { SNSClient } from "@aws-sdk/client-sns";
import { CreateQueueCommand, ReceiveMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createTopicWithQueue, readSnsMessages } from "../../sandbox/sns-readback.ts";
import { AlertDeadLetterQueue } from "../../src/adapters/alert-dead-letter.ts";
import { PagerDutyNotifier } from "../../src/adapters/pagerduty-notifier.ts";
import { AlertDeliveryError, RoutingNotifier } from "../../src/adapters/routing-notifier.ts";
import { SnsNotifier } from "../../src/adapters/sns-notifier.ts";
import { DEFAULT_ALERT_ROUTES } from "../../src/config/alerting-config.ts";
import { anomaly, ROUTING_KEY } from "../support/alert-fixtures.ts";
import { motoClientConfig, motoEndpoint, resetMoto } from "../support/moto.ts";
import { type PagerDutyTestServer, startPagerDutyServer } from "../support/pagerduty-server.ts";

const endpoint = motoEndpoint();

describe.skipIf(!endpoint)(
  "routing notifier against SNS and SQS (moto) and a PagerDuty server",
  () => {
    const config = motoClientConfig(endpoint ?? "");
    const sns = new SNSClient(config);
    const sqs = new SQSClient(config);
    let server: PagerDutyTestServer;
    let topicArn: string;
    let readbackUrl: string;
    let dlqUrl: string;

    beforeEach(async () => {
      await resetMoto(endpoint ?? "");
      server = await startPagerDutyServer();
      ({ topicArn, queueUrl: readbackUrl } = await createTopicWithQueue(sns, sqs, "vigil-alerts"));
      dlqUrl =
        (await sqs.send(new CreateQueueCommand({ QueueName: "vigil-alert-dlq" }))).QueueUrl ?? "";
    });
    afterEach(async () => {
      await server.close();
    });

    function notifier() {
      return new RoutingNotifier({
        routes: DEFAULT_ALERT_ROUTES,
        sns: new SnsNotifier(sns, topicArn),
        pagerDuty: new PagerDutyNotifier({
          routingKey: async () => ROUTING_KEY,
          endpoint: server.url,
          maxAttempts: 2,
          sleep: async () => {},
        }),
        deadLetter: new AlertDeadLetterQueue(sqs, dlqUrl),
        logger: { info: () => {}, warn: () => {}, error: () => {} },
      });
    }

    it("a critical alert pages and reaches SNS subscribers unmarked", async () => {
      await notifier().notify(anomaly("critical"));
      expect(server.requests).toHaveLength(1);
      const messages = await readSnsMessages(sqs, readbackUrl);
      expect(messages).toHaveLength(1);
      expect(messages[0]?.Subject).toMatch(/^\[Vigil CRITICAL\] 123456789012 eu-west-1 egress/);
      expect(messages[0]?.MessageAttributes?.severity?.Value).toBe("critical");
      expect(messages[0]?.Message).toContain("Runbook: docs/oncall-runbook.md#anomaly-new-episode");
    });

    it("PagerDuty down: subscribers get the alert marked, the event waits in the dead-letter queue without the key", async () => {
      server.always({ status: 502 });
      const n = anomaly("critical");
      const error = await notifier()
        .notify(n)
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AlertDeliveryError);

      const [message] = await readSnsMessages(sqs, readbackUrl);
      expect(message?.Subject).toMatch(/^\[Vigil CRITICAL, pager delivery failed\] 123456789012/);
      expect(message?.Message.split("\n")[0]).toBe(
        "pager delivery failed: PagerDuty unavailable after 2 attempt(s): HTTP 502",
      );
      expect(message?.MessageAttributes?.pagerDelivery?.Value).toBe("failed");

      const queued = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: dlqUrl,
          MaxNumberOfMessages: 10,
          MessageAttributeNames: ["All"],
        }),
      );
      expect(queued.Messages).toHaveLength(1);
      const body = queued.Messages?.[0]?.Body ?? "";
      expect(body).not.toContain(ROUTING_KEY);
      expect(JSON.parse(body)).toMatchObject({
        kind: "vigil.pagerduty-event",
        reason: "PagerDuty unavailable after 2 attempt(s): HTTP 502",
        event: { event_action: "trigger", dedup_key: n.dedupKey },
      });
      expect(queued.Messages?.[0]?.MessageAttributes?.dedupKey?.StringValue).toBe(n.dedupKey);
    });
  },
);
