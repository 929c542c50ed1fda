/**
 * Captures what a Powertools Logger (or any logger with the same methods) is asked to log, without
 * printing it. Works outside Vitest too, so the benchmark shares it with the tests.
 */

export const LOG_LEVELS = ["trace", "debug", "info", "warn", "error", "critical"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface LogLine {
  level: LogLevel;
  message: string;
  /** Every object argument merged: Powertools prints them as keys of the one JSON line. */
  attributes: Record<string, unknown>;
}

type Loggable = Partial<Record<LogLevel, (...args: unknown[]) => void>>;

export interface LogCapture {
  readonly lines: LogLine[];
  /** Drops what was captured so far. */
  clear(): void;
  /** Puts the logger's own methods back. */
  restore(): void;
}

function toLine(level: LogLevel, args: unknown[]): LogLine {
  const [first, ...rest] = args;
  const attributes: Record<string, unknown> = {};
  let message = "";
  if (typeof first === "string") message = first;
  else if (first && typeof first === "object") {
    const { message: m, ...others } = first as { message?: unknown };
    message = typeof m === "string" ? m : "";
    Object.assign(attributes, others);
  }
  for (const extra of rest) {
    if (extra instanceof Error) attributes.error = { name: extra.name, message: extra.message };
    else if (extra && typeof extra === "object") Object.assign(attributes, extra);
  }
  return { level, message, attributes };
}

/** Replaces the logger's level methods by recorders until restore(). */
export function captureLogs(logger: object): LogCapture {
  const target = logger as Loggable;
  const lines: LogLine[] = [];
  const replaced: LogLevel[] = [];
  for (const level of LOG_LEVELS) {
    if (typeof target[level] !== "function") continue;
    if (Object.hasOwn(target, level)) {
      throw new Error(`logger.${level} is already replaced: restore the other capture first`);
    }
    target[level] = (...args: unknown[]) => {
      lines.push(toLine(level, args));
    };
    replaced.push(level);
  }
  return {
    lines,
    clear: () => {
      lines.length = 0;
    },
    restore: () => {
      // The methods live on the prototype: deleting the own property brings them back.
      for (const level of replaced) delete target[level];
    },
  };
}
