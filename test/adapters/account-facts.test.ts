import { DescribeVpcEndpointsCommand, DescribeVpcsCommand, EC2Client } from "@aws-sdk/client-ec2";
import {
  AWSOrganizationsNotInUseException,
  DescribeOrganizationCommand,
  OrganizationsClient,
} from "@aws-sdk/client-organizations";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, describe, expect, it } from "vitest";
import { AwsAccountFacts } from "../../src/adapters/account-facts.ts";

const organizationsMock = mockClient(OrganizationsClient);
const ec2Mock = mockClient(EC2Client);

function facts() {
  return new AwsAccountFacts(
    new OrganizationsClient({ region: "us-east-1" }),
    new EC2Client({ region: "eu-west-1" }),
  );
}

describe("AwsAccountFacts", () => {
  afterEach(() => {
    organizationsMock.reset();
    ec2Mock.reset();
  });

  it("reads the organisation id and every page of VPC endpoints and VPCs, once per instance", async () => {
    organizationsMock
      .on(DescribeOrganizationCommand)
      .resolves({ Organization: { Id: "o-abc123def4" } });
    ec2Mock
      .on(DescribeVpcEndpointsCommand)
      .resolvesOnce({ VpcEndpoints: [{ VpcEndpointId: "vpce-1" }], NextToken: "next" })
      .resolvesOnce({ VpcEndpoints: [{ VpcEndpointId: "vpce-2" }, {}] });
    ec2Mock.on(DescribeVpcsCommand).resolves({ Vpcs: [{ VpcId: "vpc-1" }] });
    const reader = facts();
    expect(await reader.read()).toEqual({
      organizationId: "o-abc123def4",
      vpcEndpointIds: ["vpce-1", "vpce-2"],
      vpcIds: ["vpc-1"],
    });
    await reader.read();
    expect(organizationsMock.commandCalls(DescribeOrganizationCommand)).toHaveLength(1);
    expect(ec2Mock.commandCalls(DescribeVpcEndpointsCommand)).toHaveLength(2);
  });

  it("has no organisation id for an account in no organisation", async () => {
    organizationsMock
      .on(DescribeOrganizationCommand)
      .rejects(new AWSOrganizationsNotInUseException({ message: "not in use", $metadata: {} }));
    ec2Mock.on(DescribeVpcEndpointsCommand).resolves({});
    ec2Mock.on(DescribeVpcsCommand).resolves({});
    expect(await facts().read()).toEqual({ vpcEndpointIds: [], vpcIds: [] });
  });

  it("lets any other error through: a plan never judges a policy against a guess", async () => {
    const denied = Object.assign(new Error("denied"), { name: "AccessDeniedException" });
    organizationsMock.on(DescribeOrganizationCommand).rejects(denied);
    ec2Mock.on(DescribeVpcEndpointsCommand).resolves({});
    ec2Mock.on(DescribeVpcsCommand).resolves({});
    await expect(facts().read()).rejects.toThrow("denied");
  });
});
