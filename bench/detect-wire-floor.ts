/**
 * The floor of the real-wire benchmark, bundled and run in its own process under the same heap
 * flags as the handler: what reading and judging the same data costs with nothing but the work
 * itself — plain HTTP POSTs (no SDK, no signing) at the same concurrency, `JSON.parse` of the same
 * bodies, values laid on a Float64Array grid, and the mean-sd verdict math done the way Vigil's
 * engine does it (sort the window once, then slide with a binary search and copyWithin, mean and σ
 * from running sums). Serves `detect-wire` and `backtest-wire` (WIRE_RANGE_* is the range either
 * one fetches). Prints one JSON line: wall and CPU time of this process.
 */

import { Agent, request } from "node:http";
import { planFetchBatches } from "../src/domain/metric-batching.ts";
import { peakRssMb } from "./peak-rss.ts";

const url = new URL(process.env.WIRE_URL as string);
const rangeStart = Number(process.env.WIRE_RANGE_START);
const rangeEnd = Number(process.env.WIRE_RANGE_END);
const periodSeconds = Number(process.env.WIRE_PERIOD_SECONDS ?? 3600);
const windowPeriods = Number(process.env.WIRE_WINDOW_PERIODS ?? 720);
const k = 3;
const agent = new Agent({ keepAlive: true, maxSockets: 50 });
const TARGET = "GraniteServiceVersion20100801";

/**
 * One POST, retried once when a kept-alive socket turns out closed (ECONNRESET): on a loaded
 * machine the server may close an idle socket just as this process reuses it. The SDK retries
 * such errors too, so the floor does the same.
 */
async function post(operation: string, body: unknown): Promise<unknown> {
  try {
    return await postOnce(operation, body);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ECONNRESET") throw error;
    return postOnce(operation, body);
  }
}

function postOnce(operation: string, body: unknown): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const payload = JSON.stringify(body);
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        method: "POST",
        path: "/",
        agent,
        headers: {
          "content-type": "application/x-amz-json-1.0",
          "x-amz-target": `${TARGET}.${operation}`,
          "content-length": Buffer.byteLength(payload),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => {
          try {
            resolve(JSON.parse(Buffer.concat(chunks).toString("utf8")));
          } catch (error) {
            reject(error);
          }
        });
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(payload);
  });
}

/** Index of the first value ≥ target in sorted[0, length). */
function lowerBound(sorted: Float64Array, length: number, target: number): number {
  let low = 0;
  let high = length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((sorted[middle] as number) < target) low = middle + 1;
    else high = middle;
  }
  return low;
}

const window = new Float64Array(windowPeriods);

/**
 * Mean-sd verdicts for the periods after the first `windowPeriods` cells; returns anomalies. The
 * window is sorted once and slid (binary search + copyWithin), as Vigil's engine keeps it for its
 * outlier rule; mean and σ come from running sums around a shift, rebuilt every window — O(1) per
 * period, so a 90-day backtest's 2,160 periods per metric cost what they must and no more.
 */
function judge(grid: Float64Array): number {
  let length = 0;
  for (let i = 0; i < windowPeriods; i++) {
    const value = grid[i] as number;
    if (!Number.isNaN(value)) window[length++] = value;
  }
  window.subarray(0, length).sort();
  let shift = 0;
  let sum = 0;
  let squares = 0;
  let slides = windowPeriods;
  let anomalies = 0;
  for (let index = windowPeriods; index < grid.length; index++) {
    if (index > windowPeriods) {
      const leaving = grid[index - 1 - windowPeriods] as number;
      if (!Number.isNaN(leaving)) {
        const at = lowerBound(window, length, leaving);
        window.copyWithin(at, at + 1, length);
        length--;
        sum -= leaving - shift;
        squares -= (leaving - shift) ** 2;
      }
      const entering = grid[index - 1] as number;
      if (!Number.isNaN(entering)) {
        const at = lowerBound(window, length, entering);
        window.copyWithin(at + 1, at, length);
        window[at] = entering;
        length++;
        sum += entering - shift;
        squares += (entering - shift) ** 2;
      }
    }
    if (++slides >= windowPeriods) {
      shift = length > 0 ? (window[length >> 1] as number) : 0;
      sum = 0;
      squares = 0;
      for (let i = 0; i < length; i++) {
        const d = (window[i] as number) - shift;
        sum += d;
        squares += d * d;
      }
      slides = 0;
    }
    const mean = shift + sum / length;
    const sigma = Math.sqrt(Math.max(0, (squares - (sum * sum) / length) / (length - 1)));
    const observed = grid[index] as number;
    if (Math.abs(observed - mean) > k * sigma) anomalies++;
  }
  return anomalies;
}

async function listAll(): Promise<string[]> {
  const buckets: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = (await post("ListMetrics", {
      Namespace: "AWS/S3",
      MetricName: "BytesDownloaded",
      Dimensions: [{ Name: "BucketName" }, { Name: "FilterId" }],
      NextToken: nextToken,
    })) as { Metrics: Array<{ Dimensions: Array<{ Value: string }> }>; NextToken?: string };
    for (const metric of page.Metrics) buckets.push(metric.Dimensions[0]?.Value as string);
    nextToken = page.NextToken;
  } while (nextToken);
  return buckets;
}

const cpuBefore = process.cpuUsage();
const started = performance.now();
const buckets = await listAll();
const batches = planFetchBatches(
  buckets.length,
  { start: rangeStart, end: rangeEnd },
  periodSeconds,
);
const points = Math.round((rangeEnd - rangeStart) / (periodSeconds * 1000));
let anomalies = 0;
let next = 0;
async function worker() {
  while (next < batches.length) {
    const batch = batches[next++] as (typeof batches)[number];
    const response = (await post("GetMetricData", {
      MetricDataQueries: batch.metricIndexes.map((metricIndex, position) => ({
        Id: `m${position}`,
        ReturnData: true,
        MetricStat: {
          Metric: {
            Namespace: "AWS/S3",
            MetricName: "BytesDownloaded",
            Dimensions: [
              { Name: "BucketName", Value: buckets[metricIndex] },
              { Name: "FilterId", Value: "EntireBucket" },
            ],
          },
          Period: periodSeconds,
          Stat: "Sum",
        },
      })),
      StartTime: batch.start / 1000,
      EndTime: batch.end / 1000,
      ScanBy: "TimestampAscending",
    })) as { MetricDataResults: Array<{ Timestamps: number[]; Values: number[] }> };
    for (const result of response.MetricDataResults) {
      const grid = new Float64Array(points).fill(Number.NaN);
      const { Timestamps, Values } = result;
      for (let i = 0; i < Values.length; i++) {
        const cell = Math.floor(
          ((Timestamps[i] as number) * 1000 - rangeStart) / (periodSeconds * 1000),
        );
        if (cell >= 0 && cell < points) grid[cell] = Values[i] as number;
      }
      anomalies += judge(grid);
    }
  }
}
await Promise.all(Array.from({ length: 4 }, worker));
const floorMs = performance.now() - started;
const cpu = process.cpuUsage(cpuBefore);
agent.destroy();
console.log(
  JSON.stringify({
    floorMs: Math.round(floorMs),
    cpuMs: Math.round((cpu.user + cpu.system) / 1000),
    peakRssMb: peakRssMb(),
    metrics: buckets.length,
    anomalies,
  }),
);
