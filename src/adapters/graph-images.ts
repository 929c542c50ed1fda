import { createHash } from "node:crypto";
import { type CloudWatchClient, GetMetricWidgetImageCommand } from "@aws-sdk/client-cloudwatch";
import { GetObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import type { MetricWidget } from "../domain/cloudwatch-link.ts";
import { VigilError } from "../domain/errors.ts";
import type { GraphImage, GraphImages } from "../ports/graph-images.ts";

/** What rendering and publishing a graph calls (roles get them only when graph images are on). */
export const GRAPH_IMAGE_ACTIONS = [
  "cloudwatch:GetMetricWidgetImage",
  "s3:PutObject",
  "s3:GetObject",
] as const;

/** Where the images live in the journal bucket (the roles may write only here). */
export const GRAPH_IMAGE_PREFIX = "graph-images/";

export interface S3GraphImagesOptions {
  cloudwatch: CloudWatchClient;
  s3: S3Client;
  bucket: string;
  /** The bucket's account: a bucket of the same name elsewhere is never written. */
  expectedBucketOwner?: string;
  /** How long the image link works (it also ends when the function's credentials expire). */
  linkSeconds: number;
  /** Per call; a page never waits long for its picture. */
  timeoutMs?: number;
}

/**
 * GetMetricWidgetImage renders the same widget as the alert's console link (metric, expected line,
 * band, episode start); the PNG goes to the journal bucket under graph-images/ (private, encrypted)
 * and the pager gets a presigned GET link to it. No bucket is ever made public for this.
 */
export class S3GraphImages implements GraphImages {
  constructor(private readonly options: S3GraphImagesOptions) {}

  async render(widget: MetricWidget, name: string): Promise<GraphImage> {
    const { cloudwatch, s3, bucket, expectedBucketOwner, linkSeconds } = this.options;
    const abortSignal = AbortSignal.timeout(this.options.timeoutMs ?? 5_000);
    const rendered = await cloudwatch.send(
      new GetMetricWidgetImageCommand({
        MetricWidget: JSON.stringify({ width: 800, height: 400, ...widget }),
        OutputFormat: "png",
      }),
      { abortSignal },
    );
    const png = rendered.MetricWidgetImage;
    if (!png || png.length === 0) throw new VigilError("GetMetricWidgetImage returned no image");
    // One object per alert and widget: a later escalation never changes an earlier page's picture.
    const key = `${GRAPH_IMAGE_PREFIX}${createHash("sha256")
      .update(name)
      .update("\n")
      .update(JSON.stringify(widget))
      .digest("hex")
      .slice(0, 40)}.png`;
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        Body: png,
        ContentType: "image/png",
        ...(expectedBucketOwner ? { ExpectedBucketOwner: expectedBucketOwner } : {}),
      }),
      { abortSignal },
    );
    // No ExpectedBucketOwner here: it would become a header the pager's browser cannot send.
    const url = await getSignedUrl(s3, new GetObjectCommand({ Bucket: bucket, Key: key }), {
      expiresIn: linkSeconds,
    });
    const metric = Array.isArray(widget.metrics) ? widget.metrics[0] : undefined;
    const label = Array.isArray(metric) ? metric.slice(0, 2).join(" ") : "metric";
    return { url, alt: `${label} with its expected band (Vigil)` };
  }
}
