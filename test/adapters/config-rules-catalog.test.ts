import { ConfigServiceClient, DescribeConfigRulesCommand } from "@aws-sdk/client-config-service";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { ConfigRulesCatalog } from "../../src/adapters/config-rules-catalog.ts";

const configMock = mockClient(ConfigServiceClient);
const ARN = (id: string) => `arn:aws:config:eu-west-1:111122223333:config-rule/config-rule-${id}`;

function catalog(now: { t: number }, clients: string[] = []) {
  return new ConfigRulesCatalog({
    clientFor: (account, region) => {
      clients.push(`${account}/${region}`);
      return new ConfigServiceClient({ region });
    },
    clock: () => now.t,
  });
}

describe("ConfigRulesCatalog", () => {
  beforeEach(() => configMock.reset());

  it("reads every page and returns name, ARN, owner and source identifier", async () => {
    configMock
      .on(DescribeConfigRulesCommand, { NextToken: undefined })
      .resolves({
        ConfigRules: [
          {
            ConfigRuleName: "s3-bucket-public-read-prohibited",
            ConfigRuleArn: ARN("aaa"),
            ConfigRuleState: "ACTIVE",
            Source: { Owner: "AWS", SourceIdentifier: "S3_BUCKET_PUBLIC_READ_PROHIBITED" },
          },
        ],
        NextToken: "p2",
      })
      .on(DescribeConfigRulesCommand, { NextToken: "p2" })
      .resolves({
        ConfigRules: [
          {
            ConfigRuleName: "my-rule",
            ConfigRuleArn: ARN("bbb"),
            Source: { Owner: "CUSTOM_LAMBDA", SourceIdentifier: "arn:aws:lambda:fn" },
          },
          { ConfigRuleName: "no-owner", ConfigRuleArn: ARN("ccc"), Source: {} as never },
        ],
      });
    const clients: string[] = [];
    const rules = await catalog({ t: 0 }, clients).list("111122223333", "eu-west-1");
    expect(rules).toEqual([
      {
        name: "s3-bucket-public-read-prohibited",
        arn: ARN("aaa"),
        owner: "AWS",
        sourceIdentifier: "S3_BUCKET_PUBLIC_READ_PROHIBITED",
        state: "ACTIVE",
      },
      {
        name: "my-rule",
        arn: ARN("bbb"),
        owner: "CUSTOM_LAMBDA",
        sourceIdentifier: "arn:aws:lambda:fn",
      },
    ]);
    expect(clients).toEqual(["111122223333/eu-west-1"]);
  });

  it("caches per account and region until the TTL runs out", async () => {
    configMock.on(DescribeConfigRulesCommand).resolves({ ConfigRules: [] });
    const now = { t: 0 };
    const c = catalog(now);
    await c.list("111122223333", "eu-west-1");
    await c.list("111122223333", "eu-west-1");
    expect(configMock).toHaveReceivedCommandTimes(DescribeConfigRulesCommand, 1);
    await c.list("444455556666", "eu-west-1");
    expect(configMock).toHaveReceivedCommandTimes(DescribeConfigRulesCommand, 2);
    now.t = 5 * 60_000;
    await c.list("111122223333", "eu-west-1");
    expect(configMock).toHaveReceivedCommandTimes(DescribeConfigRulesCommand, 3);
  });

  it("re-reads once when the event's rule ARN differs from the cached one (rule re-created)", async () => {
    configMock
      .on(DescribeConfigRulesCommand)
      .resolvesOnce({
        ConfigRules: [{ ConfigRuleName: "r", ConfigRuleArn: ARN("old"), Source: { Owner: "AWS" } }],
      })
      .resolves({
        ConfigRules: [
          { ConfigRuleName: "r", ConfigRuleArn: ARN("new"), Source: { Owner: "CUSTOM_LAMBDA" } },
        ],
      });
    const now = { t: 0 };
    const c = catalog(now);
    expect((await c.find("111122223333", "eu-west-1", "r"))?.owner).toBe("AWS");
    // Within minRefreshMs the listing is not re-read, even for a different ARN.
    expect((await c.find("111122223333", "eu-west-1", "r", { arn: ARN("new") }))?.arn).toBe(
      ARN("old"),
    );
    now.t = 31_000;
    const rule = await c.find("111122223333", "eu-west-1", "r", { arn: ARN("new") });
    expect(rule).toMatchObject({ arn: ARN("new"), owner: "CUSTOM_LAMBDA" });
    expect(configMock).toHaveReceivedCommandTimes(DescribeConfigRulesCommand, 2);
  });

  it("does not cache a failed read", async () => {
    configMock
      .on(DescribeConfigRulesCommand)
      .rejectsOnce(Object.assign(new Error("slow down"), { name: "ThrottlingException" }))
      .resolves({ ConfigRules: [] });
    const c = catalog({ t: 0 });
    await expect(c.list("111122223333", "eu-west-1")).rejects.toThrow("slow down");
    expect(await c.list("111122223333", "eu-west-1")).toEqual([]);
  });
});
