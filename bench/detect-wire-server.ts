/**
 * A local CloudWatch endpoint for the real-wire benchmark and the decoder tests: answers ListMetrics
 * and GetMetricData in the protocol the installed @aws-sdk/client-cloudwatch speaks — AWS JSON 1.0
 * (`X-Amz-Target: GraniteServiceVersion20100801.<Operation>`, timestamps as epoch seconds), with
 * the awsQueryCompatible error header CloudWatch sends. It listens on 127.0.0.1 only.
 *
 * Data: `metricCount` S3 BytesDownloaded metrics, hourly-shaped values with noise (doubles that
 * serialise to 16–17 significant digits, like CloudWatch's Sums of averaged rates), about one
 * period in 200 missing. GetMetricData bodies are concatenated from per-variant fragments built
 * once, so the server costs next to nothing while a client is timed. Pages: ListMetrics 500 metrics per page,
 * GetMetricData `pageDatapoints` datapoints per page (CloudWatch's 100,800 by default), split by
 * time like CloudWatch (every query gets its next slice; StatusCode PartialData until the last).
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export const SERVICE_TARGET = "GraniteServiceVersion20100801";

export interface WireServerOptions {
  metricCount: number;
  /** Datapoints per GetMetricData page (CloudWatch: 100,800). */
  pageDatapoints?: number;
  /** Seed for the values: the same seed gives byte-identical bodies. */
  seed?: number;
}

export interface WireServer {
  url: string;
  calls: { ListMetrics: number; GetMetricData: number };
  /** Bytes of GetMetricData response bodies sent. */
  bytesSent: number;
  /** The next `count` GetMetricData requests fail with this error (HTTP status, awsQuery code). */
  failNext(count: number, status: number, code: string): void;
  resetCounts(): void;
  close(): Promise<void>;
}

interface JsonQuery {
  Id: string;
  MetricStat?: {
    Metric?: { Dimensions?: Array<{ Name: string; Value: string }> };
    Period?: number;
  };
}

const LIST_PAGE = 500;
/** Distinct value series: metric i has the values of variant i mod VARIANTS. */
export const VARIANTS = 64;

export function wireVariant(metricIndex: number): number {
  return metricIndex < 0 ? 0 : metricIndex % VARIANTS;
}

/** Deterministic value of variant `index` at epoch-second `t`: a daily shape times noise. */
export function wireValue(index: number, t: number, seed = 1): number {
  const hour = Math.floor(t / 3600) % 24;
  const shape = 1 + 0.5 * Math.sin(((hour - 8) / 24) * 2 * Math.PI);
  // A cheap hash of (index, t, seed) → [0, 1): stable across processes.
  let h = (index * 2_654_435_761 + t * 40_503 + seed * 97) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 2_246_822_507) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 3_266_489_909) >>> 0;
  const noise = ((h ^ (h >>> 16)) >>> 0) / 4_294_967_296;
  return (1 + (index % 97)) * 1_048_576.123 * shape * (0.9 + 0.2 * noise);
}

/** True when variant `index` has no datapoint at `t` (about one period in 200). */
export function wireMissing(index: number, t: number): boolean {
  return (index * 31 + Math.floor(t / 3600) * 7) % 199 === 0;
}

/** Metric index from the bucket name "bucket-<n>". */
function metricIndexOf(query: JsonQuery): number {
  const bucket = query.MetricStat?.Metric?.Dimensions?.find((d) => d.Name === "BucketName");
  return Number(bucket?.Value?.slice("bucket-".length) ?? -1);
}

