import { describe, expect, it } from "vitest";
import { metricKey, metricLabel } from "../../src/domain/metric.ts";

describe("metricKey", () => {
  it("is independent of dimension order", () => {
    const a = metricKey({
      namespace: "AWS/S3",
      metricName: "BytesDownloaded",
      dimensions: { BucketName: "logs", FilterId: "all" },
      stat: "Sum",
    });
    const b = metricKey({
      namespace: "AWS/S3",
      metricName: "BytesDownloaded",
      dimensions: { FilterId: "all", BucketName: "logs" },
      stat: "Sum",
    });
    expect(a).toBe(b);
    expect(a).toBe("AWS/S3|BytesDownloaded|BucketName=logs,FilterId=all|Sum");
  });

  it("labels a metric for people", () => {
    expect(
      metricLabel({
        namespace: "AWS/EC2",
        metricName: "NetworkOut",
        dimensions: { InstanceId: "i-1" },
        stat: "Sum",
      }),
    ).toBe("AWS/EC2 NetworkOut InstanceId=i-1");
  });
});
