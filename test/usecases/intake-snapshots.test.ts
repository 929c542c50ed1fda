import { describe, expect, it } from "vitest";
import { intakeAccessAnalyzerEvent } from "../../src/usecases/intake-access-analyzer.ts";
import { intakeConfigEvent } from "../../src/usecases/intake-config.ts";
import { fakeConfigRules } from "./fakes.ts";
import { aaEvent, configEvent, deps, expectFinding, expectIgnored } from "./intake-support.ts";

describe("intake: snapshots shared by attribute (issue 12 item 1)", () => {
  it.each([
    [
      "access-analyzer-ebs-snapshot-public",
      "ebs-snapshot-sharing",
      "AWS::EC2::Snapshot",
      "snap-0a1b2c3d4e5f60718",
      true,
    ],
    [
      "access-analyzer-rds-snapshot-public",
      "rds-snapshot-sharing",
      "AWS::RDS::DBSnapshot",
      "curated-exports-2026-11-20",
      true,
    ],
    [
      "access-analyzer-rds-cluster-snapshot-external",
      "rds-snapshot-sharing",
      "AWS::RDS::DBClusterSnapshot",
      "analytics-2026-11-20",
      false,
    ],
  ] as const)("%s → %s on %s", async (name, kind, resourceType, resourceName, isPublic) => {
    const event = aaEvent(name);
    const finding = expectFinding(await intakeAccessAnalyzerEvent(deps().deps, event));
    expect(finding).toMatchObject({
      kind,
      resourceType,
      resourceName,
      resourceArn: event.detail.resource,
      account: event.detail.accountId,
      region: event.detail.region,
      isPublic,
    });
  });

  it("accepts an EBS snapshot ARN without the account, as IAM writes it", async () => {
    const finding = expectFinding(
      await intakeAccessAnalyzerEvent(
        deps().deps,
        aaEvent("access-analyzer-ebs-snapshot-public", (e) => {
          e.detail.resource = "arn:aws:ec2:eu-west-1::snapshot/snap-0a1b2c3d4e5f60718";
        }),
      ),
    );
    expect(finding.resourceName).toBe("snap-0a1b2c3d4e5f60718");
  });

  it.each([
    ["another account", "arn:aws:ec2:eu-west-1:999999999999:snapshot/snap-0a1b2c3d4e5f60718"],
    ["another region", "arn:aws:ec2:us-east-1:123456789012:snapshot/snap-0a1b2c3d4e5f60718"],
    ["another partition", "arn:aws-cn:ec2:eu-west-1:123456789012:snapshot/snap-0a1b2c3d"],
    ["a volume", "arn:aws:ec2:eu-west-1:123456789012:volume/vol-0a1b2c3d4e5f60718"],
    ["a padded id", "arn:aws:ec2:eu-west-1:123456789012:snapshot/snap-0a1b2c3d4e5f60718 "],
  ])("an EBS snapshot finding naming %s is ignored", async (_what, resource) => {
    expectIgnored(
      await intakeAccessAnalyzerEvent(
        deps().deps,
        aaEvent("access-analyzer-ebs-snapshot-public", (e) => {
          e.detail.resource = resource;
        }),
      ),
      /not|ARN/,
    );
  });

  it.each([
    ["an automated snapshot", "arn:aws:rds:eu-west-1:123456789012:snapshot:rds:exports-2026"],
    [
      "a cluster snapshot as a DB snapshot",
      "arn:aws:rds:eu-west-1:123456789012:cluster-snapshot:x",
    ],
    ["a DB instance", "arn:aws:rds:eu-west-1:123456789012:db:exports"],
  ])("an RDS snapshot finding naming %s is ignored", async (_what, resource) => {
    expectIgnored(
      await intakeAccessAnalyzerEvent(
        deps().deps,
        aaEvent("access-analyzer-rds-snapshot-public", (e) => {
          e.detail.resource = resource;
        }),
      ),
      /is not a/,
    );
  });

  it("maps rds-snapshots-public-prohibited (by name and by source identifier)", async () => {
    const byName = expectFinding(
      await intakeConfigEvent(deps().deps, configEvent("config-rds-snapshot-public-noncompliant")),
    );
    expect(byName).toMatchObject({
      kind: "rds-snapshot-sharing",
      resourceType: "AWS::RDS::DBSnapshot",
      resourceName: "curated-exports-2026-11-20",
    });
    const generated = "securityhub-rds-snapshots-public-prohibited-a1b2c3";
    const bySource = expectFinding(
      await intakeConfigEvent(
        {
          ...deps().deps,
          configRules: fakeConfigRules({
            [generated]: { sourceIdentifier: "RDS_SNAPSHOTS_PUBLIC_PROHIBITED" },
          }),
        },
        configEvent("config-rds-snapshot-public-noncompliant", (e) => {
          e.detail.configRuleName = generated;
          e.detail.resourceId = "curated-exports-2026-11-20";
        }),
      ),
    );
    expect(bySource).toMatchObject({
      kind: "rds-snapshot-sharing",
      resourceArn: "arn:aws:rds:eu-west-1:123456789012:snapshot:curated-exports-2026-11-20",
    });
  });

  it("ignores a Config evaluation naming a snapshot of another account", async () => {
    expectIgnored(
      await intakeConfigEvent(
        deps().deps,
        configEvent("config-rds-snapshot-public-noncompliant", (e) => {
          e.detail.resourceId = "arn:aws:rds:eu-west-1:999999999999:snapshot:exports";
        }),
      ),
      /not a rds resource of account 123456789012/,
    );
  });
});
