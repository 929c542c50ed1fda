import type { IAMClient } from "@aws-sdk/client-iam";
import type { S3Client } from "@aws-sdk/client-s3";
import type { Finding } from "../domain/finding.ts";
import type { PlannedChange, RemediationPlan, VerifyResult } from "../domain/remediation-plan.ts";
import type { AccountFactsReader } from "./account-facts.ts";

/**
 * The port every remediation implements (src/remediations/), with the context the runner hands it:
 * AWS clients for the finding's account and region, plus settings. The clients are SDK types
 * because a remediation is a sequence of AWS calls; the runner only passes them through.
 */

/** Settings the remediations read; the runner's own settings (modes, guards) live elsewhere. */
export interface RemediationSettings {
  /** Algorithm to enforce when a bucket has none or SSE-S3: "AES256" or "aws:kms". */
  s3EncryptionAlgorithm: "AES256" | "aws:kms";
  /** Full KMS key ARN (not an alias: aliases resolve in the caller's account). Required for aws:kms. */
  s3KmsKeyArn?: string;
  /** Replace an existing KMS key with s3KmsKeyArn. Off by default: never touch a bucket's own key. */
  s3ReplaceExistingKmsKey: boolean;
  /** Also strip public ACL grants (AllUsers / AuthenticatedUsers). */
  s3RemovePublicAclGrants: boolean;
  /** Also strip bucket-policy statements granting "*" or unknown external accounts. */
  s3RemovePublicPolicyStatements: boolean;
  /** Accounts a bucket policy may grant to without being "external" (besides the bucket's own). */
  trustedAccounts: string[];
  /**
   * Also strip statements granting accounts outside the owner and trustedAccounts. Off by default:
   * a partner or vendor grant is not public; it is reported, and a person decides.
   */
  stripExternalAccounts: boolean;
  /** CIDRs (office, NAT egress) an `aws:SourceIp` condition may name and still count as the owner's own. */
  trustedIpRanges: string[];
  /** Change intentionally public buckets (website hosting, CloudFront origin) anyway. */
  s3RemediateIntentionallyPublic: boolean;
  /** Managed/customer policy names treated as risky when attached. */
  riskyPolicyNames: string[];
  /** Name of the deny-all policy Vigil attaches to quarantine a role. */
  quarantinePolicyName: string;
}

/** AWS clients for the finding's account and region, plus settings. */
export interface RemediationContext {
  s3: S3Client;
  iam: IAMClient;
  settings: RemediationSettings;
  /**
   * The account's organisation, VPCs and VPC endpoints (in the finding's region), which policy
   * conditions are checked against. Without it only the account, trustedAccounts and IP ranges
   * count as the owner's own: organisation and endpoint conditions then narrow nothing.
   */
  accountFacts?: AccountFactsReader;
}

export interface Remediation {
  /** Stable name, used in journal records and config: "s3-default-encryption". */
  name: string;
  description: string;
  handles(finding: Finding): boolean;
  /** Exact IAM actions each phase calls. The least-privilege test derives roles from these. */
  permissions: { plan: string[]; apply: string[]; verify: string[]; undo: string[] };
  /** Read-only. */
  plan(ctx: RemediationContext, finding: Finding): Promise<RemediationPlan>;
  /**
   * Performs ONE planned change. The runner calls it for each of plan.changes in order and
   * journals each one, so a failure midway leaves an exact record of what was done.
   * Must be safe to call twice with the same change (idempotent).
   */
  apply(ctx: RemediationContext, plan: RemediationPlan, change: PlannedChange): Promise<void>;
  /** Read-only: checks the changes took. */
  verify(ctx: RemediationContext, plan: RemediationPlan): Promise<VerifyResult>;
  /** Restores plan.before for the changes that were applied (in reverse order), then reads back. */
  undo(
    ctx: RemediationContext,
    plan: RemediationPlan,
    applied: PlannedChange[],
  ): Promise<VerifyResult>;
  /**
   * Pure: what undoing these changes would re-grant that the risk model calls admin-class (one
   * line each). Undo refuses those unless forced with a journaled reason.
   */
  undoHazards?(plan: RemediationPlan, applied: PlannedChange[]): string[];
}
