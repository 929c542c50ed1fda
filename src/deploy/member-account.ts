/**
 * deploy/member-account.yaml: the CloudFormation template every member account runs (one stack,
 * or a StackSet over the organization). Generated from the same declarations as the central
 * roles, so the member roles can do exactly what the remediations and the metric source call.
 */
import { stringify } from "yaml";
import {
  MEMBER_DETECTION_ROLE,
  MEMBER_OPERATOR_ROLE,
  MEMBER_REMEDIATION_ROLE,
} from "../adapters/assume-role.ts";
import { METRIC_SOURCE_ACTIONS } from "../adapters/cloudwatch-metric-source.ts";
import { CONFIG_RULES_ACTIONS } from "../adapters/config-rules-catalog.ts";
import { IAM_ID_RESOLVER_ACTIONS } from "../adapters/iam-id-resolver.ts";
import { ALL_PHASES, REMEDIATOR_PHASES, remediationActions } from "./function-permissions.ts";
import {
  OWN_ROLES_PATTERN,
  quarantinePolicyResource,
  roleName,
  type Statement,
  statementsFor,
  tagSetterStatement,
} from "./iam-roles.ts";

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
type Pattern = Record<string, unknown>;

/**
 * Central roles that act in member accounts, per member role: the functions by their name, the
 * operator role (assumed by a person for `vigil undo`) as "operator" (vigil-<stage>-operator).
 */
export const MEMBER_ROLE_USERS: Record<string, string[]> = {
  [MEMBER_REMEDIATION_ROLE]: ["onConfigComplianceChange", "onAccessAnalyzerFinding"],
  [MEMBER_DETECTION_ROLE]: ["detectWorker"],
  [MEMBER_OPERATOR_ROLE]: ["operator"],
};

/**
 * What the remediation role may do: the remediations' plan, apply and verify, and resolving IAM
 * ids. Undo's actions (re-attaching and re-putting policies) are the operator role's alone.
 */
export function memberRemediationActions(): string[] {
  return [
    ...new Set([
      ...remediationActions(REMEDIATOR_PHASES),
      ...IAM_ID_RESOLVER_ACTIONS,
      // The central intake checks who owns the Config rule behind a member account's finding.
      // CloudTrail's LookupEvents comes with exemptions.tags verified only (MemberOptions).
      ...CONFIG_RULES_ACTIONS,
    ]),
  ].sort();
}

/** What `vigil undo` does in a member account: every remediation phase, undo included. */
export function memberOperatorActions(): string[] {
  return [...new Set(remediationActions(ALL_PHASES))].sort();
}

export function memberDetectionActions(): string[] {
  return [...new Set(METRIC_SOURCE_ACTIONS)].sort();
}

const sub = (value: string): Json => ({ "Fn::Sub": value });

/**
 * Trusted by the central account's named Vigil roles only, and only with the ExternalId. The
 * principal is the central account with an aws:PrincipalArn condition, not the role ARNs
 * themselves: a principal ARN would be pinned to the role's id and silently stop matching if the
 * central stack ever recreates the role.
 */
function trustPolicy(memberRole: string): Json {
  const users = MEMBER_ROLE_USERS[memberRole] ?? [];
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: { AWS: sub("arn:${AWS::Partition}:iam::${CentralAccountId}:root") },
        Action: "sts:AssumeRole",
        Condition: {
          StringEquals: { "sts:ExternalId": { Ref: "ExternalId" } },
          ArnEquals: {
            "aws:PrincipalArn": users.map((fn) =>
              sub(
                `arn:\${AWS::Partition}:iam::\${CentralAccountId}:role/${roleName(fn, "${VigilStage}")}`,
              ),
            ),
          },
        },
      },
    ],
  };
}

/** What the central config decides about the member template. */
export interface MemberOptions {
  /**
   * remediation.exemptions.tags verified: the central remediators ask CloudTrail, in the member
   * account, who set a resource's exemption tags. Off: the member roles cannot call LookupEvents.
   */
  verifiedTagExemptions?: boolean;
}

