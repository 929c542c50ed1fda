// s3-block-public-access's apply, verify and undo: each change re-reads what it would overwrite
// (a policy or ACL changed since planning fails the step), and undo runs in reverse so the block
// is off before a public policy or ACL is put back.
import {
  DeleteBucketPolicyCommand,
  DeletePublicAccessBlockCommand,
  PutBucketAclCommand,
  type PutBucketAclCommandInput,
  PutBucketPolicyCommand,
  type PutBucketPolicyCommandInput,
  PutPublicAccessBlockCommand,
  type PutPublicAccessBlockCommandInput,
} from "@aws-sdk/client-s3";
import {
  describeAclGrants,
  publicAclGrants,
  statementsToStrip,
} from "../../domain/bucket-policy.ts";
import { plural } from "../../domain/format.ts";
import type { PlannedChange, VerifyResult } from "../../domain/remediation-plan.ts";
import {
  type Ctx,
  flagsOff,
  type PublicAccessPlan,
  readAcl,
  readPolicy,
  readPublicAccessBlock,
  S3_BLOCK_PUBLIC_ACCESS,
  sameGrants,
  samePolicy,
  samePublicAccessBlock,
  scopeOf,
  staleError,
  stripOptions,
} from "./block-public-access-state.ts";

export async function applyBlockPublicAccess(
  ctx: Ctx,
  plan: PublicAccessPlan,
  change: PlannedChange,
): Promise<void> {
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
}

export async function verifyBlockPublicAccess(
  ctx: Ctx,
  plan: PublicAccessPlan,
): Promise<VerifyResult> {
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
      problems.push(`public ACL grants remain: ${describeAclGrants(publicAclGrants(acl.Grants))}`);
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
}

export async function undoBlockPublicAccess(
  ctx: Ctx,
  plan: PublicAccessPlan,
  applied: PlannedChange[],
): Promise<VerifyResult> {
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
}
