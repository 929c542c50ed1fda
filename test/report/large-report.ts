/** A report the size people run: 50 metrics × 90 evaluated days, hourly, with noise and a cycle. */
import { syntheticSeries, withValue } from "../../sandbox/synthetic.ts";
import type { MetricSeries } from "../../src/domain/metric.ts";
import { type BacktestReport, runBacktest } from "../../src/usecases/backtest.ts";
import { MEAN_SD_CONFIG } from "../support/mean-sd-settings.ts";
import { seriesFrom } from "../support/series.ts";

const DAY = 86_400_000;
const START = Date.parse("2026-01-05T00:00:00Z");
/** 28 days of history before the 90 evaluated ones. */
const DAYS = 28 + 90;

export async function largeReport(
  settings: Array<{ label: string; changes: Record<string, unknown> }>,
  metrics = 50,
): Promise<BacktestReport> {
  const series: MetricSeries[] = Array.from({ length: metrics }, (_, i) => {
    const points = syntheticSeries({
      start: START,
      periods: DAYS * 24,
      periodSeconds: 3600,
      base: 1e6 * (1 + i),
      dailyAmplitude: 0.4,
      weekendFactor: 0.6,
      noise: 0.08,
      seed: 100 + i,
    });
    return seriesFrom(
      {
        namespace: "AWS/S3",
        metricName: "BytesDownloaded",
        dimensions: { BucketName: `acme-prod-bucket-${i}`, FilterId: "EntireBucket" },
        stat: "Sum",
      },
      3600,
      withValue(points, START + (40 + (i % 60)) * DAY + 13 * 3_600_000, 9e6 * (1 + i)),
    );
  });
  return runBacktest(
    { clock: () => START + DAYS * DAY },
    {
      target: { kind: "series", series },
      variants: settings as never,
      keepTraces: true,
      days: 90,
      base: MEAN_SD_CONFIG,
    },
  );
}
