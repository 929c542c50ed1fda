import { readFile } from "node:fs/promises";
import { basename, extname } from "node:path";
import { InputError } from "../domain/errors.ts";
import {
  countPoints,
  type MetricIdentity,
  type MetricSeries,
  metricKey,
  seriesFromPoints,
  sliceSeries,
} from "../domain/metric.ts";
import type {
  FetchResult,
  MetricFetchFailure,
  MetricSelector,
  MetricSource,
} from "../ports/metric-source.ts";

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
 * 1973 in milliseconds). A date-time without a zone is rejected: it would depend on the machine.
 *
 * Points must be strictly ascending, values finite and ≥ 0. The period is `periodSeconds` when the
 * JSON gives it, else the smallest interval between points; every interval must be a whole
 * multiple of it (gaps of several periods are fine: empty periods are absent, as in CloudWatch).
 */

/** A problem in a metric file; the message names the file, the line (or JSON point) and the problem. */
export class MetricFileError extends InputError {
  constructor(
    message: string,
    readonly file: string,
    readonly line?: number,
  ) {
    super(message);
    this.name = "MetricFileError";
  }
}

type Format = "csv" | "json";

/** A point as read, with where it came from for error messages. */
interface RawPoint {
  timestamp: number;
  value: number;
  /** "line 7" (CSV) or "points[3] (line 9)" (JSON). */
  where: string;
  line?: number;
}

const EPOCH_MS_THRESHOLD = 100_000_000_000;
const ISO_DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/i;
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?$/i;
const EPOCH = /^\d+(?:\.\d+)?$/;

/** Parses a timestamp string or number to epoch ms, or returns why it cannot. */
function parseTimestamp(raw: string | number): number | string {
  if (typeof raw === "number") {
    if (!Number.isFinite(raw) || raw < 0) return `unparseable timestamp ${raw}`;
    return raw < EPOCH_MS_THRESHOLD ? Math.round(raw * 1000) : Math.round(raw);
  }
  const text = raw.trim();
  if (text === "") return "missing timestamp";
  if (EPOCH.test(text)) return parseTimestamp(Number(text));
  const match = ISO_DATE_TIME.exec(text);
  if (!match)
    return `unparseable timestamp "${text}" (use ISO 8601 with Z or an offset, or epoch seconds/ms)`;
  const [, year, month, day, hour, minute, second, fraction, zone] = match;
  if (hour !== undefined && zone === undefined) {
    return `timestamp "${text}" has no time zone (add Z or an offset such as +02:00)`;
  }
  const fields = [Number(year), Number(month), Number(day), Number(hour ?? 0), Number(minute ?? 0)];
  const [y, mo, d, h, mi] = fields as [number, number, number, number, number];
  const s = Number(second ?? 0);
  const utc = Date.UTC(y, mo - 1, d, h, mi, s);
  const check = new Date(utc);
  // Date.UTC rolls 2024-02-30 over to March 1st; refuse dates that do not exist.
  if (
    check.getUTCFullYear() !== y ||
    check.getUTCMonth() !== mo - 1 ||
    check.getUTCDate() !== d ||
    h > 23 ||
    mi > 59 ||
    s > 59
  ) {
    return `unparseable timestamp "${text}" (no such date or time)`;
  }
  let offsetMs = 0;
  if (zone !== undefined && zone.toUpperCase() !== "Z") {
    const sign = zone.startsWith("-") ? -1 : 1;
    const digits = zone.slice(1).replace(":", "");
    const offsetHours = Number(digits.slice(0, 2));
    const offsetMinutes = Number(digits.slice(2, 4));
    if (offsetHours > 23 || offsetMinutes > 59) return `unparseable time zone offset in "${text}"`;
    offsetMs = sign * (offsetHours * 60 + offsetMinutes) * 60_000;
  }
  const fractionMs = fraction ? Math.round(Number(fraction) * 1000) : 0;
  return utc + fractionMs - offsetMs;
}

/**
 * Parses a value or returns why it cannot be a metric value. CSV fields are text; JSON values
 * must be numbers (a quoted number in JSON is more likely a mistake than a convenience).
 */
