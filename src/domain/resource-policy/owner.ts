/**
 * Who owns a resource, as far as its policy is concerned: the values a condition or principal must
 * carry for a grant to count as the owner's own rather than public or external.
 */
export interface PolicyOwner {
  /** The account that owns the resource. */
  account: string;
  /** Further accounts the operator trusts (config `trustedAccounts`): grants to them are internal. */
  trustedAccounts: readonly string[];
  /** The owner's organisation id (o-…), when the account is in one. */
  organizationId?: string;
  /** The account's VPC endpoint ids (vpce-…). */
  vpcEndpointIds: readonly string[];
  /** The account's VPC ids (vpc-…). */
  vpcIds: readonly string[];
  /** CIDRs the operator configured as the owner's own (office, NAT egress…); private ranges always count. */
  trustedIpRanges: readonly string[];
}

/** An owner with nothing known beyond its account: only the account itself and private ranges are own. */
export function ownerOf(
  account: string,
  more: Partial<Omit<PolicyOwner, "account">> = {},
): PolicyOwner {
  return {
    account,
    trustedAccounts: more.trustedAccounts ?? [],
    vpcEndpointIds: more.vpcEndpointIds ?? [],
    vpcIds: more.vpcIds ?? [],
    trustedIpRanges: more.trustedIpRanges ?? [],
    ...(more.organizationId === undefined ? {} : { organizationId: more.organizationId }),
  };
}

export function isOwnAccount(account: string, owner: PolicyOwner): boolean {
  return account === owner.account || owner.trustedAccounts.includes(account);
}
