import type { Logger } from "@aws-lambda-powertools/logger";
import { SNSClient } from "@aws-sdk/client-sns";
import { awsClientConfig } from "../adapters/aws-clients.ts";
import { topicSubscriptions } from "../adapters/sns-subscriptions.ts";
import { loadConfigFile, type VigilConfig } from "../config/load.ts";
import { jsonBlock, type Notification } from "../domain/notification.ts";
import { pagerDutyEvent } from "../domain/pagerduty-event.ts";
import { withRunbook } from "../domain/runbook.ts";
import { type AlertingSetup, createAlerting } from "../wiring/alerting.ts";
import { type CliIo, EXIT, exitCodeFor } from "./io.ts";

export interface AlertTestOptions {
  to: string;
  /** PagerDuty severity of the test event (default info: most services do not page on it). */
  severity?: string;
  /** Resolve the test incident instead of opening it. */
  resolve?: boolean;
  configPath?: string;
}

export interface AlertCommandDeps {
  env?: NodeJS.ProcessEnv;
  loadConfig?: (path?: string) => Promise<VigilConfig>;
  /** Tests: PagerDuty's fetch and retry sleep. */
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
}

/** The same test incident every time, so `--resolve` closes the one a previous test opened. */
export const TEST_DEDUP_KEY = "vigil:test:alert-test";

export function testNotification(
  severity: Notification["severity"],
  action: Notification["action"],
  now: Date,
): Notification {
  const details = {
    event: "test",
    sentAt: now.toISOString(),
    sentBy: "vigil alert test",
  };
  const subject =
    action === "resolve"
      ? "[Vigil INFO] TEST alert resolved: nothing is wrong"
      : `[Vigil ${severity.toUpperCase()}] TEST alert from vigil alert test: nothing is wrong`;
  return {
    action,
    dedupKey: TEST_DEDUP_KEY,
    severity,
    source: "anomaly",
    subject,
    body: [
      action === "resolve"
        ? "TEST: the test incident opened by `vigil alert test` is resolved."
        : `TEST: this alert was sent by \`vigil alert test\` at ${details.sentAt} to check the alert path end to end. Nothing is wrong.`,
      "",
      "Next step: none. Close it with `vigil alert test --to pagerduty --resolve`.",
      "",
      ...jsonBlock(details),
    ].join("\n"),
    details,
    attributes: { event: "test" },
  };
}

/** Warnings go to stderr as plain lines: the CLI prints text, not JSON logs. */
export function cliLogger(io: CliIo): Pick<Logger, "info" | "warn" | "error"> {
  const line = (message: unknown, extra: unknown[]) =>
    `${typeof message === "string" ? message : JSON.stringify(message)}${
      extra.length > 0 ? ` ${JSON.stringify(extra.length === 1 ? extra[0] : extra)}` : ""
    }`;
  return {
    info: () => {},
    warn: (message, ...extra) => io.err(`warning: ${line(message, extra)}`),
    error: (message, ...extra) => io.err(`error: ${line(message, extra)}`),
  };
}

/** Loads the config and builds the alert path; reports a bad setting as bad input. */
export async function alertingFor(
  command: string,
  configPath: string | undefined,
  io: CliIo,
  deps: AlertCommandDeps,
): Promise<AlertingSetup | number> {
  const env = deps.env ?? process.env;
  try {
    const config = await (deps.loadConfig ?? loadConfigFile)(configPath);
    const topicArn = env.VIGIL_TOPIC_ARN ?? config.alerting.topicArn;
    return createAlerting({
      env,
      alerting: config.alerting,
      ...(topicArn ? { topicArn } : {}),
      clientConfig: awsClientConfig(env),
      logger: cliLogger(io),
      strict: true,
      ...(deps.fetch ? { fetch: deps.fetch } : {}),
      ...(deps.sleep ? { sleep: deps.sleep } : {}),
    });
  } catch (error) {
    io.err(`vigil ${command}: ${(error as Error).message}`);
    return exitCodeFor(error);
  }
}

const SEVERITIES = ["critical", "warning", "info"] as const;

