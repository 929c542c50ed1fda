// Size (≈470 lines): one job — turning a Config evaluation or an Access Analyzer finding into a
// Finding or a reasoned refusal; both sources share the scope, account and rule checks kept here.
import { createHash } from "node:crypto";
import type { Logger } from "@aws-lambda-powertools/logger";
import type { RemediationConfig } from "../config/remediation-config.ts";
import { MANAGED_RULE_KINDS } from "../config/remediation-config.ts";
import type { Finding, FindingKind, FindingSource, ResourceType } from "../domain/finding.ts";
import { globMatch } from "../domain/guards.ts";
import {
  isPolicyResourceType,
  POLICY_RESOURCE_KINDS,
  partitionOf,
  policyResourceOf,
  soleAccessPoint,
} from "../domain/policy-resources.ts";
import {
  isRegionalResourceType,
  REGIONAL_RESOURCE_TYPES,
  type RegionalResourceType,
  regionalResource,
} from "../domain/regional-resources.ts";
import { isServiceResourceType, serviceResourceIdentity } from "../domain/service-resources.ts";
import type { AccessAnalyzerFindingEvent } from "../events/access-analyzer-finding.ts";
import type {
  ComplianceType,
  ConfigComplianceChangeEvent,
} from "../events/config-compliance-change.ts";
import type { ConfigRuleDirectory } from "../ports/config-rules.ts";
import type { IamIdLookup, IamResourceType } from "../ports/iam-ids.ts";
import { askedOnce, untrustedRule } from "./rule-trust.ts";

export interface IntakeDeps {
  config: Pick<
    RemediationConfig,
    "ruleKinds" | "allowedAccounts" | "allowedRegions" | "trustedConfigRules"
  >;
  iamIds: IamIdLookup;
  /**
   * Config rules as deployed (DescribeConfigRules, cached): who owns each rule (only AWS-owned or
   * allow-listed rules' verdicts count), and the managed source identifier that maps a rule whose
   * name is not in ruleKinds.
   */
  configRules: ConfigRuleDirectory;
  logger: Pick<Logger, "info" | "warn" | "error">;
  /**
   * The account this deployment's credentials act in. Findings for other accounts are ignored:
   * acting on them with these credentials would read or change a same-named resource here.
   */
  homeAccount?: string;
  /** Overrides the finding source ("cli" when `vigil remediate` feeds an event file). */
  source?: FindingSource;
}

/** The resource and rule an ignored event cleared: its open incident can be resolved. */
export interface ClearedResource {
  account: string;
  region: string;
  resourceId: string;
  rule: string;
  why: string;
}

export interface Ignored {
  ignored: true;
  reason: string;
  eventId: string;
  cleared?: ClearedResource;
  /** The event was refused as untrusted (not merely out of scope): people are paged. */
  refused?: ClearedResource;
}

export type IntakeResult = Finding | Ignored;

export function isIgnored(result: IntakeResult): result is Ignored {
  return "ignored" in result;
}

/** One Config evaluation, from an event or from the sweep's GetComplianceDetailsByConfigRule. */
export interface ConfigEvaluation {
  eventId: string;
  source: FindingSource;
  rule: string;
  /** The rule's ARN when the event carries it (configRuleARN). */
  ruleArn?: string;
  resourceType: string;
  resourceId: string;
  account: string;
  region: string;
  complianceType: ComplianceType;
  /** The evaluation before this one, when known (events carry it, the sweep does not). */
  previousComplianceType?: ComplianceType;
  /** When Config recorded the evaluation (ISO); part of the finding id. */
  recordedAt: string;
}

/** Rules evaluated per account, not per bucket: nothing a bucket-level remediation can fix. */
const ACCOUNT_LEVEL_RULES = new Set([
  "s3-account-level-public-access-blocks",
  "s3-account-level-public-access-blocks-periodic",
]);

