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
