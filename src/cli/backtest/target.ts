/**
 * What `vigil backtest` and `vigil tune` read, parsed the same way for both: the target options
 * (--input, --metric, --stat, --set, --days, --exclude) declared once for commander, resolved to a
 * use-case target with its config and source, and the progress line while CloudWatch is read.
 */
import { readFile } from "node:fs/promises";
import type { Command } from "commander";
import { FileMetricSource } from "../../adapters/file-metric-source.ts";
import {
  ConfigError,
  DEFAULT_CONFIG_PATH,
  parseConfigText,
  type VigilConfig,
} from "../../config/load.ts";
import type { TimeSpan } from "../../domain/backtest-compare.ts";
import { InputError, isInputError } from "../../domain/errors.ts";
import type { MetricIdentity } from "../../domain/metric.ts";
import type { MetricSource } from "../../ports/metric-source.ts";
import { assertWritableTarget } from "../../report/write-atomic.ts";
import type {
  BacktestDeps,
  BacktestTarget,
  FetchProgress,
  HistoryRequest,
} from "../../usecases/backtest.ts";
import { type CliIo, EXIT } from "../io.ts";

/** What to read: files, one CloudWatch metric, metric sets, or (none given) every enabled set. */
export interface TargetOptions {
  /** CSV or JSON history files. */
  input?: string | string[];
  /** One CloudWatch metric: "NAMESPACE METRIC [Dim=Value ...]" or JSON { namespace, metricName, dimensions, stat }. */
  metric?: string;
  /**
   * Statistic of --metric (default: the discovering set's, else Sum), or of --input files: rows
   * sharing a period are combined with it (default: the JSON metric's, else Sum).
   */
  stat?: string;
  /** Metric sets of the config: for CloudWatch which to read, for files / --metric whose settings apply. */
  set?: string | string[];
  /** Days evaluated (CloudWatch default 90, files default: all). */
  days?: string;
  /** Confirmed incidents to leave out of baselines: "START/END", ISO 8601. */
  exclude?: string | string[];
  /** Config file (default: $VIGIL_CONFIG, else vigil.config.yaml). */
  config?: string;
}

/** Where progress is drawn: process.stderr in the CLI. */
export interface ProgressStream {
  isTTY?: boolean;
  write(text: string): unknown;
}

export interface BacktestCliDeps {
  /** The CloudWatch source, built only when a CloudWatch target is asked for. */
  createSource: () => MetricSource | Promise<MetricSource>;
  clock: () => number;
  readTextFile: (path: string) => Promise<string>;
  env: NodeJS.ProcessEnv;
  progress?: ProgressStream;
}

/** Real dependencies: CloudWatch through the caller's AWS profile (or AWS_ENDPOINT_URL). */
export function defaultBacktestDeps(progress?: ProgressStream): BacktestCliDeps {
  return {
    createSource: async () => {
      const [{ CloudWatchClient }, { awsClientConfig }, { CloudWatchMetricSource }] =
        await Promise.all([
          import("@aws-sdk/client-cloudwatch"),
          import("../../adapters/aws-clients.ts"),
          import("../../adapters/cloudwatch-metric-source.ts"),
        ]);
      // The source retries throttling itself, with jitter: no SDK retries on top.
      return new CloudWatchMetricSource(
        new CloudWatchClient({ ...awsClientConfig(), maxAttempts: 1 }),
      );
    },
    clock: () => Date.now(),
    readTextFile: (path) => readFile(path, "utf8"),
    env: process.env,
    ...(progress ? { progress } : {}),
  };
}

/** A problem with the command line; exit code 2. */
export class UsageError extends InputError {
  override name = "UsageError";
}

/** An output path (--html, --write) that cannot be written fails before any work, as bad input. */
export async function checkOutputPath(path: string): Promise<void> {
  try {
    await assertWritableTarget(path);
  } catch (error) {
    throw new UsageError(`cannot write ${path}: ${(error as Error).message}`);
  }
}

export function list(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}
/** Repeatable options: --exclude a --exclude b → ["a", "b"]. */
export const collect = (value: string, previous: string[] = []) => [...previous, value];

/** Declares the target options on a command; `days` is the command's own help for --days. */
export function addTargetOptions(command: Command, days: string): Command {
  return command
    .option(
      "-i, --input <file...>",
      "CSV (timestamp,value), JSON or `aws cloudwatch get-metric-data` output",
    )
    .option(
      "--metric <identity>",
      'one CloudWatch metric: "NAMESPACE METRIC [Dim=Value ...]"; with one --input file, the metric the file holds',
    )
    .option(
      "--stat <stat>",
      "statistic of --metric (default: its metric set's, else Sum) or of --input files (rows sharing a period are combined with it; default Sum)",
    )
    .option("--set <name...>", "metric sets of the config (default: every enabled set)")
    .option("--days <n>", days)
    .option(
      "--exclude <start/end>",
      "confirmed incident left out of baselines (repeatable)",
      collect,
    );
}

