import {
  type AccessControlPolicy,
  DeleteBucketPolicyCommand,
  DeletePublicAccessBlockCommand,
  GetBucketAclCommand,
  GetBucketPolicyCommand,
  GetBucketWebsiteCommand,
  GetPublicAccessBlockCommand,
  type Grant,
  type Owner,
  Permission,
  type PublicAccessBlockConfiguration,
  PutBucketAclCommand,
  type PutBucketAclCommandInput,
  PutBucketPolicyCommand,
  type PutBucketPolicyCommandInput,
  PutPublicAccessBlockCommand,
  type PutPublicAccessBlockCommandInput,
  type S3Client,
  Type,
} from "@aws-sdk/client-s3";
import { z } from "zod";
import {
  type BucketPolicyScope,
  cloudFrontAccess,
  describeAclGrants,
  exposingStatements,
  publicAclGrants,
  statementsToStrip,
  withoutPublicAclGrants,
} from "../../domain/bucket-policy.ts";
import type { Finding } from "../../domain/finding.ts";
import { canonicalJson } from "../../domain/iam-policy.ts";
import type { PlannedChange, VerifyResult } from "../../domain/remediation-plan.ts";
import {
  describeSummary,
  ownerOf,
  policyDiff,
  removeStatements,
} from "../../domain/resource-policy/index.ts";
import type { RemediationContext } from "../../ports/remediation.ts";
import { defineRemediation } from "../define.ts";
import { nullWhen, plain, readBucketTags } from "./s3-reads.ts";
import { blockPublicAccessSettings } from "./settings.ts";

// Size (≈580 lines): one remediation whose three changes (policy, ACL, Block Public Access) must be
// planned, applied, verified and undone in one order; the policy judgement already lives in
// src/domain/resource-policy and bucket-policy.ts. The AWS reads could move out next (issue 16).
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
export const S3_BLOCK_PUBLIC_ACCESS = "s3-block-public-access";

/** Config rules that report Block Public Access settings, not what the policy or ACL grant. */
export const BLOCK_PUBLIC_ACCESS_RULES: ReadonlySet<string> = new Set([
  "s3-bucket-level-public-access-prohibited",
]);

const PAB_FLAGS = [
  "BlockPublicAcls",
  "IgnorePublicAcls",
  "BlockPublicPolicy",
  "RestrictPublicBuckets",
] as const;

const ALL_BLOCKED: Required<Pick<PublicAccessBlockConfiguration, (typeof PAB_FLAGS)[number]>> = {
  BlockPublicAcls: true,
  IgnorePublicAcls: true,
  BlockPublicPolicy: true,
  RestrictPublicBuckets: true,
};

