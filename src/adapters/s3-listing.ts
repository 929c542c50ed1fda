import { ListObjectsV2Command, type S3Client } from "@aws-sdk/client-s3";

/**
 * The keys under a prefix, one ListObjectsV2 page (up to 1,000 keys, in key order) at a time,
 * following continuation tokens. A caller that has read enough stops iterating: no further page
 * is requested.
 */
export async function* keyPages(
  s3: S3Client,
  listing: { Bucket: string; Prefix: string; StartAfter?: string },
): AsyncIterable<string[]> {
  let token: string | undefined;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({ ...listing, ...(token ? { ContinuationToken: token } : {}) }),
    );
    yield (page.Contents ?? []).flatMap((object) => (object.Key ? [object.Key] : []));
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
}
