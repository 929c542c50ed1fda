import { ConfigError } from "../config/errors.ts";

const DURATION = /^(\d+)(m|h|d)$/;
const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** "90m", "4h", "2d" → milliseconds; undefined when the text is not such a duration. */
export function parseDuration(text: string): number | undefined {
  const m = DURATION.exec(text);
  return m ? Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS] : undefined;
}

/** An ISO 8601 time (with a date and a "T"), as epoch ms; bad input names the option. */
export function parseTime(text: string, option: string): number {
  const ms = Date.parse(text);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(text) || Number.isNaN(ms)) {
    throw new ConfigError(
      `--${option}: "${text}" is not an ISO 8601 time (e.g. 2026-11-24T22:00:00Z)`,
    );
  }
  return ms;
}

/** `--since 7d` (that long before now) or `--since 2026-11-24T22:00:00Z`. */
export function parseSince(text: string, now: number): number {
  const ago = parseDuration(text);
  if (ago !== undefined) return now - ago;
  if (/^\d{4}-\d{2}-\d{2}T/.test(text)) return parseTime(text, "since");
  throw new ConfigError(
    `--since: "${text}" is neither a duration (90m, 4h, 7d) nor an ISO 8601 time (2026-11-24T22:00:00Z)`,
  );
}
