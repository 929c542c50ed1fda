import { ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, describe, expect, it } from "vitest";
import { keyPages } from "../../src/adapters/s3-listing.ts";

const s3Mock = mockClient(S3Client);
afterEach(() => s3Mock.reset());

function twoPages() {
  s3Mock
    .on(ListObjectsV2Command, { ContinuationToken: undefined })
    .resolves({
      Contents: [{ Key: "p/a" }, {}, { Key: "p/b" }],
      IsTruncated: true,
      NextContinuationToken: "t1",
    })
    .on(ListObjectsV2Command, { ContinuationToken: "t1" })
    .resolves({ Contents: [{ Key: "p/c" }], IsTruncated: false });
}

describe("keyPages: a ListObjectsV2 listing page by page", () => {
  it("follows continuation tokens and keeps the caller's prefix and start", async () => {
    twoPages();
    const pages: string[][] = [];
    for await (const page of keyPages(new S3Client({ region: "eu-west-1" }), {
      Bucket: "b",
      Prefix: "p/",
      StartAfter: "p/0",
    })) {
      pages.push(page);
    }
    expect(pages).toEqual([["p/a", "p/b"], ["p/c"]]);
    const calls = s3Mock.commandCalls(ListObjectsV2Command).map((call) => call.args[0].input);
    expect(calls).toEqual([
      { Bucket: "b", Prefix: "p/", StartAfter: "p/0" },
      { Bucket: "b", Prefix: "p/", StartAfter: "p/0", ContinuationToken: "t1" },
    ]);
  });

  it("asks for no further page once the caller stops", async () => {
    twoPages();
    for await (const page of keyPages(new S3Client({ region: "eu-west-1" }), {
      Bucket: "b",
      Prefix: "p/",
    })) {
      expect(page).toEqual(["p/a", "p/b"]);
      break;
    }
    expect(s3Mock.commandCalls(ListObjectsV2Command)).toHaveLength(1);
  });
});
