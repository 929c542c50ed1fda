import type { IAMClient } from "@aws-sdk/client-iam";
import type { S3Client } from "@aws-sdk/client-s3";
import type { Finding } from "../domain/finding.ts";
import type { PlannedChange, RemediationPlan, VerifyResult } from "../domain/remediation-plan.ts";
import type { AccountFactsReader } from "./account-facts.ts";

/**
 * The port every remediation implements (src/remediations/, built with defineRemediation), with
 * the context the runner hands it: AWS clients for the finding's account and region, plus
 * settings. The clients are SDK types because a remediation is a sequence of AWS calls; the runner
 * only passes them through. Each remediation declares its own settings (a zod schema); config
 * composes them into `remediation.settings`, and the runner passes that whole object: `Settings`
 * is what one remediation reads of it.
 */

/** An AWS SDK v3 client class (SQSClient, KMSClient…): what `RemediationContext.client` builds. */
export type AwsClientClass<Client> = new (config: { region: string }) => Client;

/** AWS clients for the finding's account and region, plus settings. */
export interface RemediationContext<Settings = Readonly<Record<string, unknown>>> {
  s3: S3Client;
  iam: IAMClient;
  settings: Settings;
  /**
   * Any other service's client for the finding's account and region (one per class and context),
   * with the same credentials as s3 and iam: the resource-policy remediations (SQS, SNS, KMS…)
   * ask for theirs here rather than the port naming every service.
   */
  client?: <Client>(Client: AwsClientClass<Client>) => Client;
  /**
   * The account's organisation, VPCs and VPC endpoints (in the finding's region), which policy
   * conditions are checked against. Without it only the account, trustedAccounts and IP ranges
   * count as the owner's own: organisation and endpoint conditions then narrow nothing.
   */
  accountFacts?: AccountFactsReader;
}

/** Exact IAM actions each phase calls. The least-privilege test derives roles from these. */
export interface RemediationPermissions {
  plan: string[];
  apply: string[];
  verify: string[];
  undo: string[];
}

export interface Remediation<Settings = Readonly<Record<string, unknown>>> {
  /** Stable name, used in journal records and config: "s3-default-encryption". */
  name: string;
  description: string;
  handles(finding: Finding): boolean;
  permissions: RemediationPermissions;
  /**
   * Checks a plan's `before` (read back from the journal) against the remediation's schema and
   * returns it parsed; throws InputError when it does not match (undo then changes nothing).
   */
  parseBefore(plan: RemediationPlan): Record<string, unknown>;
  /** Read-only. */
  plan(ctx: RemediationContext<Settings>, finding: Finding): Promise<RemediationPlan>;
  /**
   * Performs ONE planned change. The runner calls it for each of plan.changes in order and
   * journals each one, so a failure midway leaves an exact record of what was done.
   * Must be safe to call twice with the same change (idempotent).
   */
  apply(
    ctx: RemediationContext<Settings>,
    plan: RemediationPlan,
    change: PlannedChange,
  ): Promise<void>;
  /** Read-only: checks the changes took. */
  verify(ctx: RemediationContext<Settings>, plan: RemediationPlan): Promise<VerifyResult>;
  /** Restores plan.before for the changes that were applied (in reverse order), then reads back. */
  undo(
    ctx: RemediationContext<Settings>,
    plan: RemediationPlan,
    applied: PlannedChange[],
  ): Promise<VerifyResult>;
  /**
   * Pure: what undoing these changes would re-grant that the risk model calls admin-class (one
   * line each). Undo refuses those unless forced with a journaled reason.
   */
  undoHazards?(plan: RemediationPlan, applied: PlannedChange[]): string[];
}

/**
 * A remediation found by the findings it handles and loaded on first use: its module brings its
 * service's AWS SDK client, which a function should not load before such a finding arrives
 * (src/remediations/catalog.ts).
 */
export interface LazyRemediation {
  name: string;
  handles(finding: Finding): boolean;
  load(): Promise<Remediation>;
}

/** What the runner picks from: loaded remediations (tests, the CLI) or lazy ones (the Lambdas). */
export type RemediationEntry = Remediation | LazyRemediation;
