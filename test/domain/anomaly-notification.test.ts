import { describe, expect, it } from "vitest";
import { anomalyDedupKey, anomalyNotification } from "../../src/domain/anomaly-notification.ts";
import type { Episode, Verdict } from "../../src/domain/detection.ts";

const metric = {
  namespace: "AWS/S3",
  metricName: "BytesDownloaded",
  dimensions: {
    BucketName: "an-extremely-long-bucket-name-used-by-the-data-platform-team-prod",
    FilterId: "EntireBucket",
  },
  stat: "Sum",
};
const start = Date.parse("2026-11-24T07:00:00Z");
const verdict: Verdict = {
  metric,
  timestamp: start,
  periodSeconds: 3600,
  status: "anomalous",
  observed: 9.1e9,
  expected: 1.2e9,
  sigma: 1.1e9,
  z: 7.2,
  upperThreshold: 4.5e9,
  lowerThreshold: null,
  severity: "critical",
  why: "observed 9.1G is 7.2σ above expected 1.2G",
  baselinePeriods: 720,
};
const episode: Episode = {
  metric,
  start,
  end: start,
  anomalousPeriods: 1,
  severity: "critical",
  peak: verdict,
  open: true,
};
const alert = {
  event: "new-episode" as const,
  metricSet: "egress",
  account: "123456789012",
  region: "eu-west-1",
  verdict,
  episode,
  method: "seasonal",
  k: 3,
  windowDays: 30,
  consoleUrl:
    "https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#metricsV2:graph=~()",
};

describe("anomalyNotification", () => {
  it("keeps the subject within SNS's 100 characters, what and where first", () => {
    const n = anomalyNotification(alert);
    expect(n.subject.length).toBeLessThanOrEqual(100);
    expect(
      n.subject.startsWith("[Vigil CRITICAL] 123456789012 eu-west-1 egress: BytesDownloaded"),
    ).toBe(true);
    expect(n.subject).toMatch(/^[\x20-\x7e]+$/);
  });

  it("carries a JSON block with observed, expected, sigma, z, threshold, window, severity and the console link", () => {
    const n = anomalyNotification(alert);
    const json = n.body.split("```json\n")[1]?.split("\n```")[0];
    const details = JSON.parse(json ?? "");
    expect(details).toMatchObject({
      metric,
      observed: 9.1e9,
      expected: 1.2e9,
      sigma: 1.1e9,
      z: 7.2,
      threshold: { upper: 4.5e9, lower: null },
      window: { days: 30, method: "seasonal", k: 3, periods: 720 },
      severity: "critical",
      consoleUrl: alert.consoleUrl,
    });
    expect(n.body.split("\n")[0]).toContain("CRITICAL");
    expect(n.body).toContain("Why: observed 9.1G");
    expect(n.attributes).toEqual({ metricSet: "egress", event: "new-episode" });
  });

  it("keys the incident by the metric alone, so a resolve that sees a later episode start still closes it", () => {
    const trigger = anomalyNotification(alert);
    // A later run sees only its look-back: for a long episode it reports a later start.
    const resolve = anomalyNotification({
      ...alert,
      event: "resolved",
      verdict: { ...verdict, status: "normal" },
      episode: { ...alert.episode, start: start + 6 * 3_600_000, open: false },
    });
    expect(trigger.dedupKey).toBe(anomalyDedupKey(metric));
    expect(trigger.dedupKey).not.toContain(new Date(start).toISOString());
    expect(resolve.dedupKey).toBe(trigger.dedupKey);
    expect(resolve.action).toBe("resolve");
    expect(resolve.severity).toBe("info");
    expect(anomalyDedupKey({ ...metric, metricName: "Other" })).not.toBe(trigger.dedupKey);
  });
});
