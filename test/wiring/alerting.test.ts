import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { mockClient } from "aws-sdk-client-mock";
import { describe, expect, it, vi } from "vitest";
import { AlertDeadLetterQueue } from "../../src/adapters/alert-dead-letter.ts";
import { LogNotifier } from "../../src/adapters/log-notifier.ts";
import { PagerDutyNotifier } from "../../src/adapters/pagerduty-notifier.ts";
import { RoutingNotifier } from "../../src/adapters/routing-notifier.ts";
import { ConfigError } from "../../src/config/load.ts";
import {
  createAlerting,
  parseAlertingConfig,
  routingKeyLocation,
} from "../../src/wiring/alerting.ts";
import { createDetectionDeps } from "../../src/wiring/detection.ts";
import { anomaly, ROUTING_KEY } from "../support/alert-fixtures.ts";

const snsMock = mockClient(SNSClient);

const clientConfig = { region: "eu-west-1", maxAttempts: 5 };
const TOPIC = "arn:aws:sns:eu-west-1:123456789012:vigil-alerts";
const DLQ = "https://sqs.eu-west-1.amazonaws.com/123456789012/vigil-alert-dlq";

function logger() {
  return { info: vi.fn(), warn: vi.fn(), error: vi.fn() };
}

describe("createAlerting", () => {
  it("builds SNS, PagerDuty and the dead-letter queue from names in the environment", () => {
    const setup = createAlerting({
      env: { VIGIL_PAGERDUTY_SECRET: "vigil/pagerduty", VIGIL_ALERT_DLQ_URL: DLQ },
      topicArn: TOPIC,
      clientConfig,
      logger: logger(),
    });
    expect(setup.notifier).toBeInstanceOf(RoutingNotifier);
    expect((setup.notifier as RoutingNotifier).destinations).toEqual(["pagerduty", "sns"]);
    expect(setup.pagerDuty).toBeInstanceOf(PagerDutyNotifier);
    expect(setup.deadLetter).toBeInstanceOf(AlertDeadLetterQueue);
    expect(setup.deadLetter?.queueUrl).toBe(DLQ);
    expect(setup.routingKey).toEqual({
      store: "secretsmanager",
      name: "vigil/pagerduty",
      setting: "VIGIL_PAGERDUTY_SECRET",
    });
  });

  it("takes the secret from the config when the environment has none; the environment wins", () => {
    const alerting = parseAlertingConfig({ pagerduty: { ssmParameter: "/vigil/pd" } });
    expect(routingKeyLocation({}, alerting)).toEqual({
      store: "ssm",
      name: "/vigil/pd",
      setting: "alerting.pagerduty.ssmParameter",
    });
    expect(routingKeyLocation({ VIGIL_PAGERDUTY_SECRET: "vigil/pd" }, alerting)?.setting).toBe(
      "VIGIL_PAGERDUTY_SECRET",
    );
  });

  it("CLI (strict): refuses a routing key pasted into VIGIL_PAGERDUTY_SECRET, never repeating it", () => {
    const error = (() => {
      try {
        createAlerting({
          env: { VIGIL_PAGERDUTY_SECRET: ROUTING_KEY },
          clientConfig,
          logger: logger(),
          strict: true,
        });
      } catch (e) {
        return e as Error;
      }
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect(error?.message).toMatch(
      /^VIGIL_PAGERDUTY_SECRET: must name a Secrets Manager secret under vigil\//,
    );
    expect(error?.message).not.toContain(ROUTING_KEY);
  });

  it("CLI (strict): refuses two key locations and a bad queue URL, naming the variables", () => {
    const strict = { clientConfig, logger: logger(), strict: true };
    expect(() =>
      createAlerting({
        env: { VIGIL_PAGERDUTY_SECRET: "vigil/a", VIGIL_PAGERDUTY_SSM_PARAMETER: "/vigil/b" },
        ...strict,
      }),
    ).toThrow(/VIGIL_PAGERDUTY_SECRET and VIGIL_PAGERDUTY_SSM_PARAMETER are both set/);
    expect(() =>
      createAlerting({ env: { VIGIL_ALERT_DLQ_URL: "vigil-alert-dlq" }, ...strict }),
    ).toThrow(/^VIGIL_ALERT_DLQ_URL: must be an SQS queue URL/);
  });

  it("functions: a bad PagerDuty or queue setting does not stop the run; paged alerts reach SNS marked with the setting", async () => {
    snsMock.reset();
    snsMock.on(PublishCommand).resolves({ MessageId: "m-1" });
    const log = logger();
    const setup = createAlerting({
      env: { VIGIL_PAGERDUTY_SECRET: ROUTING_KEY, VIGIL_ALERT_DLQ_URL: "not a url" },
      topicArn: TOPIC,
      clientConfig,
      logger: log,
    });
    expect(log.error).toHaveBeenCalledWith(
      "invalid PagerDuty setting: alerts carry on without it",
      { error: expect.stringMatching(/^VIGIL_PAGERDUTY_SECRET: must name/) },
    );
    const error = await setup.notifier
      .notify(anomaly("critical"))
      .catch((e: unknown) => e as Error);
    expect(error?.message).toMatch(/^pager delivery failed: VIGIL_PAGERDUTY_SECRET: must name/);
    expect(error?.message).toContain("dead-letter queue failed: ConfigError: VIGIL_ALERT_DLQ_URL");
    const [published] = snsMock.commandCalls(PublishCommand).map((c) => c.args[0].input);
    expect(published?.Subject).toContain("pager delivery failed");
    expect(published?.Message?.split("\n")[0]).toMatch(
      /^pager delivery failed: VIGIL_PAGERDUTY_SECRET: must name a Secrets Manager secret/,
    );
    expect(JSON.stringify([published, log.error.mock.calls, error?.message])).not.toContain(
      ROUTING_KEY,
    );
  });

  it("warns about what is missing: no destination at all, or PagerDuty without a dead-letter queue", () => {
    const nothing = logger();
    expect(createAlerting({ env: {}, clientConfig, logger: nothing }).notifier).toBeInstanceOf(
      LogNotifier,
    );
    expect(nothing.warn).toHaveBeenCalledWith(
      expect.stringMatching(/^no SNS topic .* alerts are only logged/),
    );
    const noQueue = logger();
    createAlerting({
      env: { VIGIL_PAGERDUTY_SECRET: "vigil/pd" },
      topicArn: TOPIC,
      clientConfig,
      logger: noQueue,
    });
    expect(noQueue.warn).toHaveBeenCalledWith(
      expect.stringMatching(/no alert dead-letter queue \(VIGIL_ALERT_DLQ_URL\)/),
    );
  });
});

describe("detection wiring", () => {
  it("hands the detect use case the routing notifier", async () => {
    const deps = await createDetectionDeps({
      env: {
        AWS_REGION: "eu-west-1",
        VIGIL_TOPIC_ARN: TOPIC,
        VIGIL_PAGERDUTY_SECRET: "vigil/pagerduty",
        VIGIL_ALERT_DLQ_URL: DLQ,
      },
      config: {
        detection: { metricSets: [] } as never,
        alerting: parseAlertingConfig({}),
      },
      logger: logger() as never,
    });
    expect(deps.notifier).toBeInstanceOf(RoutingNotifier);
    expect((deps.notifier as RoutingNotifier).destinations).toEqual(["pagerduty", "sns"]);
  });
});
