/**
 * `vigil backtest`: what would the settings have flagged over a metric's history? Several settings
 * side by side, for files or CloudWatch (one metric, metric sets, or everything the config
 * discovers), as tables, one JSON document, or a self-contained HTML report with charts.
 *
 * The shared option parsing (targets, settings, exclusions, progress) also serves `vigil tune`.
 */
import { readFile } from "node:fs/promises";
import { readMetricFile } from "../adapters/file-metric-source.ts";
import { type SettingsInput, settingsSchema } from "../config/detection-config.ts";
import {
  ConfigError,
  DEFAULT_CONFIG_PATH,
  describeZodError,
  parseConfigText,
  type VigilConfig,
} from "../config/load.ts";
import type { TimeSpan } from "../domain/backtest-compare.ts";
import type { DetectionSettings, Verdict } from "../domain/detection.ts";
import { InputError, isInputError } from "../domain/errors.ts";
import { formatNumber } from "../domain/format.ts";
import {
  type MetricIdentity,
  type MetricSeries,
  metricKey,
  metricLabel,
} from "../domain/metric.ts";
import type { MetricSource } from "../ports/metric-source.ts";
import { writeHtmlReport } from "../report/html-report.ts";
import {
  type BacktestReport,
  type BacktestTarget,
  type FetchProgress,
  type MetricBacktest,
  runBacktest,
  type SettingsChanges,
  type SettingsVariant,
} from "../usecases/backtest.ts";
import { type CliIo, EXIT } from "./io.ts";
import { formatTable } from "./table.ts";

// ---------------------------------------------------------------------------------------------------------
// Options and dependencies shared with `vigil tune`
// ---------------------------------------------------------------------------------------------------------

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

