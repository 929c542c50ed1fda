import {
  compareVariants,
  summarizeVerdicts,
  type TimeSpan,
} from "../../domain/backtest-compare.ts";
import type { DetectionSettings, Verdict } from "../../domain/detection.ts";
import type { MetricSeries } from "../../domain/metric.ts";
import { type Replay, replay } from "../../domain/replay.ts";
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

function traceOf(
  verdicts: readonly Verdict[],
  settings: DetectionSettings,
  start: number,
): VariantTrace {
  const column = (pick: (verdict: Verdict) => number | null) =>
    Float64Array.from(verdicts, (verdict) => pick(verdict) ?? Number.NaN);
  return {
    periodSeconds: settings.periodSeconds,
    start,
    direction: settings.direction,
    observed: column((v) => v.observed),
    expected: column((v) => v.expected),
    upper: column((v) => v.upperThreshold),
    lower: column((v) => v.lowerThreshold),
    sigma: column((v) => v.sigma),
    z: column((v) => v.z),
  };
}

/** Replays with a setting, turning the engine's RangeError into an input error naming it. */
function replayVariant(
  series: MetricSeries,
  range: TimeSpan,
  settings: DetectionSettings,
  label: string,
): Replay {
  try {
    return replay(series, range, settings);
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
        const { verdicts, episodes } = replayVariant(series, range, settings, label);
        return {
          outcome: summarizeVerdicts(label, settings, range, verdicts, episodes),
          trace: request.keepTraces ? traceOf(verdicts, settings, range.start) : undefined,
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
