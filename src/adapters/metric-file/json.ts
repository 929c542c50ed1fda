/** JSON metric files: an array of points, Vigil's object form, or `aws cloudwatch get-metric-data` output. */
import type { MetricIdentity } from "../../domain/metric.ts";
import {
  MetricFileError,
  type ParseNotes,
  parseTimestamp,
  parseValue,
  type RawPoint,
} from "./values.ts";

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

export interface JsonParsed {
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

export function parseJson(text: string, file: string, notes: ParseNotes): JsonParsed {
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
  if (isRecord(document) && "MetricDataResults" in document) {
    return parseGetMetricData(document, file, notes);
  }
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

/**
 * What `aws cloudwatch get-metric-data` prints: `{ "MetricDataResults": [{ "Id", "Label",
 * "Timestamps": [...], "Values": [...], "StatusCode" }], "Messages": [] }`, newest first. One result
 * per file: the file is one metric's history.
 */
function parseGetMetricData(
  document: Record<string, unknown>,
  file: string,
  notes: ParseNotes,
): JsonParsed {
  const fail = (problem: string): never => {
    throw new MetricFileError(`${file}: ${problem}`, file);
  };
  const results = document.MetricDataResults;
  if (!Array.isArray(results)) return fail("MetricDataResults must be an array");
  if (results.length !== 1) {
    const ids = results.map((r) => (isRecord(r) ? String(r.Id) : "?")).join(", ");
    fail(
      `holds ${results.length} MetricDataResults${ids ? ` (${ids})` : ""}: give a file with the output of one metric query`,
    );
  }
  const result = results[0];
  if (!isRecord(result)) return fail("MetricDataResults[0] must be an object");
  const { Timestamps: timestamps, Values: values, StatusCode: status } = result;
  if (!Array.isArray(timestamps) || !Array.isArray(values)) {
    return fail("MetricDataResults[0] needs Timestamps and Values arrays");
  }
  if (timestamps.length !== values.length) {
    fail(`MetricDataResults[0] has ${timestamps.length} Timestamps but ${values.length} Values`);
  }
  if (timestamps.length === 0) fail("MetricDataResults[0] holds no datapoints");
  if (status !== undefined && status !== "Complete") {
    fail(
      `MetricDataResults[0] has StatusCode ${String(status)}: the output is partial (page with NextToken and merge, or narrow the time range)`,
    );
  }
  const points = timestamps.map((rawTimestamp, index): RawPoint => {
    const where = `MetricDataResults[0] point ${index}`;
    const problem = (text: string): never => fail(`${where}: ${text}`);
    if (typeof rawTimestamp !== "string" && typeof rawTimestamp !== "number") {
      return problem("timestamp must be an ISO 8601 string or epoch seconds/ms");
    }
    const timestamp = parseTimestamp(rawTimestamp, notes);
    if (typeof timestamp === "string") return problem(timestamp);
    const value = parseValue(values[index], "json", notes);
    if (typeof value === "string") return problem(value);
    return { timestamp, value, where };
  });
  return { points };
}