function parseValue(raw: unknown, source: Format): number | string {
  let value: number;
  if (typeof raw === "number") {
    value = raw;
  } else if (typeof raw === "string") {
    const text = raw.trim();
    if (text === "") return "missing value";
    if (/^[+-]?nan$/i.test(text)) return "value is NaN";
    if (source === "json") return `value must be a number, got the string "${text}"`;
    if (!DECIMAL.test(text)) return `non-numeric value "${text}"`;
    value = Number(text);
  } else {
    return `value must be a number, got ${raw === null ? "null" : typeof raw}`;
  }
  if (Number.isNaN(value)) return "value is NaN";
  if (!Number.isFinite(value)) return `value ${value} is not finite`;
  if (value < 0) return `negative value ${value} (bytes and call counts cannot be negative)`;
  return value;
}

function fileMetric(name: string): MetricIdentity {
  const base = basename(name);
  const extension = extname(base);
  const metricName = extension ? base.slice(0, -extension.length) : base;
  return { namespace: "File", metricName: metricName || "input", dimensions: {}, stat: "Sum" };
}

function parseCsv(text: string, file: string): RawPoint[] {
  const lines = text.split(/\r?\n/);
  const fail = (line: number, problem: string): never => {
    throw new MetricFileError(`${file} line ${line}: ${problem}`, file, line);
  };
  const isSkipped = (line: string) => line.trim() === "" || line.trimStart().startsWith("#");

  const headerIndex = lines.findIndex((line) => !isSkipped(line));
  if (headerIndex === -1) throw new MetricFileError(`${file}: empty file`, file);
  const headerLine = headerIndex + 1;
  const columns = (lines[headerIndex] as string).split(",").map((c) => c.trim().toLowerCase());
  const unknown = columns.filter((c) => c !== "timestamp" && c !== "value");
  if (unknown.length > 0) {
    fail(
      headerLine,
      `unexpected column${unknown.length > 1 ? "s" : ""} ${unknown.map((c) => `"${c}"`).join(", ")} (the header must be timestamp,value)`,
    );
  }
  const timestampColumn = columns.indexOf("timestamp");
  const valueColumn = columns.indexOf("value");
  if (timestampColumn === -1 || valueColumn === -1 || columns.length !== 2) {
    fail(
      headerLine,
      `header must name the columns timestamp and value, got "${lines[headerIndex]}"`,
    );
  }

  const points: RawPoint[] = [];
  for (let index = headerIndex + 1; index < lines.length; index++) {
    const line = lines[index] as string;
    if (isSkipped(line)) continue;
    const lineNumber = index + 1;
    const fields = line.split(",");
    if (fields.length !== 2) fail(lineNumber, `expected 2 fields, got ${fields.length}`);
    const timestamp = parseTimestamp(fields[timestampColumn] as string);
    if (typeof timestamp === "string") fail(lineNumber, timestamp);
    const value = parseValue(fields[valueColumn], "csv");
    if (typeof value === "string") fail(lineNumber, value);
    points.push({
      timestamp: timestamp as number,
      value: value as number,
      where: `line ${lineNumber}`,
      line: lineNumber,
    });
  }
  if (points.length === 0) fail(headerLine, "no data rows after the header");
  return points;
}

/**
 * Start offsets of the elements of the points array (the top-level array, or the array under the
 * top-level "points" key), so JSON errors can name a line. Assumes `text` is valid JSON.
 */
