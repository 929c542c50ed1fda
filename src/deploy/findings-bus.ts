/**
 * The central account's findings bus: member accounts forward their Config and Access Analyzer
 * events to it (deploy/member-account.yaml), and the remediation functions' rules listen on it
 * as well as on the default bus (where the central account's own events arrive).
 */
type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/** The only events members may put on the bus: what the remediation functions consume. */
export const FORWARDED_SOURCES = ["aws.config", "aws.access-analyzer"];
export const FORWARDED_DETAIL_TYPES = ["Config Rules Compliance Change", "Access Analyzer Finding"];

export const FINDINGS_BUS_NAME = "vigil-${sls:stage}-findings";

export interface FindingsBusOptions {
  /** Accounts allowed to put events (remediation.allowedAccounts). */
  memberAccounts: readonly string[];
}

/**
 * The bus and its resource policy. Two ways to let members in: the listed accounts (from the
 * config), or — when the stage parameter organizationId is set — every account of the AWS
 * Organization (aws:PrincipalOrgID). Either way, only the two event types above.
 */
export function findingsBusResources(options: FindingsBusOptions): {
  Conditions: Record<string, Json>;
  Resources: Record<string, Json>;
} {
  const busArn: Json = { "Fn::GetAtt": ["FindingsBus", "Arn"] };
  const onlyFindings = {
    "events:source": FORWARDED_SOURCES,
    "events:detail-type": FORWARDED_DETAIL_TYPES,
  };
  const resources: Record<string, Json> = {
    FindingsBus: { Type: "AWS::Events::EventBus", Properties: { Name: FINDINGS_BUS_NAME } },
    OrganizationMayForwardFindings: {
      Type: "AWS::Events::EventBusPolicy",
      Condition: "ForwardFromOrganization",
      Properties: {
        EventBusName: { Ref: "FindingsBus" },
        StatementId: "vigil-organization-forwards-findings",
        Statement: {
          Effect: "Allow",
          Principal: "*",
          Action: "events:PutEvents",
          Resource: busArn,
          Condition: {
            StringEquals: { "aws:PrincipalOrgID": "${param:organizationId}", ...onlyFindings },
          },
        },
      },
    },
  };
  const members = [...new Set(options.memberAccounts)].sort();
  if (members.length > 0) {
    resources.MembersMayForwardFindings = {
      Type: "AWS::Events::EventBusPolicy",
      Condition: "ForwardFromListedAccounts",
      Properties: {
        EventBusName: { Ref: "FindingsBus" },
        StatementId: "vigil-members-forward-findings",
        Statement: {
          Effect: "Allow",
          Principal: {
            AWS: members.map((account) => ({
              "Fn::Sub": `arn:\${AWS::Partition}:iam::${account}:root`,
            })),
          },
          Action: "events:PutEvents",
          Resource: busArn,
          Condition: { StringEquals: onlyFindings },
        },
      },
    };
  }
  return {
    Conditions: {
      ForwardFromOrganization: { "Fn::Not": [{ "Fn::Equals": ["${param:organizationId}", ""] }] },
      ForwardFromListedAccounts: { "Fn::Equals": ["${param:organizationId}", ""] },
    },
    Resources: resources,
  };
}
