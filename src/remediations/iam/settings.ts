import { z } from "zod";
import { DEFAULT_DETACH_CATEGORIES, RISK_CATEGORIES } from "../../domain/iam-risk-categories.ts";
import { trustedAccounts } from "../shared-settings.ts";

// The IAM remediations' settings: their own module (zod only) so that config can compose them
// without loading the remediations and the IAM client into functions that never remediate.

/** iam-risky-policy. */
export const riskyPolicySettings = z.object({
  /** Managed/customer policy names treated as risky when attached. */
  riskyPolicyNames: z
    .array(z.string().min(1))
    .default(() => ["AdministratorAccess", "IAMFullAccess", "PowerUserAccess"]),
  /**
   * Risk categories (domain/iam-risk-categories.ts) whose policies are detached or deleted; a
   * policy hit only in other categories is left in place and people are told once. Default: admin
   * and privilege-escalation. Add e.g. "data-exfiltration" to take broad data reads away too.
   */
  riskyPolicyDetachCategories: z
    .array(z.enum(RISK_CATEGORIES))
    .default(() => [...DEFAULT_DETACH_CATEGORIES]),
  /**
   * Before removing anything, how long to wait for IAM's service last accessed report (evidence
   * "last used 3 days ago for s3, never for iam" in the plan and the alert). 0: do not read it.
   * At most 10 s; a report not ready by then is said so and the plan goes on without it.
   */
  riskyPolicyLastUsedWaitSeconds: z.number().min(0).max(10).default(10),
  /**
   * Optional guard (off by default): keep a risky policy whose services the principal used within
   * this many days, and tell people instead. Without evidence (report not ready) it does not hold
   * anything back, and the plan says so.
   */
  riskyPolicySkipIfUsedWithinDays: z.number().int().positive().optional(),
});

/** iam-role-quarantine. */
export const roleQuarantineSettings = z.object({
  /** Name of the deny-all policy Vigil attaches to quarantine a role. */
  quarantinePolicyName: z
    .string()
    .regex(/^[\w+=,.@-]{1,128}$/, "must be a valid IAM policy name")
    .default("vigil-quarantine-deny-all"),
  trustedAccounts,
});

/** iam-unused-access-key and iam-unused-access-notice read no settings (their mode is in `modes`). */
export const unusedAccessSettings = z.looseObject({});
