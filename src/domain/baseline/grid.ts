/** The dense period grid a series is laid on before a baseline engine slides over it. */
import type { DetectionSettings } from "../detection.ts";
import type { MetricSeries } from "../metric.ts";

const MS_PER_SECOND = 1000;

export interface Grid {
  /** Epoch ms of cell 0. */
  start: number;
  periodMs: number;
  /** Value judged when the cell is the evaluated period, after the missing-data policy; NaN = no datapoint. */
  observed: number[];
  /** Value the cell contributes to baselines; NaN = unusable (gap, before the first datapoint, excluded). */
  baseline: number[];
}

export function buildGrid(
  series: MetricSeries,
  start: number,
  length: number,
  settings: DetectionSettings,
): Grid {
  const periodMs = settings.periodSeconds * MS_PER_SECOND;
  // Plain arrays, not Float64Arrays: typed arrays of this size get off-heap backing stores whose
  // allocation and collection cost more than the whole evaluation of a few periods.
  const observed: number[] = new Array<number>(length).fill(Number.NaN);
  let firstDataTimestamp = Number.POSITIVE_INFINITY;
  for (const point of series.points) {
    if (!Number.isFinite(point.value) || !Number.isFinite(point.timestamp)) continue;
    if (point.timestamp < firstDataTimestamp) firstDataTimestamp = point.timestamp;
    const index = Math.floor((point.timestamp - start) / periodMs);
    if (index >= 0 && index < length) observed[index] = point.value;
  }

  const baseline = observed.slice();
  if (settings.missingData === "zero") {
    // Cells from this index on exist for sure (see the module comment on "zero").
    const firstDataIndex = Math.floor((firstDataTimestamp - start) / periodMs);
    for (let index = 0; index < length; index++) {
      if (!Number.isNaN(observed[index])) continue;
      observed[index] = 0;
      if (index >= firstDataIndex) baseline[index] = 0;
    }
  }

  for (const range of settings.excludedRanges) {
    if (!(range.end > range.start)) continue;
    // Every cell overlapping [range.start, range.end).
    const first = Math.max(0, Math.floor((range.start - start) / periodMs));
    const last = Math.min(length - 1, Math.ceil((range.end - start) / periodMs) - 1);
    for (let index = first; index <= last; index++) baseline[index] = Number.NaN;
  }
  return { start, periodMs, observed, baseline };
}
