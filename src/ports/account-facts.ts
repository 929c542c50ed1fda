/**
 * What a resource policy's conditions are checked against (src/domain/resource-policy): the
 * organisation, VPCs and VPC endpoints of the account (and region) a remediation acts in.
 */
export interface AccountFacts {
  /** o-…; undefined when the account is in no organisation. */
  organizationId?: string;
  vpcEndpointIds: string[];
  vpcIds: string[];
}

/** Reads the facts of one account and region (the one the remediation context is bound to). */
export interface AccountFactsReader {
  read(): Promise<AccountFacts>;
}
