/** CSV metric files: a `timestamp,value` header, one row per point. */
import {
  MetricFileError,
  type ParseNotes,
  parseTimestamp,
  parseValue,
  type RawPoint,
} from "./values.ts";

export function parseCsv(text: string, file: string, notes: ParseNotes): RawPoint[] {
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
