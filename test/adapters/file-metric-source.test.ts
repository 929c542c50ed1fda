import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  FileMetricSource,
  MetricFileError,
  parseMetricFile,
  readMetricFile,
} from "../../src/adapters/file-metric-source.ts";
import { optionalPointsOf, pointsOf } from "../support/series.ts";

const HOUR = 3_600_000;
const T0 = Date.UTC(2024, 4, 1); // 2024-05-01T00:00:00Z

function csv(...lines: string[]): string {
  return `${lines.join("\n")}\n`;
}

/** The MetricFileError thrown while parsing, for message and line assertions. */
function errorOf(parse: () => unknown): MetricFileError {
  try {
    parse();
  } catch (error) {
    expect(error).toBeInstanceOf(MetricFileError);
    return error as MetricFileError;
  }
  throw new Error("expected a MetricFileError, but parsing succeeded");
}

describe("parseMetricFile: CSV", () => {
  it("parses ISO timestamps, infers the period and names the metric after the file", () => {
    const series = parseMetricFile(
      csv(
        "timestamp,value",
        "2024-05-01T00:00:00Z,10",
        "2024-05-01T01:00:00Z,12.5",
        "2024-05-01T02:00:00Z,0",
      ),
      "csv",
      "data/egress.csv",
    );
    expect({ ...series, values: undefined, points: pointsOf(series) }).toEqual({
      metric: { namespace: "File", metricName: "egress", dimensions: {}, stat: "Sum" },
      periodSeconds: 3600,
      start: T0,
      values: undefined,
      points: [
        { timestamp: T0, value: 10 },
        { timestamp: T0 + HOUR, value: 12.5 },
        { timestamp: T0 + 2 * HOUR, value: 0 },
      ],
    });
  });

  it("accepts header case and spaces, swapped columns, CRLF, BOM, offsets, comments and blank lines", () => {
    const text =
      "\uFEFF# exported from the billing report\r\n" +
      " Value , TIMESTAMP \r\n" +
      "\r\n" +
      "1e3, 2024-05-01T02:00:00+02:00\r\n" + // = 00:00Z
      "2000,2024-05-01 01:00Z\r\n" +
      "3000,2024-05-01T05:30:00+0330\r\n"; // = 02:00Z
    const series = parseMetricFile(text, "csv");
    expect(series.metric.metricName).toBe("input");
    expect(pointsOf(series)).toEqual([
      { timestamp: T0, value: 1000 },
      { timestamp: T0 + HOUR, value: 2000 },
      { timestamp: T0 + 2 * HOUR, value: 3000 },
    ]);
  });

  it("reads epoch seconds and epoch milliseconds", () => {
    const seconds = parseMetricFile(
      csv("timestamp,value", `${T0 / 1000},1`, `${T0 / 1000 + 86_400},2`),
      "csv",
    );
    expect(pointsOf(seconds).map((p) => p.timestamp)).toEqual([T0, T0 + 24 * HOUR]);
    expect(seconds.periodSeconds).toBe(86_400);
    const millis = parseMetricFile(csv("timestamp,value", `${T0},1`, `${T0 + 60_000},2`), "csv");
    expect(pointsOf(millis).map((p) => p.timestamp)).toEqual([T0, T0 + 60_000]);
    expect(millis.periodSeconds).toBe(60);
  });

  it("allows gaps of several periods: the period is the most common interval (shortest on ties)", () => {
    const series = parseMetricFile(
      csv(
        "timestamp,value",
        "2024-05-01T00:00:00Z,1",
        "2024-05-01T03:00:00Z,2", // 3-hour gap
        "2024-05-01T04:00:00Z,3",
        "2024-05-02T04:00:00Z,4", // a day later
      ),
      "csv",
    );
    expect(series.periodSeconds).toBe(3600);
    expect(pointsOf(series)).toHaveLength(4);
  });

  it("reads real exports as they come, with one warning line per oddity", () => {
    const warnings: string[] = [];
    const series = parseMetricFile(
      csv(
        "timestamp,value",
        "2024-05-01 00:00:00,1", // no zone: UTC
        "2024-05-01 02:00:00,4",
        "2024-05-01 01:00:00,2", // out of order
        "2024-05-01 01:00:00,6", // repeated (daylight-saving change)
        "2024-05-01 02:20:00,-8", // irregular spacing, negative
        "2024-05-01 03:00:00,5",
      ),
      "csv",
      "nab.csv",
      { stat: "Average", warn: (line) => warnings.push(line) },
    );
    expect(series.periodSeconds).toBe(3600);
    expect(series.metric.stat).toBe("Average");
    expect(pointsOf(series)).toEqual([
      { timestamp: T0, value: 1 },
      { timestamp: T0 + HOUR, value: 4 },
      { timestamp: T0 + 2 * HOUR, value: -2 },
      { timestamp: T0 + 3 * HOUR, value: 5 },
    ]);
    expect(warnings).toEqual([
      "nab.csv: 6 timestamps have no time zone: read as UTC",
      "nab.csv: 1 negative values (bytes and call counts cannot be negative)",
      "nab.csv: 1 row was out of time order: sorted",
      "nab.csv: 4 rows share a 1 h period with another row (repeated timestamps or irregular spacing): combined per period with Average",
    ]);
  });

  it.each([
    ["Sum", 8],
    ["SampleCount", 8],
    ["Maximum", 6],
    ["Minimum", 2],
    ["p50", 4],
  ])("combines rows of one period with %s", (stat, expected) => {
    const text = csv("timestamp,value", "2024-05-01T00:00:00Z,2", "2024-05-01T00:00:00Z,6");
    const series = parseMetricFile(text, "csv", "x.csv", { stat, periodSeconds: 3600 });
    expect(pointsOf(series)).toEqual([{ timestamp: T0, value: expected }]);
  });

  it("refuses to combine rows with a statistic that cannot be combined, and periods not whole minutes", () => {
    const text = csv("timestamp,value", "2024-05-01T00:00:00Z,2", "2024-05-01T00:00:00Z,6");
    expect(
      errorOf(() =>
        parseMetricFile(text, "csv", "x.csv", { stat: "TM(10%:90%)", periodSeconds: 60 }),
      ).message,
    ).toMatch(/statistic TM\(10%:90%\) cannot combine them/);
    expect(
      errorOf(() => parseMetricFile(text, "csv", "x.csv", { periodSeconds: 90 })).message,
    ).toBe("x.csv: the period must be a multiple of 60 s, got 90");
  });

  it.each([
    [
      "a non-numeric value",
      csv("timestamp,value", "2024-05-01T00:00:00Z,1", "2024-05-01T01:00:00Z,12kB"),
      3,
      /non-numeric value "12kB"/,
    ],
    [
      "a hexadecimal value",
      csv("timestamp,value", "2024-05-01T00:00:00Z,0x10"),
      2,
      /non-numeric value "0x10"/,
    ],
    [
      "NaN",
      csv("timestamp,value", "2024-05-01T00:00:00Z,1", "2024-05-01T01:00:00Z,NaN"),
      3,
      /value is NaN/,
    ],
    [
      "Infinity",
      csv("timestamp,value", "2024-05-01T00:00:00Z,Infinity"),
      2,
      /non-numeric value "Infinity"/,
    ],
    ["an empty value", csv("timestamp,value", "2024-05-01T00:00:00Z,"), 2, /missing value/],
    [
      "an unparseable timestamp",
      csv("timestamp,value", "2024-05-01T00:00:00Z,1", "yesterday,2"),
      3,
      /unparseable timestamp "yesterday"/,
    ],
    [
      "a date that does not exist",
      csv("timestamp,value", "2024-02-30T00:00:00Z,1"),
      2,
      /no such date/,
    ],
    [
      "an extra column",
      csv("timestamp,value,region", "2024-05-01T00:00:00Z,1,eu"),
      1,
      /unexpected column "region"/,
    ],
    [
      "a missing column",
      csv("timestamp", "2024-05-01T00:00:00Z"),
      1,
      /header must name the columns timestamp and value/,
    ],
    [
      "a data row instead of a header",
      csv("2024-05-01T00:00:00Z,1"),
      1,
      /unexpected columns "2024-05-01t00:00:00z", "1"/,
    ],
    [
      "a row with too many fields",
      csv("timestamp,value", "2024-05-01T00:00:00Z,1,2"),
      2,
      /expected 2 fields, got 3/,
    ],
    ["a header and no rows", csv("timestamp,value"), 1, /no data rows/],
    [
      "a single row (no period to infer)",
      csv("timestamp,value", "2024-05-01T00:00:00Z,1"),
      2,
      /one point is not enough to infer the period/,
    ],
  ])("rejects %s, naming the line", (_case, text, line, message) => {
    const error = errorOf(() => parseMetricFile(text, "csv", "egress.csv"));
    expect(error.message).toMatch(message);
    expect(error.message).toContain(`egress.csv line ${line}:`);
    expect(error.line).toBe(line);
    expect(error.file).toBe("egress.csv");
  });

  it("reads newest-first exports (CloudWatch's order) without a warning", () => {
    const warnings: string[] = [];
    const series = parseMetricFile(
      csv(
        "timestamp,value",
        "2024-05-01T03:00:00Z,4",
        "2024-05-01T02:00:00Z,3",
        "2024-05-01T01:00:00Z,2",
        "2024-05-01T00:00:00Z,1",
      ),
      "csv",
      "newest-first.csv",
      { warn: (line) => warnings.push(line) },
    );
    expect(pointsOf(series)).toEqual(
      [1, 2, 3, 4].map((value, h) => ({ timestamp: T0 + h * HOUR, value })),
    );
    expect(series.periodSeconds).toBe(3600);
    expect(warnings).toEqual([]);
  });

  it("counts skipped lines in line numbers", () => {
    const error = errorOf(() =>
      parseMetricFile(csv("# note", "", "timestamp,value", "2024-05-01T00:00:00Z,oops"), "csv"),
    );
    expect(error.message).toBe('input line 4: non-numeric value "oops"');
  });

  it("rejects an empty file", () => {
    expect(errorOf(() => parseMetricFile("", "csv", "e.csv")).message).toBe("e.csv: empty file");
    expect(errorOf(() => parseMetricFile("\n  \n", "csv", "e.csv")).message).toBe(
      "e.csv: empty file",
    );
  });
});

