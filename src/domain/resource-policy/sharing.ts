import { isOwnAccount, type PolicyOwner } from "./owner.ts";

/**
 * Sharing by attribute, as EBS snapshots (createVolumePermission) and RDS snapshots (the `restore`
 * attribute) do it: a list of account ids, or the group "all" (anyone). The same verdicts as a
 * policy statement's: "all" is public; an account outside the owner and trustedAccounts is
 * external; the owner's own accounts are internal. No condition can narrow an attribute.
 */
export interface ShareVerdict {
  /** "all", or a 12-digit account id (anything else is reported as external: unknown). */
  value: string;
  access: "public" | "external" | "internal";
}

export const EVERYONE = "all";

export function classifyShares(values: readonly string[], owner: PolicyOwner): ShareVerdict[] {
  return values.map((value) => {
    if (value === EVERYONE) return { value, access: "public" };
    return { value, access: isOwnAccount(value, owner) ? "internal" : "external" };
  });
}

/** The shares to remove: every public one; external ones only when they are stripped too. */
export function sharesToRemove(
  verdicts: readonly ShareVerdict[],
  stripExternalAccounts: boolean,
): string[] {
  return verdicts
    .filter(
      (verdict) =>
        verdict.access === "public" || (verdict.access === "external" && stripExternalAccounts),
    )
    .map((verdict) => verdict.value);
}
