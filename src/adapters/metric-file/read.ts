import { readFile } from "node:fs/promises";
import { extname } from "node:path";
import {
  type DataPoint,
  type MetricIdentity,
  type MetricSeries,
  seriesFromPoints,
} from "../../domain/metric.ts";
import { type Combine, combinerFor } from "../../domain/statistic.ts";
import { parseCsv } from "./csv.ts";
import { type JsonParsed, parseJson } from "./json.ts";
import {
  type Format,
  fileMetric,
  MetricFileError,
  type ParseNotes,
  type RawPoint,
} from "./values.ts";

/**
 * Metric history from a file, for `vigil backtest --input FILE` and tests.
 *
 * CSV: a header naming the columns `timestamp` and `value` (any order, any case, spaces around
 * names allowed); any other column is an error that names it. No quoting: fields are split on
 * commas. Blank lines and lines starting with `#` are ignored.
 *
 * JSON: either an array of `{ "timestamp": ..., "value": ... }`, or
 * `{ "metric"?: { namespace, metricName, dimensions?, stat? }, "periodSeconds"?: n, "points": [...] }`.
 *
 * Timestamps: ISO 8601 with `Z` or an offset (`2024-05-01T10:00:00Z`, `2024-05-01T12:00+02:00`;
 * a space may replace the `T`), a bare date (`2024-05-01`, UTC midnight), or epoch seconds or
 * milliseconds (numbers below 100,000,000,000 are seconds: that is the year 5138 in seconds and
 * 1973 in milliseconds). A date-time without a zone is read as UTC (one warning line), as real
 * exports often carry local time without one.
 *
 * Values must be numbers (a non-numeric value is refused, naming its line). Real exports are
 * accepted as they come, each oddity said in one warning line: unsorted rows are sorted; the
 * period is the JSON's `periodSeconds` or the caller's, else the most common interval between
 * rows rounded to whole minutes; rows sharing a period (a timestamp repeated at a daylight-saving
 * change, irregular spacing) are combined with the metric's statistic. Gaps of several periods are
 * fine: empty periods are absent, as in CloudWatch.
 */