describe("parseMetricFile: JSON", () => {
  it("parses an array of points with ISO and epoch timestamps", () => {
    const text = JSON.stringify([
      { timestamp: "2024-05-01T00:00:00Z", value: 5 },
      { timestamp: (T0 + HOUR) / 1000, value: 6 },
      { timestamp: T0 + 2 * HOUR, value: 7 },
    ]);
    const series = parseMetricFile(text, "json", "api.json");
    expect(series.metric).toEqual({
      namespace: "File",
      metricName: "api",
      dimensions: {},
      stat: "Sum",
    });
    expect(series.periodSeconds).toBe(3600);
    expect(pointsOf(series).map((p) => p.value)).toEqual([5, 6, 7]);
  });

  it("takes the metric and period from the object form", () => {
    const text = JSON.stringify({
      metric: {
        namespace: "AWS/S3",
        metricName: "BytesDownloaded",
        dimensions: { BucketName: "logs", FilterId: "all" },
        stat: "Sum",
      },
      periodSeconds: 3600,
      points: [
        { timestamp: "2024-05-01T00:00:00Z", value: 1 },
        { timestamp: "2024-05-01T05:00:00Z", value: 2 },
      ],
    });
    const series = parseMetricFile(text, "json", "x.json");
    expect(series.metric.dimensions).toEqual({ BucketName: "logs", FilterId: "all" });
    expect(series.periodSeconds).toBe(3600); // given, not the 5-hour smallest interval
    expect(pointsOf(series)).toEqual([
      { timestamp: T0, value: 1 },
      { timestamp: T0 + 5 * HOUR, value: 2 },
    ]);
  });

  it("accepts a single point when periodSeconds is given", () => {
    const text = JSON.stringify({ periodSeconds: 86_400, points: [{ timestamp: T0, value: 1 }] });
    expect(parseMetricFile(text, "json").periodSeconds).toBe(86_400);
  });

  const pretty = (points: unknown[]) => JSON.stringify({ points }, null, 2);

  it.each([
    [
      "a string value",
      [
        { timestamp: T0, value: 1 },
        { timestamp: T0 + HOUR, value: "2" },
      ],
      /points\[1\] \(line 7\): value must be a number, got the string "2"/,
    ],
    ["a NaN string", [{ timestamp: T0, value: "NaN" }], /points\[0\] \(line 3\): value is NaN/],
    [
      "a null value",
      [{ timestamp: T0, value: null }],
      /points\[0\] \(line 3\): value must be a number, got null/,
    ],
    [
      "an unparseable timestamp",
      [{ timestamp: "soon", value: 1 }],
      /points\[0\] \(line 3\): unparseable timestamp "soon"/,
    ],
    [
      "a missing timestamp",
      [{ value: 1 }],
      /points\[0\] \(line 3\): timestamp must be an ISO 8601 string/,
    ],
    [
      "an unknown key",
      [{ timestamp: T0, value: 1, unit: "Bytes" }],
      /points\[0\] \(line 3\): unexpected key unit/,
    ],
  ])("rejects %s, naming the point and its line", (_case, points, message) => {
    expect(errorOf(() => parseMetricFile(pretty(points), "json", "p.json")).message).toMatch(
      message,
    );
  });

  it("combines points closer than a given period with the statistic (Sum by default)", () => {
    const text = JSON.stringify({
      periodSeconds: 3600,
      points: [
        { timestamp: T0, value: 1 },
        { timestamp: T0 + HOUR / 2, value: 2 },
      ],
    });
    const warnings: string[] = [];
    const series = parseMetricFile(text, "json", "j.json", { warn: (w) => warnings.push(w) });
    expect(pointsOf(series)).toEqual([{ timestamp: T0, value: 3 }]);
    expect(warnings).toEqual([
      "j.json: 2 rows share a 1 h period with another row (repeated timestamps or irregular spacing): combined per period with Sum",
    ]);
  });

  it("reads what `aws cloudwatch get-metric-data` prints (newest first)", () => {
    const output = {
      MetricDataResults: [
        {
          Id: "m1",
          Label: "BytesDownloaded",
          Timestamps: [
            "2024-05-01T02:00:00+00:00",
            "2024-05-01T01:00:00+00:00",
            "2024-05-01T00:00:00+00:00",
          ],
          Values: [30.5, 20, 10],
          StatusCode: "Complete",
        },
      ],
      Messages: [],
    };
    const warnings: string[] = [];
    const series = parseMetricFile(JSON.stringify(output, null, 2), "json", "export.json", {
      warn: (line) => warnings.push(line),
    });
    expect(pointsOf(series)).toEqual([
      { timestamp: T0, value: 10 },
      { timestamp: T0 + HOUR, value: 20 },
      { timestamp: T0 + 2 * HOUR, value: 30.5 },
    ]);
    expect(series.periodSeconds).toBe(3600);
    expect(warnings).toEqual([]);
    const two = {
      MetricDataResults: [
        output.MetricDataResults[0],
        { ...output.MetricDataResults[0], Id: "m2" },
      ],
    };
    expect(errorOf(() => parseMetricFile(JSON.stringify(two), "json", "two.json")).message).toMatch(
      /holds 2 MetricDataResults \(m1, m2\): give a file with the output of one metric query/,
    );
    const partial = {
      MetricDataResults: [{ ...output.MetricDataResults[0], StatusCode: "PartialData" }],
    };
    expect(
      errorOf(() => parseMetricFile(JSON.stringify(partial), "json", "p.json")).message,
    ).toMatch(/StatusCode PartialData: the output is partial/);
  });

  it("names the line of a JSON syntax error", () => {
    const error = errorOf(() =>
      parseMetricFile('[\n  {"timestamp": 1, "value": 2},\n  oops\n]', "json", "b.json"),
    );
    expect(error.message).toMatch(/^b\.json line 3: invalid JSON/);
    expect(error.line).toBe(3);
  });

  it.each([
    ["an empty file", "", /empty file/],
    ["an empty array", "[]", /no points/],
    [
      "points missing",
      '{"metric": {"namespace": "A", "metricName": "B"}}',
      /"points" must be an array/,
    ],
    ["an unknown top-level key", '{"points": [], "unit": "Bytes"}', /unexpected key unit/],
    [
      "a bad metric",
      '{"metric": {"namespace": ""}, "points": [{"timestamp": 1, "value": 1}]}',
      /metric namespace must be a non-empty string/,
    ],
    [
      "a bad period",
      '{"periodSeconds": 0, "points": [{"timestamp": 1, "value": 1}]}',
      /periodSeconds must be a positive integer/,
    ],
    ["a scalar document", "42", /expected an array of points or an object/],
  ])("rejects %s", (_case, text, message) => {
    expect(errorOf(() => parseMetricFile(text, "json")).message).toMatch(message);
  });
});

