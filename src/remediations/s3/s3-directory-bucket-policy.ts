import {
  DeleteBucketPolicyCommand,
  GetBucketPolicyCommand,
  PutBucketPolicyCommand,
  S3Client,
  type S3ClientConfig,
} from "@aws-sdk/client-s3";
import {
  ListTagsForResourceCommand,
  type S3ControlClient,
  type S3ControlClientConfig,
} from "@aws-sdk/client-s3-control";
import {
  checkedResource,
  defineResourcePolicyRemediation,
} from "../resource-policy/define-resource-policy-remediation.ts";
import { VigilS3ControlClient } from "./s3-control-client.ts";

/**
 * Removes public (and, with stripExternalAccounts, external-account) statements from an S3 Express
 * One Zone directory bucket's policy; deletes the policy when none remains.
 *
 * The policy calls are S3's own (Get/Put/DeleteBucketPolicy on the `…--x-s3` name: the SDK sends
 * them to the Regional s3express-control endpoint, authorised as s3express:*BucketPolicy); the
 * tags are S3 Control's (ListTagsForResource on the bucket ARN). Directory buckets take no
 * ExpectedBucketOwner (S3 answers 501): the account is checked on the finding's ARN instead.
 */
export const S3_DIRECTORY_BUCKET_POLICY = "s3-directory-bucket-policy";

/** The two clients a directory bucket needs, built from the one config the runner passes. */
export class DirectoryBucketClients {
  readonly s3: S3Client;
  readonly control: S3ControlClient;
  // The runner's config (region, credentials, retries, timeouts) is the same for every client.
  constructor(config: { region: string }) {
    this.s3 = new S3Client(config as S3ClientConfig);
    this.control = new VigilS3ControlClient(config as S3ControlClientConfig & { region: string });
  }
}

export const s3DirectoryBucketPolicy = defineResourcePolicyRemediation({
  name: S3_DIRECTORY_BUCKET_POLICY,
  description:
    "Removes statements granting anyone (or, with stripExternalAccounts, outside accounts) from an S3 directory bucket (S3 Express One Zone) policy; deletes the policy when nothing remains.",
  kind: "s3-directory-bucket-policy",
  resourceTypes: ["AWS::S3Express::DirectoryBucket"],
  noun: "bucket policy",
  actions: {
    read: ["s3express:GetBucketPolicy"],
    readTags: ["s3express:ListTagsForResource"],
    write: ["s3express:PutBucketPolicy"],
    remove: ["s3express:DeleteBucketPolicy"],
  },
  store: {
    Client: DirectoryBucketClients,
    locate(finding) {
      const { arn, name } = checkedResource(finding);
      return { id: arn, name };
    },
    async readTags({ control }, bucket) {
      const { Tags } = await control.send(
        new ListTagsForResourceCommand({
          AccountId: bucket.id.split(":")[4] ?? "",
          ResourceArn: bucket.id,
        }),
      );
      return Object.fromEntries((Tags ?? []).map((tag) => [tag.Key ?? "", tag.Value ?? ""]));
    },
    async read({ s3 }, bucket) {
      try {
        const { Policy } = await s3.send(new GetBucketPolicyCommand({ Bucket: bucket.name }));
        return Policy || null;
      } catch (error) {
        if ((error as { name?: string }).name === "NoSuchBucketPolicy") return null;
        throw error;
      }
    },
    async write({ s3 }, bucket, policy) {
      await s3.send(new PutBucketPolicyCommand({ Bucket: bucket.name, Policy: policy }));
    },
    async remove({ s3 }, bucket) {
      await s3.send(new DeleteBucketPolicyCommand({ Bucket: bucket.name }));
    },
  },
});
