import {
  type EC2Client,
  paginateDescribeVpcEndpoints,
  paginateDescribeVpcs,
} from "@aws-sdk/client-ec2";
import {
  DescribeOrganizationCommand,
  type OrganizationsClient,
} from "@aws-sdk/client-organizations";
import type { AccountFacts, AccountFactsReader } from "../ports/account-facts.ts";

// The wiring imports this module on first use (dynamic import) and builds the clients from these:
// a dynamic import of the SDK package itself would load all of EC2 (1.1 MB), not just its client.
export { EC2Client } from "@aws-sdk/client-ec2";
export { OrganizationsClient } from "@aws-sdk/client-organizations";

/** What AwsAccountFacts calls (all three are wildcard-only in IAM). */
export const ACCOUNT_FACTS_ACTIONS = [
  "organizations:DescribeOrganization",
  "ec2:DescribeVpcEndpoints",
  "ec2:DescribeVpcs",
];

/**
 * The account's organisation id (Organizations DescribeOrganization, callable from any member
 * account) and the VPCs and VPC endpoints of the client's region. Read once per instance: make one
 * per remediation context. Any other error than "not in an organisation" propagates, so a plan that
 * needs the facts fails rather than judging a policy against a guess.
 */
export class AwsAccountFacts implements AccountFactsReader {
  private facts: Promise<AccountFacts> | undefined;

  constructor(
    private readonly organizations: OrganizationsClient,
    private readonly ec2: EC2Client,
  ) {}

  read(): Promise<AccountFacts> {
    this.facts ??= this.load();
    return this.facts;
  }

  private async load(): Promise<AccountFacts> {
    const [organizationId, vpcEndpointIds, vpcIds] = await Promise.all([
      this.organizationId(),
      this.collect(paginateDescribeVpcEndpoints({ client: this.ec2 }, {}), (page) =>
        (page.VpcEndpoints ?? []).map((endpoint) => endpoint.VpcEndpointId),
      ),
      this.collect(paginateDescribeVpcs({ client: this.ec2 }, {}), (page) =>
        (page.Vpcs ?? []).map((vpc) => vpc.VpcId),
      ),
    ]);
    return { ...(organizationId ? { organizationId } : {}), vpcEndpointIds, vpcIds };
  }

  private async organizationId(): Promise<string | undefined> {
    try {
      const output = await this.organizations.send(new DescribeOrganizationCommand({}));
      return output.Organization?.Id;
    } catch (error) {
      if ((error as { name?: string }).name === "AWSOrganizationsNotInUseException")
        return undefined;
      throw error;
    }
  }

  private async collect<P>(
    pages: AsyncIterable<P>,
    ids: (page: P) => Array<string | undefined>,
  ): Promise<string[]> {
    const found: string[] = [];
    for await (const page of pages) {
      for (const id of ids(page)) if (id) found.push(id);
    }
    return found;
  }
}