describe("readMetricFile and FileMetricSource", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "vigil-metric-file-"));
    await writeFile(
      join(dir, "egress.CSV"),
      csv(
        "timestamp,value",
        ...Array.from({ length: 48 }, (_, h) => `${(T0 + h * HOUR) / 1000},${h}`),
      ),
    );
    await writeFile(
      join(dir, "calls.json"),
      JSON.stringify({
        metric: { namespace: "AWS/Usage", metricName: "CallCount", dimensions: { Type: "API" } },
        points: [
          { timestamp: T0, value: 3 },
          { timestamp: T0 + HOUR, value: 4 },
        ],
      }),
    );
    await writeFile(join(dir, "bad.csv"), csv("timestamp,value", "2024-05-01T00:00:00Z,-"));
    await writeFile(join(dir, "notes.txt"), "hello");
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("reads by extension, case-insensitively", async () => {
    const egress = await readMetricFile(join(dir, "egress.CSV"));
    expect(egress.metric.metricName).toBe("egress");
    expect(pointsOf(egress)).toHaveLength(48);
    const calls = await readMetricFile(join(dir, "calls.json"));
    expect(calls.metric).toEqual({
      namespace: "AWS/Usage",
      metricName: "CallCount",
      dimensions: { Type: "API" },
      stat: "Sum",
    });
  });

  it("names the path in errors", async () => {
    await expect(readMetricFile(join(dir, "bad.csv"))).rejects.toThrow(
      `${join(dir, "bad.csv")} line 2: non-numeric value "-"`,
    );
    await expect(readMetricFile(join(dir, "notes.txt"))).rejects.toThrow(
      /unsupported file type "\.txt"/,
    );
    await expect(readMetricFile(join(dir, "missing.csv"))).rejects.toThrow(
      /missing\.csv: cannot read file/,
    );
  });

  it("serves the files: discover returns all, fetch clips to the range", async () => {
    const files = await FileMetricSource.fromFiles([
      join(dir, "egress.CSV"),
      join(dir, "calls.json"),
    ]);
    const { metrics, listMetricsCalls } = await files.discover([]);
    expect(metrics.map((m) => m.metricName)).toEqual(["egress", "CallCount"]);
    expect(listMetricsCalls).toBe(0);

    const result = await files.fetch(metrics, { start: T0 + HOUR, end: T0 + 3 * HOUR }, 3600);
    expect(result.failures).toEqual([]);
    expect(result.series.map((s) => pointsOf(s))).toEqual([
      [
        { timestamp: T0 + HOUR, value: 1 },
        { timestamp: T0 + 2 * HOUR, value: 2 },
      ],
      [{ timestamp: T0 + HOUR, value: 4 }],
    ]);
    expect(result.stats).toEqual({ getMetricDataCalls: 0, datapoints: 3 });
  });

  it("fails per metric for an unknown metric or a different period", async () => {
    const egress = await readMetricFile(join(dir, "egress.CSV"));
    const files = new FileMetricSource([egress]);
    const unknown = { ...egress.metric, metricName: "other" };
    const range = { start: T0, end: T0 + 48 * HOUR };

    const wrongPeriod = await files.fetch([egress.metric], range, 86_400);
    expect(wrongPeriod.failures[0]?.error).toBe(
      "input file has a 3600 s period, but 86400 s was requested",
    );
    const missing = await files.fetch([unknown, egress.metric], range, 3600);
    expect(missing.failures).toEqual([
      { metric: unknown, error: "no input file holds this metric" },
    ]);
    expect(optionalPointsOf(missing.series[0])).toHaveLength(48);
  });

  it("refuses two series for the same metric", async () => {
    const egress = await readMetricFile(join(dir, "egress.CSV"));
    expect(() => new FileMetricSource([egress, egress])).toThrow(/same metric/);
  });
});
