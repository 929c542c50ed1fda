import { readFile } from "node:fs/promises";
import { basename, extname } from "node:path";
import { InputError } from "../domain/errors.ts";
import {
  countPoints,
  type DataPoint,
  type MetricIdentity,
  type MetricSeries,
  metricKey,
  seriesFromPoints,
  sliceSeries,
} from "../domain/metric.ts";
import { type Combine, combinerFor } from "../domain/statistic.ts";
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

/** What was accepted but is worth one warning line each. */
interface ParseNotes {
  /** Date-times without a zone, read as UTC. */
  zoneless: number;
  /** Negative values (fine for gauges; bytes and call counts cannot be negative). */
  negative: number;
}

/** Parses a timestamp string or number to epoch ms, or returns why it cannot. */
function parseTimestamp(raw: string | number, notes: ParseNotes): number | string {
  if (typeof raw === "number") {
    if (!Number.isFinite(raw) || raw < 0) return `unparseable timestamp ${raw}`;
    return raw < EPOCH_MS_THRESHOLD ? Math.round(raw * 1000) : Math.round(raw);
  }
  const text = raw.trim();
  if (text === "") return "missing timestamp";
  if (EPOCH.test(text)) return parseTimestamp(Number(text), notes);
  const match = ISO_DATE_TIME.exec(text);
  if (!match)
    return `unparseable timestamp "${text}" (use ISO 8601 with Z or an offset, or epoch seconds/ms)`;
  const [, year, month, day, hour, minute, second, fraction, zone] = match;
  // Exports often carry local time without a zone (NAB, spreadsheets): read as UTC, said once.
  if (hour !== undefined && zone === undefined) notes.zoneless++;
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
function parseValue(raw: unknown, source: Format, notes: ParseNotes): number | string {
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
  if (value < 0) notes.negative++;
  return value;
}

function fileMetric(name: string): MetricIdentity {
  const base = basename(name);
  const extension = extname(base);
  const metricName = extension ? base.slice(0, -extension.length) : base;
  return { namespace: "File", metricName: metricName || "input", dimensions: {}, stat: "Sum" };
}

function parseCsv(text: string, file: string, notes: ParseNotes): RawPoint[] {
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
    const timestamp = parseTimestamp(fields[timestampColumn] as string, notes);
    if (typeof timestamp === "string") fail(lineNumber, timestamp);
    const value = parseValue(fields[valueColumn], "csv", notes);
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

function parseJson(text: string, file: string, notes: ParseNotes): JsonParsed {
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
    const timestamp = parseTimestamp(rawTimestamp, notes);
    if (typeof timestamp === "string") return fail(timestamp);
    const value = parseValue(entry.value, "json", notes);
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

/** Orders the points by time (stable: rows of one timestamp keep their file order). */
function sortPoints(points: RawPoint[], warn: (message: string) => void, file: string): void {
  let outOfOrder = 0;
  for (let i = 1; i < points.length; i++) {
    if ((points[i] as RawPoint).timestamp < (points[i - 1] as RawPoint).timestamp) outOfOrder++;
  }
  if (outOfOrder === 0) return;
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
  const metric = parsed.metric ?? fileMetric(name);
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