function jsonPointOffsets(text: string): number[] {
  const offsets: number[] = [];
  let depth = 0;
  let inPoints = false; // inside the points array, at its element depth
  let pointsDepth = -1;
  let lastKeyAtDepth1: string | undefined;
  let rootIsArray: boolean | undefined;
  let expectingElement = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i] as string;
    if (/\s/.test(char)) continue;
    if (inPoints && depth === pointsDepth && expectingElement && char !== "]") {
      offsets.push(i);
      expectingElement = false;
    }
    if (char === '"') {
      let end = i + 1;
      while (end < text.length && text[end] !== '"') end += text[end] === "\\" ? 2 : 1;
      if (depth === 1 && rootIsArray === false) {
        const after = text.slice(end + 1).trimStart();
        if (after.startsWith(":")) lastKeyAtDepth1 = JSON.parse(text.slice(i, end + 1));
      }
      i = end;
    } else if (char === "[" || char === "{") {
      if (depth === 0) rootIsArray = char === "[";
      depth++;
      const isPointsArray =
        char === "[" &&
        ((depth === 1 && rootIsArray) || (depth === 2 && lastKeyAtDepth1 === "points"));
      if (isPointsArray && !inPoints) {
        inPoints = true;
        pointsDepth = depth;
        expectingElement = true;
      }
    } else if (char === "]" || char === "}") {
      if (inPoints && depth === pointsDepth) inPoints = false;
      depth--;
    } else if (char === "," && inPoints && depth === pointsDepth) {
      expectingElement = true;
    }
  }
  return offsets;
}

/**
 * Offset of the first JSON syntax error, or undefined if none is found. Only called after
 * JSON.parse failed, to name the line: a small recursive-descent scan, not a full parser.
 */
function jsonErrorOffset(text: string): number | undefined {
  let i = 0;
  const literal = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null/y;
  const fail = (): never => {
    throw new SyntaxAt(i);
  };
  const skipSpace = () => {
    while (i < text.length && " \t\n\r".includes(text[i] as string)) i++;
  };
  const string = () => {
    i++; // opening quote
    while (i < text.length && text[i] !== '"') {
      if ((text[i] as string) < " ") fail();
      i += text[i] === "\\" ? 2 : 1;
    }
    if (i >= text.length) fail();
    i++;
  };
  const value = (): void => {
    skipSpace();
    const char = text[i];
    if (char === '"') {
      string();
      return;
    }
    if (char === "{" || char === "[") {
      const close = char === "{" ? "}" : "]";
      i++;
      skipSpace();
      if (text[i] === close) {
        i++;
        return;
      }
      for (;;) {
        if (char === "{") {
          skipSpace();
          if (text[i] !== '"') fail();
          string();
          skipSpace();
          if (text[i] !== ":") fail();
          i++;
        }
        value();
        skipSpace();
        if (text[i] === ",") {
          i++;
          continue;
        }
        if (text[i] === close) {
          i++;
          return;
        }
        fail();
      }
    }
    literal.lastIndex = i;
    const match = literal.exec(text);
    if (!match) fail();
    i += (match as RegExpExecArray)[0].length;
  };
  try {
    value();
    skipSpace();
    if (i < text.length) fail();
    return undefined;
  } catch (error) {
    return error instanceof SyntaxAt ? error.offset : undefined;
  }
}

class SyntaxAt {
  constructor(readonly offset: number) {}
}

function lineAt(text: string, offset: number): number {
  return linesAt(text, [offset])[0] ?? 1;
}

/** 1-based line numbers of ascending offsets, in one pass over the text. */
function linesAt(text: string, ascendingOffsets: readonly number[]): number[] {
  const lines: number[] = [];
  let line = 1;
  let position = 0;
  for (const offset of ascendingOffsets) {
    for (; position < offset && position < text.length; position++) {
      if (text[position] === "\n") line++;
    }
    lines.push(line);
  }
  return lines;
}

