import { ListBucketsCommand, S3Client } from "@aws-sdk/client-s3";
import { describe, expect, it } from "vitest";
import { motoClientConfig, motoEndpoint } from "../support/moto.ts";

const endpoint = motoEndpoint();

describe.skipIf(!endpoint)("moto_server harness", () => {
  it("listens on loopback and answers S3", async () => {
    expect(endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const s3 = new S3Client(motoClientConfig(endpoint as string));
    const result = await s3.send(new ListBucketsCommand({}));
    expect(result.Buckets ?? []).toBeInstanceOf(Array);
  });
});