/** The member role's policy: the central scoping rules, and Vigil's own roles out of reach. */
function memberPolicy(actions: string[], grantsIdentityPolicies = false): Json[] {
  const statements: Statement[] = statementsFor(
    actions,
    { queues: [] },
    { grantsIdentityPolicies },
  );
  for (const statement of statements) {
    if (statement.Sid === "NeverTouchVigilRoles") {
      statement.Resource = [
        sub(OWN_ROLES_PATTERN),
        sub(`arn:\${AWS::Partition}:iam::\${AWS::AccountId}:role/${MEMBER_REMEDIATION_ROLE}`),
        sub(`arn:\${AWS::Partition}:iam::\${AWS::AccountId}:role/${MEMBER_DETECTION_ROLE}`),
        sub(`arn:\${AWS::Partition}:iam::\${AWS::AccountId}:role/${MEMBER_OPERATOR_ROLE}`),
      ];
    }
  }
  return statements as unknown as Json[];
}

function forwardRule(description: string, pattern: Pattern): Json {
  return {
    Type: "AWS::Events::Rule",
    Condition: "ForwardEvents",
    Properties: {
      Description: description,
      State: "ENABLED",
      EventPattern: pattern as Json,
      Targets: [
        {
          Id: "vigil-central-findings-bus",
          Arn: { Ref: "CentralEventBusArn" },
          RoleArn: { "Fn::GetAtt": ["ForwardFindingsRole", "Arn"] },
        },
      ],
    },
  };
}

