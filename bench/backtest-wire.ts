/**
 * `vigil backtest` at scale through the real wire: 1,000 metrics × 90 evaluated days hourly (plus
 * the 30-day window) read by the real CloudWatch client from the local AWS JSON 1.0 server and
 * replayed by the real backtest use case. The backtest runs bundled in its own process
 * (bench/backtest-wire-run.ts), as the CLI does, so the server's work — CloudWatch's, in real life —
 * is not counted in its time. One untimed run first lets the server build its bodies; then
 * `rounds` timed runs, median reported. Prints one JSON line.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { minimumCalls } from "../src/domain/metric-batching.ts";
import { bundle } from "./detect-wire.ts";
import { startWireServer } from "./detect-wire-server.ts";

function runChild(file: string, env: Record<string, string>): Promise<Record<string, number>> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [file], {
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
    });
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    child.on("close", (code) => {
      const line = stdout.trim().split("\n").at(-1) ?? "";
      if (code !== 0 || !line.startsWith("{")) {
        reject(new Error(`${file} failed (exit ${code}): ${stderr.slice(-2000)}`));
      } else resolve(JSON.parse(line));
    });
  });
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

export async function benchBacktestWire(metricCount = 1_000, days = 90, rounds = 2) {
  const dir = mkdtempSync(join(tmpdir(), "vigil-backtest-wire-"));
  const server = await startWireServer({ metricCount });
  try {
    const file = join(dir, "backtest.mjs");
    await bundle("./backtest-wire-run.ts", file);
    const env = {
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
      WIRE_URL: server.url,
      WIRE_DAYS: String(days),
    };
    await runChild(file, env); // untimed: the server builds its bodies
    const runs: Array<Record<string, number>> = [];
    for (let round = 0; round < rounds; round++) {
      server.resetCounts();
      const run = await runChild(file, env);
      if (run.metrics !== metricCount)
        throw new Error(`backtest incomplete: ${JSON.stringify(run)}`);
      runs.push(run);
    }
    const last = runs.at(-1) as Record<string, number>;
    const points = Math.round((last.datapoints as number) / metricCount / 0.995);
    return {
      bench: "backtest-wire",
      metrics: metricCount,
      days,
      rounds,
      backtestMs: median(runs.map((r) => r.backtestMs as number)),
      // CPU of the backtest process alone: steadier than wall time on a shared machine.
      cpuMs: median(runs.map((r) => r.cpuMs as number)),
      peakRssMb: Math.max(...runs.map((r) => r.peakRssMb as number)),
      loadAverage: Math.round((loadavg()[0] as number) * 10) / 10,
      targetMs: 3_000,
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
