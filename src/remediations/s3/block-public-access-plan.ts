// s3-block-public-access's plan: what is public on the bucket (Block Public Access flags, ACL
// grants, policy statements judged by src/domain/resource-policy), what looks public on purpose,
// and the changes in the order undo needs them.
import type { AccessControlPolicy } from "@aws-sdk/client-s3";
import {
  cloudFrontAccess,
  describeAclGrants,
  exposingStatements,
  publicAclGrants,
  statementsToStrip,
  withoutPublicAclGrants,
} from "../../domain/bucket-policy.ts";
import type { Finding } from "../../domain/finding.ts";
import { plural } from "../../domain/format.ts";
import type { PlannedChange, RemediationPlan } from "../../domain/remediation-plan.ts";
import {
  describeSummary,
  policyDiff,
  removeStatements,
} from "../../domain/resource-policy/index.ts";
import {
  ALL_BLOCKED,
  type Ctx,
  flagsOff,
  readAcl,
  readPolicy,
  readPublicAccessBlock,
  readWebsite,
  S3_BLOCK_PUBLIC_ACCESS,
  scopeOf,
  stripOptions,
} from "./block-public-access-state.ts";
import { plain, readBucketTags } from "./s3-reads.ts";

/** Config rules that report Block Public Access settings, not what the policy or ACL grant. */
export const BLOCK_PUBLIC_ACCESS_RULES: ReadonlySet<string> = new Set([
  "s3-bucket-level-public-access-prohibited",
]);

function websiteReason(website: Record<string, unknown>): string {
  const index = (website.IndexDocument as { Suffix?: unknown } | undefined)?.Suffix;
  if (typeof index === "string") {
    return `static website hosting is configured (index document ${index})`;
  }
  return website.RedirectAllRequestsTo
    ? "static website hosting is configured (redirects all requests)"
    : "static website hosting is configured";
}

export async function planBlockPublicAccess(ctx: Ctx, finding: Finding): Promise<RemediationPlan> {
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
}