const RESOURCE_TYPES_BY_KIND: Record<FindingKind, readonly ResourceType[]> = {
  "s3-encryption": ["AWS::S3::Bucket"],
  "s3-public-access": ["AWS::S3::Bucket"],
  "iam-risky-policy": ["AWS::IAM::Policy", "AWS::IAM::User", "AWS::IAM::Role", "AWS::IAM::Group"],
  "iam-external-trust": ["AWS::IAM::Role"],
  "sqs-queue-policy": ["AWS::SQS::Queue"],
  "sns-topic-policy": ["AWS::SNS::Topic"],
  "kms-key-policy": ["AWS::KMS::Key"],
  "secret-resource-policy": ["AWS::SecretsManager::Secret"],
  "lambda-function-policy": ["AWS::Lambda::Function"],
  "ecr-repository-policy": ["AWS::ECR::Repository"],
  "efs-file-system-policy": ["AWS::EFS::FileSystem"],
  "dynamodb-resource-policy": ["AWS::DynamoDB::Table", "AWS::DynamoDB::Stream"],
  "s3-access-point-policy": ["AWS::S3::AccessPoint"],
  "s3-directory-bucket-policy": ["AWS::S3Express::DirectoryBucket"],
  "ebs-snapshot-sharing": ["AWS::EC2::Snapshot"],
  "rds-snapshot-sharing": ["AWS::RDS::DBSnapshot", "AWS::RDS::DBClusterSnapshot"],
  "sqs-encryption": ["AWS::SQS::Queue"],
  "sns-encryption": ["AWS::SNS::Topic"],
  "ebs-default-encryption": ["AWS::::Account"],
  "kinesis-encryption": ["AWS::Kinesis::Stream"],
  "iam-unused-access-key": ["AWS::IAM::User"],
  "iam-unused-password": ["AWS::IAM::User"],
  "iam-unused-role": ["AWS::IAM::Role"],
  "iam-unused-permission": ["AWS::IAM::Role", "AWS::IAM::User"],
  "cloudtrail-encryption": ["AWS::CloudTrail::Trail"],
  "dynamodb-encryption": ["AWS::DynamoDB::Table"],
};

/** Kind for a Config rule: exact name first, then glob keys ("securityhub-…-*"). */
export function ruleKindFor(
  ruleKinds: Readonly<Record<string, FindingKind>>,
  rule: string,
): FindingKind | undefined {
  // Own keys only: a rule named "constructor" or "__proto__" must not find Object.prototype's.
  const exact = Object.hasOwn(ruleKinds, rule) ? ruleKinds[rule] : undefined;
  if (exact) return exact;
  const glob = Object.keys(ruleKinds).find((key) => key.includes("*") && globMatch(key, rule));
  return glob ? ruleKinds[glob] : undefined;
}

/**
 * Kind of a rule that no name or glob maps: the AWS managed rule it runs, by source identifier.
 * Only rules owned by AWS count: a custom rule's logic is the account's, whatever it is called.
 */
export async function managedRuleKind(
  configRules: Pick<ConfigRuleDirectory, "find"> | undefined,
  where: { account: string; region: string; rule: string; ruleArn?: string },
): Promise<FindingKind | undefined> {
  if (!configRules) return undefined;
  const rule = await configRules.find(
    where.account,
    where.region,
    where.rule,
    where.ruleArn ? { arn: where.ruleArn } : {},
  );
  const id = rule?.owner === "AWS" ? rule.sourceIdentifier : undefined;
  return id && Object.hasOwn(MANAGED_RULE_KINDS, id) ? MANAGED_RULE_KINDS[id] : undefined;
}

/** Deterministic: the same evaluation (event retry, sweep, CLI) always gets the same id. */
export function configFindingId(
  e: Pick<
    ConfigEvaluation,
    "rule" | "resourceType" | "resourceId" | "account" | "region" | "recordedAt"
  >,
): string {
  const recorded = new Date(e.recordedAt).toISOString();
  return createHash("sha256")
    .update([e.rule, e.resourceType, e.resourceId, e.account, e.region, recorded].join("\n"))
    .digest("hex")
    .slice(0, 32);
}

export { partitionOf };

/**
 * What an S3 bucket name can be made of, legacy us-east-1 names included (uppercase, underscores,
 * up to 255 characters): no slash, space, colon or control character can reach an S3 call.
 */
const BUCKET_NAME = /^[A-Za-z0-9._-]{1,255}$/;

const IAM_ARN_TYPES: Record<IamResourceType, string> = {
  "AWS::IAM::User": "user",
  "AWS::IAM::Role": "role",
  "AWS::IAM::Group": "group",
  "AWS::IAM::Policy": "policy",
};

/**
 * Why an ARN cannot be the finding's resource, if it cannot: bucket names are unique per partition
 * only, and IAM names per account, so acting on an ARN of another partition, account or entity type
 * with this deployment's credentials would change a different, same-named resource.
 */
