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