export interface BacktestCommandOptions extends TargetOptions {
  /** Comparison columns: "k=3,method=seasonal" (repeatable). */
  setting?: string | string[];
  method?: string;
  sigma?: string;
  window?: string;
  period?: string;
  direction?: string;
  minDelta?: string;
  /** Write the HTML report here. */
  html?: string;
  json?: boolean;
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
          import("../adapters/aws-clients.ts"),
          import("../adapters/cloudwatch-metric-source.ts"),
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

function list(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

function parsePositive(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (value.trim() === "" || !Number.isFinite(number) || number <= 0) {
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

const PERIOD_UNITS: Record<string, number> = { s: 1, m: 60, min: 60, h: 3600, d: 86_400 };
const PERIOD_WORDS: Record<string, number> = {
  hour: 3600,
  hourly: 3600,
  day: 86_400,
  daily: 86_400,
};

/** "5m", "1h", "1d", "300", "hourly" → seconds; a whole number of minutes, as CloudWatch serves. */
function parsePeriod(where: string, value: string): number {
  const text = value.trim().toLowerCase();
  const match = /^(\d+)(s|m|min|h|d)?$/.exec(text);
  const seconds =
    PERIOD_WORDS[text] ?? (match ? Number(match[1]) * (PERIOD_UNITS[match[2] ?? "s"] ?? 1) : 0);
  if (!(seconds > 0) || seconds % 60 !== 0) {
    throw new UsageError(
      `${where} must be a whole number of minutes (5m, 15m, 1h, 1d, or seconds such as 300), got "${value}"`,
    );
  }
  return seconds;
}

const SI_SUFFIX: Record<string, number> = { "": 1, k: 1e3, K: 1e3, M: 1e6, G: 1e9, T: 1e12 };

/** "2.5", "100M", "1.5G" (decimal suffixes, like CloudWatch byte counts) → number. */
function parseAmount(where: string, value: string): number {
  const match = /^([+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?)([kKMGT]?)$/.exec(value.trim());
  if (!match)
    throw new UsageError(`${where} must be a number (k, M, G, T suffixes allowed), got "${value}"`);
  return Number(match[1]) * (SI_SUFFIX[match[2] ?? ""] as number);
}

/** Keys accepted by --setting: the config's names plus short aliases. */
const SETTING_KEYS: Record<string, keyof SettingsInput> = {
  method: "method",
  k: "k",
  sigma: "k",
  window: "windowDays",
  windowdays: "windowDays",
  period: "periodSeconds",
  periodseconds: "periodSeconds",
  direction: "direction",
  missing: "missingData",
  missingdata: "missingData",
  sigmafloor: "sigmaFloor",
  floor: "sigmaFloor",
  relativesigmafloor: "relativeSigmaFloor",
  mindelta: "minAbsoluteDelta",
  minabsolutedelta: "minAbsoluteDelta",
  minhistory: "minHistoryPeriods",
  minhistoryperiods: "minHistoryPeriods",
  criticalk: "criticalK",
  confirm: "confirmPeriods",
  confirmperiods: "confirmPeriods",
  sustained: "sustainedPeriods",
  sustainedperiods: "sustainedPeriods",
  rearm: "rearmQuietPeriods",
  rearmquietperiods: "rearmQuietPeriods",
};

/** Validates changes with the config's own schema, naming the flag or setting that is wrong. */
function validateChanges(where: string, changes: Record<string, unknown>): SettingsChanges {
  const result = settingsSchema.safeParse(changes);
  if (!result.success) {
    throw new UsageError(`${where}: ${describeZodError(result.error).replaceAll("\n", "; ")}`);
  }
  return result.data as SettingsChanges;
}

/**
 * One --setting: comma-separated key=value pairs, e.g. "k=3,method=seasonal" or "period=1d";
 * "current" (or "") = the settings as configured.
 */
export function parseSettingVariant(text: string): SettingsVariant {
  const label = text
    .trim()
    .replace(/\s*,\s*/g, ",")
    .replace(/\s*=\s*/g, "=");
  if (label === "" || label === "current") return { label: "current", changes: {} };
  const where = `--setting "${text}"`;
  const changes: Record<string, unknown> = {};
  for (const pair of label.split(",")) {
    const [rawKey, value, ...rest] = pair.split("=");
    if (!rawKey || value === undefined || value === "" || rest.length > 0) {
      throw new UsageError(`${where}: "${pair}" is not key=value (e.g. k=3,method=seasonal)`);
    }
    const key = SETTING_KEYS[rawKey.toLowerCase()];
    if (!key) {
      throw new UsageError(
        `${where}: unknown setting "${rawKey}" (known: ${[...new Set(Object.values(SETTING_KEYS))].join(", ")})`,
      );
    }
    if (key in changes) throw new UsageError(`${where}: ${key} is given twice`);
    const at = `${where}: ${rawKey}`;
    if (key === "periodSeconds") changes[key] = parsePeriod(at, value);
    else if (key === "windowDays") changes[key] = parseAmount(at, value.replace(/d$/i, ""));
    else if (key === "method" || key === "direction" || key === "missingData") changes[key] = value;
    else changes[key] = parseAmount(at, value);
  }
  return { label, changes: validateChanges(where, changes) };
}

/** The legacy single-setting flags, applied under every --setting. */
export function baseChanges(options: BacktestCommandOptions): SettingsChanges {
  const changes: Record<string, unknown> = {};
  const method = parseChoice("method", options.method, [
    "mean-sd",
    "seasonal",
    "robust",
    "auto",
  ] as const);
  if (method) changes.method = method;
  const k = parsePositive("sigma", options.sigma);
  if (k !== undefined) changes.k = k;
  const windowDays = parsePositive("window", options.window);
  if (windowDays !== undefined) changes.windowDays = windowDays;
  if (options.period !== undefined) changes.periodSeconds = parsePeriod("--period", options.period);
  const direction = parseChoice("direction", options.direction, ["up", "down", "both"] as const);
  if (direction) changes.direction = direction;
  if (options.minDelta !== undefined) {
    const minDelta = parseAmount("--min-delta", options.minDelta);
    if (minDelta < 0) throw new UsageError(`--min-delta must be ≥ 0, got "${options.minDelta}"`);
    changes.minAbsoluteDelta = minDelta;
  }
  return validateChanges("flags", changes);
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
  if (inputs.length > 0 && options.metric !== undefined) {
    throw new UsageError("give either --input files or --metric, not both");
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
    const series: MetricSeries[] = [];
    const seen = new Map<string, string>();
    for (const file of inputs) {
      const one = await readMetricFile(file, {
        ...(options.stat !== undefined ? { stat: options.stat } : {}),
        warn,
      });
      const key = metricKey(one.metric);
      const other = seen.get(key);
      if (other) {
        throw new UsageError(
          `${file} and ${other} hold the same metric (${metricLabel(one.metric)})`,
        );
      }
      seen.set(key, file);
      series.push(one);
    }
    return {
      ...common,
      target: { kind: "series", series, sources: inputs },
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

// ---------------------------------------------------------------------------------------------------------
// Output
// ---------------------------------------------------------------------------------------------------------

const iso = (timestamp: number) => new Date(timestamp).toISOString();
/** "2026-10-03T04:00Z": minutes are enough for period starts. */
const shortIso = (timestamp: number) => iso(timestamp).replace(":00.000Z", "Z");
const rate = (value: number) => value.toFixed(2);
const periodName = (seconds: number) =>
  seconds === 86_400 ? "1d" : seconds === 3600 ? "1h" : `${seconds}s`;

function settingsForJson(settings: DetectionSettings) {
  return {
    ...settings,
    excludedRanges: settings.excludedRanges.map((r) => ({ start: iso(r.start), end: iso(r.end) })),
  };
}

function flaggedRow(v: Verdict) {
  return {
    timestamp: iso(v.timestamp),
    observed: v.observed,
    expected: v.expected,
    sigma: v.sigma,
    z: v.z,
    severity: v.severity,
    why: v.why,
  };
}

/** The --json document. */
export function backtestJson(report: BacktestReport, html?: string) {
  return {
    generatedAt: report.generatedAt,
    settings: report.variants,
    metrics: report.metrics.map((m) => ({
      metricSet: m.metricSet,
      metric: m.metric,
      label: metricLabel(m.metric),
      ...(m.source !== undefined ? { source: m.source } : {}),
      range: { start: iso(m.range.start), end: iso(m.range.end) },
      variants: m.variants.map((v) => ({
        label: v.label,
        settings: settingsForJson(v.settings),
        periodsEvaluated: v.periodsEvaluated,
        insufficientData: v.insufficientData,
        noData: v.noData,
        weeks: v.weeks,
        flaggedPeriods: v.flaggedPeriods,
        alertsPerWeek: v.alertsPerWeek,
        episodeCount: v.episodes.length,
        criticalEpisodes: v.criticalEpisodes,
        episodesPerWeek: v.episodesPerWeek,
        onlyThis: v.onlyThis.map((r) => ({
          start: iso(r.start),
          end: iso(r.end),
          periods: r.periods,
        })),
        flagged: v.flagged.map(flaggedRow),
        episodes: v.episodes.map((e) => ({
          start: iso(e.start),
          end: iso(e.end),
          anomalousPeriods: e.anomalousPeriods,
          severity: e.severity,
          peakZ: e.peak.z,
          open: e.open,
        })),
      })),
    })),
    skipped: report.skipped.map((s) => ({
      ...(s.metricSet ? { metricSet: s.metricSet } : {}),
      ...(s.metric ? { metric: metricLabel(s.metric) } : {}),
      reason: s.reason,
    })),
    fetchFailures: report.fetchFailures.map((f) => ({
      metric: metricLabel(f.metric),
      error: f.error,
    })),
    stats: report.stats,
    ...(html ? { html } : {}),
  };
}

/** Metrics, noisiest first: by the first setting's alerts, then by the most alerts of any setting. */
export function rankMetrics(metrics: readonly MetricBacktest[]): MetricBacktest[] {
  const alerts = (m: MetricBacktest) => m.variants[0]?.flaggedPeriods ?? 0;
  const most = (m: MetricBacktest) => Math.max(0, ...m.variants.map((v) => v.flaggedPeriods));
  return [...metrics].sort(
    (a, b) =>
      alerts(b) - alerts(a) ||
      most(b) - most(a) ||
      metricLabel(a.metric).localeCompare(metricLabel(b.metric)),
  );
}

function metricTitle(m: MetricBacktest): string {
  const label = `${metricLabel(m.metric)} (${m.metric.stat})`;
  return m.source === undefined ? label : `${m.source}: ${label}`;
}

function describeRange(m: MetricBacktest): string {
  const weeks = m.variants[0]?.weeks ?? 0;
  return `${shortIso(m.range.start)} → ${shortIso(m.range.end)} (${weeks.toFixed(1)} weeks)`;
}

function describeSettings(s: DetectionSettings): string {
  return `${s.method} k=${s.k} window=${s.windowDays}d period=${periodName(s.periodSeconds)} direction=${s.direction}`;
}

/** One metric, one setting: every flagged period with its numbers. */
function renderFlaggedTable(m: MetricBacktest): string[] {
  const v = m.variants[0];
  if (!v) return [];
  const lines = [
    `${metricTitle(m)}: set ${m.metricSet}, ${v.periodsEvaluated} periods evaluated ${describeRange(m)} (${v.insufficientData} with too little history), ${describeSettings(v.settings)}`,
  ];
  if (v.flagged.length === 0) {
    lines.push("No period flagged.");
    return lines;
  }
  lines.push(
    formatTable(
      ["timestamp", "observed", "expected", "sigma", "z", "severity"],
      v.flagged.map((f) => [
        iso(f.timestamp),
        formatNumber(f.observed ?? 0),
        formatNumber(f.expected ?? 0),
        formatNumber(f.sigma ?? 0),
        (f.z ?? 0).toFixed(1),
        f.severity ?? "",
      ]),
    ),
  );
  lines.push(
    `${v.flaggedPeriods} periods flagged in ${v.episodes.length} episodes (${rate(v.episodesPerWeek)} episodes/week).`,
  );
  return lines;
}

/** Many metrics, one setting: a ranked summary. */
function renderSummary(metrics: MetricBacktest[]): string[] {
  const first = metrics[0]?.variants[0];
  return [
    first ? `Setting ${first.label}: ${describeSettings(first.settings)}` : "",
    formatTable(
      ["metric", "set", "alerts", "alerts/wk", "episodes", "episodes/wk", "critical", "max z"],
      metrics.map((m) => {
        const v = m.variants[0];
        const maxZ = Math.max(0, ...(v?.flagged ?? []).map((f) => Math.abs(f.z ?? 0)));
        return [
          metricTitle(m),
          m.metricSet,
          String(v?.flaggedPeriods ?? 0),
          rate(v?.alertsPerWeek ?? 0),
          String(v?.episodes.length ?? 0),
          rate(v?.episodesPerWeek ?? 0),
          String(v?.criticalEpisodes ?? 0),
          maxZ > 0 ? maxZ.toFixed(1) : "",
        ];
      }),
    ),
  ];
}

const MAX_RUNS_LISTED = 8;

/** Several settings: one comparison table per metric, and what only one setting flags. */
function renderComparison(m: MetricBacktest): string[] {
  const lines = [`== ${metricTitle(m)} — set ${m.metricSet}, evaluated ${describeRange(m)}`];
  lines.push(
    formatTable(
      [
        "setting",
        "period",
        "alerts",
        "alerts/wk",
        "episodes",
        "episodes/wk",
        "critical",
        "only this",
      ],
      m.variants.map((v) => [
        v.label,
        periodName(v.periodSeconds),
        String(v.flaggedPeriods),
        rate(v.alertsPerWeek),
        String(v.episodes.length),
        rate(v.episodesPerWeek),
        String(v.criticalEpisodes),
        String(v.onlyThisPeriods),
      ]),
    ),
  );
  for (const v of m.variants) {
    if (v.onlyThis.length === 0) continue;
    const shown = v.onlyThis
      .slice(0, MAX_RUNS_LISTED)
      .map((run) =>
        run.periods === 1 ? shortIso(run.start) : `${shortIso(run.start)} (${run.periods} periods)`,
      );
    const more = v.onlyThis.length - shown.length;
    lines.push(
      `  only ${v.label}: ${shown.join(", ")}${more > 0 ? `, … and ${more} more runs` : ""}`,
    );
  }
  return lines;
}

export function renderBacktestText(report: BacktestReport): string {
  const ranked = rankMetrics(report.metrics);
  const lines: string[] = [];
  if (ranked.length === 0) {
    lines.push("No metric to backtest.");
  } else if (report.variants.length === 1 && ranked.length === 1) {
    lines.push(...renderFlaggedTable(ranked[0] as MetricBacktest));
  } else if (report.variants.length === 1) {
    lines.push(...renderSummary(ranked));
  } else {
    for (const m of ranked) lines.push(...renderComparison(m), "");
  }
  for (const s of report.skipped) {
    lines.push(
      `- skipped ${s.metric ? metricLabel(s.metric) : ""} (${s.metricSet ?? ""}): ${s.reason}`,
    );
  }
  for (const f of report.fetchFailures) {
    lines.push(`! ${metricLabel(f.metric)} not evaluated: ${f.error}`);
  }
  return lines.join("\n");
}

// ---------------------------------------------------------------------------------------------------------
// Command
// ---------------------------------------------------------------------------------------------------------

export const SETTING_HELP = `
Settings side by side (--setting, repeatable; each is one column of the comparison):
  --setting "k=2.5" --setting "k=3,method=seasonal" --setting "period=1d"
  keys: method (auto|robust|mean-sd|seasonal), k, window (days), period (5m|1h|1d …), direction (up|down|both),
        missing (zero|gap), sigmaFloor, relativeSigmaFloor, minDelta, minHistory, criticalK, confirm,
        sustained, rearm. Numbers take k/M/G/T suffixes (decimal): minDelta=100M.
  "current" = the settings as configured. --method/--sigma/--window/--period/--direction/--min-delta
  apply under every --setting.

Targets: --input FILE... (CSV timestamp,value or JSON), --metric "AWS/S3 BytesDownloaded
  BucketName=logs FilterId=EntireBucket" (one CloudWatch metric), --set NAME... (metric sets of the
  config), or nothing: every enabled set of the config. CloudWatch history: the last --days days
  (default 90) plus the baseline window.
Exclusions: --exclude 2026-10-03T00:00Z/2026-10-04T00:00Z (repeatable) leaves a confirmed incident
  out of every baseline, like excludedRanges in the config.
Exit codes: 0 done, 1 some metric could not be read, 2 bad input (message names the line or setting).`;

export async function runBacktestCommand(
  options: BacktestCommandOptions,
  io: CliIo,
  deps: BacktestCliDeps = defaultBacktestDeps(),
): Promise<number> {
  try {
    const variants = list(options.setting).map(parseSettingVariant);
    const base = baseChanges(options);
    const resolved = await resolveTarget(options, deps, (line) =>
      io.err(`vigil backtest: ${line}`),
    );
    const progress = progressReporter(deps.progress);
    const report = await runBacktest(
      { ...(resolved.source ? { source: resolved.source } : {}), clock: deps.clock },
      {
        target: resolved.target,
        ...(resolved.config ? { config: resolved.config.detection } : {}),
        ...(resolved.metricSet ? { metricSet: resolved.metricSet } : {}),
        base,
        variants,
        excludedRanges: resolved.excludedRanges,
        ...(resolved.days !== undefined ? { days: resolved.days } : {}),
        keepTraces: options.html !== undefined,
        onProgress: (p) => progress.update(p),
      },
    );
    progress.finish();
    if (options.html !== undefined) {
      try {
        await writeHtmlReport(options.html, report);
      } catch (error) {
        throw new UsageError(`cannot write ${options.html}: ${(error as Error).message}`);
      }
    }
    if (options.json) {
      io.out(JSON.stringify(backtestJson(report, options.html), null, 2));
    } else {
      io.out(renderBacktestText(report));
      if (options.html !== undefined) io.out(`Report written to ${options.html}`);
    }
    return report.fetchFailures.length > 0 ? EXIT.failure : EXIT.ok;
  } catch (error) {
    return reportInputError("backtest", error, io);
  }
}