export function arnProblem(
  arn: string,
  finding: { region: string; account: string; resourceType: IamResourceType | "AWS::S3::Bucket" },
): string | undefined {
  const partition = /^arn:([^:]*):/.exec(arn)?.[1];
  const expected = partitionOf(finding.region);
  if (partition !== expected) {
    return `resource ${arn} is in partition ${partition} but region ${finding.region} is in ${expected}`;
  }
  if (finding.resourceType === "AWS::S3::Bucket") return undefined;
  const iam = /^arn:[^:]*:iam::([^:]*):([a-z]+)\//.exec(arn);
  if (iam?.[1] !== finding.account) {
    return `resource ${arn} is not in the finding's account ${finding.account}`;
  }
  const type = IAM_ARN_TYPES[finding.resourceType as IamResourceType];
  if (iam[2] !== type) return `resource ${arn} is not an IAM ${type} (${finding.resourceType})`;
  return undefined;
}

export function ignore(
  deps: IntakeDeps,
  eventId: string,
  reason: string,
  context: Record<string, unknown>,
  cleared?: ClearedResource,
  level: "info" | "warn" = "info",
): Ignored {
  deps.logger[level]("finding ignored", { decision: "ignored", eventId, reason, ...context });
  return { ignored: true, reason, eventId, ...(cleared ? { cleared } : {}) };
}

function refuse(
  deps: IntakeDeps,
  eventId: string,
  reason: string,
  context: Record<string, unknown>,
  refused: ClearedResource,
): Ignored {
  deps.logger.warn("finding refused", { decision: "refused", eventId, reason, ...context });
  return { ignored: true, reason, eventId, refused };
}

/** Allow-lists and the home account: the same checks for every source. */
export function outOfScope(deps: IntakeDeps, account: string, region: string): string | undefined {
  const { allowedAccounts, allowedRegions } = deps.config;
  if (allowedAccounts.length > 0 && !allowedAccounts.includes(account)) {
    return `account ${account} is not in allowedAccounts`;
  }
  if (allowedRegions.length > 0 && !allowedRegions.includes(region)) {
    return `region ${region} is not in allowedRegions`;
  }
  if (deps.homeAccount && account !== deps.homeAccount) {
    return `finding is for account ${account} but this deployment acts in ${deps.homeAccount} only`;
  }
  return undefined;
}