const ISO_TIME =
  /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2}))?$/i;

/** "2026-10-03T00:00Z/2026-10-04T12:00Z" (a bare date is UTC midnight) → epoch-ms span. */
export function parseExclusion(text: string): TimeSpan {
  const where = `--exclude "${text}"`;
  const parts = text.split("/").map((p) => p.trim());
  if (parts.length !== 2) {
    throw new UsageError(`${where}: expected START/END, e.g. 2026-10-03T00:00Z/2026-10-04T00:00Z`);
  }
  const [start, end] = parts.map((part, index) => {
    const name = index === 0 ? "START" : "END";
    const time = ISO_TIME.test(part) ? Date.parse(part) : Number.NaN;
    if (Number.isNaN(time)) {
      throw new UsageError(
        `${where}: ${name} "${part}" is not an ISO 8601 time with Z or an offset (or a date)`,
      );
    }
    return time;
  }) as [number, number];
  if (!(start < end)) throw new UsageError(`${where}: END must be after START`);
  return { start, end };
}

export function parseDays(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const days = Number(value);
  if (!Number.isInteger(days) || days < 1 || days > 455) {
    throw new UsageError(`--days must be a whole number of days from 1 to 455, got "${value}"`);
  }
  return days;
}

/** "AWS/S3 BytesDownloaded BucketName=logs FilterId=EntireBucket" or the same as JSON. */
export function parseMetricIdentity(text: string, stat?: string): MetricIdentity {
  const where = `--metric "${text}"`;
  const trimmed = text.trim();
  if (trimmed.startsWith("{")) {
    let raw: unknown;
    try {
      raw = JSON.parse(trimmed);
    } catch (error) {
      throw new UsageError(`${where}: invalid JSON (${(error as Error).message})`);
    }
    const {
      namespace,
      metricName,
      dimensions = {},
      stat: jsonStat,
    } = raw as Record<string, unknown>;
    const validDimensions =
      typeof dimensions === "object" &&
      dimensions !== null &&
      Object.values(dimensions).every((v) => typeof v === "string");
    if (
      typeof namespace !== "string" ||
      !namespace ||
      typeof metricName !== "string" ||
      !metricName ||
      !validDimensions
    ) {
      throw new UsageError(
        `${where}: expected { "namespace": "...", "metricName": "...", "dimensions": { "Name": "value" }, "stat": "Sum" }`,
      );
    }
    return {
      namespace,
      metricName,
      dimensions: { ...(dimensions as Record<string, string>) },
      stat: stat ?? (typeof jsonStat === "string" && jsonStat ? jsonStat : "Sum"),
    };
  }
  const [namespace, metricName, ...pairs] = trimmed.split(/\s+/);
  if (!namespace || !metricName) {
    throw new UsageError(`${where}: expected "NAMESPACE METRIC [Dimension=Value ...]"`);
  }
  const dimensions: Record<string, string> = {};
  for (const pair of pairs) {
    const at = pair.indexOf("=");
    if (at <= 0) throw new UsageError(`${where}: "${pair}" is not Dimension=Value`);
    const name = pair.slice(0, at);
    if (name in dimensions) throw new UsageError(`${where}: dimension ${name} is given twice`);
    dimensions[name] = pair.slice(at + 1);
  }
  return { namespace, metricName, dimensions, stat: stat ?? "Sum" };
}

/** Config path and whether the user asked for one (files only use a config when asked). */
function configPath(options: TargetOptions, env: NodeJS.ProcessEnv) {
  const explicit = options.config ?? env.VIGIL_CONFIG;
  return { path: explicit ?? DEFAULT_CONFIG_PATH, explicit: explicit !== undefined };
}

export interface ResolvedTarget {
  target: BacktestTarget;
  config?: VigilConfig;
  /** Raw config text and path, for `tune` to edit. */
  configText?: { path: string; text: string };
  metricSet?: string;
  excludedRanges: TimeSpan[];
  days?: number;
  source?: MetricSource;
}

