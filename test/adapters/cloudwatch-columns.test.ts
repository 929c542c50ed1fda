/**
 * The column middleware inside the real client, without a network: a request handler answers
 * GetMetricData with a body streamed in awkward chunks, so the SDK's whole middleware stack runs
 * and the decoder sees the body as it would come off a socket. Covers what the wire server never
 * sends: a result the decoder leaves to the SDK, an Id that is not ours, lengths that disagree.
 */
import { Readable } from "node:stream";
import { CloudWatchClient, type GetMetricDataCommandOutput } from "@aws-sdk/client-cloudwatch";
import { describe, expect, it } from "vitest";
import { CloudWatchMetricSource } from "../../src/adapters/cloudwatch-metric-source.ts";
import type { MetricIdentity } from "../../src/domain/metric.ts";

const HOUR = 3_600_000;
const START = Date.UTC(2026, 10, 1);
const RANGE = { start: START, end: START + 3 * HOUR };
const T0 = START / 1000;

function metric(index: number): MetricIdentity {
  return {
    namespace: "AWS/S3",
    metricName: "BytesDownloaded",
    dimensions: { BucketName: `bucket-${index}`, FilterId: "EntireBucket" },
    stat: "Sum",
  };
}

/** A client whose every request is answered with `body`, cut into chunks of `chunkSize` bytes. */
function answering(body: string, chunkSize: number) {
  const outputs: GetMetricDataCommandOutput[] = [];
  const client = new CloudWatchClient({
    region: "us-east-1",
    credentials: { accessKeyId: "testing", secretAccessKey: "testing" },
    maxAttempts: 1,
    requestHandler: {
      handle: async () => {
        const bytes = Buffer.from(body);
        const chunks: Buffer[] = [];
        for (let at = 0; at < bytes.length; at += chunkSize) {
          chunks.push(bytes.subarray(at, at + chunkSize));
        }
        return {
          response: {
            statusCode: 200,
            headers: { "content-type": "application/x-amz-json-1.0" },
            body: Readable.from(chunks),
          },
        };
      },
    },
  });
  // The base client's send: other unit files stub CloudWatchClient.prototype.send for the worker's
  // lifetime (isolate: false), and this test needs the real middleware stack.
  const base = Object.getPrototypeOf(CloudWatchClient.prototype) as { send: typeof client.send };
  const send = base.send.bind(client);
  client.send = (async (command: never) => {
    const output = await send(command);
    outputs.push(output as GetMetricDataCommandOutput);
    return output;
  }) as typeof client.send;
  return { client, outputs };
}

describe("GetMetricData columns through the client's middleware stack", () => {
  it("decodes what it can, leaves the rest to the SDK, and both land on the grid the same way", async () => {
    const body = JSON.stringify({
      MetricDataResults: [
        {
          Id: "m0",
          Label: 'BytesDownloaded ] [ " {',
          Timestamps: [T0, T0 + 7200],
          Values: [1234567.8901234567, 5e-7],
          StatusCode: "Complete",
        },
        // Timestamps as text: the SDK reads them, the decoder does not.
        {
          Id: "m1",
          Timestamps: [String(T0 + 3600)],
          Values: [42],
          StatusCode: "Complete",
        },
        { Id: "zz", Timestamps: [T0], Values: [9], StatusCode: "Complete" },
        { Id: "m2", Timestamps: [T0, T0 + 3600], Values: [7], StatusCode: "Complete" },
      ],
      Messages: [],
    });
    for (const chunkSize of [1, 7, 64, 1 << 16]) {
      const { client, outputs } = answering(body, chunkSize);
      const source = new CloudWatchMetricSource(client, { maxRetries: 0 });
      const result = await source.fetch([metric(0), metric(1), metric(2)], RANGE, 3600);

      const byBucket = new Map(
        result.series.map((s) => [s.metric.dimensions.BucketName, [...s.values]]),
      );
      expect(byBucket.get("bucket-0")).toEqual([1234567.8901234567, Number.NaN, 5e-7]);
      expect(byBucket.get("bucket-1")).toEqual([Number.NaN, 42, Number.NaN]);
      expect(result.failures).toEqual([
        { metric: metric(2), error: "GetMetricData returned 2 timestamps but 1 values" },
      ]);
      expect(result.stats.datapoints).toBe(2 + 1 + 1);
      // The SDK saw the decoded result emptied, and the declined one whole.
      const [output] = outputs;
      expect(output?.MetricDataResults?.[0]).toMatchObject({
        Id: "m0",
        Timestamps: [],
        Values: [],
      });
      expect(output?.MetricDataResults?.[0]?.Label).toBe('BytesDownloaded ] [ " {');
      expect(output?.MetricDataResults?.[1]).toMatchObject({
        Id: "m1",
        Timestamps: [new Date(START + HOUR)],
        Values: [42],
      });
    }
  });
});