export async function intakeConfigEvaluation(
  deps: IntakeDeps,
  e: ConfigEvaluation,
): Promise<IntakeResult> {
  const configRules = askedOnce(deps.configRules);
  const context = {
    source: e.source,
    rule: e.rule,
    resourceType: e.resourceType,
    resourceId: e.resourceId,
    account: e.account,
    region: e.region,
    complianceType: e.complianceType,
  };
  const skip = (reason: string, cleared?: ClearedResource) =>
    ignore(deps, e.eventId, reason, context, cleared);

  const scope = outOfScope(deps, e.account, e.region);
  if (scope) return skip(scope);
  if (ACCOUNT_LEVEL_RULES.has(e.rule)) {
    return skip(`rule ${e.rule} is account-level: Vigil remediates buckets and IAM entities only`);
  }
  const kind =
    ruleKindFor(deps.config.ruleKinds, e.rule) ?? (await managedRuleKind(configRules, e));
  // Account-level evaluations: only a kind that acts on the account (EBS encryption by default).
  if (e.resourceType === "AWS::::Account" && kind !== "ebs-default-encryption") {
    return skip(`rule ${e.rule} is account-level: Vigil remediates buckets and IAM entities only`);
  }
  if (!kind) {
    return skip(
      `rule ${e.rule} is not mapped to a finding kind (remediation.ruleKinds, nor an AWS managed rule Vigil knows)`,
    );
  }
  const resourceType = RESOURCE_TYPES_BY_KIND[kind].find((t) => t === e.resourceType);
  if (!resourceType) {
    return skip(`resource type ${e.resourceType} is not supported for ${kind} (rule ${e.rule})`);
  }
  // Before a verdict is acted on, COMPLIANT included (it would close an open incident).
  const trusted = async (): Promise<Ignored | undefined> => {
    const untrusted = await untrustedRule(configRules, deps.config.trustedConfigRules, {
      account: e.account,
      region: e.region,
      rule: e.rule,
      ...(e.ruleArn ? { ruleArn: e.ruleArn } : {}),
    });
    if (!untrusted) return undefined;
    return refuse(deps, e.eventId, untrusted, context, {
      account: e.account,
      region: e.region,
      resourceId: e.resourceId,
      rule: e.rule,
      why: untrusted,
    });
  };
  if (e.complianceType === "COMPLIANT" || e.complianceType === "NOT_APPLICABLE") {
    // Only a change from NON_COMPLIANT can close an incident: the rule must be trusted first.
    if (e.previousComplianceType === "NON_COMPLIANT") {
      const refused = await trusted();
      if (refused) return refused;
    }
    // NOT_APPLICABLE is what Config reports for a deleted resource (or one out of the rule's scope
    // now). Only a change from NON_COMPLIANT can close an incident; a new resource has none.
    const why =
      e.complianceType === "COMPLIANT"
        ? "compliant again"
        : "not applicable any more (resource deleted or out of the rule's scope)";
    const cleared =
      e.previousComplianceType === "NON_COMPLIANT"
        ? { account: e.account, region: e.region, resourceId: e.resourceId, rule: e.rule, why }
        : undefined;
    const note =
      e.complianceType === "NOT_APPLICABLE" ? " (resource deleted or out of the rule's scope)" : "";
    return skip(`evaluation is ${e.complianceType}: nothing to change${note}`, cleared);
  }
  if (e.complianceType !== "NON_COMPLIANT") {
    return skip(`evaluation is ${e.complianceType}: nothing to change`);
  }

  // A DynamoDB table from Config is the encryption rule's, named by table name (below).
  if (isPolicyResourceType(resourceType) && !isServiceResourceType(resourceType)) {
    // Queue URL, key id or ARN: checked against the evaluation's own account and region.
    const ref = policyResourceOf(resourceType, e.resourceId, e);
    if ("problem" in ref) return skip(ref.problem);
    const refused = await trusted();
    if (refused) return refused;
    return {
      ...evaluationFinding(e, kind, resourceType),
      resourceArn: ref.arn,
      resourceName: ref.name,
    };
  }
  if (isRegionalResourceType(resourceType)) {
    // Snapshots and functions: an exact ARN (or bare id) of the evaluation's account and region.
    const resource = regionalResource(resourceType, e.resourceId, e);
    if ("problem" in resource) return skip(resource.problem);
    const refused = await trusted();
    if (refused) return refused;
    return {
      ...evaluationFinding(e, kind, resourceType),
      resourceArn: resource.arn,
      resourceName: resource.id,
    };
  }
  if (isServiceResourceType(resourceType)) {
    // Streams, tables, trails and the account's EBS setting: named within the evaluation's own
    // account and region.
    const service = serviceResourceIdentity(resourceType, e.resourceId, {
      account: e.account,
      region: e.region,
      partition: partitionOf(e.region),
    });
    if ("problem" in service) return skip(service.problem);
    const refused = await trusted();
    if (refused) return refused;
    return {
      ...evaluationFinding(e, kind, resourceType),
      resourceArn: service.arn,
      resourceName: service.name,
    };
  }
  const isBucket = resourceType === "AWS::S3::Bucket";
  if (isBucket && !BUCKET_NAME.test(e.resourceId)) {
    return skip(`resource id ${JSON.stringify(e.resourceId)} is not an S3 bucket name`);
  }
  if (!isBucket && e.resourceId.startsWith("arn:")) {
    const problem = arnProblem(e.resourceId, { ...e, resourceType });
    if (problem) return skip(problem);
  }
  const refused = await trusted();
  if (refused) return refused;

  let name: string;
  let arn: string;
  if (isBucket) {
    name = e.resourceId;
    arn = `arn:${partitionOf(e.region)}:s3:::${name}`;
  } else if (e.resourceId.startsWith("arn:")) {
    arn = e.resourceId;
    name = arn.split("/").at(-1) ?? arn;
  } else {
    const resolved = await deps.iamIds.resolve(resourceType as IamResourceType, e.resourceId);
    if (!resolved) return skip(`resource no longer exists (IAM id ${e.resourceId} not found)`);
    ({ name, arn } = resolved);
  }
  return { ...evaluationFinding(e, kind, resourceType), resourceArn: arn, resourceName: name };
}

