/**
 * The fault-injection matrix (bench/resilience/fault-matrix.ts) against moto_server, one test per
 * row, then the totals the README reports. A row fails with the list of expectations it missed.
 */
import { afterAll, describe, expect, it } from "vitest";
import {
  FaultMatrix,
  LAMBDA_ASYNC_ATTEMPTS,
  MATRIX,
  METRIC_SOURCE_ATTEMPTS,
  type RowResult,
  SDK_MAX_ATTEMPTS,
  summarise,
} from "../../bench/resilience/fault-matrix.ts";
import { motoEndpoint } from "../support/moto.ts";

const endpoint = motoEndpoint();

describe.skipIf(!endpoint)("fault-injection matrix (moto_server)", () => {
  const results: RowResult[] = [];

  it.each(MATRIX.map((row) => [row.name, row] as const))("%s", async (_name, row) => {
    const matrix = new FaultMatrix(endpoint as string);
    let result: RowResult;
    try {
      result = await matrix.run(row);
    } finally {
      matrix.close();
    }
    results.push(result);
    expect(result.problems).toEqual([]);
    expect(result.runsCompleted).toBe(result.runs);
    expect(result.alertsLost).toBe(0);
    expect(result.changes).toBeLessThanOrEqual(1);
    expect(result.lambdaAttempts).toBeLessThanOrEqual(LAMBDA_ASYNC_ATTEMPTS);
    if (row.faults?.length || row.pagerDuty || row.metricBatchFault || row.configThrottled) {
      expect(result.faultsInjected).toBeGreaterThan(0);
    }
  });

  afterAll(() => {
    // Printed for the README; the per-row tests above are the gate.
    if (results.length === MATRIX.length) console.info(JSON.stringify(summarise(results)));
  });

  it("totals: every run completed, no alert lost, nothing changed twice, retries bounded", () => {
    const summary = summarise(results);
    expect(summary.scenarios).toBe(MATRIX.length);
    expect(summary.runsCompleted).toBe(summary.runs);
    expect(summary.alertsLost).toBe(0);
    expect(summary.alertsDelivered).toBe(summary.alertsExpected);
    expect(summary.changedTwice).toBe(0);
    // SDK attempts per call (5), or the metric source's 1 + 5 retries for GetMetricData.
    expect(summary.maxAttemptsPerCall).toBeLessThanOrEqual(
      Math.max(SDK_MAX_ATTEMPTS, METRIC_SOURCE_ATTEMPTS),
    );
    expect(summary.rowsWithProblems).toBe(0);
  });
});
