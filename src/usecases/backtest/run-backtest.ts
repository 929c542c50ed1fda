import { compareVariants, type TimeSpan } from "../../domain/backtest-compare.ts";
import type { DetectionSettings } from "../../domain/detection.ts";
import type { MetricSeries } from "../../domain/metric.ts";
import { type ColumnReplay, replayColumns } from "../../domain/replay.ts";
import { iso, readHistories } from "./histories.ts";
import { CURRENT, planMetrics } from "./plan.ts";
import {
  type BacktestDeps,
  BacktestInputError,
  type BacktestReport,
  type BacktestRequest,
  type MetricBacktest,
  type RunStats,
  type VariantTrace,
} from "./types.ts";

/** The replay's columns as a chart trace (the arrays themselves: the replay is not reused). */
function traceOf(replayed: ColumnReplay, settings: DetectionSettings, start: number): VariantTrace {
  const { columns } = replayed;
  return {
    periodSeconds: settings.periodSeconds,
    start,
    direction: settings.direction,
    observed: columns.observed,
    expected: columns.expected,
    upper: columns.upper,
    lower: columns.lower,
    sigma: columns.sigma,
    z: columns.z,
  };
}

/** Replays with a setting, turning the engine's RangeError into an input error naming it. */
function replayVariant(
  series: MetricSeries,
  range: TimeSpan,
  settings: DetectionSettings,
  label: string,
): ColumnReplay {
  try {
    return replayColumns(series, range, settings);
  } catch (error) {
    if (error instanceof RangeError) {
      throw new BacktestInputError(`setting "${label}": ${error.message}`);
    }
    throw error;
  }
}

export function newStats(): RunStats {
  return { metrics: 0, listMetricsCalls: 0, getMetricDataCalls: 0, datapoints: 0 };
}

/** Replays every selected metric's history with each setting and compares them. */
export async function runBacktest(
  deps: BacktestDeps,
  request: BacktestRequest,
): Promise<BacktestReport> {
  const variants = request.variants.length > 0 ? request.variants : [CURRENT];
  const labels = variants.map((v) => v.label);
  if (new Set(labels).size !== labels.length) {
    throw new BacktestInputError(`the same setting is given twice (${labels.join(" | ")})`);
  }
  const stats = newStats();
  const planned = await planMetrics(deps, request, variants, stats);
  const metrics: MetricBacktest[] = [];
  const outcome = await readHistories(
    deps,
    request,
    variants,
    planned,
    stats,
    (item, byPeriod, range) => {
      const outcomes = item.settings.map((settings, index) => {
        const label = variants[index]?.label ?? "current";
        const series = byPeriod.get(settings.periodSeconds) as MetricSeries;
        const replayed = replayVariant(series, range, settings, label);
        return {
          outcome: {
            label,
            settings,
            range,
            periodsEvaluated: replayed.columns.length,
            insufficientData: replayed.insufficientData,
            noData: replayed.noData,
            flagged: replayed.flagged,
            episodes: replayed.episodes,
          },
          trace: request.keepTraces ? traceOf(replayed, settings, range.start) : undefined,
        };
      });
      const comparisons = compareVariants(outcomes.map((o) => o.outcome));
      metrics.push({
        metricSet: item.metricSet,
        metric: item.metric,
        ...(item.source !== undefined ? { source: item.source } : {}),
        range,
        variants: comparisons.map((comparison, index) => {
          const { outcome: variantOutcome, trace } = outcomes[index] as (typeof outcomes)[number];
          return {
            ...comparison,
            settings: variantOutcome.settings,
            flagged: variantOutcome.flagged,
            episodes: variantOutcome.episodes,
            ...(trace ? { trace } : {}),
          };
        }),
      });
    },
  );
  stats.metrics = metrics.length;
  return {
    generatedAt: iso(deps.clock()),
    variants: labels,
    metrics,
    skipped: outcome.skipped,
    fetchFailures: outcome.fetchFailures,
    stats,
  };
}
