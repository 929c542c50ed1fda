import { describe, expect, it } from "vitest";
import { arnResource, resourceOf } from "../../src/domain/alert-grouping.ts";

describe("arnResource: a remediated resource keyed like the metric that watches it", () => {
  it.each([
    ["arn:aws:s3:::acme-raw", "s3-bucket/acme-raw"],
    ["arn:aws:iam::123456789012:role/ops/etl", "principal/etl"],
    ["arn:aws:sqs:eu-west-1:123456789012:orders", "sqs-queue/orders"],
    ["arn:aws:sns:eu-west-1:123456789012:alerts", "sns-topic/alerts"],
    ["arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab", "kms-key/1234abcd-12ab"],
    ["arn:aws:secretsmanager:eu-west-1:123456789012:secret:db/pass-AbC123", "secret/db/pass"],
    ["arn:aws:ec2:eu-west-1:123456789012:snapshot/snap-0a1b", "ebs-snapshot/snap-0a1b"],
    ["arn:aws:rds:eu-west-1:123456789012:cluster-snapshot:nightly", "rds-snapshot/nightly"],
  ])("%s → %s", (arn, key) => {
    expect(arnResource(arn)?.key).toBe(key);
  });

  it("names nothing for a managed policy, an object ARN or a non-ARN", () => {
    expect(arnResource("arn:aws:iam::aws:policy/AdministratorAccess")).toBeUndefined();
    expect(arnResource("arn:aws:s3:::bucket/key")).toBeUndefined();
    expect(arnResource("orders")).toBeUndefined();
  });

  it("a queue's metric and a metric filter naming a key by ARN land on the same keys", () => {
    const queue = resourceOf({
      namespace: "AWS/SQS",
      metricName: "NumberOfMessagesReceived",
      dimensions: { QueueName: "orders" },
      stat: "Sum",
    });
    expect(queue?.key).toBe(arnResource("arn:aws:sqs:eu-west-1:123456789012:orders")?.key);
    const key = resourceOf({
      namespace: "CloudTrailMetrics",
      metricName: "Decrypt",
      dimensions: { Resource: "arn:aws:kms:eu-west-1:123456789012:key/k1" },
      stat: "Sum",
    });
    expect(key?.key).toBe("kms-key/k1");
  });
});
