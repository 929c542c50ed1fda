import {
  type CloudWatchClient,
  type MetricDatum,
  PutMetricDataCommand,
} from "@aws-sdk/client-cloudwatch";
import {
  AllocateAddressCommand,
  CreateNatGatewayCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  type EC2Client,
  RunInstancesCommand,
} from "@aws-sdk/client-ec2";
import {
  CreateBucketCommand,
  PutBucketMetricsConfigurationCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import type { DataPoint, MetricIdentity } from "../src/domain/metric.ts";
import { syntheticSeries, withBurst } from "./synthetic.ts";

const HOUR = 3_600_000;
const GB = 1024 ** 3;
export const DEMO_DAYS = 35;

export interface DemoMetric {
  metric: MetricIdentity;
  points: DataPoint[];
  /** What the demo expects Vigil to say about the evaluated period. */
  injected?: string;
}

export interface DetectionDemo {
  metrics: DemoMetric[];
  putMetricDataCalls: number;
  buckets: string[];
  natGatewayId: string;
  instanceId: string;
}

/** Every datum carries its unit, as AWS publishes them. */
function unitFor(metric: MetricIdentity): "Bytes" | "None" {
  return metric.metricName === "CallCount" ? "None" : "Bytes";
}

/**
 * Seeds a demo account: buckets with request metrics, a NAT gateway and an instance, and 35 days of
 * hourly egress and API-call metrics with daily and weekly patterns. The evaluated period carries an
 * exfiltration burst on one bucket and an API-call storm on one API.
 */
export async function seedDetectionDemo(
  clients: { cloudwatch: CloudWatchClient; s3: S3Client; ec2: EC2Client },
  evaluatedPeriodStart: number,
): Promise<DetectionDemo> {
  const buckets = ["vigil-demo-analytics", "vigil-demo-logs", "vigil-demo-exports"];
  for (const bucket of buckets) {
    await clients.s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await clients.s3.send(
      new PutBucketMetricsConfigurationCommand({
        Bucket: bucket,
        Id: "EntireBucket",
        MetricsConfiguration: { Id: "EntireBucket" },
      }),
    );
  }
  const vpc = await clients.ec2.send(new CreateVpcCommand({ CidrBlock: "10.42.0.0/16" }));
  const subnet = await clients.ec2.send(
    new CreateSubnetCommand({ VpcId: vpc.Vpc?.VpcId, CidrBlock: "10.42.1.0/24" }),
  );
  const eip = await clients.ec2.send(new AllocateAddressCommand({ Domain: "vpc" }));
  const nat = await clients.ec2.send(
    new CreateNatGatewayCommand({
      SubnetId: subnet.Subnet?.SubnetId,
      AllocationId: eip.AllocationId,
    }),
  );
  const instance = await clients.ec2.send(
    new RunInstancesCommand({ ImageId: "ami-12c6146b", MinCount: 1, MaxCount: 1 }),
  );
  const natGatewayId = nat.NatGateway?.NatGatewayId ?? "nat-demo";
  const instanceId = instance.Instances?.[0]?.InstanceId ?? "i-demo";

  const periods = DEMO_DAYS * 24 + 1;
  const start = evaluatedPeriodStart - (periods - 1) * HOUR;
  const series = (base: number, seed: number, shape: { daily?: number; weekend?: number } = {}) =>
    syntheticSeries({
      start,
      periods,
      periodSeconds: 3600,
      base,
      dailyAmplitude: shape.daily ?? 0.5,
      weekendFactor: shape.weekend ?? 0.4,
      noise: 0.08,
      seed,
    });
  const s3 = (bucket: string): MetricIdentity => ({
    namespace: "AWS/S3",
    metricName: "BytesDownloaded",
    dimensions: { BucketName: bucket, FilterId: "EntireBucket" },
    stat: "Sum",
  });
  const usage = (service: string, resource: string): MetricIdentity => ({
    namespace: "AWS/Usage",
    metricName: "CallCount",
    dimensions: { Class: "None", Resource: resource, Service: service, Type: "API" },
    stat: "Sum",
  });

  const metrics: DemoMetric[] = [
    {
      metric: s3("vigil-demo-analytics"),
      points: withBurst(series(2 * GB, 1), evaluatedPeriodStart, 1, 8),
      injected: "exfiltration burst: 8x the usual download volume",
    },
    { metric: s3("vigil-demo-logs"), points: series(0.5 * GB, 2) },
    { metric: s3("vigil-demo-exports"), points: series(5 * GB, 3, { weekend: 0.8 }) },
    {
      metric: {
        namespace: "AWS/EC2",
        metricName: "NetworkOut",
        dimensions: { InstanceId: instanceId },
        stat: "Sum",
      },
      points: series(1 * GB, 4),
    },
    {
      metric: {
        namespace: "AWS/NATGateway",
        metricName: "BytesOutToDestination",
        dimensions: { NatGatewayId: natGatewayId },
        stat: "Sum",
      },
      points: series(3 * GB, 5),
    },
    { metric: usage("S3", "GetObject"), points: series(20_000, 6) },
    {
      metric: usage("IAM", "ListAccessKeys"),
      points: withBurst(series(30, 7), evaluatedPeriodStart, 1, 40),
      injected: "API-call storm: 40x the usual ListAccessKeys calls (credential enumeration)",
    },
    { metric: usage("CloudTrail", "LookupEvents"), points: series(200, 8, { weekend: 0.9 }) },
  ];

  let putMetricDataCalls = 0;
  for (const { metric, points } of metrics) {
    const data: MetricDatum[] = points.map((p) => ({
      MetricName: metric.metricName,
      Dimensions: Object.entries(metric.dimensions).map(([Name, Value]) => ({ Name, Value })),
      Timestamp: new Date(p.timestamp),
      Value: p.value,
      Unit: unitFor(metric),
    }));
    // PutMetricData takes at most 1,000 datums per call.
    for (let i = 0; i < data.length; i += 1000) {
      await clients.cloudwatch.send(
        new PutMetricDataCommand({
          Namespace: metric.namespace,
          MetricData: data.slice(i, i + 1000),
        }),
      );
      putMetricDataCalls += 1;
    }
  }
  return { metrics, putMetricDataCalls, buckets, natGatewayId, instanceId };
}