function evaluationFinding(
  e: ConfigEvaluation,
  kind: FindingKind,
  resourceType: ResourceType,
): Omit<Finding, "resourceArn" | "resourceName"> {
  return {
    id: configFindingId(e),
    eventId: e.eventId,
    source: e.source,
    account: e.account,
    region: e.region,
    resourceType,
    resourceId: e.resourceId,
    rule: e.rule,
    kind,
    isPublic: false,
    observedAt: new Date(e.recordedAt).toISOString(),
  };
}

/**
 * Why the event's envelope does not match its detail, if it does not. EventBridge sets `account`
 * to the sender: a member account forwarding a finding that names another account is trying to
 * aim Vigil at a resource that is not its own.
 */
export function envelopeProblem(
  envelope: string | undefined,
  findingAccount: string,
): string | undefined {
  if (envelope === undefined || envelope === findingAccount) return undefined;
  return `event sent by account ${envelope} names a resource of account ${findingAccount}: refused`;
}

export async function intakeConfigEvent(
  deps: IntakeDeps,
  event: ConfigComplianceChangeEvent,
): Promise<IntakeResult> {
  const d = event.detail;
  const forged = envelopeProblem(event.account, d.awsAccountId);
  if (forged) {
    return ignore(deps, event.id, forged, { source: "config", account: d.awsAccountId });
  }
  return intakeConfigEvaluation(deps, {
    eventId: event.id,
    source: deps.source ?? "config",
    rule: d.configRuleName,
    ...(d.configRuleARN ? { ruleArn: d.configRuleARN } : {}),
    resourceType: d.resourceType,
    resourceId: d.resourceId,
    account: d.awsAccountId,
    region: d.awsRegion,
    complianceType: d.newEvaluationResult.complianceType,
    ...(d.oldEvaluationResult
      ? { previousComplianceType: d.oldEvaluationResult.complianceType }
      : {}),
    recordedAt:
      d.newEvaluationResult.resultRecordedTime ?? d.notificationCreationTime ?? event.time,
    ...(d.configRuleARN ? { ruleArn: d.configRuleARN } : {}),
  });
}

export const ACCESS_ANALYZER_RULE = "access-analyzer";

/** The Access Analyzer resource types Vigil remediates. */
function analyzerResourceType(
  type: string,
): "AWS::S3::Bucket" | "AWS::IAM::Role" | RegionalResourceType | undefined {
  if (type === "AWS::S3::Bucket" || type === "AWS::IAM::Role") return type;
  return isRegionalResourceType(type) ? type : undefined;
}

