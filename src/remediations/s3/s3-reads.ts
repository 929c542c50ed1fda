import { GetBucketTaggingCommand, type S3Client } from "@aws-sdk/client-s3";

/** Reads and helpers both S3 remediations use. */

/** S3 errors carry their code in `Code` (XML) or `name`. */
export function awsErrorName(error: unknown): string | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const { name, Code } = error as { name?: unknown; Code?: unknown };
  return typeof Code === "string" ? Code : typeof name === "string" ? name : undefined;
}

/** JSON round trip: what the journal will store (drops undefined values; $metadata is never passed). */
export function plain<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** null when the read fails with `notFoundCode` (S3 says "not configured" with an error). */
export async function nullWhen<T>(notFoundCode: string, read: () => Promise<T>): Promise<T | null> {
  try {
    return await read();
  } catch (error) {
    if (awsErrorName(error) === notFoundCode) return null;
    throw error;
  }
}

/** The bucket's tags (exemptions are read from them); none is `{}`. */
export async function readBucketTags(
  s3: S3Client,
  bucket: string,
  owner: string,
): Promise<Record<string, string>> {
  const tagSet = await nullWhen("NoSuchTagSet", async () => {
    const output = await s3.send(
      new GetBucketTaggingCommand({ Bucket: bucket, ExpectedBucketOwner: owner }),
    );
    return output.TagSet ?? [];
  });
  return Object.fromEntries((tagSet ?? []).map((tag) => [tag.Key ?? "", tag.Value ?? ""]));
}
