/**
 * `vigil backtest` (and what `vigil tune` shares with it), split by reason to change:
 * backtest/target.ts (the target options both commands take), backtest/settings.ts (--setting
 * columns), backtest/text.ts and backtest/json.ts (renderers), backtest/command.ts (the command).
 */
export {
  type BacktestCommandOptions,
  runBacktestCommand,
  SETTING_HELP,
} from "./backtest/command.ts";
export { backtestJson, metricJson } from "./backtest/json.ts";
export { baseChanges, parseSettingVariant } from "./backtest/settings.ts";
export {
  addTargetOptions,
  type BacktestCliDeps,
  checkOutputPath,
  collect,
  defaultBacktestDeps,
  type ProgressStream,
  parseDays,
  parseExclusion,
  parseMetricIdentity,
  progressReporter,
  type ResolvedTarget,
  reportInputError,
  resolveTarget,
  type TargetOptions,
  UsageError,
  useCaseInput,
} from "./backtest/target.ts";
export { rankMetrics, renderBacktestText } from "./backtest/text.ts";
