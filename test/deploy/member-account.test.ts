import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import {
  MEMBER_DETECTION_ROLE,
  MEMBER_OPERATOR_ROLE,
  MEMBER_REMEDIATION_ROLE,
} from "../../src/adapters/assume-role.ts";
import { TAG_SETTER_ACTIONS } from "../../src/adapters/cloudtrail-tag-setters.ts";
import { METRIC_SOURCE_ACTIONS } from "../../src/adapters/cloudwatch-metric-source.ts";
import { CONFIG_RULES_ACTIONS } from "../../src/adapters/config-rules-catalog.ts";
import { IAM_ID_RESOLVER_ACTIONS } from "../../src/adapters/iam-id-resolver.ts";
import { parseRemediationConfig } from "../../src/config/remediation-config.ts";
import { eventPatterns } from "../../src/deploy/event-patterns.ts";
import {
  ALL_PHASES,
  functionScopes,
  REMEDIATOR_PHASES,
  remediationActions,
} from "../../src/deploy/function-permissions.ts";
import {
  AWS_FORCES_STAR_ACTIONS,
  OPERATOR_ROLE_NAME,
  roleName,
  UNDO_ONLY_STAR_ACTIONS,
} from "../../src/deploy/iam-roles.ts";

interface Statement {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource?: unknown;
  Principal?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

const template = parse(await readFile("deploy/member-account.yaml", "utf8"));
const resources = template.Resources;
const policyOf = (role: string): Statement[] =>
  resources[role].Properties.Policies[0].PolicyDocument.Statement;
const actionsOf = (statements: Statement[], effect = "Allow") =>
  [
    ...new Set(statements.filter((s) => s.Effect === effect).flatMap((s) => [s.Action].flat())),
  ].sort();

describe("deploy/member-account.yaml", () => {
  it("is a StackSets-ready template: parameters, no hard-coded account", () => {
    expect(Object.keys(template.Parameters).sort()).toEqual([
      "CentralAccountId",
      "CentralEventBusArn",
      "ExternalId",
      "RolesRegion",
      "VigilStage",
    ]);
    expect(template.Parameters.ExternalId.NoEcho).toBe(true);
    expect(JSON.stringify(template)).not.toMatch(/\b\d{12}\b/);
    // IAM is global: roles in one region only, so the StackSet can span regions.
    expect(resources.VigilRemediationRole.Condition).toBe("CreateRoles");
    expect(resources.VigilDetectionRole.Condition).toBe("CreateRoles");
    expect(resources.VigilOperatorRole.Condition).toBe("CreateRoles");
  });

  it("VigilRemediationRole may do exactly what plan, apply and verify, the IAM id resolver and the rule catalog declare (the tag-setter check's too only with exemptions.tags verified, off in vigil.config.yaml)", () => {
    const expected = [
      ...new Set([
        ...remediationActions(REMEDIATOR_PHASES),
        ...IAM_ID_RESOLVER_ACTIONS,
        ...CONFIG_RULES_ACTIONS,
      ]),
    ].sort();
    expect(actionsOf(policyOf("VigilRemediationRole"))).toEqual(expected);
    expect(actionsOf(policyOf("VigilRemediationRole"))).not.toContain(TAG_SETTER_ACTIONS[0]);
    expect(resources.VigilRemediationRole.Properties.RoleName).toBe(MEMBER_REMEDIATION_ROLE);
  });

  it("issue 14 item 6: only VigilOperatorRole may attach or put identity policies (undo)", () => {
    // Quarantine attaches the stack's deny-all policy, and no other (an iam:PolicyARN condition);
    // no inline policy may be put by the remediator at all.
    const grantsAccess = (action: string) =>
      /^iam:(Attach(User|Role|Group)Policy|Put(User|Role|Group)Policy)$/.test(action);
    const remediator = policyOf("VigilRemediationRole");
    const granting = remediator.filter(
      (s) => s.Effect === "Allow" && [s.Action].flat().some(grantsAccess),
    );
    expect(granting).toEqual([
      {
        Sid: "AttachQuarantinePolicyOnly",
        Effect: "Allow",
        Action: ["iam:AttachRolePolicy"],
        Resource: { "Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/*" },
        Condition: {
          ArnEquals: {
            "iam:PolicyARN": {
              "Fn::Sub":
                "arn:${AWS::Partition}:iam::${AWS::AccountId}:policy/vigil-quarantine/VigilQuarantineDenyAll",
            },
          },
        },
      },
    ]);
    expect(resources.VigilQuarantinePolicy).toMatchObject({
      Type: "AWS::IAM::ManagedPolicy",
      Condition: "CreateRoles",
      Properties: { ManagedPolicyName: "VigilQuarantineDenyAll", Path: "/vigil-quarantine/" },
    });
    const operator = actionsOf(policyOf("VigilOperatorRole"));
    expect(operator).toEqual([...new Set(remediationActions(ALL_PHASES))].sort());
    expect(operator).toEqual(
      expect.arrayContaining(["iam:AttachUserPolicy", "iam:AttachRolePolicy", "iam:PutUserPolicy"]),
    );
    expect(resources.VigilOperatorRole.Properties.RoleName).toBe(MEMBER_OPERATOR_ROLE);
    expect(template.Outputs.OperatorRoleArn.Value).toEqual({
      "Fn::GetAtt": ["VigilOperatorRole", "Arn"],
    });
  });

  it("VigilOperatorRole trusts only the central operator role, with the ExternalId", () => {
    const [statement, ...rest] = resources.VigilOperatorRole.Properties.AssumeRolePolicyDocument
      .Statement as Statement[];
    expect(rest).toEqual([]);
    expect(statement?.Principal).toEqual({
      AWS: { "Fn::Sub": "arn:${AWS::Partition}:iam::${CentralAccountId}:root" },
    });
    expect(statement?.Condition?.StringEquals).toEqual({ "sts:ExternalId": { Ref: "ExternalId" } });
    // The central operator role's name (vigil-<stage>-operator), not any function's.
    const central = OPERATOR_ROLE_NAME.replace("${sls:stage}", "${VigilStage}");
    expect(statement?.Condition?.ArnEquals?.["aws:PrincipalArn"]).toEqual([
      { "Fn::Sub": `arn:\${AWS::Partition}:iam::\${CentralAccountId}:role/${central}` },
    ]);
  });

  it("VigilDetectionRole may only read metrics (CloudWatch forces Resource *)", () => {
    const statements = policyOf("VigilDetectionRole");
    expect(actionsOf(statements)).toEqual([...METRIC_SOURCE_ACTIONS].sort());
    expect(statements.every((s) => s.Resource === "*")).toBe(true);
    expect(resources.VigilDetectionRole.Properties.RoleName).toBe(MEMBER_DETECTION_ROLE);
  });

  it("no * action, and * resources only where AWS forces them", () => {
    for (const role of [
      "VigilRemediationRole",
      "VigilOperatorRole",
      "VigilDetectionRole",
      "ForwardFindingsRole",
    ]) {
      for (const statement of policyOf(role)) {
        for (const action of [statement.Action].flat()) expect(action).not.toContain("*");
        if (statement.Resource === "*") {
          const actions = [statement.Action].flat();
          expect(
            actions.every((a) => AWS_FORCES_STAR_ACTIONS.has(a) || UNDO_ONLY_STAR_ACTIONS.has(a)),
            actions.join(),
          ).toBe(true);
        }
      }
    }
  });

  it("never lets Vigil change its own roles in the member account", () => {
    const deny = policyOf("VigilRemediationRole").find((s) => s.Effect === "Deny");
    expect(deny?.Action).toEqual(
      actionsOf(policyOf("VigilRemediationRole")).filter((a) =>
        /^iam:(Put|Attach|Detach|Delete|Create|Update)/.test(a),
      ),
    );
    expect(JSON.stringify(deny?.Resource)).toContain("role/VigilRemediationRole");
    expect(JSON.stringify(deny?.Resource)).toContain("role/VigilDetectionRole");
    expect(JSON.stringify(deny?.Resource)).toContain("role/VigilOperatorRole");
    expect(JSON.stringify(deny?.Resource)).toContain("role/vigil-*");
    const operatorDeny = policyOf("VigilOperatorRole").find((s) => s.Effect === "Deny");
    expect(JSON.stringify(operatorDeny?.Resource)).toContain("role/VigilOperatorRole");
  });

  it.each([
    [MEMBER_REMEDIATION_ROLE, "VigilRemediationRole"],
    [MEMBER_DETECTION_ROLE, "VigilDetectionRole"],
  ])(
    "%s trusts only the central functions that assume it, with the ExternalId",
    (memberRole, logicalId) => {
      const trust = resources[logicalId].Properties.AssumeRolePolicyDocument
        .Statement as Statement[];
      expect(trust).toHaveLength(1);
      const [statement] = trust as [Statement];
      expect(statement.Action).toBe("sts:AssumeRole");
      expect(statement.Principal).toEqual({
        AWS: { "Fn::Sub": "arn:${AWS::Partition}:iam::${CentralAccountId}:root" },
      });
      expect(statement.Condition?.StringEquals).toEqual({
        "sts:ExternalId": { Ref: "ExternalId" },
      });
      // The same declarations that give the central roles sts:AssumeRole on this role.
      const users = Object.entries(functionScopes())
        .filter(([, scope]) => scope.memberRole === memberRole)
        .map(([fn]) => fn);
      expect(users.length).toBeGreaterThan(0);
      expect(statement.Condition?.ArnEquals?.["aws:PrincipalArn"]).toEqual(
        users.map((fn) => ({
          "Fn::Sub": `arn:\${AWS::Partition}:iam::\${CentralAccountId}:role/${roleName(fn, "${VigilStage}")}`,
        })),
      );
    },
  );

  it("forwards exactly the events the remediation functions consume, with a role scoped to the bus", () => {
    const patterns = eventPatterns(parseRemediationConfig({}));
    const { account: _a, ...config } = patterns.config;
    const { account: _b, ...accessAnalyzer } = patterns.accessAnalyzer;
    expect(resources.ForwardConfigFindings.Properties.EventPattern).toEqual(config);
    expect(resources.ForwardAccessAnalyzerFindings.Properties.EventPattern).toEqual(accessAnalyzer);
    for (const rule of ["ForwardConfigFindings", "ForwardAccessAnalyzerFindings"]) {
      expect(resources[rule].Properties.Targets).toEqual([
        {
          Id: "vigil-central-findings-bus",
          Arn: { Ref: "CentralEventBusArn" },
          RoleArn: { "Fn::GetAtt": ["ForwardFindingsRole", "Arn"] },
        },
      ]);
    }
    expect(policyOf("ForwardFindingsRole")).toEqual([
      {
        Sid: "PutOnCentralBus",
        Effect: "Allow",
        Action: ["events:PutEvents"],
        Resource: { Ref: "CentralEventBusArn" },
      },
    ]);
  });

  it("validates its parameters: a malformed account id or bus ARN is refused by CloudFormation", () => {
    const accountPattern = new RegExp(template.Parameters.CentralAccountId.AllowedPattern);
    expect(accountPattern.test("123456789012")).toBe(true);
    expect(accountPattern.test("1234-5678-9012")).toBe(false);
    const busPattern = new RegExp(template.Parameters.CentralEventBusArn.AllowedPattern);
    expect(
      busPattern.test("arn:aws:events:eu-west-1:123456789012:event-bus/vigil-prod-findings"),
    ).toBe(true);
    expect(busPattern.test("")).toBe(true);
    expect(busPattern.test("arn:aws:sns:eu-west-1:123456789012:topic")).toBe(false);
    const externalId = new RegExp(template.Parameters.ExternalId.AllowedPattern);
    expect(externalId.test("vigil-ext-0123456789")).toBe(true);
    expect(externalId.test("has space")).toBe(false);
  });
});
