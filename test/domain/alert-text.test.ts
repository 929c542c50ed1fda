import { describe, expect, it } from "vitest";
import {
  cloudTrailEventsUrl,
  formatQuantity,
  leadSentence,
  metricUnit,
  nextSteps,
} from "../../src/domain/alert-text.ts";
import { type AnomalyAlert, anomalyNotification } from "../../src/domain/anomaly-notification.ts";
import { cloudWatchConsoleUrl } from "../../src/domain/cloudwatch-link.ts";
import type { Verdict } from "../../src/domain/detection.ts";
import type { MetricIdentity } from "../../src/domain/metric.ts";
import { pagerDutyEvent } from "../../src/domain/pagerduty-event.ts";
import { withRunbook } from "../../src/domain/runbook.ts";

const HOUR = 3_600_000;
const start = Date.parse("2026-11-24T07:00:00Z");
const BUCKET: MetricIdentity = {
  namespace: "AWS/S3",
  metricName: "BytesDownloaded",
  dimensions: { BucketName: "acme-prod-customer-exports", FilterId: "EntireBucket" },
  stat: "Sum",
};
const GET_OBJECT: MetricIdentity = {
  namespace: "AWS/Usage",
  metricName: "CallCount",
  dimensions: { Class: "None", Resource: "GetObject", Service: "S3", Type: "API" },
  stat: "Sum",
};

function alertOf(
  metric: MetricIdentity,
  metricSet: string,
  observed: number,
  expected: number,
  sigma: number,
): AnomalyAlert {
  const z = (observed - expected) / sigma;
  const verdict: Verdict = {
    metric,
    timestamp: start + HOUR,
    periodSeconds: 3600,
    status: "anomalous",
    observed,
    expected,
    sigma,
    z,
    upperThreshold: expected + 4 * sigma,
    lowerThreshold: metricSet === "api-calls" ? expected - 4 * sigma : null,
    severity: "critical",
    why: `observed ${observed} is ${z.toFixed(1)}σ from expected ${expected}`,
    baselinePeriods: 720,
  };
  return {
    event: "new-episode",
    metricSet,
    account: "123456789012",
    region: "eu-west-1",
    verdict,
    episode: {
      metric,
      start,
      end: start + HOUR,
      anomalousPeriods: 2,
      severity: "critical",
      peak: verdict,
      open: true,
    },
    method: "auto",
    k: 4,
    windowDays: 30,
    consoleUrl: "https://eu-west-1.console.aws.amazon.com/cloudwatch/home",
  };
}

const exfiltration = alertOf(BUCKET, "egress", 8.5e9, 1.08e9, 0.4e9);
const storm = alertOf(GET_OBJECT, "api-calls", 48_200, 1_520, 300);
const loggingOff = alertOf(GET_OBJECT, "api-calls", 0, 5_000, 1_800);

describe("alert text: the number and its unit first", () => {
  it("units per metric: bytes for egress counters, calls for API-call counts, a count otherwise", () => {
    expect(metricUnit("egress", BUCKET)).toBe("bytes");
    expect(
      metricUnit("egress", { ...BUCKET, namespace: "AWS/EC2", metricName: "NetworkOut" }),
    ).toBe("bytes");
    expect(metricUnit("api-calls", GET_OBJECT)).toBe("calls");
    expect(metricUnit("custom", { ...GET_OBJECT, metricName: "ConsoleLogins" })).toBe("count");
    expect(formatQuantity(8.5e9, "bytes")).toBe("8.5 GB");
    expect(formatQuantity(512, "bytes")).toBe("512 B");
    expect(formatQuantity(1, "calls")).toBe("1 call");
    expect(formatQuantity(48_200, "calls")).toBe("48.2k calls");
  });

  it("egress: '8.5 GB out of <bucket> in 1 h, 7.9× normal (1.1 GB)'", () => {
    expect(leadSentence(exfiltration)).toBe(
      "8.5 GB out of acme-prod-customer-exports in 1 h, 7.9× normal (1.08 GB)",
    );
  });

  it("API calls: the API by name, with calls as the unit; a drop says what is normal", () => {
    expect(leadSentence(storm)).toBe("48.2k S3 GetObject calls in 1 h, 32× normal (1.52k calls)");
    expect(leadSentence(loggingOff)).toBe("0 S3 GetObject calls in 1 h, normally 5k calls");
  });

  it("the PagerDuty summary leads with the number, says what and where, and stays within 1,024 characters", () => {
    const n = anomalyNotification(exfiltration);
    const event = pagerDutyEvent(n, new Date(start).toISOString());
    expect(event.payload?.summary).toMatch(
      /^8\.5 GB out of acme-prod-customer-exports in 1 h, 7\.9× normal \(1\.08 GB\)\. CRITICAL egress anomaly in 123456789012 eu-west-1: AWS\/S3 BytesDownloaded /,
    );
    // The SNS subject keeps its 100-character limit; the summary is not cut there.
    expect(n.subject.length).toBeLessThanOrEqual(100);
    expect((event.payload?.summary ?? "").length).toBeGreaterThan(100);
    const long = alertOf(
      { ...BUCKET, dimensions: { BucketName: "b".repeat(63), FilterId: "f".repeat(900) } },
      "egress",
      8.5e9,
      1.08e9,
      0.4e9,
    );
    const summary = pagerDutyEvent(anomalyNotification(long), "t").payload?.summary ?? "";
    expect(summary.length).toBe(1024);
    expect(summary.startsWith(`8.5 GB out of ${"b".repeat(63)} in 1 h`)).toBe(true);
  });
});

