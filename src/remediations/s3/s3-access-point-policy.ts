import {
  DeleteAccessPointPolicyCommand,
  GetAccessPointCommand,
  GetAccessPointPolicyCommand,
  ListTagsForResourceCommand,
  PutAccessPointPolicyCommand,
} from "@aws-sdk/client-s3-control";
import {
  checkedResource,
  defineResourcePolicyRemediation,
  type PolicyResource,
} from "../resource-policy/define-resource-policy-remediation.ts";
import { VigilS3ControlClient } from "./s3-control-client.ts";

/**
 * Removes public (and, with stripExternalAccounts, external-account) statements from an S3 access
 * point's policy; deletes the policy when none remains (an access point without a policy grants
 * nothing of its own: the bucket policy and IAM decide).
 *
 * Access Analyzer reports no AWS::S3::AccessPoint finding: an access point's grant arrives as an
 * AWS::S3::Bucket finding whose source is S3_ACCESS_POINT (intake turns it into this kind).
 *
 * The access point's own Block Public Access settings are fixed when it is created (S3 has no API
 * to change them): the plan says when they are off, and that only recreating the access point (or
 * the bucket's and account's settings) blocks public policies on it for good.
 */
export const S3_ACCESS_POINT_POLICY = "s3-access-point-policy";

/** Block Public Access flags, as GetAccessPoint names them. */
const BLOCK_FLAGS = [
  "BlockPublicAcls",
  "IgnorePublicAcls",
  "BlockPublicPolicy",
  "RestrictPublicBuckets",
] as const;

export const s3AccessPointPolicy = defineResourcePolicyRemediation({
  name: S3_ACCESS_POINT_POLICY,
  description:
    "Removes statements granting anyone (or, with stripExternalAccounts, outside accounts) from an S3 access point policy; deletes the policy when nothing remains. Says when the access point's own Block Public Access is off (fixed at creation).",
  kind: "s3-access-point-policy",
  resourceTypes: ["AWS::S3::AccessPoint"],
  noun: "access point policy",
  actions: {
    locate: ["s3:GetAccessPoint"],
    read: ["s3:GetAccessPointPolicy"],
    readTags: ["s3:ListTagsForResource"],
    write: ["s3:PutAccessPointPolicy"],
    remove: ["s3:DeleteAccessPointPolicy"],
  },
  store: {
    Client: VigilS3ControlClient,
    locate(finding) {
      // The checked ARN names the account and region: never another account's access point.
      const { arn, name } = checkedResource(finding);
      return { id: arn, name };
    },
    async readTags(control, accessPoint) {
      const { Tags } = await control.send(
        new ListTagsForResourceCommand({
          AccountId: accountOf(accessPoint),
          ResourceArn: accessPoint.id,
        }),
      );
      return Object.fromEntries((Tags ?? []).map((tag) => [tag.Key ?? "", tag.Value ?? ""]));
    },
    async read(control, accessPoint) {
      try {
        const { Policy } = await control.send(
          new GetAccessPointPolicyCommand(addressOf(accessPoint)),
        );
        return Policy || null;
      } catch (error) {
        if ((error as { name?: string }).name === "NoSuchAccessPointPolicy") return null;
        throw error;
      }
    },
    async write(control, accessPoint, policy) {
      await control.send(
        new PutAccessPointPolicyCommand({ ...addressOf(accessPoint), Policy: policy }),
      );
    },
    async remove(control, accessPoint) {
      await control.send(new DeleteAccessPointPolicyCommand(addressOf(accessPoint)));
    },
    async notes(control, accessPoint) {
      const { PublicAccessBlockConfiguration: block } = await control.send(
        new GetAccessPointCommand(addressOf(accessPoint)),
      );
      const off = BLOCK_FLAGS.filter((flag) => block?.[flag] !== true);
      if (off.length === 0) return undefined;
      return `The access point's own Block Public Access is off (${off.join(", ")}) and cannot be turned on: S3 fixes it when the access point is created. Recreate the access point, or keep the bucket's or account's Block Public Access on, to refuse public policies on it.`;
    },
  },
});

/** S3 Control addresses an access point by account and name, both from the checked ARN. */
function addressOf(accessPoint: PolicyResource): { AccountId: string; Name: string } {
  return { AccountId: accountOf(accessPoint), Name: accessPoint.name };
}

function accountOf(accessPoint: PolicyResource): string {
  return accessPoint.id.split(":")[4] ?? "";
}