export async function intakeAccessAnalyzerEvent(
  deps: IntakeDeps,
  event: AccessAnalyzerFindingEvent,
): Promise<IntakeResult> {
  const d = event.detail;
  const context = {
    source: "access-analyzer",
    findingId: d.id,
    status: d.status,
    resourceType: d.resourceType,
    resource: d.resource,
    account: d.accountId,
    region: d.region,
  };
  const skip = (reason: string, cleared?: ClearedResource, level?: "warn") =>
    ignore(deps, event.id, reason, context, cleared, level);
  const clearedAs = (why: string): ClearedResource => ({
    account: d.accountId,
    region: d.region,
    resourceId: d.resource,
    rule: ACCESS_ANALYZER_RULE,
    why,
  });

  const forged = envelopeProblem(event.account, d.accountId);
  if (forged) return skip(forged);
  const scope = outOfScope(deps, d.accountId, d.region);
  if (scope) return skip(scope);
  if (d.error && d.status === "ACTIVE" && !d.isDeleted) {
    // WARN, not ERROR: the analyzer lacking access to one resource is an operator's to-do, and an
    // ERROR line fires the error-log alarm (every unreadable bucket would page someone).
    return skip(
      `analyzer could not analyse the resource (${d.error}): nothing known about its access; give the analyzer access or archive the finding`,
      undefined,
      "warn",
    );
  }
  const policyType = isPolicyResourceType(d.resourceType) ? d.resourceType : undefined;
  const resourceType: ResourceType | undefined = policyType ?? analyzerResourceType(d.resourceType);
  if (!resourceType) return skip(`resource type ${d.resourceType} is not supported`);
  // Resource policies: strictly the finding's partition, region and account, before anything else.
  const ref = policyType
    ? policyResourceOf(policyType, d.resource, { account: d.accountId, region: d.region })
    : undefined;
  if (ref && "problem" in ref) return skip(ref.problem);
  let foreign: string | undefined;
  let regionalId: string | undefined;
  if (isRegionalResourceType(resourceType)) {
    const regional = regionalResource(resourceType, d.resource, {
      account: d.accountId,
      region: d.region,
    });
    // Only an ARN names a resource here: a bare id would be looked up wherever Vigil acts.
    if ("problem" in regional) foreign = regional.problem;
    else if (!d.resource.startsWith("arn:")) foreign = `resource ${d.resource} is not an ARN`;
    else regionalId = regional.id;
  } else if (resourceType === "AWS::S3::Bucket" || resourceType === "AWS::IAM::Role") {
    foreign = arnProblem(d.resource, { region: d.region, account: d.accountId, resourceType });
  }
  if (foreign) return skip(foreign);
  if (d.status !== "ACTIVE") {
    return skip(`finding is ${d.status}: nothing to change`, clearedAs(d.status.toLowerCase()));
  }
  if (d.isDeleted) return skip("resource was deleted", clearedAs("resource deleted"));
  if (d.findingType && d.findingType !== "ExternalAccess") {
    return skip(`finding type ${d.findingType} is not remediated`);
  }
  if (!d.principal || Object.keys(d.principal).length === 0) {
    return skip("finding names no principal: nothing to remediate");
  }

  const observedAt = new Date(d.updatedAt ?? d.analyzedAt ?? event.time).toISOString();
  if (resourceType === "AWS::S3::Bucket") {
    // Granted only through one of the bucket's access points: that access point's policy is what
    // gives it, and the finding is the access point's (the bucket's own settings are not at fault).
    const via = soleAccessPoint(d.sources);
    if (via && "problem" in via) return skip(via.problem);
    if (via) {
      const where = { account: d.accountId, region: d.region };
      const accessPoint = policyResourceOf("AWS::S3::AccessPoint", via.arn, where);
      if ("problem" in accessPoint) return skip(accessPoint.problem);
      return {
        id: d.id,
        eventId: event.id,
        source: deps.source ?? "access-analyzer",
        ...where,
        resourceType: "AWS::S3::AccessPoint",
        resourceId: accessPoint.arn,
        resourceArn: accessPoint.arn,
        resourceName: accessPoint.name,
        rule: ACCESS_ANALYZER_RULE,
        kind: "s3-access-point-policy",
        principal: d.principal,
        isPublic: d.isPublic === true || Object.values(d.principal).includes("*"),
        observedAt,
      };
    }
  }

  let name: string | undefined;
  let kind: FindingKind;
  if (policyType && ref) {
    // A resource policy shared with named accounts is a finding too: the remediation strips only
    // what is public, and external grants only with stripExternalAccounts.
    name = ref.name;
    kind = POLICY_RESOURCE_KINDS[policyType];
  } else if (isRegionalResourceType(resourceType)) {
    // Public or shared with an account: the remediation decides what goes (stripExternalAccounts).
    name = regionalId;
    kind = REGIONAL_RESOURCE_TYPES[resourceType].kind;
  } else if (resourceType === "AWS::S3::Bucket") {
    name = /^arn:[a-z-]+:s3:::([^/]+)$/.exec(d.resource)?.[1];
    if (name !== undefined && !BUCKET_NAME.test(name)) name = undefined;
    if (!d.isPublic) {
      return skip(
        `bucket is shared with ${JSON.stringify(d.principal)} but not public: review the grant (Vigil remediates public buckets)`,
      );
    }
    kind = "s3-public-access";
  } else {
    const role = /^arn:[a-z-]+:iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/.exec(d.resource);
    if (role && role[1] !== d.accountId) {
      return skip(`role ${d.resource} is not in the finding's account ${d.accountId}`);
    }
    name = role?.[2];
    kind = "iam-external-trust";
  }
  if (!name) return skip(`cannot read a resource name from ${d.resource}`);

  const isPublic = d.isPublic === true || Object.values(d.principal).includes("*");
  return {
    id: d.id,
    eventId: event.id,
    source: deps.source ?? "access-analyzer",
    account: d.accountId,
    region: d.region,
    resourceType,
    resourceId: d.resource,
    resourceArn: ref && !("problem" in ref) ? ref.arn : d.resource,
    resourceName: name,
    rule: ACCESS_ANALYZER_RULE,
    kind,
    principal: d.principal,
    isPublic,
    observedAt,
  };
}
