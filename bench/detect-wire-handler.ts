/**
 * The handler side of the real-wire benchmark, bundled and run in its own process under Lambda
 * heap flags: the real detect handler (config from VIGIL_CONFIG, the real CloudWatch client pointed
 * at the bench server by AWS_ENDPOINT_URL), invoked once like a forced scheduled run. Prints one
 * JSON line: wall and CPU time of the invocation.
 */

import { handler } from "../functions/detect.ts";
import { peakRssMb } from "./peak-rss.ts";

const cpuBefore = process.cpuUsage();
const started = performance.now();
const response = await handler({ force: true });
const handlerMs = performance.now() - started;
const cpu = process.cpuUsage(cpuBefore);
console.log(
  JSON.stringify({
    handlerMs: Math.round(handlerMs),
    cpuMs: Math.round((cpu.user + cpu.system) / 1000),
    peakRssMb: peakRssMb(),
    ok: response.ok,
    metrics: (response.evaluated ?? []).reduce((total, set) => total + set.metrics, 0),
    anomalies: response.anomalies?.length ?? 0,
  }),
);
