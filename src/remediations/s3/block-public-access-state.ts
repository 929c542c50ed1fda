// What s3-block-public-access reads and keeps: the before-state schema undo parses (defineRemediation),
// the AWS reads of a bucket's Block Public Access, policy, ACL and website, and the comparisons
// that tell an already-applied or stale change from a fresh one.
import {
  GetBucketAclCommand,
  GetBucketPolicyCommand,
  GetBucketWebsiteCommand,
  GetPublicAccessBlockCommand,
  type Grant,
  type Owner,
  Permission,
  type PublicAccessBlockConfiguration,
  type S3Client,
  Type,
} from "@aws-sdk/client-s3";
import { z } from "zod";
import type { BucketPolicyScope } from "../../domain/bucket-policy.ts";
import type { Finding } from "../../domain/finding.ts";
import { canonicalJson } from "../../domain/iam-policy.ts";
import { ownerOf } from "../../domain/resource-policy/index.ts";
import type { RemediationContext } from "../../ports/remediation.ts";
import type { PlanWith } from "../define.ts";
import { nullWhen, plain } from "./s3-reads.ts";
import type { blockPublicAccessSettings } from "./settings.ts";

export const S3_BLOCK_PUBLIC_ACCESS = "s3-block-public-access";

export const PAB_FLAGS = [
  "BlockPublicAcls",
  "IgnorePublicAcls",
  "BlockPublicPolicy",
  "RestrictPublicBuckets",
] as const;

export const ALL_BLOCKED: Required<
  Pick<PublicAccessBlockConfiguration, (typeof PAB_FLAGS)[number]>
> = {
  BlockPublicAcls: true,
  IgnorePublicAcls: true,
  BlockPublicPolicy: true,
  RestrictPublicBuckets: true,
};

export interface BucketAcl {
  Owner?: Owner;
  Grants: Grant[];
}

const grant = z.looseObject({
  Grantee: z
    .looseObject({
      Type: z.enum(Type),
      ID: z.string().optional(),
      URI: z.string().optional(),
      DisplayName: z.string().optional(),
      EmailAddress: z.string().optional(),
    })
    .optional(),
  Permission: z.enum(Permission).optional(),
});

/** What planning read, for undo: Block Public Access, the policy text, the ACL, the website. */
export const publicAccessBefore = z.object({
  bucket: z.string().min(1),
  publicAccessBlock: z
    .looseObject(Object.fromEntries(PAB_FLAGS.map((flag) => [flag, z.boolean().optional()])))
    .nullable(),
  policy: z.string().nullable(),
  acl: z.looseObject({
    Owner: z
      .looseObject({ ID: z.string().optional(), DisplayName: z.string().optional() })
      .optional(),
    Grants: z.array(grant),
  }),
  website: z.record(z.string(), z.unknown()).nullable(),
});

/** The context s3-block-public-access's phases get: its settings typed. */
export type Ctx = RemediationContext<z.output<typeof blockPublicAccessSettings>>;
/** Its plan, before-state typed. */
export type PublicAccessPlan = PlanWith<z.output<typeof publicAccessBefore>>;

// ---- AWS reads -------------------------------------------------------------------------------

export function readPublicAccessBlock(s3: S3Client, bucket: string, owner: string) {
  return nullWhen("NoSuchPublicAccessBlockConfiguration", async () => {
    const output = await s3.send(
      new GetPublicAccessBlockCommand({ Bucket: bucket, ExpectedBucketOwner: owner }),
    );
    return plain(output.PublicAccessBlockConfiguration ?? {});
  });
}

export function readPolicy(s3: S3Client, bucket: string, owner: string) {
  return nullWhen("NoSuchBucketPolicy", async () => {
    const output = await s3.send(
      new GetBucketPolicyCommand({ Bucket: bucket, ExpectedBucketOwner: owner }),
    );
    return output.Policy ?? null;
  });
}

export async function readAcl(s3: S3Client, bucket: string, owner: string): Promise<BucketAcl> {
  const output = await s3.send(
    new GetBucketAclCommand({ Bucket: bucket, ExpectedBucketOwner: owner }),
  );
  return plain({
    ...(output.Owner !== undefined ? { Owner: output.Owner } : {}),
    Grants: output.Grants ?? [],
  });
}

export function readWebsite(s3: S3Client, bucket: string, owner: string) {
  return nullWhen("NoSuchWebsiteConfiguration", async () => {
    const { $metadata: _metadata, ...website } = await s3.send(
      new GetBucketWebsiteCommand({ Bucket: bucket, ExpectedBucketOwner: owner }),
    );
    return plain(website) as Record<string, unknown>;
  });
}

// ---- comparisons -----------------------------------------------------------------------------

export function flagsOff(config: PublicAccessBlockConfiguration | null): string[] {
  return PAB_FLAGS.filter((flag) => config?.[flag] !== true);
}

/** A missing block equals all four flags off. */
export function samePublicAccessBlock(
  a: PublicAccessBlockConfiguration | null,
  b: PublicAccessBlockConfiguration | null,
): boolean {
  return PAB_FLAGS.every((flag) => (a?.[flag] === true) === (b?.[flag] === true));
}

export function samePolicy(a: string | null | undefined, b: string | null | undefined): boolean {
  if (a === null || a === undefined || b === null || b === undefined) {
    return (a ?? null) === (b ?? null);
  }
  return canonicalJson(JSON.parse(a)) === canonicalJson(JSON.parse(b));
}

function grantKey(grant: Grant): string {
  const grantee = grant.Grantee;
  return canonicalJson({
    type: grantee?.Type ?? null,
    id: grantee?.ID ?? null,
    uri: grantee?.URI ?? null,
    email: grantee?.EmailAddress ?? null,
    permission: grant.Permission ?? null,
  });
}

/** Same grants regardless of order and of DisplayName (which S3 may or may not return). */
export function sameGrants(a: readonly Grant[], b: readonly Grant[]): boolean {
  const keys = (grants: readonly Grant[]) => grants.map(grantKey).sort().join("\n");
  return keys(a) === keys(b);
}

/** Condition keys whose values are checked against the account's organisation, VPCs, endpoints. */
const ACCOUNT_FACT_KEYS = /aws:(PrincipalOrg|SourceOrg|SourceVpc)/i;

/**
 * The bucket's owner as its policy is judged: its account, trustedAccounts, trustedIpRanges and,
 * when the policy names an organisation, VPC or endpoint, the account's own (read through
 * ctx.accountFacts; a read failure fails the plan rather than judging against a guess).
 */
export async function scopeOf(
  ctx: Ctx,
  finding: Finding,
  policy: string | null,
): Promise<BucketPolicyScope> {
  const needsFacts = policy !== null && ACCOUNT_FACT_KEYS.test(policy);
  const facts = needsFacts && ctx.accountFacts ? await ctx.accountFacts.read() : undefined;
  return ownerOf(finding.account, {
    trustedAccounts: ctx.settings.trustedAccounts,
    trustedIpRanges: ctx.settings.trustedIpRanges,
    ...(facts ?? {}),
  });
}

/** Settings → what a policy-level fix strips (public always; external when configured). */
export function stripOptions(ctx: Ctx) {
  return { stripExternalAccounts: ctx.settings.stripExternalAccounts };
}

export function staleError(bucket: string, what: string): Error {
  return new Error(`${what} of bucket ${bucket} changed since planning; plan again`);
}
