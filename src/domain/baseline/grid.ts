/** The dense period grid a series is laid on before a baseline engine slides over it. */
import { type DetectionSettings, missingReadsAsZero } from "../detection.ts";
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
  // The series is on its own grid: its cell i is this grid's cell i + offset.
  const values = series.values;
  const offset = Math.floor((series.start - start) / periodMs);
  let firstDataIndex = Number.POSITIVE_INFINITY;
  for (let i = 0; i < values.length; i++) {
    if (Number.isFinite(values[i] as number)) {
      firstDataIndex = i + offset;
      break;
    }
  }
  const to = Math.min(values.length, length - offset);
  for (let i = Math.max(0, -offset); i < to; i++) {
    const value = values[i] as number;
    if (Number.isFinite(value)) observed[i + offset] = value;
  }

  const baseline = observed.slice();
  if (missingReadsAsZero(settings.missingData, series.metric.stat)) {
    // Cells from firstDataIndex on exist for sure (see the module comment on "zero").
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