interface JsonParsed {
  points: RawPoint[];
  metric?: MetricIdentity;
  periodSeconds?: number;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function parseJsonMetric(raw: unknown, file: string): MetricIdentity {
  const fail = (problem: string): never => {
    throw new MetricFileError(`${file}: metric ${problem}`, file);
  };
  if (!isRecord(raw)) fail("must be an object { namespace, metricName, dimensions?, stat? }");
  const { namespace, metricName, dimensions = {}, stat = "Sum" } = raw as Record<string, unknown>;
  if (typeof namespace !== "string" || namespace === "")
    fail("namespace must be a non-empty string");
  if (typeof metricName !== "string" || metricName === "") {
    fail("metricName must be a non-empty string");
  }
  if (typeof stat !== "string" || stat === "") fail("stat must be a non-empty string");
  if (!isRecord(dimensions) || Object.values(dimensions).some((v) => typeof v !== "string")) {
    fail("dimensions must be an object of string values");
  }
  return {
    namespace: namespace as string,
    metricName: metricName as string,
    dimensions: { ...(dimensions as Record<string, string>) },
    stat: stat as string,
  };
}

function parseJson(text: string, file: string): JsonParsed {
  if (text.trim() === "") throw new MetricFileError(`${file}: empty file`, file);
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    const message = (error as Error).message;
    // JSON.parse messages differ between Node versions and may not give a position: find it.
    const offset = jsonErrorOffset(text);
    const line = offset === undefined ? undefined : lineAt(text, offset);
    throw new MetricFileError(
      `${file}${line ? ` line ${line}` : ""}: invalid JSON (${message})`,
      file,
      line,
    );
  }

  let rawPoints: unknown;
  const parsed: Omit<JsonParsed, "points"> = {};
  if (Array.isArray(document)) {
    rawPoints = document;
  } else if (isRecord(document)) {
    const unknownKeys = Object.keys(document).filter(
      (key) => !["metric", "periodSeconds", "points"].includes(key),
    );
    if (unknownKeys.length > 0) {
      throw new MetricFileError(
        `${file}: unexpected key${unknownKeys.length > 1 ? "s" : ""} ${unknownKeys.join(", ")} (expected metric, periodSeconds, points)`,
        file,
      );
    }
    if (!Array.isArray(document.points)) {
      throw new MetricFileError(`${file}: "points" must be an array of { timestamp, value }`, file);
    }
    rawPoints = document.points;
    if (document.metric !== undefined) parsed.metric = parseJsonMetric(document.metric, file);
    if (document.periodSeconds !== undefined) {
      const period = document.periodSeconds;
      if (typeof period !== "number" || !Number.isSafeInteger(period) || period <= 0) {
        throw new MetricFileError(`${file}: periodSeconds must be a positive integer`, file);
      }
      parsed.periodSeconds = period;
    }
  } else {
    throw new MetricFileError(
      `${file}: expected an array of points or an object with "points"`,
      file,
    );
  }

  const list = rawPoints as unknown[];
  if (list.length === 0) throw new MetricFileError(`${file}: no points`, file);
  const lines = linesAt(text, jsonPointOffsets(text));
  const points = list.map((entry, index): RawPoint => {
    const line = lines[index];
    const where = `points[${index}]${line ? ` (line ${line})` : ""}`;
    const fail = (problem: string): never => {
      throw new MetricFileError(`${file} ${where}: ${problem}`, file, line);
    };
    if (!isRecord(entry)) return fail("must be an object { timestamp, value }");
    const extra = Object.keys(entry).filter((key) => key !== "timestamp" && key !== "value");
    if (extra.length > 0) fail(`unexpected key${extra.length > 1 ? "s" : ""} ${extra.join(", ")}`);
    const rawTimestamp = entry.timestamp;
    if (typeof rawTimestamp !== "string" && typeof rawTimestamp !== "number") {
      return fail("timestamp must be an ISO 8601 string or epoch seconds/ms");
    }
    const timestamp = parseTimestamp(rawTimestamp);
    if (typeof timestamp === "string") return fail(timestamp);
    const value = parseValue(entry.value, "json");
    if (typeof value === "string") return fail(value);
    return { timestamp, value, where, ...(line ? { line } : {}) };
  });
  return { ...parsed, points };
}

