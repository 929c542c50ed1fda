/** Which metrics a backtest or tune reads, with which settings per variant. */
import type { DetectionConfig, MetricSetConfig } from "../../config/detection-config.ts";
import { selectorsFor, setSettings, settingsForMetric } from "../../config/detection-config.ts";
import { DEFAULT_DETECTION_SETTINGS, type DetectionSettings } from "../../domain/detection.ts";
import { type MetricIdentity, type MetricSeries, metricLabel } from "../../domain/metric.ts";
import type { MetricSelector } from "../../ports/metric-source.ts";
import {
  type BacktestDeps,
  BacktestInputError,
  type HistoryRequest,
  type RunStats,
  type SettingsVariant,
} from "./types.ts";

export interface PlannedMetric {
  metricSet: string;
  metric: MetricIdentity;
  /** Settings per variant, in variant order. */
  settings: DetectionSettings[];
  /** File series (series targets only). */
  series?: MetricSeries;
  source?: string;
  /** Named explicitly by the user (file, --metric): problems are errors, not skips. */
  explicit: boolean;
}

export const PSEUDO_SET_NAME = "(defaults)";

/** A set with no settings of its own: setSettings on it gives the config's defaults. */
function defaultsSet(): MetricSetConfig {
  return {
    name: PSEUDO_SET_NAME,
    selectors: [],
    settings: {},
    overrides: [],
    enabled: true,
  };
}

function findSet(config: DetectionConfig | undefined, name: string): MetricSetConfig {
  const set = config?.metricSets.find((s) => s.name === name);
  if (!set) {
    const known = config?.metricSets.map((s) => s.name).join(", ");
    throw new BacktestInputError(
      config
        ? `no metric set named "${name}" in the config (sets: ${known})`
        : `--set ${name} needs a config file (none loaded)`,
    );
  }
  return set;
}

function selectorMatches(selector: MetricSelector, metric: MetricIdentity): boolean {
  if (selector.namespace !== metric.namespace || selector.metricName !== metric.metricName) {
    return false;
  }
  const names = Object.keys(metric.dimensions).sort();
  const wanted = [...selector.dimensionNames].sort();
  if (names.join("\u0000") !== wanted.join("\u0000")) return false;
  return Object.entries(selector.fixedDimensions ?? {}).every(
    ([name, value]) => metric.dimensions[name] === value,
  );
}

/** Applies base changes, a variant and the extra excluded ranges over a metric's settings. */
function variantSettings(
  metricSettings: DetectionSettings,
  request: HistoryRequest,
  variant: SettingsVariant,
): DetectionSettings {
  const { rearmQuietPeriods: basePeriods, ...base } = request.base ?? {};
  const { rearmQuietPeriods: variantPeriods, ...changes } = variant.changes;
  const settings: DetectionSettings = {
    ...metricSettings,
    ...base,
    ...changes,
    excludedRanges: [...metricSettings.excludedRanges, ...(request.excludedRanges ?? [])],
  };
  const periods =
    variantPeriods ?? (changes.rearmQuietSeconds === undefined ? basePeriods : undefined);
  if (periods !== undefined) settings.rearmQuietSeconds = periods * settings.periodSeconds;
  return settings;
}

export function seriesLabel(item: { metric: MetricIdentity; source?: string }): string {
  return item.source ?? metricLabel(item.metric);
}

export const CURRENT: SettingsVariant = { label: "current", changes: {} };

export async function planMetrics(
  deps: BacktestDeps,
  request: HistoryRequest,
  variants: SettingsVariant[],
  stats: RunStats,
): Promise<PlannedMetric[]> {
  const { config, target } = request;
  const forMetric = (set: MetricSetConfig, metric: MetricIdentity) =>
    config ? settingsForMetric(config, set, metric) : { ...DEFAULT_DETECTION_SETTINGS };

  if (target.kind === "series") {
    const set = request.metricSet ? findSet(config, request.metricSet) : undefined;
    return target.series.map((series, index) => {
      const source = target.sources?.[index];
      let settings: DetectionSettings;
      if (set) {
        settings = forMetric(set, series.metric);
      } else {
        // No set: the config's defaults (if any), at the file's own period unless told otherwise.
        const defaults = config ? setSettings(config, defaultsSet()) : DEFAULT_DETECTION_SETTINGS;
        const periodConfigured = config?.defaults.periodSeconds !== undefined;
        settings = {
          ...defaults,
          periodSeconds: periodConfigured ? defaults.periodSeconds : series.periodSeconds,
        };
      }
      return {
        metricSet: set?.name ?? "files",
        metric: series.metric,
        settings: variants.map((v) => variantSettings(settings, request, v)),
        series,
        explicit: true,
        ...(source !== undefined ? { source } : {}),
      };
    });
  }

  if (!deps.source) throw new Error("internal: a CloudWatch target needs a metric source");
  if (target.kind === "metric") {
    let set: MetricSetConfig | undefined;
    if (request.metricSet) set = findSet(config, request.metricSet);
    else {
      set = config?.metricSets.find(
        (s) => s.enabled && selectorsFor(s).some((sel) => selectorMatches(sel, target.metric)),
      );
    }
    const selector = set && selectorsFor(set).find((sel) => selectorMatches(sel, target.metric));
    const metric =
      target.statFromSet && selector ? { ...target.metric, stat: selector.stat } : target.metric;
    const settings = set
      ? forMetric(set, metric)
      : config
        ? setSettings(config, defaultsSet())
        : { ...DEFAULT_DETECTION_SETTINGS };
    return [
      {
        metricSet: set?.name ?? PSEUDO_SET_NAME,
        metric,
        settings: variants.map((v) => variantSettings(settings, request, v)),
        explicit: true,
      },
    ];
  }

  if (!config) throw new BacktestInputError("backtesting metric sets needs a config file");
  const sets = target.names?.length
    ? target.names.map((name) => findSet(config, name))
    : config.metricSets.filter((s) => s.enabled);
  if (sets.length === 0) throw new BacktestInputError("the config has no enabled metric set");
  const planned: PlannedMetric[] = [];
  for (const set of sets) {
    const discovered = await deps.source.discover(selectorsFor(set));
    stats.listMetricsCalls += discovered.listMetricsCalls;
    for (const metric of discovered.metrics) {
      const settings = forMetric(set, metric);
      planned.push({
        metricSet: set.name,
        metric,
        settings: variants.map((v) => variantSettings(settings, request, v)),
        explicit: false,
      });
    }
  }
  return planned;
}
