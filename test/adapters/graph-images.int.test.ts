import { CloudWatchClient, GetMetricWidgetImageCommand } from "@aws-sdk/client-cloudwatch";
import { CreateBucketCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import {
  GRAPH_IMAGE_PREFIX,
  S3GraphImages,
  type S3GraphImagesOptions,
} from "../../src/adapters/graph-images.ts";
import { metricWidget } from "../../src/domain/cloudwatch-link.ts";
import { motoClientConfig, motoEndpoint, resetMoto } from "../support/moto.ts";

const endpoint = motoEndpoint();
const BUCKET = "vigil-journal-graphs";
const PNG = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]);

const widget = metricWidget(
  {
    namespace: "AWS/S3",
    metricName: "BytesDownloaded",
    dimensions: { BucketName: "acme-exports", FilterId: "EntireBucket" },
    stat: "Sum",
  },
  "us-east-1",
  {
    range: { start: Date.parse("2026-12-01T00:00:00Z"), end: Date.parse("2026-12-03T00:00:00Z") },
    periodSeconds: 3600,
    account: "123456789012",
    band: {
      expected: 1e9,
      lower: null,
      upper: 4e9,
      episodeStart: Date.parse("2026-12-02T20:00:00Z"),
    },
  },
);

// moto has no GetMetricWidgetImage: CloudWatch is mocked (aws-sdk-client-mock); S3 is moto.
describe.skipIf(!endpoint)(
  "graph images: GetMetricWidgetImage (mocked) → S3 on moto → presigned link",
  () => {
    const s3 = new S3Client({ ...motoClientConfig(endpoint as string), forcePathStyle: true });
    const cloudwatchClient = new CloudWatchClient({ region: "us-east-1" });
    const cloudwatch = mockClient(cloudwatchClient);

    /** The renderer under test, CloudWatch answering with PNG. */
    const rendererWith = (options: Partial<S3GraphImagesOptions> = {}) => {
      cloudwatch.on(GetMetricWidgetImageCommand).resolves({ MetricWidgetImage: PNG });
      return new S3GraphImages({
        cloudwatch: cloudwatchClient,
        s3,
        bucket: BUCKET,
        linkSeconds: 60,
        ...options,
      });
    };

    beforeEach(async () => {
      await resetMoto(endpoint as string);
      await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
      cloudwatch.reset();
    });

    it("renders the alert's own widget, stores the PNG under graph-images/, and the link serves it", async () => {
      const images = rendererWith({ linkSeconds: 3600 });
      const image = await images.render(widget, "vigil:anomaly:x");

      const call = cloudwatch.commandCalls(GetMetricWidgetImageCommand)[0]?.args[0].input;
      expect(call?.OutputFormat).toBe("png");
      expect(JSON.parse(call?.MetricWidget ?? "{}")).toMatchObject({
        ...widget,
        width: 800,
        height: 400,
      });
      expect(new URL(image.url).pathname).toMatch(
        new RegExp(`/${BUCKET}/${GRAPH_IMAGE_PREFIX}[0-9a-f]{40}\\.png$`),
      );
      expect(new URL(image.url).searchParams.get("X-Amz-Expires")).toBe("3600");
      expect(image.alt).toBe("AWS/S3 BytesDownloaded with its expected band (Vigil)");
      // What a pager's browser does: a plain GET of the link.
      const served = await fetch(image.url);
      expect(served.status).toBe(200);
      expect(new Uint8Array(await served.arrayBuffer())).toEqual(PNG);
    });

    it("another alert gets its own object; an empty render is an error, and nothing is stored", async () => {
      const images = rendererWith();
      const a = await images.render(widget, "vigil:anomaly:a");
      const b = await images.render(widget, "vigil:anomaly:b");
      expect(new URL(a.url).pathname).not.toBe(new URL(b.url).pathname);

      cloudwatch.on(GetMetricWidgetImageCommand).resolves({});
      await expect(images.render(widget, "vigil:anomaly:c")).rejects.toThrow("returned no image");
      const stored = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET }));
      expect(stored.Contents?.map((o) => o.Key)).toHaveLength(2);
    });

    it("names the expected owner on the write (S3 refuses another account's bucket), never in the link", async () => {
      const owners: Array<string | undefined> = [];
      const watched = new S3Client({
        ...motoClientConfig(endpoint as string),
        forcePathStyle: true,
      });
      watched.middlewareStack.add(
        (next) => async (args) => {
          const headers = (args.request as { headers?: Record<string, string> }).headers ?? {};
          owners.push(headers["x-amz-expected-bucket-owner"]);
          return next(args);
        },
        { step: "finalizeRequest" },
      );
      const images = rendererWith({ s3: watched, expectedBucketOwner: "123456789012" });
      const image = await images.render(widget, "vigil:anomaly:x");
      expect(owners).toEqual(["123456789012"]);
      expect(image.url.toLowerCase()).not.toContain("expected-bucket-owner");
      expect((await fetch(image.url)).status).toBe(200);
    });
  },
);
