/**
 * `vigil backtest`: what would the settings have flagged over a metric's history? Several settings
 * side by side, for files or CloudWatch (one metric, metric sets, or everything the config
 * discovers), as tables, one JSON document, or a self-contained HTML report with charts.
 */
import { writeHtmlReport } from "../../report/html-report.ts";
import { runBacktest } from "../../usecases/backtest.ts";
import { type CliIo, EXIT } from "../io.ts";
import { backtestJson } from "./json.ts";
import { baseChanges, parseSettingVariant, type SettingFlags } from "./settings.ts";
import {
  type BacktestCliDeps,
  checkOutputPath,
  defaultBacktestDeps,
  list,
  progressReporter,
  reportInputError,
  resolveTarget,
  type TargetOptions,
  UsageError,
  useCaseInput,
} from "./target.ts";
import { renderBacktestText } from "./text.ts";

export interface BacktestCommandOptions extends TargetOptions, SettingFlags {
  /** Comparison columns: "k=3,method=seasonal" (repeatable). */
  setting?: string | string[];
  /** Write the HTML report here. */
  html?: string;
  json?: boolean;
}

export const SETTING_HELP = `
Settings side by side (--setting, repeatable; each is one column of the comparison):
  --setting "k=2.5" --setting "k=3,method=seasonal" --setting "period=1d"
  keys: method (auto|robust|mean-sd|seasonal), k, window (days), period (5m|1h|1d …), direction (up|down|both),
        missing (zero|gap), sigmaFloor, relativeSigmaFloor, minDelta, minHistory, criticalK, extremeK,
        extremeSeenBefore, seenBefore, confirm, sustained, rearm. Numbers take k/M/G/T suffixes (decimal): minDelta=100M.
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
    if (options.html !== undefined) await checkOutputPath(options.html);
    const resolved = await resolveTarget(options, deps, (line) =>
      io.err(`vigil backtest: ${line}`),
    );
    const progress = progressReporter(deps.progress);
    const input = useCaseInput(resolved, deps, (p) => progress.update(p));
    const report = await runBacktest(input.deps, {
      ...input.request,
      base,
      variants,
      keepTraces: options.html !== undefined,
    });
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
