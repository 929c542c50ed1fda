import { describe, expect, it } from "vitest";
import { DEFAULT_ALERT_ROUTES } from "../../src/config/alerting-config.ts";
import { ConfigError, parseConfig } from "../../src/config/load.ts";
import { PAGERDUTY_EVENTS_URL } from "../../src/domain/pagerduty-event.ts";
import { parseAlertingConfig } from "../../src/wiring/alerting.ts";

const detection = { metricSets: [{ name: "egress", builtin: "egress" }] };

function problems(alerting: unknown): string {
  try {
    parseConfig({ detection, alerting }, "vigil.config.yaml");
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error("expected a ConfigError");
}

describe("alerting config", () => {
  it("defaults: no PagerDuty, the default routes, topicArn kept", () => {
    const config = parseConfig({
      detection,
      alerting: { topicArn: "arn:aws:sns:eu-west-1:123456789012:t" },
    });
    expect(config.alerting.topicArn).toBe("arn:aws:sns:eu-west-1:123456789012:t");
    expect(config.alerting.pagerduty).toBeUndefined();
    expect(config.alerting.routes).toEqual(DEFAULT_ALERT_ROUTES);
    expect(parseConfig({ detection }).alerting.routes).toEqual(DEFAULT_ALERT_ROUTES);
  });

  it("reads the PagerDuty section with its defaults, and routes with one value or a list", () => {
    const config = parseAlertingConfig({
      pagerduty: { secret: "vigil/pagerduty" },
      routes: [
        { when: { severity: "critical", source: ["anomaly", "remediation"] }, to: "pagerduty" },
        { to: ["sns"] },
      ],
    });
    expect(config.pagerduty).toEqual({
      secret: "vigil/pagerduty",
      endpoint: PAGERDUTY_EVENTS_URL,
      timeoutSeconds: 5,
      maxAttempts: 4,
      deadlineSeconds: 25,
      cacheSeconds: 300,
    });
    expect(config.routes).toEqual([
      { when: { severity: ["critical"], source: ["anomaly", "remediation"] }, to: ["pagerduty"] },
      { when: {}, to: ["sns"] },
    ]);
  });

  it("names each bad key", () => {
    expect(problems({ pagerduty: { secrte: "vigil/pd" } })).toContain(
      "alerting.pagerduty: Unrecognized key",
    );
    expect(problems({ pagerduty: { secrte: "vigil/pd" } })).toContain("secrte");
    expect(problems({ routes: [{ when: { severity: "urgent" }, to: ["sns"] }] })).toContain(
      "alerting.routes.0.when.severity",
    );
    expect(problems({ routes: [{ when: { outcome: "aplied" }, to: ["sns"] }] })).toContain(
      "alerting.routes.0.when.outcome",
    );
    expect(problems({ routes: [{ to: ["email"] }] })).toContain("alerting.routes.0.to");
    expect(problems({ routes: [] })).toContain("alerting.routes");
    expect(problems({ pagerduty: { maxAttempts: 0 } })).toContain("alerting.pagerduty.maxAttempts");
    expect(problems({ deadLetterQueueUrl: "vigil-dlq" })).toContain("alerting.deadLetterQueueUrl");
  });

  it("refuses a routing key in the config, without repeating it", () => {
    const key = "R0UT1NGKEYt3st0nly0123456789abcd";
    const message = problems({ pagerduty: { routingKey: key } });
    expect(message).toContain(
      "alerting.pagerduty.routingKey: never put the routing key in the config",
    );
    expect(message).not.toContain(key);
  });

  it("keeps the secret under vigil/ (the functions may read nothing else)", () => {
    expect(problems({ pagerduty: { secret: "prod/pagerduty" } })).toContain(
      "alerting.pagerduty.secret: must name a Secrets Manager secret under vigil/",
    );
    expect(problems({ pagerduty: { ssmParameter: "/prod/pd" } })).toContain(
      "alerting.pagerduty.ssmParameter: must name an SSM parameter under /vigil/",
    );
    expect(
      parseAlertingConfig({
        pagerduty: {
          secret: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:vigil/pagerduty-AbCdEf",
        },
      }).pagerduty?.secret,
    ).toMatch(/vigil\/pagerduty-AbCdEf$/);
    expect(problems({ pagerduty: { secret: "vigil/a", ssmParameter: "/vigil/b" } })).toContain(
      "set secret or ssmParameter, not both",
    );
  });

  it("sends the key over HTTPS only (plain HTTP for a local test server)", () => {
    expect(problems({ pagerduty: { endpoint: "http://events.example.com/v2/enqueue" } })).toContain(
      "alerting.pagerduty.endpoint: must be an https:// URL",
    );
    expect(
      parseAlertingConfig({ pagerduty: { endpoint: "http://127.0.0.1:8080/v2/enqueue" } }).pagerduty
        ?.endpoint,
    ).toBe("http://127.0.0.1:8080/v2/enqueue");
  });
});
