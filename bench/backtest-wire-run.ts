/**
 * The CLI side of `npm run bench backtest-wire`, bundled and run in its own process as `vigil
 * backtest` runs: the real CloudWatch client pointed at the bench server (WIRE_URL) and the real
 * backtest use case. Prints one JSON line: wall and CPU time of the backtest alone (the server is
 * another process, as CloudWatch is), peak RSS and what was fetched.
 */
import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { CloudWatchMetricSource } from "../src/adapters/cloudwatch-metric-source.ts";
import { parseConfig } from "../src/config/load.ts";
import { runBacktest } from "../src/usecases/backtest.ts";
import { peakRssMb } from "./peak-rss.ts";
import { WIRE_CONFIG } from "./wire-config.ts";

const client = new CloudWatchClient({
  endpoint: process.env.WIRE_URL as string,
  region: "us-east-1",
  credentials: { accessKeyId: "bench", secretAccessKey: "bench" },
  maxAttempts: 1,
});
const config = parseConfig(WIRE_CONFIG);
const cpuBefore = process.cpuUsage();
const started = performance.now();
const report = await runBacktest(
  { source: new CloudWatchMetricSource(client), clock: () => Date.now() },
  {
    target: { kind: "sets" },
    config: config.detection,
    variants: [],
    days: Number(process.env.WIRE_DAYS ?? 90),
  },
);
const backtestMs = Math.round(performance.now() - started);
const cpu = process.cpuUsage(cpuBefore);
console.log(
  JSON.stringify({
    backtestMs,
    cpuMs: Math.round((cpu.user + cpu.system) / 1000),
    peakRssMb: peakRssMb(),
    metrics: report.metrics.length,
    getMetricDataCalls: report.stats.getMetricDataCalls,
    datapoints: report.stats.datapoints,
  }),
);
