/**
 * Which CloudWatch metrics a selector means: ListMetrics filters, and the exact-dimension match
 * applied to what ListMetrics returns (it matches on a subset of dimensions). Kept apart from the
 * source's batching and retries: these change with selector semantics, those with API limits.
 */
import type { Dimension, Metric } from "@aws-sdk/client-cloudwatch";
import type { MetricIdentity } from "../domain/metric.ts";
import type { MetricSelector } from "../ports/metric-source.ts";

/** Dimensions in name order: stable requests, and the order moto needs to match them (see test). */
export function toCloudWatchDimensions(dimensions: Readonly<Record<string, string>>): Dimension[] {
  return Object.keys(dimensions)
    .sort()
    .map((name) => ({ Name: name, Value: dimensions[name] as string }));
}

export function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function validateSelector(selector: MetricSelector): void {
  const where = `selector ${selector.namespace} ${selector.metricName}`;
  if (!selector.namespace || !selector.metricName || !selector.stat) {
    throw new Error(`${where}: namespace, metricName and stat must be non-empty`);
  }
  if (new Set(selector.dimensionNames).size !== selector.dimensionNames.length) {
    throw new Error(
      `${where}: dimensionNames has duplicates (${selector.dimensionNames.join(", ")})`,
    );
  }
  for (const name of Object.keys(selector.fixedDimensions ?? {})) {
    if (!selector.dimensionNames.includes(name)) {
      throw new Error(`${where}: fixed dimension "${name}" is not one of dimensionNames`);
    }
  }
}

/** The metric as a MetricIdentity if its dimensions are exactly the selector's, else undefined. */
export function matchSelector(
  metric: Metric,
  selector: MetricSelector,
): MetricIdentity | undefined {
  if (metric.Namespace !== selector.namespace || metric.MetricName !== selector.metricName) {
    return undefined;
  }
  const dimensions: Record<string, string> = {};
  for (const { Name, Value } of metric.Dimensions ?? []) {
    if (Name === undefined || Value === undefined || Name in dimensions) return undefined;
    dimensions[Name] = Value;
  }
  const names = Object.keys(dimensions);
  if (names.length !== selector.dimensionNames.length) return undefined;
  if (!selector.dimensionNames.every((name) => name in dimensions)) return undefined;
  for (const [name, value] of Object.entries(selector.fixedDimensions ?? {})) {
    if (dimensions[name] !== value) return undefined;
  }
  const sorted: Record<string, string> = {};
  for (const name of names.sort()) sorted[name] = dimensions[name] as string;
  return {
    namespace: selector.namespace,
    metricName: selector.metricName,
    dimensions: sorted,
    stat: selector.stat,
  };
}
