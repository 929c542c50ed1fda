import type { MetricSelector } from "../ports/metric-source.ts";

/**
 * Built-in metric sets. Egress is watched upwards only; API-call volume both ways, because a
 * sudden drop can mean someone turned logging off.
 */
export const BUILTIN_SELECTORS: Record<"egress" | "api-calls", MetricSelector[]> = {
  egress: [
    // S3 request metrics: per bucket and per request-metrics filter (FilterId).
    {
      namespace: "AWS/S3",
      metricName: "BytesDownloaded",
      stat: "Sum",
      dimensionNames: ["BucketName", "FilterId"],
    },
    { namespace: "AWS/EC2", metricName: "NetworkOut", stat: "Sum", dimensionNames: ["InstanceId"] },
    {
      namespace: "AWS/NATGateway",
      metricName: "BytesOutToDestination",
      stat: "Sum",
      dimensionNames: ["NatGatewayId"],
    },
    // CloudFront publishes in us-east-1 with Region=Global.
    {
      namespace: "AWS/CloudFront",
      metricName: "BytesDownloaded",
      stat: "Sum",
      dimensionNames: ["DistributionId", "Region"],
      fixedDimensions: { Region: "Global" },
    },
  ],
  "api-calls": [
    {
      namespace: "AWS/Usage",
      metricName: "CallCount",
      stat: "Sum",
      dimensionNames: ["Class", "Resource", "Service", "Type"],
      fixedDimensions: { Type: "API" },
    },
  ],
};

/** CloudTrail metric filters publish to a namespace of the user's choosing. */
export function cloudTrailSelectors(namespace: string, metricNames: string[]): MetricSelector[] {
  return metricNames.map((metricName) => ({
    namespace,
    metricName,
    stat: "Sum",
    dimensionNames: [],
  }));
}
