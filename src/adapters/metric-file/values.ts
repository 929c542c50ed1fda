/** Timestamps, values and errors of metric files: what every format shares. */
import { basename, extname } from "node:path";
import { InputError } from "../../domain/errors.ts";
import type { MetricIdentity } from "../../domain/metric.ts";

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

export type Format = "csv" | "json";

/** A point as read, with where it came from for error messages. */
export interface RawPoint {
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
export interface ParseNotes {
  /** Date-times without a zone, read as UTC. */
  zoneless: number;
  /** Negative values (fine for gauges; bytes and call counts cannot be negative). */
  negative: number;
}

/** Parses a timestamp string or number to epoch ms, or returns why it cannot. */
export function parseTimestamp(raw: string | number, notes: ParseNotes): number | string {
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
export function parseValue(raw: unknown, source: Format, notes: ParseNotes): number | string {
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

export function fileMetric(name: string): MetricIdentity {
  const base = basename(name);
  const extension = extname(base);
  const metricName = extension ? base.slice(0, -extension.length) : base;
  return { namespace: "File", metricName: metricName || "input", dimensions: {}, stat: "Sum" };
}
