import type { AnomalyAlert } from "../../src/domain/anomaly-notification.ts";
import type { Episode, Verdict } from "../../src/domain/detection.ts";
import type { MetricIdentity } from "../../src/domain/metric.ts";

/** Anomaly alerts as a detect run makes them, for the alert plan and paging tests. */

export const PERIOD = Date.parse("2026-11-24T07:00:00Z");
export const NOW = PERIOD + 70 * 60_000;

export const bucket = (name: string): MetricIdentity => ({
  namespace: "AWS/S3",
  metricName: "BytesDownloaded",
  dimensions: { BucketName: name, FilterId: "EntireBucket" },
  stat: "Sum",
});
export const distribution = (id: string): MetricIdentity => ({
  namespace: "AWS/CloudFront",
  metricName: "BytesDownloaded",
  dimensions: { DistributionId: id, Region: "Global" },
  stat: "Sum",
});

export function alert(
  metric: MetricIdentity,
  options: {
    z?: number;
    severity?: "warning" | "critical";
    event?: AnomalyAlert["event"];
    excess?: number;
    start?: number;
    metricSet?: string;
  } = {},
): AnomalyAlert {
  const z = options.z ?? 8;
  const excess = options.excess ?? 1e9;
  const verdict: Verdict = {
    metric,
    timestamp: PERIOD,
    periodSeconds: 3600,
    status: "anomalous",
    observed: 1e9 + excess,
    expected: 1e9,
    sigma: excess / z,
    z,
    upperThreshold: 1e9 + (3 * excess) / z,
    lowerThreshold: null,
    severity: options.severity ?? "critical",
    why: `observed is ${z}σ above expected`,
    baselinePeriods: 720,
  };
  const episode: Episode = {
    metric,
    start: options.start ?? PERIOD,
    end: PERIOD,
    anomalousPeriods: 1,
    severity: options.severity ?? "critical",
    peak: verdict,
    open: options.event !== "resolved",
  };
  return {
    event: options.event ?? "new-episode",
    metricSet: options.metricSet ?? "egress",
    account: "123456789012",
    region: "eu-west-1",
    verdict,
    episode,
    method: "seasonal",
    k: 3,
    windowDays: 30,
    consoleUrl: "https://console.aws.amazon.com/cloudwatch/home#graph",
  };
}
