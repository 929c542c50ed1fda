/**
 * Plans GetMetricData calls. One call may carry at most 500 queries and return at most 100,800
 * datapoints in total, so with `points` datapoints per metric a call holds at most
 * min(500, ⌊100,800 / points⌋) whole metrics.
 *
 * The API lower bound on the number of calls is max(⌈M / 500⌉, ⌈M · points / 100,800⌉). The plan
 * reaches it except in one case: when points does not divide 100,800 evenly and the datapoint
 * limit is the binding one, a call cannot be filled to exactly 100,800 with whole metrics, so the
 * plan takes ⌈M / ⌊100,800 / points⌋⌉ calls. Example: 1,009 metrics × 999 points has a bound of
 * 10 calls, but only ⌊100,800 / 999⌋ = 100 whole metrics fit one call, so the plan has 11.
 *
 * A metric with more than 100,800 points in the range cannot fit one call: planFetchBatches splits
 * the time range into consecutive chunks (whole periods, each ≤ 100,800 points) and plans every
 * chunk separately; planBatches itself rejects such a size with a RangeError.
 */

export const MAX_QUERIES_PER_CALL = 500;
export const MAX_DATAPOINTS_PER_CALL = 100_800;

/** Epoch ms, start inclusive, end exclusive. */
export interface TimeRange {
  start: number;
  end: number;
}

/** One GetMetricData request (before pagination): which metrics over which time range. */
export interface FetchBatch extends TimeRange {
  /** Indexes into the caller's metric list, ascending. */
  metricIndexes: number[];
}

function assertCount(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`${name} must be a non-negative integer, got ${value}`);
  }
}

/** The API lower bound: max(⌈M / 500⌉, ⌈M · points / 100,800⌉). */
export function minimumCalls(metricCount: number, pointsPerMetric: number): number {
  assertCount("metricCount", metricCount);
  assertCount("pointsPerMetric", pointsPerMetric);
  return Math.max(
    Math.ceil(metricCount / MAX_QUERIES_PER_CALL),
    Math.ceil((metricCount * pointsPerMetric) / MAX_DATAPOINTS_PER_CALL),
  );
}

/** How many whole metrics of `pointsPerMetric` points fit one call (0 if not even one fits). */
export function metricsPerCall(pointsPerMetric: number): number {
  assertCount("pointsPerMetric", pointsPerMetric);
  if (pointsPerMetric === 0) return MAX_QUERIES_PER_CALL;
  return Math.min(MAX_QUERIES_PER_CALL, Math.floor(MAX_DATAPOINTS_PER_CALL / pointsPerMetric));
}

/**
 * Groups metric indexes 0..metricCount-1 into as few calls as whole metrics allow, each call within
 * both limits. Groups are contiguous and balanced (sizes differ by at most one) so parallel calls
 * take about as long as each other.
 */
export function planBatches(metricCount: number, pointsPerMetric: number): number[][] {
  assertCount("metricCount", metricCount);
  const capacity = metricsPerCall(pointsPerMetric);
  if (capacity === 0) {
    throw new RangeError(
      `one metric with ${pointsPerMetric} datapoints exceeds the GetMetricData limit of ` +
        `${MAX_DATAPOINTS_PER_CALL} datapoints per call: split the time range (planFetchBatches does)`,
    );
  }
  if (metricCount === 0) return [];
  const callCount = Math.ceil(metricCount / capacity);
  const smallSize = Math.floor(metricCount / callCount);
  const largeCalls = metricCount % callCount; // the first `largeCalls` groups get one more metric
  const groups: number[][] = [];
  let next = 0;
  for (let call = 0; call < callCount; call++) {
    const size = smallSize + (call < largeCalls ? 1 : 0);
    groups.push(Array.from({ length: size }, (_, offset) => next + offset));
    next += size;
  }
  return groups;
}

/** Number of periods in the range (a partial trailing period counts as one). */
export function pointsInRange(range: TimeRange, periodSeconds: number): number {
  if (!Number.isSafeInteger(periodSeconds) || periodSeconds <= 0) {
    throw new RangeError(`periodSeconds must be a positive integer, got ${periodSeconds}`);
  }
  if (!Number.isFinite(range.start) || !Number.isFinite(range.end) || range.end < range.start) {
    throw new RangeError(
      `invalid time range: start ${range.start} and end ${range.end} (epoch ms, end ≥ start)`,
    );
  }
  return Math.ceil((range.end - range.start) / (periodSeconds * 1000));
}

/**
 * Plans every GetMetricData request needed to read `metricCount` metrics over `range`. An empty
 * range needs no request. When one metric's range holds more than 100,800 points, the range is cut
 * into ⌈points / 100,800⌉ consecutive, period-aligned chunks of near-equal length, and each chunk is
 * batched on its own; the caller merges a metric's points across chunks.
 */
export function planFetchBatches(
  metricCount: number,
  range: TimeRange,
  periodSeconds: number,
): FetchBatch[] {
  assertCount("metricCount", metricCount);
  const points = pointsInRange(range, periodSeconds);
  if (metricCount === 0 || points === 0) return [];

  const periodMs = periodSeconds * 1000;
  const chunkCount = Math.ceil(points / MAX_DATAPOINTS_PER_CALL);
  const smallChunk = Math.floor(points / chunkCount);
  const largeChunks = points % chunkCount;

  const batches: FetchBatch[] = [];
  let chunkStartPoint = 0;
  for (let chunk = 0; chunk < chunkCount; chunk++) {
    const chunkPoints = smallChunk + (chunk < largeChunks ? 1 : 0);
    const start = range.start + chunkStartPoint * periodMs;
    chunkStartPoint += chunkPoints;
    // The last chunk ends exactly at range.end, even when the range ends mid-period.
    const end = chunk === chunkCount - 1 ? range.end : range.start + chunkStartPoint * periodMs;
    for (const metricIndexes of planBatches(metricCount, chunkPoints)) {
      batches.push({ metricIndexes, start, end });
    }
  }
  return batches;
}

/** Heap one period of one metric holds while its chunk is judged: a Float64Array cell. */
export const BYTES_PER_COLUMN_POINT = 8;

/**
 * Metrics per fetch-and-judge chunk so that a chunk's columns fit `budgetBytes`: as many whole
 * GetMetricData calls as fit (a whole number of full calls adds no call), never less than one.
 */
export function chunkMetricsForBudget(pointsPerMetric: number, budgetBytes: number): number {
  const perCall = Math.max(1, metricsPerCall(pointsPerMetric));
  const callBytes = perCall * Math.max(1, pointsPerMetric) * BYTES_PER_COLUMN_POINT;
  const calls = Number.isFinite(budgetBytes) ? Math.floor(budgetBytes / callBytes) : 1;
  return perCall * Math.max(1, calls);
}
