/**
 * `vigil backtest` at scale through the real wire: 1,000 metrics × 90 evaluated days hourly (plus
 * the 30-day window) read by the real CloudWatch client from the local AWS JSON 1.0 server and
 * replayed by the real backtest use case, in this process as the CLI runs it. Prints one JSON line.
 */
import { loadavg } from "node:os";
import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { CloudWatchMetricSource } from "../src/adapters/cloudwatch-metric-source.ts";
import { parseConfig } from "../src/config/load.ts";
import { minimumCalls } from "../src/domain/metric-batching.ts";
import { runBacktest } from "../src/usecases/backtest.ts";
import { startWireServer } from "./detect-wire-server.ts";

export async function benchBacktestWire(metricCount = 1_000, days = 90) {
  const server = await startWireServer({ metricCount });
  try {
    const client = new CloudWatchClient({
      endpoint: server.url,
      region: "us-east-1",
      credentials: { accessKeyId: "bench", secretAccessKey: "bench" },
      maxAttempts: 1,
    });
    const config = parseConfig({
      detection: {
        metricSets: [
          {
            name: "egress",
            builtin: "egress",
            settings: { periodSeconds: 3600, method: "mean-sd" },
          },
        ],
      },
    });
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    const report = await runBacktest(
      { source: new CloudWatchMetricSource(client), clock: () => Date.now() },
      { target: { kind: "sets" }, config: config.detection, variants: [], days },
    );
    const backtestMs = Math.round(performance.now() - started);
    const cpu = process.cpuUsage(cpuBefore);
    // CPU of this process (client, replay and the local server): steadier than wall time on a
    // shared machine.
    const cpuMs = Math.round((cpu.user + cpu.system) / 1000);
    const metrics = report.metrics.length;
    const points = Math.round(report.stats.datapoints / Math.max(1, metrics) / 0.995);
    return {
      bench: "backtest-wire",
      metrics,
      days,
      backtestMs,
      cpuMs,
      loadAverage: Math.round(loadavg()[0] as number),
      targetMs: 3_000,
      getMetricDataCalls: report.stats.getMetricDataCalls,
      apiMinimumCalls: minimumCalls(metrics, points),
      datapoints: report.stats.datapoints,
      responseMb: Math.round(server.bytesSent / 1e5) / 10,
    };
  } finally {
    await server.close();
  }
}