/** `vigil alert test --to pagerduty|sns`: one test event through the real adapters. */
export async function runAlertTestCommand(
  options: AlertTestOptions,
  io: CliIo,
  deps: AlertCommandDeps = {},
): Promise<number> {
  if (options.to !== "pagerduty" && options.to !== "sns") {
    io.err(`vigil alert test: --to must be pagerduty or sns, not "${options.to}"`);
    return EXIT.badInput;
  }
  const severity = options.severity ?? "info";
  if (!(SEVERITIES as readonly string[]).includes(severity)) {
    io.err(`vigil alert test: --severity must be one of ${SEVERITIES.join(", ")}`);
    return EXIT.badInput;
  }
  const setup = await alertingFor("alert test", options.configPath, io, deps);
  if (typeof setup === "number") return setup;

  const notification = withRunbook(
    testNotification(
      severity as Notification["severity"],
      options.resolve ? "resolve" : "trigger",
      new Date(),
    ),
    setup.config.runbookUrl,
  );

  if (options.to === "pagerduty") {
    if (!setup.pagerDuty || !setup.routingKey) {
      io.err(
        "vigil alert test: PagerDuty is not configured: set VIGIL_PAGERDUTY_SECRET (a Secrets Manager secret under vigil/, e.g. vigil/pagerduty) or VIGIL_PAGERDUTY_SSM_PARAMETER, or alerting.pagerduty.secret in the config",
      );
      return EXIT.badInput;
    }
    try {
      const event = pagerDutyEvent(notification, new Date().toISOString());
      const accepted = await setup.pagerDuty.send(event);
      io.out(
        `PagerDuty accepted the test ${event.event_action} (dedup key ${accepted.dedupKey}, ${accepted.attempts} attempt(s); routing key from ${setup.routingKey.store === "ssm" ? "SSM parameter" : "secret"} ${setup.routingKey.name}).`,
      );
      if (!options.resolve) {
        io.out("Resolve the test incident with: vigil alert test --to pagerduty --resolve");
      }
      return EXIT.ok;
    } catch (error) {
      io.err(`vigil alert test: ${(error as Error).message}`);
      return exitCodeFor(error);
    }
  }

  if (!setup.sns) {
    io.err("vigil alert test: no SNS topic: set VIGIL_TOPIC_ARN or alerting.topicArn");
    return EXIT.badInput;
  }
  try {
    await setup.sns.notify(notification);
    io.out(`SNS accepted the test message: "${notification.subject}"`);
  } catch (error) {
    const { name, message } = error as Error;
    io.err(`vigil alert test: SNS did not take the test message: ${name}: ${message}`);
    return EXIT.failure;
  }
  // Accepted is not received: a topic nobody subscribed to swallows every alert.
  const env = deps.env ?? process.env;
  const topicArn = env.VIGIL_TOPIC_ARN ?? setup.config.topicArn ?? "";
  try {
    const subscriptions = await topicSubscriptions(new SNSClient(awsClientConfig(env)), topicArn);
    if (subscriptions.confirmed.length === 0) {
      io.err(
        `vigil alert test: nobody receives alerts: ${topicArn} has no confirmed subscription${
          subscriptions.pending > 0
            ? ` (${subscriptions.pending} waiting for their confirmation link to be clicked)`
            : ""
        }. Subscribe someone: aws sns subscribe --topic-arn ${topicArn} --protocol email --notification-endpoint you@example.com`,
      );
      return EXIT.failure;
    }
    io.out(
      `Delivered to ${subscriptions.confirmed.length} confirmed subscription(s): ${subscriptions.confirmed
        .map((s) => s.protocol)
        .join(
          ", ",
        )}${subscriptions.pending > 0 ? `; ${subscriptions.pending} pending confirmation` : ""}.`,
    );
    return EXIT.ok;
  } catch (error) {
    const { name, message } = error as Error;
    io.err(
      `vigil alert test: the message was accepted, but the topic's subscriptions could not be read (${name}: ${message}); check them in the SNS console`,
    );
    return EXIT.failure;
  }
}
