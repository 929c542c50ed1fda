import type { DetectionSettings } from "../../domain/detection.ts";
import type { MetricSeries } from "../../domain/metric.ts";
import { suggestTuning, type TuneSuggestion } from "../../domain/tune.ts";
import { iso, readHistories } from "./histories.ts";
import { CURRENT, planMetrics, seriesLabel } from "./plan.ts";
import { newStats } from "./run-backtest.ts";
import {
  type BacktestDeps,
  BacktestInputError,
  type MetricTuning,
  type TuneReport,
  type TuneRequest,
} from "./types.ts";

/** Suggests, per metric, the least change to its settings that keeps it within the budget. */
export async function runTune(deps: BacktestDeps, request: TuneRequest): Promise<TuneReport> {
  if (!(request.budgetPerWeek >= 0) || !Number.isFinite(request.budgetPerWeek)) {
    throw new BacktestInputError(
      `--budget must be a number of episodes per week ≥ 0, got ${request.budgetPerWeek}`,
    );
  }
  const variants = [CURRENT];
  const stats = newStats();
  const planned = await planMetrics(deps, request, variants, stats);
  const metrics: MetricTuning[] = [];
  const outcome = await readHistories(
    deps,
    request,
    variants,
    planned,
    stats,
    (item, byPeriod, range) => {
      const settings = item.settings[0] as DetectionSettings;
      const series = byPeriod.get(settings.periodSeconds) as MetricSeries;
      let suggestion: TuneSuggestion;
      try {
        suggestion = suggestTuning({
          series,
          settings,
          range,
          budgetPerWeek: request.budgetPerWeek,
          ...(request.allowMissingLargest ? { allowMissingLargest: true } : {}),
        });
      } catch (error) {
        if (error instanceof RangeError) {
          throw new BacktestInputError(`${seriesLabel(item)}: ${error.message}`);
        }
        throw error;
      }
      metrics.push({
        metricSet: item.metricSet,
        metric: item.metric,
        ...(item.source !== undefined ? { source: item.source } : {}),
        settings,
        range,
        suggestion,
      });
    },
  );
  stats.metrics = metrics.length;
  return {
    generatedAt: iso(deps.clock()),
    budgetPerWeek: request.budgetPerWeek,
    metrics,
    skipped: outcome.skipped,
    fetchFailures: outcome.fetchFailures,
    stats,
  };
}
