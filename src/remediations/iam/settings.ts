import { z } from "zod";
import { trustedAccounts } from "../shared-settings.ts";

// The IAM remediations' settings: their own module (zod only) so that config can compose them
// without loading the remediations and the IAM client into functions that never remediate.

/** iam-risky-policy. */
export const riskyPolicySettings = z.object({
  /** Managed/customer policy names treated as risky when attached. */
  riskyPolicyNames: z
    .array(z.string().min(1))
    .default(() => ["AdministratorAccess", "IAMFullAccess", "PowerUserAccess"]),
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
