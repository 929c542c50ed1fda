import type { Finding } from "../../domain/finding.ts";
import { defineRemediation } from "../define.ts";
import {
  applyBlockPublicAccess,
  undoBlockPublicAccess,
  verifyBlockPublicAccess,
} from "./block-public-access-changes.ts";
import { planBlockPublicAccess } from "./block-public-access-plan.ts";
import { publicAccessBefore, S3_BLOCK_PUBLIC_ACCESS } from "./block-public-access-state.ts";
import { blockPublicAccessSettings } from "./settings.ts";

export { S3_BLOCK_PUBLIC_ACCESS };

// One job per module: the plan in ./block-public-access-plan.ts, apply/verify/undo in
// ./block-public-access-changes.ts, the before-state schema, AWS reads and comparisons in
// ./block-public-access-state.ts; the policy judgement lives in src/domain/resource-policy and
// bucket-policy.ts. Here: what it is.

/**
 * Blocks public access to a bucket.
 *
 * Changes, in this order (so that undo, which runs in reverse, turns the block off BEFORE it puts a
 * public policy or ACL back, which BlockPublicPolicy / BlockPublicAcls would otherwise reject):
 *   1. settings.s3RemovePublicPolicyStatements, policy-level findings only: PutBucketPolicy without
 *      the PUBLIC statements (src/domain/resource-policy: AWS's definition, conditions honoured only
 *      with the owner's own values), and without external-account grants only when
 *      settings.stripExternalAccounts; every other statement and top-level key is kept as is. When
 *      nothing remains, DeleteBucketPolicy.
 *   2. settings.s3RemovePublicAclGrants: PutBucketAcl without the AllUsers/AuthenticatedUsers grants.
 *   3. PutPublicAccessBlock with all four flags on, when any is off.
 *
 * Intentionally public buckets get no change (plan.intentionallyPublic says why) unless
 * settings.s3RemediateIntentionallyPublic: a bucket with static website hosting configured, or a
 * bucket policy that serves CloudFront (service principal cloudfront.amazonaws.com for Origin Access
 * Control, or an Origin Access Identity principal). Blocking those could take a site down; a person
 * decides (or tags an exemption).
 *
 * GetBucketOwnershipControls is not read: with BucketOwnerEnforced the ACL can only hold the owner's
 * grant, so there is never a public grant to strip and PutBucketAcl is never planned.
 */
export const s3BlockPublicAccess = defineRemediation({
  name: S3_BLOCK_PUBLIC_ACCESS,
  settings: blockPublicAccessSettings,
  before: publicAccessBefore,
  description:
    "Turns on all four S3 Block Public Access flags and optionally strips public ACL grants and public or external bucket-policy statements; leaves website and CloudFront origins alone.",
  handles(finding: Finding): boolean {
    return finding.kind === "s3-public-access" && finding.resourceType === "AWS::S3::Bucket";
  },
  permissions: {
    // The organisation and VPC reads are ctx.accountFacts (adapters/account-facts.ts), made only
    // for policies whose conditions name an organisation, a VPC or a VPC endpoint.
    plan: [
      "s3:GetBucketPublicAccessBlock",
      "s3:GetBucketPolicy",
      "s3:GetBucketAcl",
      "s3:GetBucketWebsite",
      "s3:GetBucketTagging",
      "organizations:DescribeOrganization",
      "ec2:DescribeVpcEndpoints",
      "ec2:DescribeVpcs",
    ],
    // The reads guard against overwriting a policy or ACL changed since planning.
    apply: [
      "s3:PutBucketPublicAccessBlock",
      "s3:PutBucketAcl",
      "s3:PutBucketPolicy",
      "s3:DeleteBucketPolicy",
      "s3:GetBucketAcl",
      "s3:GetBucketPolicy",
    ],
    verify: [
      "s3:GetBucketPublicAccessBlock",
      "s3:GetBucketPolicy",
      "s3:GetBucketAcl",
      "organizations:DescribeOrganization",
      "ec2:DescribeVpcEndpoints",
      "ec2:DescribeVpcs",
    ],
    // DeletePublicAccessBlock is authorised by s3:PutBucketPublicAccessBlock.
    undo: [
      "s3:PutBucketPublicAccessBlock",
      "s3:PutBucketAcl",
      "s3:PutBucketPolicy",
      "s3:GetBucketPublicAccessBlock",
      "s3:GetBucketPolicy",
      "s3:GetBucketAcl",
    ],
  },
  plan: planBlockPublicAccess,
  apply: applyBlockPublicAccess,
  verify: verifyBlockPublicAccess,
  undo: undoBlockPublicAccess,
});
