/**
 * GetMetricData's datapoints without the SDK's per-datapoint work.
 *
 * The SDK reads a whole response body into memory, parses it as one document, turns every timestamp
 * into a Date by walking the output schema value by value, and its logger middleware copies the
 * whole output — for 10,000 metrics × 772 hourly points that was most of a detection run's time and
 * of its peak memory. This deserialize-step middleware sits inside the SDK's deserializer (closest
 * to the HTTP response): on a 200 it streams the body through ./get-metric-data-decoder.ts, which
 * hands each result's datapoints to `sink` as they arrive, and gives the SDK the same document with
 * those results' Timestamps and Values emptied. Everything else stays the SDK's: signing,
 * endpoints, retries, error responses (never touched here), and the deserialisation of Ids,
 * StatusCodes, Messages and NextToken.
 */
import type {
  DeserializeHandler,
  DeserializeHandlerArguments,
  DeserializeHandlerOutput,
  DeserializeMiddleware,
  MetadataBearer,
} from "@smithy/types";
import { GetMetricDataDecoder, type ResultSink } from "./get-metric-data-decoder.ts";

export type { ResultSink } from "./get-metric-data-decoder.ts";

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

/**
 * A middleware that streams a successful GetMetricData body through the decoder: `sink` receives
 * every result it could decode (as the body arrives, before the SDK has parsed the rest), and the
 * SDK parses what is left. A result the decoder leaves alone reaches the SDK as sent.
 */
export function getMetricDataColumns<Input extends object, Output extends MetadataBearer>(
  sink: ResultSink,
): DeserializeMiddleware<Input, Output> {
  return (next: DeserializeHandler<Input, Output>) =>
    async (args: DeserializeHandlerArguments<Input>): Promise<DeserializeHandlerOutput<Output>> => {
      const result = await next(args);
      const response = result.response as RawResponse;
      if (response?.statusCode !== 200 || response.body === undefined) return result;
      const decoder = new GetMetricDataDecoder(sink);
      const { body } = response;
      if (body instanceof Uint8Array) decoder.write(body);
      else {
        for await (const chunk of body as AsyncIterable<Uint8Array | string>) {
          decoder.write(typeof chunk === "string" ? Buffer.from(chunk) : chunk);
        }
      }
      response.body = decoder.end();
      return result;
    };
}
