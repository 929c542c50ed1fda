/** A backtest report for the report tests: three synthetic metrics, one with a hostile name. */
import type { MetricSeries } from "../../src/domain/metric.ts";
import { type BacktestReport, runBacktest } from "../../src/usecases/backtest.ts";
import { MEAN_SD_CONFIG } from "../support/mean-sd-settings.ts";
import { EVALUATED_TO, scenarios } from "../usecases/scenarios.ts";

export const HOSTILE_VALUE = `</script><script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">&amp;'"`;

/** A report over three synthetic metrics, one with a hostile dimension value, two settings. */
export async function sampleReport(): Promise<BacktestReport> {
  const hostile: MetricSeries = {
    ...scenarios.mostlyZero(),
    metric: {
      namespace: "AWS/S3",
      metricName: "BytesDownloaded",
      dimensions: { BucketName: HOSTILE_VALUE, FilterId: "EntireBucket" },
      stat: "Sum",
    },
  };
  return runBacktest(
    { clock: () => EVALUATED_TO },
    {
      target: { kind: "series", series: [scenarios.spike(), scenarios.weekly(), hostile] },
      variants: [
        { label: "k=3", changes: { k: 3 } },
        { label: "k=3,method=seasonal", changes: { k: 3, method: "seasonal" } },
      ],
      keepTraces: true,
      // The last 14 days, with the mean-sd rules the charts' assertions were written for.
      days: 14,
      base: MEAN_SD_CONFIG,
    },
  );
}

/** A long metric name: a dimension value of 120 characters without a space. */
export const LONG_VALUE = `acme-prod-customer-exports-${"x".repeat(60)}-eu-west-1-replica-bucket-${"0123456789".repeat(2)}`;

/** Four settings compared on two metrics, one with a long name: the layout's worst case. */
export async function wideReport(): Promise<BacktestReport> {
  const long: MetricSeries = {
    ...scenarios.spike(),
    metric: {
      namespace: "AWS/S3",
      metricName: "BytesDownloaded",
      dimensions: { BucketName: LONG_VALUE, FilterId: "EntireBucket" },
      stat: "Sum",
    },
  };
  return runBacktest(
    { clock: () => EVALUATED_TO },
    {
      target: { kind: "series", series: [long, scenarios.weekly()] },
      variants: [
        {
          label: "method=mean-sd,k=3,window=28,direction=both",
          changes: { k: 3, direction: "both" },
        },
        { label: "method=mean-sd,k=3.5,window=28,direction=up", changes: { k: 3.5 } },
        {
          label: "method=seasonal,k=3,window=28,direction=up",
          changes: { k: 3, method: "seasonal" },
        },
        { label: "method=mean-sd,k=4,window=14,direction=up", changes: { k: 4, windowDays: 14 } },
      ],
      keepTraces: true,
      days: 14,
      base: MEAN_SD_CONFIG,
    },
  );
}
