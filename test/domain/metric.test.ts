import { describe, expect, it } from "vitest";
import {
  countPoints,
  hasPoints,
  metricKey,
  metricLabel,
  seriesFromPoints,
  seriesPoints,
  sliceSeries,
} from "../../src/domain/metric.ts";

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

describe("columnar series", () => {
  const HOUR = 3_600_000;
  const T0 = Date.UTC(2026, 0, 1);
  const metric = { namespace: "N", metricName: "M", dimensions: {}, stat: "Sum" };

  it("lays points on the grid from the earliest one: gaps NaN, later duplicate wins, non-finite dropped", () => {
    const series = seriesFromPoints(metric, 3600, [
      { timestamp: T0 + 3 * HOUR, value: 4 },
      { timestamp: T0, value: 1 },
      { timestamp: T0 + HOUR + 60_000, value: 2 }, // inside the second period
      { timestamp: T0 + HOUR, value: 3 }, // same period, later in the array: wins
      { timestamp: T0 + 2 * HOUR, value: Number.POSITIVE_INFINITY },
      { timestamp: Number.NaN, value: 9 },
    ]);
    expect(series.start).toBe(T0);
    expect([...series.values]).toEqual([1, 3, Number.NaN, 4]);
    expect(countPoints(series)).toBe(3);
    expect(hasPoints(series)).toBe(true);
    expect(hasPoints({ ...series, values: Float64Array.of(Number.NaN, Number.NaN) })).toBe(false);
    expect(hasPoints({ ...series, values: Float64Array.of(Number.NaN, 0) })).toBe(true);
    expect(seriesPoints(series)).toEqual([
      { timestamp: T0, value: 1 },
      { timestamp: T0 + HOUR, value: 3 },
      { timestamp: T0 + 3 * HOUR, value: 4 },
    ]);
  });

  it("slices by period start, end exclusive, without copying", () => {
    const series = seriesFromPoints(
      metric,
      3600,
      [0, 1, 2, 3, 4].map((h) => ({ timestamp: T0 + h * HOUR, value: h })),
    );
    const middle = sliceSeries(series, { start: T0 + HOUR, end: T0 + 3 * HOUR });
    expect(middle.start).toBe(T0 + HOUR);
    expect([...middle.values]).toEqual([1, 2]);
    expect(middle.values.buffer).toBe(series.values.buffer);
    expect(sliceSeries(series, { start: T0 + 10 * HOUR, end: T0 + 12 * HOUR }).values).toHaveLength(
      0,
    );
    expect([...sliceSeries(series, { start: T0 - 5 * HOUR, end: T0 + HOUR }).values]).toEqual([0]);
  });
});
