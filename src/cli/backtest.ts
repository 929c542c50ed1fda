import { MetricFileError, readMetricFile } from "../adapters/file-metric-source.ts";
import { evaluateRange } from "../domain/baseline.ts";
import {
  DEFAULT_DETECTION_SETTINGS,
  type DetectionSettings,
  type Direction,
  type Method,
  type Verdict,
} from "../domain/detection.ts";
import { buildEpisodes } from "../domain/episodes.ts";
import { formatNumber } from "../domain/format.ts";
import { type CliIo, EXIT } from "./io.ts";
import { formatTable } from "./table.ts";

export interface BacktestCommandOptions {
  input: string;
  method?: string;
  sigma?: string;
  window?: string;
  period?: string;
  direction?: string;
  minDelta?: string;
  json?: boolean;
}

class UsageError extends Error {}

function parsePositive(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isFinite(number) || number <= 0) {
    throw new UsageError(`--${name} must be a positive number, got "${value}"`);
  }
  return number;
}

function parseChoice<T extends string>(
  name: string,
  value: string | undefined,
  choices: readonly T[],
): T | undefined {
  if (value === undefined) return undefined;
  if (!choices.includes(value as T)) {
    throw new UsageError(`--${name} must be one of ${choices.join(", ")}, got "${value}"`);
  }
  return value as T;
}

/** "1h", "3600", "1d", "86400" → seconds. */
function parsePeriod(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const seconds = { "1h": 3600, hour: 3600, "3600": 3600, "1d": 86400, day: 86400, "86400": 86400 }[
    value
  ];
  if (!seconds) throw new UsageError(`--period must be 1h or 1d (3600 or 86400), got "${value}"`);
  return seconds;
}

export function backtestSettings(
  options: BacktestCommandOptions,
  filePeriodSeconds: number,
): DetectionSettings {
  const period = parsePeriod(options.period) ?? filePeriodSeconds;
  if (period !== 3600 && period !== 86400) {
    throw new UsageError(
      `the file's period is ${filePeriodSeconds} s; pass --period 1h or 1d (only hourly and daily are supported)`,
    );
  }
  if (period < filePeriodSeconds) {
    throw new UsageError(
      `--period ${period} s is shorter than the file's ${filePeriodSeconds} s interval`,
    );
  }
  return {
    ...DEFAULT_DETECTION_SETTINGS,
    periodSeconds: period,
    method:
      parseChoice<Method>("method", options.method, ["mean-sd", "seasonal"]) ??
      DEFAULT_DETECTION_SETTINGS.method,
    k: parsePositive("sigma", options.sigma) ?? DEFAULT_DETECTION_SETTINGS.k,
    windowDays: parsePositive("window", options.window) ?? DEFAULT_DETECTION_SETTINGS.windowDays,
    direction:
      parseChoice<Direction>("direction", options.direction, ["up", "down", "both"]) ??
      DEFAULT_DETECTION_SETTINGS.direction,
    minAbsoluteDelta: options.minDelta === undefined ? 0 : Number(options.minDelta),
  };
}

function flaggedRow(v: Verdict) {
  return {
    timestamp: new Date(v.timestamp).toISOString(),
    observed: v.observed,
    expected: v.expected,
    sigma: v.sigma,
    z: v.z,
    severity: v.severity,
    why: v.why,
  };
}

export async function runBacktestCommand(
  options: BacktestCommandOptions,
  io: CliIo,
): Promise<number> {
  try {
    const series = await readMetricFile(options.input);
    const settings = backtestSettings(options, series.periodSeconds);
    const first = series.points[0];
    const last = series.points.at(-1);
    if (!first || !last) throw new UsageError(`${options.input} has no data points`);
    const periodMs = settings.periodSeconds * 1000;
    const from = Math.floor(first.timestamp / periodMs) * periodMs + periodMs;
    const to = Math.floor(last.timestamp / periodMs) * periodMs;
    const verdicts =
      from <= to
        ? evaluateRange({ ...series, periodSeconds: settings.periodSeconds }, from, to, settings)
        : [];
    const flagged = verdicts.filter((v) => v.status === "anomalous");
    const episodes = buildEpisodes(verdicts, settings);
    const insufficient = verdicts.filter((v) => v.status === "insufficient-data").length;
    if (options.json) {
      io.out(
        JSON.stringify(
          {
            input: options.input,
            settings: { ...settings, excludedRanges: undefined },
            periodsEvaluated: verdicts.length,
            insufficientData: insufficient,
            flagged: flagged.map(flaggedRow),
            episodes: episodes.map((e) => ({
              start: new Date(e.start).toISOString(),
              end: new Date(e.end).toISOString(),
              anomalousPeriods: e.anomalousPeriods,
              severity: e.severity,
              peakZ: e.peak.z,
            })),
          },
          null,
          2,
        ),
      );
      return EXIT.ok;
    }
    io.out(
      `${options.input}: ${series.points.length} points, ${verdicts.length} periods evaluated (${insufficient} with too little history), ${settings.method} k=${settings.k} window=${settings.windowDays}d direction=${settings.direction}`,
    );
    if (flagged.length === 0) {
      io.out("No period flagged.");
      return EXIT.ok;
    }
    io.out(
      formatTable(
        ["timestamp", "observed", "expected", "sigma", "z", "severity"],
        flagged.map((v) => [
          new Date(v.timestamp).toISOString(),
          formatNumber(v.observed ?? 0),
          formatNumber(v.expected ?? 0),
          formatNumber(v.sigma ?? 0),
          (v.z ?? 0).toFixed(1),
          v.severity ?? "",
        ]),
      ),
    );
    io.out(`${flagged.length} periods flagged in ${episodes.length} episodes.`);
    return EXIT.ok;
  } catch (error) {
    if (error instanceof UsageError || error instanceof MetricFileError) {
      io.err(`vigil backtest: ${error.message}`);
      return EXIT.badInput;
    }
    throw error;
  }
}