/** The template as a JS object: what the test reads, and what is written as YAML. */
export function memberAccountTemplate(
  patterns: { config: Pattern; accessAnalyzer: Pattern },
  options: MemberOptions = {},
): Json {
  // The central rules filter on the allow-list; a member forwards its own events only anyway.
  const withoutAccount = (pattern: Pattern): Pattern => {
    const { account: _account, ...rest } = pattern;
    return rest;
  };
  return {
    AWSTemplateFormatVersion: "2010-09-09",
    Description:
      "Vigil member account: VigilRemediationRole, VigilOperatorRole (undo) and VigilDetectionRole for the central Vigil " +
      "deployment, and forwarding of Config and Access Analyzer findings to its bus. " +
      "Generated by npm run generate from the remediations' declared permissions: do not edit.",
    Parameters: {
      CentralAccountId: {
        Type: "String",
        AllowedPattern: "^\\d{12}$",
        ConstraintDescription: "the 12-digit id of the account Vigil is deployed in",
        Description: "The security account running Vigil",
      },
      VigilStage: {
        Type: "String",
        Default: "prod",
        AllowedPattern: "^[A-Za-z0-9-]{1,30}$",
        Description: "The stage of the central deployment (npx serverless deploy --stage <stage>)",
      },
      ExternalId: {
        Type: "String",
        NoEcho: true,
        MinLength: 2,
        MaxLength: 1224,
        AllowedPattern: "^[\\w+=,.@:/-]*$",
        Description: "Equal to the central stage parameter memberExternalId",
      },
      CentralEventBusArn: {
        Type: "String",
        Default: "",
        AllowedPattern: "^(arn:aws[a-z-]*:events:[a-z0-9-]+:\\d{12}:event-bus/[\\w.-]+)?$",
        Description:
          "The central findings bus (stack output FindingsBusArn); empty: do not forward events",
      },
      RolesRegion: {
        Type: "String",
        Default: "us-east-1",
        AllowedPattern: "^[a-z]{2}(-[a-z]+)+-\\d+$",
        Description:
          "IAM is global: the roles are created in this region only; event forwarding in every region the stack runs in",
      },
    },
    Conditions: {
      CreateRoles: { "Fn::Equals": [{ Ref: "AWS::Region" }, { Ref: "RolesRegion" }] },
      ForwardEvents: { "Fn::Not": [{ "Fn::Equals": [{ Ref: "CentralEventBusArn" }, ""] }] },
    },
    Resources: {
      VigilRemediationRole: {
        Type: "AWS::IAM::Role",
        Condition: "CreateRoles",
        Properties: {
          RoleName: MEMBER_REMEDIATION_ROLE,
          Description: "Vigil remediation: only what the remediations declare (generated)",
          MaxSessionDuration: 3600,
          AssumeRolePolicyDocument: trustPolicy(MEMBER_REMEDIATION_ROLE),
          Policies: [
            {
              PolicyName: "vigil-remediation",
              PolicyDocument: {
                Version: "2012-10-17",
                Statement: [
                  ...memberPolicy(memberRemediationActions()),
                  ...(options.verifiedTagExemptions
                    ? [tagSetterStatement() as unknown as Json]
                    : []),
                ],
              },
            },
          ],
        },
      },
      VigilOperatorRole: {
        Type: "AWS::IAM::Role",
        Condition: "CreateRoles",
        Properties: {
          RoleName: MEMBER_OPERATOR_ROLE,
          Description:
            "Vigil operator: vigil undo, assumed through the central operator role only (generated)",
          MaxSessionDuration: 3600,
          AssumeRolePolicyDocument: trustPolicy(MEMBER_OPERATOR_ROLE),
          Policies: [
            {
              PolicyName: "vigil-operator",
              PolicyDocument: {
                Version: "2012-10-17",
                Statement: memberPolicy(memberOperatorActions(), true),
              },
            },
          ],
        },
      },
      VigilQuarantinePolicy: quarantinePolicyResource({}, "CreateRoles"),
      VigilDetectionRole: {
        Type: "AWS::IAM::Role",
        Condition: "CreateRoles",
        Properties: {
          RoleName: MEMBER_DETECTION_ROLE,
          Description: "Vigil detection: CloudWatch metric reads only (generated)",
          MaxSessionDuration: 3600,
          AssumeRolePolicyDocument: trustPolicy(MEMBER_DETECTION_ROLE),
          Policies: [
            {
              PolicyName: "vigil-detection",
              PolicyDocument: {
                Version: "2012-10-17",
                Statement: memberPolicy(memberDetectionActions()),
              },
            },
          ],
        },
      },
      ForwardFindingsRole: {
        Type: "AWS::IAM::Role",
        Condition: "ForwardEvents",
        Properties: {
          Description: "EventBridge forwards this account's findings to the central Vigil bus",
          AssumeRolePolicyDocument: {
            Version: "2012-10-17",
            Statement: [
              {
                Effect: "Allow",
                Principal: { Service: "events.amazonaws.com" },
                Action: "sts:AssumeRole",
                Condition: { StringEquals: { "aws:SourceAccount": { Ref: "AWS::AccountId" } } },
              },
            ],
          },
          Policies: [
            {
              PolicyName: "vigil-forward-findings",
              PolicyDocument: {
                Version: "2012-10-17",
                Statement: [
                  {
                    Sid: "PutOnCentralBus",
                    Effect: "Allow",
                    Action: ["events:PutEvents"],
                    Resource: { Ref: "CentralEventBusArn" },
                  },
                ],
              },
            },
          ],
        },
      },
      ForwardConfigFindings: forwardRule(
        "Vigil: Config compliance changes to the central bus",
        withoutAccount(patterns.config),
      ),
      ForwardAccessAnalyzerFindings: forwardRule(
        "Vigil: Access Analyzer findings to the central bus",
        withoutAccount(patterns.accessAnalyzer),
      ),
    },
    Outputs: {
      RemediationRoleArn: {
        Condition: "CreateRoles",
        Value: { "Fn::GetAtt": ["VigilRemediationRole", "Arn"] },
      },
      OperatorRoleArn: {
        Condition: "CreateRoles",
        Value: { "Fn::GetAtt": ["VigilOperatorRole", "Arn"] },
      },
      DetectionRoleArn: {
        Condition: "CreateRoles",
        Value: { "Fn::GetAtt": ["VigilDetectionRole", "Arn"] },
      },
    },
  };
}

export function memberAccountYaml(
  patterns: { config: Pattern; accessAnalyzer: Pattern },
  options: MemberOptions = {},
): string {
  const header =
    "# Vigil member-account template (CloudFormation, StackSets-ready). GENERATED by\n" +
    "# `npm run generate` from the code's declared permissions: edit the code, not this file.\n";
  return (
    header +
    stringify(memberAccountTemplate(patterns, options), {
      lineWidth: 0,
      // Quoted values: no YAML 1.1 reader may take "2012-10-17" for a date or "on" for a boolean.
      defaultStringType: "QUOTE_DOUBLE",
      defaultKeyType: "PLAIN",
    })
  );
}
