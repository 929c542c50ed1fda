/**
 * `vigil backtest` at scale through the real wire: 1,000 metrics × 90 evaluated days hourly (plus
 * the 30-day window) read by the real CloudWatch client from the local AWS JSON 1.0 server and
 * replayed by the real backtest use case. The backtest runs bundled in its own process
 * (bench/backtest-wire-run.ts), as the CLI does, so the server's work — CloudWatch's, in real life —
 * is not counted in its time. In the same run the floor (bench/detect-wire-floor.ts) reads the same
 * range with plain HTTP and JSON.parse and judges every period with typed arrays. One untimed run
 * first lets the server build its bodies; then `rounds` pairs alternating floor and backtest,
 * medians reported. The machine is shared: the figures to read are CPU seconds of the backtest
 * process and the ratio to the floor's CPU. Prints one JSON line.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseConfig } from "../src/config/load.ts";
import { newestCompletePeriodStart } from "../src/domain/baseline.ts";
import { minimumCalls } from "../src/domain/metric-batching.ts";
import { startWireServer } from "./detect-wire-server.ts";
import { bundle, median, runChild } from "./wire-bench.ts";
import { WIRE_CONFIG } from "./wire-config.ts";

const PERIOD_SECONDS = 3600;
const WINDOW_PERIODS = 720;

export async function benchBacktestWire(metricCount = 1_000, days = 90, rounds = 3) {
  const dir = mkdtempSync(join(tmpdir(), "vigil-backtest-wire-"));
  const server = await startWireServer({ metricCount });
  try {
    const backtestFile = join(dir, "backtest.mjs");
    const floorFile = join(dir, "floor.mjs");
    await Promise.all([
      bundle("./backtest-wire-run.ts", backtestFile),
      bundle("./detect-wire-floor.ts", floorFile),
    ]);
    // The range the backtest fetches (readHistories' arithmetic), for the floor.
    const settleMinutes = parseConfig(WIRE_CONFIG).detection.settleMinutes;
    const periodMs = PERIOD_SECONDS * 1000;
    const end =
      newestCompletePeriodStart(Date.now() - settleMinutes * 60_000, PERIOD_SECONDS) + periodMs;
    const env = {
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
      WIRE_URL: server.url,
      WIRE_DAYS: String(days),
      WIRE_RANGE_START: String(end - days * 86_400_000 - WINDOW_PERIODS * periodMs),
      WIRE_RANGE_END: String(end),
      WIRE_PERIOD_SECONDS: String(PERIOD_SECONDS),
      WIRE_WINDOW_PERIODS: String(WINDOW_PERIODS),
    };
    await runChild(backtestFile, [], env); // untimed: the server builds its bodies
    const runs: Array<Record<string, number | boolean>> = [];
    const floors: Array<Record<string, number | boolean>> = [];
    for (let round = 0; round < rounds; round++) {
      floors.push(await runChild(floorFile, [], env));
      server.resetCounts();
      const run = await runChild(backtestFile, [], env);
      if (run.metrics !== metricCount)
        throw new Error(`backtest incomplete: ${JSON.stringify(run)}`);
      runs.push(run);
    }
    const last = runs.at(-1) as Record<string, number>;
    const points = Math.round((last.datapoints as number) / metricCount / 0.995);
    const cpuMs = median(runs.map((r) => r.cpuMs as number));
    const floorCpuMs = median(floors.map((f) => f.cpuMs as number));
    const backtestMs = median(runs.map((r) => r.backtestMs as number));
    const floorMs = median(floors.map((f) => f.floorMs as number));
    return {
      bench: "backtest-wire",
      metrics: metricCount,
      days,
      rounds,
      // CPU of the backtest process alone: steadier than wall time on a shared machine.
      cpuMs,
      floorCpuMs,
      cpuRatioToFloor: Math.round((cpuMs / floorCpuMs) * 100) / 100,
      backtestMs,
      floorMs,
      ratioToFloor: Math.round((backtestMs / floorMs) * 100) / 100,
      targetMs: 3_000,
      peakRssMb: Math.max(...runs.map((r) => r.peakRssMb as number)),
      loadAverage: Math.round((loadavg()[0] as number) * 10) / 10,
      getMetricDataCalls: last.getMetricDataCalls,
      apiMinimumCalls: minimumCalls(metricCount, points),
      datapoints: last.datapoints,
      responseMb: Math.round(server.bytesSent / 1e5) / 10,
    };
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
