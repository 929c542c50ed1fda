/**
 * GetMetricData's datapoints without the SDK's per-datapoint work.
 *
 * The SDK turns every timestamp into a Date by walking the output schema value by value, and its
 * logger middleware copies the whole output — for 10,000 metrics × 727 hourly points that is most
 * of a detection run and ~200 bytes of heap per datapoint. This deserialize-step middleware sits
 * inside the SDK's deserializer (closest to the HTTP response): on a 200 it parses the body once,
 * takes each result's Timestamps and Values out as plain number arrays (epoch seconds, as AWS JSON
 * 1.0 sends them), and hands the SDK the same document without them. Everything else stays the
 * SDK's: signing, endpoints, retries, error responses (never touched here), and the deserialisation
 * of Ids, StatusCodes, Messages and NextToken.
 */
import type {
  DeserializeHandler,
  DeserializeHandlerArguments,
  DeserializeHandlerOutput,
  DeserializeMiddleware,
  MetadataBearer,
} from "@smithy/types";

/** One query's datapoints as sent: timestamps in epoch seconds, values as parsed. */
export interface RawColumn {
  timestamps: unknown[];
  values: unknown[];
}

export const COLUMNS_MIDDLEWARE_OPTIONS = {
  name: "vigilGetMetricDataColumns",
  step: "deserialize",
  // Lower than the SDK deserializer's "normal": runs inside it, so it sees the raw response first.
  priority: "low",
} as const;

interface RawResponse {
  statusCode?: number;
  body?: unknown;
}

async function readBody(body: unknown): Promise<Uint8Array> {
  if (body instanceof Uint8Array) return body;
  const chunks: Uint8Array[] = [];
  for await (const chunk of body as AsyncIterable<Uint8Array | string>) {
    chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : chunk);
  }
  return Buffer.concat(chunks);
}

/**
 * A middleware that moves each result's Timestamps and Values into `columns` (by query Id,
 * replacing what an earlier attempt left). A body that is not the JSON document expected is
 * handed to the SDK unchanged, so it reports it as it would have.
 */
export function getMetricDataColumns<Input extends object, Output extends MetadataBearer>(
  columns: Map<string, RawColumn>,
): DeserializeMiddleware<Input, Output> {
  return (next: DeserializeHandler<Input, Output>) =>
    async (args: DeserializeHandlerArguments<Input>): Promise<DeserializeHandlerOutput<Output>> => {
      const result = await next(args);
      const response = result.response as RawResponse;
      if (response?.statusCode !== 200 || response.body === undefined) return result;
      const bytes = await readBody(response.body);
      response.body = bytes;
      let document: { MetricDataResults?: Array<Record<string, unknown>> };
      try {
        document = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString());
      } catch {
        return result; // the SDK's deserializer raises its own error for this body
      }
      if (!Array.isArray(document?.MetricDataResults)) return result;
      columns.clear();
      for (const entry of document.MetricDataResults) {
        if (typeof entry?.Id !== "string") continue;
        const { Timestamps, Values } = entry;
        columns.set(entry.Id, {
          timestamps: Array.isArray(Timestamps) ? Timestamps : [],
          values: Array.isArray(Values) ? Values : [],
        });
        delete entry.Timestamps;
        delete entry.Values;
      }
      response.body = Buffer.from(JSON.stringify(document));
      return result;
    };
}

/** Epoch ms of a timestamp as AWS JSON sends it (epoch seconds; ISO text tolerated). */
export function timestampMs(value: unknown): number {
  if (typeof value === "number") return value * 1000;
  if (typeof value === "string") return Date.parse(value);
  return Number.NaN;
}

/** A value as AWS JSON sends a double: a number, or "NaN" / "Infinity" / "-Infinity" as text. */
export function numberValue(value: unknown): number {
  return typeof value === "number" ? value : Number(value);
}
