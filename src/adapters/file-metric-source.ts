import {
  countPoints,
  type MetricIdentity,
  type MetricSeries,
  metricKey,
  metricLabel,
  sliceSeries,
} from "../domain/metric.ts";
import type {
  FetchResult,
  MetricFetchFailure,
  MetricSelector,
  MetricSource,
} from "../ports/metric-source.ts";
import { type MetricFileOptions, readMetricFile } from "./metric-file/read.ts";
import { MetricFileError } from "./metric-file/values.ts";

export { type MetricFileOptions, parseMetricFile, readMetricFile } from "./metric-file/read.ts";
export { MetricFileError } from "./metric-file/values.ts";

/** One input file's series and the path it came from (absent for series given directly). */
export interface MetricFile {
  path?: string;
  series: MetricSeries;
}

/**
 * Metric history from files as a MetricSource: what `vigil backtest --input` and `vigil tune
 * --input` read (through `files`), and what tests serve. Parsing is in ./metric-file/ (CSV, JSON,
 * `aws cloudwatch get-metric-data` output); this class holds the parsed series. discover returns
 * every series whatever the selectors (the files are the selection); fetch clips to the range and
 * fails, per metric, when the metric is unknown or the requested period differs from the file's.
 */
export class FileMetricSource implements MetricSource {
  private readonly byKey = new Map<string, MetricFile>();
  /** In the order given. */
  readonly files: readonly MetricFile[];

  constructor(series: readonly MetricSeries[], paths: readonly string[] = []) {
    this.files = series.map((one, index) => {
      const path = paths[index];
      return path === undefined ? { series: one } : { path, series: one };
    });
    for (const file of this.files) {
      const key = metricKey(file.series.metric);
      const other = this.byKey.get(key);
      if (other) {
        const label = metricLabel(file.series.metric);
        throw new MetricFileError(
          file.path !== undefined && other.path !== undefined
            ? `${file.path} and ${other.path} hold the same metric (${label})`
            : `two input series have the same metric ${label}`,
          file.path ?? "input",
        );
      }
      this.byKey.set(key, file);
    }
  }

  /** Reads and parses the files (format from the extension); options apply to every file. */
  static async fromFiles(
    paths: readonly string[],
    options: MetricFileOptions = {},
  ): Promise<FileMetricSource> {
    const series: MetricSeries[] = [];
    // One after the other: warnings come out in file order.
    for (const path of paths) series.push(await readMetricFile(path, options));
    return new FileMetricSource(series, paths);
  }

  async discover(
    _selectors: MetricSelector[],
  ): Promise<{ metrics: MetricIdentity[]; listMetricsCalls: number }> {
    return { metrics: this.files.map((file) => file.series.metric), listMetricsCalls: 0 };
  }

  async fetch(
    metrics: MetricIdentity[],
    range: { start: number; end: number },
    periodSeconds: number,
  ): Promise<FetchResult> {
    const series: MetricSeries[] = [];
    const failures: MetricFetchFailure[] = [];
    let datapoints = 0;
    const unique = new Map(metrics.map((metric) => [metricKey(metric), metric]));
    for (const [key, metric] of unique) {
      const source = this.byKey.get(key)?.series;
      if (!source) {
        failures.push({ metric, error: "no input file holds this metric" });
      } else if (source.periodSeconds !== periodSeconds) {
        failures.push({
          metric,
          error: `input file has a ${source.periodSeconds} s period, but ${periodSeconds} s was requested`,
        });
      } else {
        const clipped = sliceSeries(source, range);
        datapoints += countPoints(clipped);
        series.push(clipped);
      }
    }
    return { series, failures, stats: { getMetricDataCalls: 0, datapoints } };
  }
}