describe("alert text: next steps per metric set", () => {
  it("an API-call storm links CloudTrail event history for that API and the episode's window", () => {
    const steps = nextSteps(storm).join("\n");
    const link = cloudTrailEventsUrl(
      "eu-west-1",
      { start: start - HOUR, end: start + 2 * HOUR },
      "GetObject",
    );
    expect(link).toBe(
      "https://eu-west-1.console.aws.amazon.com/cloudtrailv2/home?region=eu-west-1#/events?EventName=GetObject&StartTime=2026-11-24T06%3A00%3A00.000Z&EndTime=2026-11-24T09%3A00%3A00.000Z",
    );
    expect(steps).toContain(link);
    expect(steps).not.toMatch(/moved the data/);
    expect(anomalyNotification(storm).body).toContain(link);
  });

  it("a drop of API calls points at CloudTrail logging being turned off", () => {
    const steps = nextSteps(loggingOff).join("\n");
    expect(steps).toMatch(/CloudTrail logging is still on/);
    expect(steps).toContain("EventName=StopLogging");
  });

  it("egress points at S3 server access logs and CloudTrail data events for the bucket, not at API-call history", () => {
    const steps = nextSteps(exfiltration).join("\n");
    expect(steps).toContain(
      "S3 server access logs or CloudTrail data events (GetObject) for bucket acme-prod-customer-exports",
    );
    expect(steps).not.toContain("cloudtrailv2");
    const instance = alertOf(
      {
        ...BUCKET,
        namespace: "AWS/EC2",
        metricName: "NetworkOut",
        dimensions: { InstanceId: "i-0abc" },
      },
      "egress",
      8.5e9,
      1e9,
      1e8,
    );
    expect(nextSteps(instance).join("\n")).toContain("VPC flow logs of i-0abc");
  });
});

describe("alert text: links", () => {
  it("the CloudWatch link shows the metric in its account and region with the expected value and the k·σ band", () => {
    const url = cloudWatchConsoleUrl(
      GET_OBJECT,
      "eu-west-1",
      { start: start - 2 * 86_400_000, end: start + 2 * HOUR },
      3600,
      {
        account: "123456789012",
        band: { expected: 1520, lower: 320, upper: 2720, episodeStart: start },
      },
    );
    expect(
      url.startsWith(
        "https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#metricsV2:graph=~(",
      ),
    ).toBe(true);
    const graph = url.split("graph=")[1] ?? "";
    expect(graph).toContain("~accountId~'123456789012");
    expect(graph).toContain("~region~'eu-west-1");
    // A horizontal line at expected and a band (a pair of edges) at expected ± k·σ.
    expect(graph).toContain(
      "annotations~(horizontal~(~(label~'expected~value~1520)~(~(label~'band*20*28expected*20*b1*20k*b7**03c3*29~value~320)~(value~2720)))",
    );
    expect(graph).toContain(
      "vertical~(~(label~'episode*20start~value~'2026-11-24T07*3a00*3a00.000Z))",
    );
    expect(graph).not.toContain("ANOMALY_DETECTION_BAND");
  });

  it("an absolute runbook URL is in the text and in PagerDuty's links", () => {
    const base = "https://github.com/acme/vigil/blob/main/docs/oncall-runbook.md";
    const n = withRunbook(anomalyNotification(exfiltration), base);
    expect(n.body).toContain(`Runbook: ${base}#anomaly-new-episode`);
    const event = pagerDutyEvent(n, "t");
    expect(event.links).toContainEqual({
      href: `${base}#anomaly-new-episode`,
      text: "Vigil on-call runbook",
    });
  });
});