interface BucketAcl {
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
const publicAccessBefore = z.object({
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

type Ctx = RemediationContext<z.output<typeof blockPublicAccessSettings>>;

// ---- AWS reads -------------------------------------------------------------------------------

function readPublicAccessBlock(s3: S3Client, bucket: string, owner: string) {
  return nullWhen("NoSuchPublicAccessBlockConfiguration", async () => {
    const output = await s3.send(
      new GetPublicAccessBlockCommand({ Bucket: bucket, ExpectedBucketOwner: owner }),
    );
    return plain(output.PublicAccessBlockConfiguration ?? {});
  });
}

function readPolicy(s3: S3Client, bucket: string, owner: string) {
  return nullWhen("NoSuchBucketPolicy", async () => {
    const output = await s3.send(
      new GetBucketPolicyCommand({ Bucket: bucket, ExpectedBucketOwner: owner }),
    );
    return output.Policy ?? null;
  });
}

async function readAcl(s3: S3Client, bucket: string, owner: string): Promise<BucketAcl> {
  const output = await s3.send(
    new GetBucketAclCommand({ Bucket: bucket, ExpectedBucketOwner: owner }),
  );
  return plain({
    ...(output.Owner !== undefined ? { Owner: output.Owner } : {}),
    Grants: output.Grants ?? [],
  });
}

function readWebsite(s3: S3Client, bucket: string, owner: string) {
  return nullWhen("NoSuchWebsiteConfiguration", async () => {
    const { $metadata: _metadata, ...website } = await s3.send(
      new GetBucketWebsiteCommand({ Bucket: bucket, ExpectedBucketOwner: owner }),
    );
    return plain(website) as Record<string, unknown>;
  });
}

// ---- comparisons -----------------------------------------------------------------------------

function flagsOff(config: PublicAccessBlockConfiguration | null): string[] {
  return PAB_FLAGS.filter((flag) => config?.[flag] !== true);
}

/** A missing block equals all four flags off. */
function samePublicAccessBlock(
  a: PublicAccessBlockConfiguration | null,
  b: PublicAccessBlockConfiguration | null,
): boolean {
  return PAB_FLAGS.every((flag) => (a?.[flag] === true) === (b?.[flag] === true));
}

function samePolicy(a: string | null | undefined, b: string | null | undefined): boolean {
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
function sameGrants(a: readonly Grant[], b: readonly Grant[]): boolean {
  const keys = (grants: readonly Grant[]) => grants.map(grantKey).sort().join("\n");
  return keys(a) === keys(b);
}

function websiteReason(website: Record<string, unknown>): string {
  const index = (website.IndexDocument as { Suffix?: unknown } | undefined)?.Suffix;
  if (typeof index === "string") {
    return `static website hosting is configured (index document ${index})`;
  }
  return website.RedirectAllRequestsTo
    ? "static website hosting is configured (redirects all requests)"
    : "static website hosting is configured";
}

/** Condition keys whose values are checked against the account's organisation, VPCs, endpoints. */
const ACCOUNT_FACT_KEYS = /aws:(PrincipalOrg|SourceOrg|SourceVpc)/i;

/**
 * The bucket's owner as its policy is judged: its account, trustedAccounts, trustedIpRanges and,
 * when the policy names an organisation, VPC or endpoint, the account's own (read through
 * ctx.accountFacts; a read failure fails the plan rather than judging against a guess).
 */
async function scopeOf(
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
function stripOptions(ctx: Ctx) {
  return { stripExternalAccounts: ctx.settings.stripExternalAccounts };
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? "" : "s"}`;
}

function staleError(bucket: string, what: string): Error {
  return new Error(`${what} of bucket ${bucket} changed since planning; plan again`);
}

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

  async plan(ctx, finding) {
    const bucket = finding.resourceName;
    const owner = finding.account;
    const { settings } = ctx;
    const [publicAccessBlock, policy, acl, website, tags] = await Promise.all([
      readPublicAccessBlock(ctx.s3, bucket, owner),
      readPolicy(ctx.s3, bucket, owner),
      readAcl(ctx.s3, bucket, owner),
      readWebsite(ctx.s3, bucket, owner),
      readBucketTags(ctx.s3, bucket, owner),
    ]);
    const before = { bucket, publicAccessBlock, policy, acl, website };
    const base = { remediation: S3_BLOCK_PUBLIC_ACCESS, finding, before, tags };

    const onPurpose = [
      website ? websiteReason(website) : undefined,
      policy ? cloudFrontAccess(policy, owner) : undefined,
    ].filter((reason): reason is string => reason !== undefined);
    const intentionallyPublic = onPurpose.length > 0 ? onPurpose.join("; ") : undefined;

    const scope = await scopeOf(ctx, finding, policy);
    const exposing = policy ? exposingStatements(policy, scope) : [];
    const toStrip = policy ? statementsToStrip(policy, scope, stripOptions(ctx)) : [];
    const publicGrants = publicAclGrants(acl.Grants);
    const off = flagsOff(publicAccessBlock);
    const found = [
      off.length > 0 ? `public access block flags off: ${off.join(", ")}` : undefined,
      publicGrants.length > 0 ? `public ACL grants: ${describeAclGrants(publicGrants)}` : undefined,
      ...exposing.map((statement) => statement.reason),
    ].filter((line): line is string => line !== undefined);

    if (intentionallyPublic && !settings.s3RemediateIntentionallyPublic) {
      return {
        ...base,
        summary: `bucket ${bucket} looks public on purpose (${intentionallyPublic}): alert only, no change`,
        changes: [],
        intentionallyPublic,
        reason: `Bucket is treated as intentionally public because ${intentionallyPublic}. Found: ${found.join("; ") || "nothing public"}. Exempt it in remediation.exemptions.list, or set s3RemediateIntentionallyPublic to change it anyway.`,
      };
    }

    const changes: PlannedChange[] = [];
    const shortLabels: string[] = [];
    const notes: string[] = [];
    // A Block Public Access finding says only that BPA is off: the policy and ACL are not its
    // business (they may carry access points, log delivery and partner grants). Issue 14.
    const bpaOnly = BLOCK_PUBLIC_ACCESS_RULES.has(finding.rule);
    if (bpaOnly && (exposing.length > 0 || publicGrants.length > 0)) {
      notes.push(
        `rule ${finding.rule} is about Block Public Access only: policy and ACL left as they are`,
      );
    }
    const stripping = new Set(toStrip.map((statement) => statement.index));
    const keptExternal = exposing.filter((statement) => !stripping.has(statement.index));
    if (keptExternal.length > 0 && !bpaOnly) {
      notes.push(
        `${plural(keptExternal.length, "external-account statement")} kept (${keptExternal.map((statement) => statement.sid ?? `#${statement.index + 1}`).join(", ")}; set stripExternalAccounts to remove them)`,
      );
    }
    if (toStrip.length > 0 && policy && !bpaOnly) {
      if (settings.s3RemovePublicPolicyStatements) {
        const indexes = toStrip.map((statement) => statement.index);
        const stripped = removeStatements(policy, indexes);
        // The change says which statements go and which stay, and names the documents by hash:
        // notifications and logs never carry the policy itself.
        const diff = policyDiff(policy, indexes);
        const removed = diff.removed.map(describeSummary).join("; ");
        const kept = diff.kept.map(describeSummary).join("; ");
        const hashes = `policy ${diff.beforeHash} → ${diff.afterHash}`;
        shortLabels.push(
          stripped === null
            ? "delete the bucket policy"
            : `remove ${plural(toStrip.length, "policy statement")}`,
        );
        changes.push(
          stripped === null
            ? {
                action: "s3:DeleteBucketPolicy",
                description: `delete the bucket policy of ${bucket}: every statement is to be removed (removed: ${removed}; ${hashes})`,
                params: { Bucket: bucket, ExpectedBucketOwner: owner },
              }
            : {
                action: "s3:PutBucketPolicy",
                description: `remove ${plural(toStrip.length, "statement")} from the bucket policy of ${bucket}, keeping ${diff.kept.length} (removed: ${removed}; kept: ${kept}; ${hashes})`,
                params: { Bucket: bucket, ExpectedBucketOwner: owner, Policy: stripped },
              },
        );
      } else {
        notes.push("policy statements kept (s3RemovePublicPolicyStatements is off)");
      }
    }
    if (publicGrants.length > 0 && !bpaOnly) {
      if (settings.s3RemovePublicAclGrants) {
        const accessControlPolicy: AccessControlPolicy = {
          ...(acl.Owner ? { Owner: acl.Owner } : {}),
          Grants: withoutPublicAclGrants(acl.Grants),
        };
        shortLabels.push(`remove ${plural(publicGrants.length, "public ACL grant")}`);
        changes.push({
          action: "s3:PutBucketAcl",
          description: `remove public ACL grants (${describeAclGrants(publicGrants)}) from bucket ${bucket}`,
          params: plain({
            Bucket: bucket,
            ExpectedBucketOwner: owner,
            AccessControlPolicy: accessControlPolicy,
          }),
        });
      } else {
        notes.push("public ACL grants kept (s3RemovePublicAclGrants is off)");
      }
    }
    if (off.length > 0) {
      shortLabels.push(`turn on the public access block (${plural(off.length, "flag")} off)`);
      changes.push({
        action: "s3:PutBucketPublicAccessBlock",
        description: `turn on all four public access block flags of bucket ${bucket} (${off.join(", ")} ${off.length === 1 ? "was" : "were"} off)`,
        params: {
          Bucket: bucket,
          ExpectedBucketOwner: owner,
          PublicAccessBlockConfiguration: { ...ALL_BLOCKED },
        },
      });
    }

    const summary =
      changes.length === 0
        ? `bucket ${bucket} already blocks public access: no change`
        : `block public access on bucket ${bucket}: ${shortLabels.join(", ")}`;
    const context = intentionallyPublic
      ? ` Bucket looks public on purpose (${intentionallyPublic}) but s3RemediateIntentionallyPublic is on.`
      : "";
    return {
      ...base,
      summary,
      changes,
      ...(intentionallyPublic ? { intentionallyPublic } : {}),
      reason: `${found.length > 0 ? `Found: ${found.join("; ")}.` : "Nothing public found."}${notes.length > 0 ? ` Note: ${notes.join("; ")}.` : ""}${context}`,
    };
  },

  async apply(ctx, plan, change): Promise<void> {
    const before = plan.before;
    const { bucket } = before;
    const owner = plan.finding.account;
    switch (change.action) {
      case "s3:PutBucketPublicAccessBlock":
        await ctx.s3.send(
          new PutPublicAccessBlockCommand(
            change.params as unknown as PutPublicAccessBlockCommandInput,
          ),
        );
        return;
      case "s3:PutBucketPolicy": {
        const params = change.params as unknown as PutBucketPolicyCommandInput;
        const current = await readPolicy(ctx.s3, bucket, owner);
        if (samePolicy(current, params.Policy)) return; // already applied
        if (!samePolicy(current, before.policy)) throw staleError(bucket, "the bucket policy");
        await ctx.s3.send(new PutBucketPolicyCommand(params));
        return;
      }
      case "s3:DeleteBucketPolicy": {
        const current = await readPolicy(ctx.s3, bucket, owner);
        if (current === null) return; // already deleted
        if (!samePolicy(current, before.policy)) throw staleError(bucket, "the bucket policy");
        await ctx.s3.send(
          new DeleteBucketPolicyCommand({ Bucket: bucket, ExpectedBucketOwner: owner }),
        );
        return;
      }
      case "s3:PutBucketAcl": {
        const params = change.params as unknown as PutBucketAclCommandInput;
        const current = await readAcl(ctx.s3, bucket, owner);
        if (sameGrants(current.Grants, params.AccessControlPolicy?.Grants ?? [])) return;
        if (!sameGrants(current.Grants, before.acl.Grants)) throw staleError(bucket, "the ACL");
        await ctx.s3.send(new PutBucketAclCommand(params));
        return;
      }
      default:
        throw new Error(`${S3_BLOCK_PUBLIC_ACCESS} cannot apply action ${change.action}`);
    }
  },

  async verify(ctx, plan): Promise<VerifyResult> {
    const { bucket } = plan.before;
    const owner = plan.finding.account;
    const [publicAccessBlock, policy, acl] = await Promise.all([
      readPublicAccessBlock(ctx.s3, bucket, owner),
      readPolicy(ctx.s3, bucket, owner),
      readAcl(ctx.s3, bucket, owner),
    ]);
    const problems: string[] = [];
    for (const change of plan.changes) {
      if (change.action === "s3:PutBucketPublicAccessBlock" && flagsOff(publicAccessBlock).length) {
        problems.push(
          `public access block flags still off: ${flagsOff(publicAccessBlock).join(", ")}`,
        );
      }
      if (change.action === "s3:PutBucketAcl" && publicAclGrants(acl.Grants).length > 0) {
        problems.push(
          `public ACL grants remain: ${describeAclGrants(publicAclGrants(acl.Grants))}`,
        );
      }
      if (
        (change.action === "s3:PutBucketPolicy" || change.action === "s3:DeleteBucketPolicy") &&
        policy !== null &&
        statementsToStrip(policy, await scopeOf(ctx, plan.finding, policy), stripOptions(ctx))
          .length > 0
      ) {
        problems.push(
          ctx.settings.stripExternalAccounts
            ? "the bucket policy still has public or external statements"
            : "the bucket policy still has public statements",
        );
      }
    }
    return {
      ok: problems.length === 0,
      after: { publicAccessBlock, policy, acl },
      detail:
        problems.length === 0
          ? plan.changes.length === 0
            ? `nothing was planned for bucket ${bucket}`
            : `bucket ${bucket}: ${plan.changes.length} change(s) confirmed`
          : `bucket ${bucket}: ${problems.join("; ")}`,
    };
  },

  async undo(ctx, plan, applied): Promise<VerifyResult> {
    const before = plan.before;
    const { bucket } = before;
    const owner = plan.finding.account;
    for (const change of [...applied].reverse()) {
      switch (change.action) {
        case "s3:PutBucketPublicAccessBlock":
          if (before.publicAccessBlock === null) {
            await ctx.s3.send(
              new DeletePublicAccessBlockCommand({ Bucket: bucket, ExpectedBucketOwner: owner }),
            );
          } else {
            await ctx.s3.send(
              new PutPublicAccessBlockCommand({
                Bucket: bucket,
                ExpectedBucketOwner: owner,
                PublicAccessBlockConfiguration: before.publicAccessBlock,
              }),
            );
          }
          break;
        case "s3:PutBucketAcl":
          await ctx.s3.send(
            new PutBucketAclCommand({
              Bucket: bucket,
              ExpectedBucketOwner: owner,
              AccessControlPolicy: {
                ...(before.acl.Owner ? { Owner: before.acl.Owner } : {}),
                Grants: before.acl.Grants,
              },
            }),
          );
          break;
        case "s3:PutBucketPolicy":
        case "s3:DeleteBucketPolicy":
          if (before.policy === null) throw new Error(`no previous policy recorded for ${bucket}`);
          await ctx.s3.send(
            new PutBucketPolicyCommand({
              Bucket: bucket,
              ExpectedBucketOwner: owner,
              Policy: before.policy,
            }),
          );
          break;
        default:
          throw new Error(`${S3_BLOCK_PUBLIC_ACCESS} cannot undo action ${change.action}`);
      }
    }

    const [publicAccessBlock, policy, acl] = await Promise.all([
      readPublicAccessBlock(ctx.s3, bucket, owner),
      readPolicy(ctx.s3, bucket, owner),
      readAcl(ctx.s3, bucket, owner),
    ]);
    const actions = new Set(applied.map((change) => change.action));
    const problems: string[] = [];
    if (
      actions.has("s3:PutBucketPublicAccessBlock") &&
      !samePublicAccessBlock(publicAccessBlock, before.publicAccessBlock)
    ) {
      problems.push("public access block differs from before");
    }
    if (actions.has("s3:PutBucketAcl") && !sameGrants(acl.Grants, before.acl.Grants)) {
      problems.push("ACL differs from before");
    }
    if (
      (actions.has("s3:PutBucketPolicy") || actions.has("s3:DeleteBucketPolicy")) &&
      !samePolicy(policy, before.policy)
    ) {
      problems.push("bucket policy differs from before");
    }
    return {
      ok: problems.length === 0,
      after: { publicAccessBlock, policy, acl },
      detail:
        problems.length === 0
          ? `bucket ${bucket}: ${plural(applied.length, "change")} undone`
          : `bucket ${bucket}: ${problems.join("; ")}`,
    };
  },
});