/** Reads files, the config and builds the source the options call for. */
export async function resolveTarget(
  options: TargetOptions,
  deps: BacktestCliDeps,
  /** One line per accepted oddity of an input file (sorted rows, combined rows …). */
  warn: (line: string) => void = () => {},
): Promise<ResolvedTarget> {
  const inputs = list(options.input);
  const sets = list(options.set);
  const excludedRanges = list(options.exclude).map(parseExclusion);
  const days = parseDays(options.days);
  if (inputs.length > 1 && options.metric !== undefined) {
    throw new UsageError(
      "--metric with --input names the metric of ONE file: give either several --input files or --metric",
    );
  }
  if (options.stat !== undefined && options.metric === undefined && inputs.length === 0) {
    throw new UsageError("--stat only applies to --metric and --input");
  }
  const fromFiles = inputs.length > 0;
  if ((options.metric !== undefined || fromFiles) && sets.length > 1) {
    throw new UsageError("with --input or --metric, --set names the one set whose settings apply");
  }
  const { path, explicit } = configPath(options, deps.env);
  let config: VigilConfig | undefined;
  let configText: { path: string; text: string } | undefined;
  if (!fromFiles || explicit || sets.length > 0) {
    let text: string;
    try {
      text = await deps.readTextFile(path);
    } catch (error) {
      throw new ConfigError(`cannot read config file ${path}: ${(error as Error).message}`);
    }
    config = parseConfigText(text, path);
    configText = { path, text };
  }
  const common = {
    excludedRanges,
    ...(days !== undefined ? { days } : {}),
    ...(config ? { config } : {}),
    ...(configText ? { configText } : {}),
  };

  if (fromFiles) {
    // --metric with one file: the real metric the file holds, so overrides written for it match.
    const metric =
      options.metric !== undefined ? parseMetricIdentity(options.metric, options.stat) : undefined;
    const files = await FileMetricSource.fromFiles(inputs, {
      ...(options.stat !== undefined ? { stat: options.stat } : {}),
      ...(metric ? { metric, stat: metric.stat } : {}),
      warn,
    });
    return {
      ...common,
      target: {
        kind: "series",
        series: files.files.map((file) => file.series),
        sources: inputs,
      },
      ...(sets[0] ? { metricSet: sets[0] } : {}),
    };
  }
  const source = await deps.createSource();
  if (options.metric !== undefined) {
    return {
      ...common,
      source,
      target: {
        kind: "metric",
        metric: parseMetricIdentity(options.metric, options.stat),
        // Without --stat (or a stat in the JSON identity), read it as its metric set does.
        statFromSet: options.stat === undefined && !/"stat"\s*:/.test(options.metric),
      },
      ...(sets[0] ? { metricSet: sets[0] } : {}),
    };
  }
  return { ...common, source, target: { kind: "sets", ...(sets.length ? { names: sets } : {}) } };
}

/** The use case's dependencies and the request fields every target gives (backtest and tune alike). */
export function useCaseInput(
  resolved: ResolvedTarget,
  deps: BacktestCliDeps,
  onProgress: (progress: FetchProgress) => void,
): { deps: BacktestDeps; request: HistoryRequest } {
  return {
    deps: { ...(resolved.source ? { source: resolved.source } : {}), clock: deps.clock },
    request: {
      target: resolved.target,
      ...(resolved.config ? { config: resolved.config.detection } : {}),
      ...(resolved.metricSet ? { metricSet: resolved.metricSet } : {}),
      excludedRanges: resolved.excludedRanges,
      ...(resolved.days !== undefined ? { days: resolved.days } : {}),
      onProgress,
    },
  };
}

/**
 * A progress bar on a TTY (redrawn in place, at most every 100 ms); elsewhere nothing until the
 * final line, so logs and CI output stay clean.
 */
export function progressReporter(
  stream: ProgressStream | undefined,
  now = () => performance.now(),
) {
  const started = now();
  let lastDraw = Number.NEGATIVE_INFINITY;
  let latest: FetchProgress | undefined;
  let drawn = false;
  const width = 24;
  return {
    update(progress: FetchProgress): void {
      latest = progress;
      if (!stream?.isTTY || progress.total === 0) return;
      const time = now();
      if (time - lastDraw < 100 && progress.done < progress.total) return;
      lastDraw = time;
      const filled = Math.round((progress.done / progress.total) * width);
      stream.write(
        `\r[${"#".repeat(filled)}${"-".repeat(width - filled)}] ${progress.done}/${progress.total} metric histories, ${progress.getMetricDataCalls} GetMetricData calls`,
      );
      drawn = true;
    },
    finish(): void {
      if (!stream || !latest || latest.total === 0) return;
      if (drawn) stream.write("\r\u001b[2K");
      const seconds = ((now() - started) / 1000).toFixed(1);
      stream.write(
        `fetched ${latest.done} metric histories: ${latest.getMetricDataCalls} GetMetricData calls, ${latest.datapoints} datapoints in ${seconds} s\n`,
      );
    },
  };
}

/** Maps known input problems to exit code 2 with one clear line; rethrows the rest. */
export function reportInputError(command: string, error: unknown, io: CliIo): number {
  if (isInputError(error)) {
    io.err(`vigil ${command}: ${error.message}`);
    return EXIT.badInput;
  }
  throw error;
}