function formatInterval(ms: number): string {
  if (ms % 86_400_000 === 0) return `${ms / 86_400_000} d`;
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000} h`;
  if (ms % 60_000 === 0) return `${ms / 60_000} min`;
  return `${ms / 1000} s`;
}

/** Checks order and spacing; returns the period in seconds. */
function checkPoints(points: RawPoint[], file: string, givenPeriodSeconds?: number): number {
  const fail = (point: RawPoint, problem: string): never => {
    throw new MetricFileError(`${file} ${point.where}: ${problem}`, file, point.line);
  };
  for (let i = 1; i < points.length; i++) {
    const previous = points[i - 1] as RawPoint;
    const point = points[i] as RawPoint;
    if (point.timestamp === previous.timestamp) {
      fail(point, `duplicate timestamp ${iso(point.timestamp)} (also at ${previous.where})`);
    }
    if (point.timestamp < previous.timestamp) {
      fail(
        point,
        `timestamps not ascending: ${iso(point.timestamp)} comes after ${iso(previous.timestamp)} (${previous.where})`,
      );
    }
  }

  let periodMs: number;
  if (givenPeriodSeconds !== undefined) {
    periodMs = givenPeriodSeconds * 1000;
  } else {
    if (points.length < 2) {
      fail(
        points[0] as RawPoint,
        "one point is not enough to infer the period (add points, or periodSeconds in JSON)",
      );
    }
    // A loop, not Math.min(...): spreading 100k+ arguments overflows the stack.
    let smallestAt = 1;
    periodMs = Number.POSITIVE_INFINITY;
    for (let i = 1; i < points.length; i++) {
      const interval = (points[i] as RawPoint).timestamp - (points[i - 1] as RawPoint).timestamp;
      if (interval < periodMs) {
        periodMs = interval;
        smallestAt = i;
      }
    }
    if (periodMs % 1000 !== 0) {
      fail(
        points[smallestAt] as RawPoint,
        `smallest interval ${periodMs} ms is not a whole number of seconds`,
      );
    }
  }
  for (let i = 1; i < points.length; i++) {
    const interval = (points[i] as RawPoint).timestamp - (points[i - 1] as RawPoint).timestamp;
    if (interval % periodMs !== 0) {
      fail(
        points[i] as RawPoint,
        `mixed periods: interval of ${formatInterval(interval)} from the previous point is not a whole multiple of the ${formatInterval(periodMs)} period`,
      );
    }
  }
  return periodMs / 1000;
}

function iso(timestamp: number): string {
  return new Date(timestamp).toISOString();
}

/**
 * Parses a metric file's text. `name` (a path or file name) labels errors and, unless the JSON
 * names a metric, becomes the metric name without its extension: "egress.csv" → "egress".
 */
export function parseMetricFile(text: string, format: Format, name = "input"): MetricSeries {
  const body = text.startsWith("\uFEFF") ? text.slice(1) : text;
  const parsed: JsonParsed =
    format === "csv" ? { points: parseCsv(body, name) } : parseJson(body, name);
  const periodSeconds = checkPoints(parsed.points, name, parsed.periodSeconds);
  return seriesFromPoints(parsed.metric ?? fileMetric(name), periodSeconds, parsed.points);
}

/** Reads a .csv or .json metric file (format from the extension). */
export async function readMetricFile(path: string): Promise<MetricSeries> {
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
  return parseMetricFile(text, extension === ".csv" ? "csv" : "json", path);
}

/**
 * Serves parsed series as a MetricSource, for the CLI's backtest and tests. discover returns every
 * series whatever the selectors (the files are the selection); fetch clips to the range and fails,
 * per metric, when the metric is unknown or the requested period differs from the file's.
 */
export class FileMetricSource implements MetricSource {
  private readonly byKey = new Map<string, MetricSeries>();

  constructor(series: readonly MetricSeries[]) {
    for (const one of series) {
      const key = metricKey(one.metric);
      if (this.byKey.has(key)) throw new Error(`two input series have the same metric ${key}`);
      this.byKey.set(key, one);
    }
  }

  static async fromFiles(paths: readonly string[]): Promise<FileMetricSource> {
    return new FileMetricSource(await Promise.all(paths.map((path) => readMetricFile(path))));
  }

  async discover(
    _selectors: MetricSelector[],
  ): Promise<{ metrics: MetricIdentity[]; listMetricsCalls: number }> {
    return { metrics: [...this.byKey.values()].map((s) => s.metric), listMetricsCalls: 0 };
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
      const source = this.byKey.get(key);
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