function toEpochSeconds(value: unknown): number {
  return typeof value === "number" ? value : Date.parse(String(value)) / 1000;
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

export async function startWireServer(options: WireServerOptions): Promise<WireServer> {
  const pageDatapoints = options.pageDatapoints ?? 100_800;
  const seed = options.seed ?? 1;
  let failures: { count: number; status: number; code: string } | undefined;

  const state: WireServer = {
    url: "",
    calls: { ListMetrics: 0, GetMetricData: 0 },
    bytesSent: 0,
    failNext(count, status, code) {
      failures = { count, status, code };
    },
    resetCounts() {
      state.calls = { ListMetrics: 0, GetMetricData: 0 };
      state.bytesSent = 0;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };

  function listMetrics(input: { Namespace?: string; MetricName?: string; NextToken?: string }) {
    if (input.Namespace !== "AWS/S3" || input.MetricName !== "BytesDownloaded") {
      return JSON.stringify({ Metrics: [] });
    }
    const offset = Number(input.NextToken ?? 0);
    const end = Math.min(offset + LIST_PAGE, options.metricCount);
    const metrics = [];
    for (let i = offset; i < end; i++) {
      metrics.push({
        Namespace: "AWS/S3",
        MetricName: "BytesDownloaded",
        Dimensions: [
          { Name: "BucketName", Value: `bucket-${i}` },
          { Name: "FilterId", Value: "EntireBucket" },
        ],
      });
    }
    return JSON.stringify(
      end < options.metricCount
        ? { Metrics: metrics, NextToken: String(end) }
        : { Metrics: metrics },
    );
  }

  /**
   * One query's `"Timestamps":[...],"Values":[...]` for a page, per variant (metric index mod
   * VARIANTS): bodies are concatenated from these, so answering costs next to nothing while a
   * client is timed and no body needs to be cached.
   */
  const fragments = new Map<string, string>();
  function fragment(variant: number, pageStart: number, pageEnd: number, period: number): string {
    const key = `${variant}:${pageStart}:${pageEnd}:${period}`;
    let text = fragments.get(key);
    if (text === undefined) {
      const timestamps: number[] = [];
      const values: number[] = [];
      for (let t = pageStart; t < pageEnd; t += period) {
        if (wireMissing(variant, t)) continue;
        timestamps.push(t);
        values.push(wireValue(variant, t, seed));
      }
      text = `"Timestamps":[${timestamps.join(",")}],"Values":[${values.join(",")}]`;
      fragments.set(key, text);
    }
    return text;
  }

  function getMetricData(input: {
    MetricDataQueries?: JsonQuery[];
    StartTime?: unknown;
    EndTime?: unknown;
    NextToken?: string;
  }): string {
    const queries = input.MetricDataQueries ?? [];
    const period = queries[0]?.MetricStat?.Period ?? 3600;
    const start = Math.ceil(toEpochSeconds(input.StartTime) / period) * period;
    const end = toEpochSeconds(input.EndTime);
    // Pages split the time range: each page carries up to pageDatapoints / queries periods.
    const periodsPerPage = Math.max(1, Math.floor(pageDatapoints / Math.max(1, queries.length)));
    const pageStart = input.NextToken ? Number(input.NextToken) : start;
    const pageEnd = Math.min(end, pageStart + periodsPerPage * period);
    const last = pageEnd >= end;
    const status = last ? "Complete" : "PartialData";
    const parts: string[] = [];
    for (const query of queries) {
      const variant = wireVariant(metricIndexOf(query));
      parts.push(
        `{"Id":${JSON.stringify(query.Id)},"Label":"BytesDownloaded",${fragment(variant, pageStart, pageEnd, period)},"StatusCode":"${status}"}`,
      );
    }
    const next = last ? "" : `,"NextToken":"${pageEnd}"`;
    return `{"MetricDataResults":[${parts.join(",")}],"Messages":[]${next}}`;
  }

  function send(response: ServerResponse, status: number, body: string | Buffer, extra = {}) {
    response.writeHead(status, {
      "content-type": "application/x-amz-json-1.0",
      "content-length": Buffer.byteLength(body),
      "x-amzn-requestid": "00000000-0000-4000-8000-000000000000",
      ...extra,
    });
    response.end(body);
  }

  const server = createServer(async (request, response) => {
    const text = await readBody(request);
    const target = String(request.headers["x-amz-target"] ?? "");
    const operation = target.startsWith(`${SERVICE_TARGET}.`)
      ? target.slice(SERVICE_TARGET.length + 1)
      : "";
    if (operation === "ListMetrics") {
      state.calls.ListMetrics++;
      send(response, 200, listMetrics(JSON.parse(text)));
    } else if (operation === "GetMetricData") {
      state.calls.GetMetricData++;
      if (failures && failures.count > 0) {
        failures.count--;
        const { status, code } = failures;
        send(response, status, JSON.stringify({ __type: code, message: "Rate exceeded" }), {
          "x-amzn-query-error": `${code};Sender`,
        });
        return;
      }
      const body = getMetricData(JSON.parse(text));
      state.bytesSent += Buffer.byteLength(body);
      send(response, 200, body);
    } else {
      send(response, 400, JSON.stringify({ __type: "UnknownOperationException" }));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  // Keep-alive sockets must not hold the process open once the server is closed.
  server.keepAliveTimeout = 5_000;
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return state;
}
