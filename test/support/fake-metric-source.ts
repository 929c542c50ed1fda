import {
  countPoints,
  type MetricIdentity,
  type MetricSeries,
  metricKey,
  sliceSeries,
} from "../../src/domain/metric.ts";
import type { FetchResult, MetricSelector, MetricSource } from "../../src/ports/metric-source.ts";

/** In-memory MetricSource: serves fixed series, can fail chosen metrics, counts calls. */
export class FakeMetricSource implements MetricSource {
  fetchCalls: Array<{
    metrics: MetricIdentity[];
    range: { start: number; end: number };
    periodSeconds: number;
  }> = [];
  failing = new Map<string, string>();

  constructor(private readonly series: MetricSeries[]) {}

  async discover(selectors: MetricSelector[]) {
    const metrics = this.series
      .map((s) => s.metric)
      .filter((m) =>
        selectors.some(
          (sel) =>
            sel.namespace === m.namespace &&
            sel.metricName === m.metricName &&
            [...sel.dimensionNames].sort().join() === Object.keys(m.dimensions).sort().join(),
        ),
      );
    return { metrics, listMetricsCalls: selectors.length };
  }

  async fetch(
    metrics: MetricIdentity[],
    range: { start: number; end: number },
    periodSeconds: number,
  ): Promise<FetchResult> {
    this.fetchCalls.push({ metrics, range, periodSeconds });
    const result: FetchResult = {
      series: [],
      failures: [],
      stats: { getMetricDataCalls: 1, datapoints: 0 },
    };
    for (const metric of metrics) {
      const key = metricKey(metric);
      const error = this.failing.get(key);
      if (error) {
        result.failures.push({ metric, error });
        continue;
      }
      const source = this.series.find((s) => metricKey(s.metric) === key);
      const clipped = source
        ? sliceSeries({ ...source, metric, periodSeconds }, range)
        : { metric, periodSeconds, start: range.start, values: new Float64Array(0) };
      result.stats.datapoints += countPoints(clipped);
      result.series.push(clipped);
    }
    return result;
  }
}