function formatInterval(ms: number): string {
  if (ms % 86_400_000 === 0) return `${ms / 86_400_000} d`;
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000} h`;
  if (ms % 60_000 === 0) return `${ms / 60_000} min`;
  return `${ms / 1000} s`;
}

/** Most common interval between consecutive distinct timestamps (ascending points), in ms. */
function typicalInterval(points: readonly RawPoint[]): number | undefined {
  const counts = new Map<number, number>();
  for (let i = 1; i < points.length; i++) {
    const interval = (points[i] as RawPoint).timestamp - (points[i - 1] as RawPoint).timestamp;
    if (interval > 0) counts.set(interval, (counts.get(interval) ?? 0) + 1);
  }
  let best: number | undefined;
  let bestCount = 0;
  for (const [interval, count] of counts) {
    if (count > bestCount || (count === bestCount && interval < (best as number))) {
      best = interval;
      bestCount = count;
    }
  }
  return best;
}

/**
 * The series' period in seconds: given (JSON periodSeconds or the caller's), else the most common
 * interval between points rounded to whole minutes (CloudWatch serves multiples of 60 s).
 */
function periodOf(points: readonly RawPoint[], file: string, given?: number): number {
  if (given !== undefined) {
    if (!Number.isSafeInteger(given) || given <= 0 || given % 60 !== 0) {
      throw new MetricFileError(
        `${file}: the period must be a multiple of 60 s, got ${given}`,
        file,
      );
    }
    return given;
  }
  const interval = typicalInterval(points);
  if (interval === undefined) {
    const point = points[0] as RawPoint;
    throw new MetricFileError(
      `${file} ${point.where}: one point is not enough to infer the period (add points, or give the period)`,
      file,
      point.line,
    );
  }
  return Math.max(60, Math.round(interval / 60_000) * 60);
}

/**
 * Orders the points by time (stable: rows of one timestamp keep their file order). Newest first —
 * how CloudWatch and its CLI export — is an order, not a mistake: reversed without a warning.
 */
function sortPoints(points: RawPoint[], warn: (message: string) => void, file: string): void {
  let outOfOrder = 0;
  let inOrder = 0;
  for (let i = 1; i < points.length; i++) {
    const step = (points[i] as RawPoint).timestamp - (points[i - 1] as RawPoint).timestamp;
    if (step < 0) outOfOrder++;
    else if (step > 0) inOrder++;
  }
  if (outOfOrder === 0) return;
  if (inOrder === 0) {
    // Descending: reverse, then keep rows of one timestamp in their file order.
    points.reverse();
    points.sort((a, b) => a.timestamp - b.timestamp || (a.line ?? 0) - (b.line ?? 0));
    return;
  }
  points.sort((a, b) => a.timestamp - b.timestamp);
  warn(
    `${file}: ${outOfOrder} row${outOfOrder === 1 ? " was" : "s were"} out of time order: sorted`,
  );
}

/**
 * One value per period: points are laid on the period grid (floor of their timestamp) and the
 * points sharing a period — a repeated timestamp at a daylight-saving change, irregular spacing —
 * are combined with the metric's statistic, with one warning naming the count.
 */
function combinePerPeriod(
  points: readonly RawPoint[],
  periodSeconds: number,
  stat: string,
  file: string,
  warn: (message: string) => void,
): DataPoint[] {
  const periodMs = periodSeconds * 1000;
  const result: DataPoint[] = [];
  let pending: number[] = [];
  let pendingStart = Number.NaN;
  let shared = 0;
  let combine: Combine | undefined;
  const flush = () => {
    if (pending.length === 0) return;
    if (pending.length > 1) {
      shared += pending.length;
      combine ??= combinerFor(stat);
      if (!combine) {
        throw new MetricFileError(
          `${file}: several points fall in the period starting ${iso(pendingStart)} and the statistic ${stat} cannot combine them (give --stat Sum, Average, Maximum, Minimum, SampleCount or pN)`,
          file,
        );
      }
      result.push({ timestamp: pendingStart, value: combine(pending) });
    } else {
      result.push({ timestamp: pendingStart, value: pending[0] as number });
    }
    pending = [];
  };
  for (const point of points) {
    const start = Math.floor(point.timestamp / periodMs) * periodMs;
    if (start !== pendingStart) {
      flush();
      pendingStart = start;
    }
    pending.push(point.value);
  }
  flush();
  if (shared > 0) {
    warn(
      `${file}: ${shared} rows share a ${formatInterval(periodMs)} period with another row (repeated timestamps or irregular spacing): combined per period with ${stat}`,
    );
  }
  return result;
}

function iso(timestamp: number): string {
  return new Date(timestamp).toISOString();
}

export interface MetricFileOptions {
  /** Statistic the values are (and combine with): default the JSON metric's, else Sum. */
  stat?: string;
  /** Period in seconds (a multiple of 60); default the JSON's periodSeconds, else inferred. */
  periodSeconds?: number;
  /**
   * The metric the file holds (`--metric` with `--input`): overrides a JSON metric and the default
   * `File/<file name>`, so what tune writes matches the real metric.
   */
  metric?: MetricIdentity;
  /** Receives one line per accepted oddity (zone-less timestamps, sorting, combined rows). */
  warn?: (message: string) => void;
}

/**
 * Parses a metric file's text. `name` (a path or file name) labels errors and, unless the JSON
 * names a metric, becomes the metric name without its extension: "egress.csv" → "egress".
 */
export function parseMetricFile(
  text: string,
  format: Format,
  name = "input",
  options: MetricFileOptions = {},
): MetricSeries {
  const warn = options.warn ?? (() => {});
  const notes: ParseNotes = { zoneless: 0, negative: 0 };
  const body = text.startsWith("\uFEFF") ? text.slice(1) : text;
  const parsed: JsonParsed =
    format === "csv" ? { points: parseCsv(body, name, notes) } : parseJson(body, name, notes);
  if (notes.zoneless > 0) {
    warn(`${name}: ${notes.zoneless} timestamps have no time zone: read as UTC`);
  }
  if (notes.negative > 0) {
    warn(`${name}: ${notes.negative} negative values (bytes and call counts cannot be negative)`);
  }
  const points = parsed.points;
  sortPoints(points, warn, name);
  const periodSeconds = periodOf(points, name, options.periodSeconds ?? parsed.periodSeconds);
  const metric = options.metric ?? parsed.metric ?? fileMetric(name);
  const stat = options.stat ?? metric.stat;
  return seriesFromPoints(
    { ...metric, stat },
    periodSeconds,
    combinePerPeriod(points, periodSeconds, stat, name, warn),
  );
}

/** Reads a .csv or .json metric file (format from the extension). */
export async function readMetricFile(
  path: string,
  options: MetricFileOptions = {},
): Promise<MetricSeries> {
  const extension = extname(path).toLowerCase();
  if (extension !== ".csv" && extension !== ".json") {
    throw new MetricFileError(
      `${path}: unsupported file type "${extension || "(none)"}" (use .csv or .json)`,
      path,
    );
  }
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new MetricFileError(`${path}: cannot read file (${(error as Error).message})`, path);
  }
  return parseMetricFile(text, extension === ".csv" ? "csv" : "json", path, options);
}
