/**
 * Detection at scale through the real wire (`npm run bench detect-wire`): 10,000 metrics × 30 days
 * hourly, read by the real @aws-sdk/client-cloudwatch from a local server that answers in its own
 * protocol (bench/detect-wire-server.ts), judged by the real detect handler, bundled by esbuild like
 * the deployed function and run in a child process under the V8 heap flags Lambda derives from the
 * memory size. In the same run, the floor (bench/detect-wire-floor.ts) reads and judges the same
 * data with nothing but HTTP, JSON.parse and typed arrays, under the same flags. Rounds alternate
 * floor and handler (the machine is shared: a paired ratio is steadier than either figure); the
 * medians are reported. Peak RSS is each child's own (VmHWM), never the parent's.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { setSettings } from "../src/config/detection-config.ts";
import { parseConfig } from "../src/config/load.ts";
import { newestCompletePeriodStart, windowPeriods } from "../src/domain/baseline.ts";
import { maxEpisodeLookbackPeriods } from "../src/domain/detection.ts";
import { minimumCalls } from "../src/domain/metric-batching.ts";
import { startWireServer, type WireServer } from "./detect-wire-server.ts";
import { lambdaHeapFlags } from "./lambda-heap.ts";
import { bundle, median, runChild } from "./wire-bench.ts";
import { WIRE_CONFIG } from "./wire-config.ts";

export interface WireBenchOptions {
  metricCount?: number;
  memoryMb?: number;
  /** Floor/handler pairs (default 2). */
  rounds?: number;
}

export async function benchDetectWire(options: WireBenchOptions = {}) {
  const metricCount = options.metricCount ?? 10_000;
  const memoryMb = options.memoryMb ?? 256;
  const rounds = options.rounds ?? 2;
  const dir = mkdtempSync(join(tmpdir(), "vigil-wire-"));
  let server: WireServer | undefined;
  try {
    const handlerFile = join(dir, "handler.mjs");
    const floorFile = join(dir, "floor.mjs");
    await Promise.all([
      bundle("./detect-wire-handler.ts", handlerFile),
      bundle("./detect-wire-floor.ts", floorFile),
    ]);
    const configFile = join(dir, "vigil.config.json");
    writeFileSync(configFile, JSON.stringify(WIRE_CONFIG));
    server = await startWireServer({ metricCount });

    // The range the handler will fetch, for the floor (same arithmetic as detect-anomalies).
    const config = parseConfig(WIRE_CONFIG).detection;
    const settings = setSettings(config, config.metricSets[0] as never);
    const periodMs = settings.periodSeconds * 1000;
    const periodStart = newestCompletePeriodStart(
      Date.now() - config.settleMinutes * 60_000,
      settings.periodSeconds,
    );
    // Egress metrics are Sums: a missing period is 0, so the look-back never reaches across gaps.
    const back = windowPeriods(settings) + maxEpisodeLookbackPeriods(settings, "Sum");
    const env = {
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
      AWS_ACCESS_KEY_ID: "bench",
      AWS_SECRET_ACCESS_KEY: "bench",
      AWS_REGION: "us-east-1",
      AWS_ENDPOINT_URL: server.url,
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(memoryMb),
      POWERTOOLS_LOG_LEVEL: "SILENT",
      POWERTOOLS_METRICS_DISABLED: "true",
      VIGIL_CONFIG: configFile,
      WIRE_URL: server.url,
      WIRE_RANGE_START: String(periodStart - back * periodMs),
      WIRE_RANGE_END: String(periodStart + periodMs),
      WIRE_PERIOD_SECONDS: String(settings.periodSeconds),
      WIRE_WINDOW_PERIODS: String(windowPeriods(settings)),
    };

    const floors: Array<Record<string, number | boolean>> = [];
    const handlers: Array<Record<string, number | boolean>> = [];
    let calls = { ListMetrics: 0, GetMetricData: 0 };
    let bytes = 0;
    for (let round = 0; round < rounds; round++) {
      const floor = await runChild(floorFile, lambdaHeapFlags(memoryMb), env);
      server.resetCounts();
      const handler = await runChild(handlerFile, lambdaHeapFlags(memoryMb), env);
      calls = server.calls;
      bytes = server.bytesSent;
      if (handler.ok !== true || handler.metrics !== metricCount) {
        throw new Error(`handler run incomplete: ${JSON.stringify(handler)}`);
      }
      floors.push(floor);
      handlers.push(handler);
    }
    const handlerMs = median(handlers.map((h) => h.handlerMs as number));
    const floorMs = median(floors.map((f) => f.floorMs as number));
    const handlerCpuMs = median(handlers.map((h) => h.cpuMs as number));
    const floorCpuMs = median(floors.map((f) => f.cpuMs as number));
    const points = back + 1;
    return {
      bench: "detect-wire",
      protocol: "awsJson1_0",
      lambdaMemoryMb: memoryMb,
      metrics: metricCount,
      pointsPerMetric: points,
      rounds,
      ratioToFloor: Math.round((handlerMs / floorMs) * 100) / 100,
      handlerMs,
      floorMs,
      // CPU of each child alone: steadier than wall time on a shared machine.
      cpuRatioToFloor: Math.round((handlerCpuMs / floorCpuMs) * 100) / 100,
      handlerCpuMs,
      floorCpuMs,
      peakRssMb: Math.max(...handlers.map((h) => h.peakRssMb as number)),
      floorPeakRssMb: Math.max(...floors.map((f) => f.peakRssMb as number)),
      getMetricDataCalls: calls.GetMetricData,
      apiMinimumCalls: minimumCalls(metricCount, points),
      listMetricsCalls: calls.ListMetrics,
      responseMb: Math.round(bytes / 1e5) / 10,
      // The machine is shared: read the figures with the 1-minute load average at the end.
      loadAverage: Math.round((loadavg()[0] as number) * 10) / 10,
      anomalies: handlers[0]?.anomalies,
      floorAnomalies: floors[0]?.anomalies,
    };
  } finally {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
