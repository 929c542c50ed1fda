import {
  CloudWatchClient,
  GetMetricDataCommand,
  ListMetricsCommand,
} from "@aws-sdk/client-cloudwatch";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { handler, setDetectDeps } from "../../functions/detect.ts";

const cloudwatch = mockClient(CloudWatchClient);
const sns = mockClient(SNSClient);
// The unit project shares one module graph (isolate: false): put the real clients' send back.
afterAll(() => {
  cloudwatch.restore();
  sns.restore();
});
const HOUR = 3_600_000;
const NOW = Date.parse("2026-11-24T08:15:00Z");
const EVALUATED = Date.parse("2026-11-24T07:00:00Z");

function hourlyValues(start: number, end: number, burstAt?: number) {
  const timestamps: Date[] = [];
  const values: number[] = [];
  for (let t = start; t < end; t += HOUR) {
    timestamps.push(new Date(t));
    values.push(t === burstAt ? 50e9 : 1e9 + ((t / HOUR) % 7) * 1e7);
  }
  return { timestamps, values };
}

describe("detect handler", () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: NOW, toFake: ["Date"] });
    cloudwatch.reset();
    sns.reset();
    setDetectDeps(undefined);
    process.env.VIGIL_TOPIC_ARN = "arn:aws:sns:us-east-1:123456789012:vigil-alerts";
    process.env.VIGIL_CONFIG = "vigil.config.yaml";
    cloudwatch.on(ListMetricsCommand).callsFake((input) =>
      input.Namespace === "AWS/S3"
        ? {
            Metrics: [
              {
                Namespace: "AWS/S3",
                MetricName: "BytesDownloaded",
                Dimensions: [
                  { Name: "BucketName", Value: "raw" },
                  { Name: "FilterId", Value: "EntireBucket" },
                ],
              },
            ],
          }
        : { Metrics: [] },
    );
    cloudwatch.on(GetMetricDataCommand).callsFake((input) => ({
      MetricDataResults: (input.MetricDataQueries ?? []).map((q: { Id: string }) => {
        const { timestamps, values } = hourlyValues(
          input.StartTime.getTime(),
          input.EndTime.getTime(),
          EVALUATED,
        );
        return { Id: q.Id, StatusCode: "Complete", Timestamps: timestamps, Values: values };
      }),
    }));
    sns.on(PublishCommand).resolves({ MessageId: "m-1" });
  });

  afterEach(() => {
    vi.useRealTimers();
    delete process.env.VIGIL_TOPIC_ARN;
    delete process.env.VIGIL_CONFIG;
    setDetectDeps(undefined);
  });

  it("reads metrics in one batched call and publishes the page (no PagerDuty: SNS) and one filterable digest", async () => {
    const response = await handler(
      {
        source: "aws.events",
        "detail-type": "Scheduled Event",
        id: "tick-1",
        time: "2026-11-24T08:15:00Z",
      },
      { invokedFunctionArn: "arn:aws:lambda:us-east-1:123456789012:function:vigil-detect" },
    );
    expect(response.ok).toBe(true);
    expect(response.anomalies).toEqual([
      expect.objectContaining({ metricSet: "egress", severity: "critical", alert: "new-episode" }),
    ]);
    expect(cloudwatch).toHaveReceivedCommandTimes(GetMetricDataCommand, 1);
    expect(sns).toHaveReceivedCommandTimes(PublishCommand, 2);
    const [publish, digest] = sns.commandCalls(PublishCommand).map((c) => c.args[0].input);
    expect(publish?.TopicArn).toBe("arn:aws:sns:us-east-1:123456789012:vigil-alerts");
    expect(publish?.Subject?.length).toBeLessThanOrEqual(100);
    expect(publish?.Subject).toContain("123456789012");
    expect(publish?.MessageAttributes).toMatchObject({
      severity: { DataType: "String", StringValue: "critical" },
      metricSet: { DataType: "String", StringValue: "egress" },
    });
    expect(digest?.Subject).toMatch(/^\[Vigil CRITICAL\] 123456789012 us-east-1 digest: 1 new/);
    expect(digest?.MessageAttributes).toMatchObject({
      severity: { DataType: "String", StringValue: "critical" },
      event: { DataType: "String", StringValue: "digest" },
      metricSet: { DataType: "String.Array", StringValue: '["egress"]' },
    });
  });

  it("rejects a malformed event with a clear error and reads nothing", async () => {
    const response = await handler({ metricSets: "egress" });
    expect(response.ok).toBe(false);
    expect(response.error).toMatch(/invalid detect request/);
    expect(cloudwatch).toHaveReceivedCommandTimes(GetMetricDataCommand, 0);
    expect(sns).toHaveReceivedCommandTimes(PublishCommand, 0);
  });

  it("fails loudly at start on a bad config file, naming it", async () => {
    process.env.VIGIL_CONFIG = "test/fixtures/does-not-exist.yaml";
    await expect(handler({})).rejects.toThrow(
      /cannot read config file test\/fixtures\/does-not-exist\.yaml/,
    );
    expect(sns).toHaveReceivedCommandTimes(PublishCommand, 0);
  });

  it("reports partial failure when a GetMetricData batch is denied, without throwing", async () => {
    cloudwatch
      .on(GetMetricDataCommand)
      .rejects(Object.assign(new Error("not authorized"), { name: "AccessDenied" }));
    const response = await handler({});
    expect(response.ok).toBe(false);
    expect(response.partialFailure).toBe(true);
    expect(sns).toHaveReceivedCommandTimes(PublishCommand, 0);
  });
});
