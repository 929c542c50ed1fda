// Size (≈320 lines): one job — turning a Config evaluation (event, sweep or CLI) into a Finding or
// a reasoned refusal: which kind a rule maps to, which resource it names, whether its verdict counts.
import { createHash } from "node:crypto";
import { MANAGED_RULE_KINDS } from "../config/remediation-config.ts";
import type { Finding, FindingKind, FindingSource, ResourceType } from "../domain/finding.ts";
import { globMatch } from "../domain/guards.ts";
import { isPolicyResourceType, partitionOf, policyResourceOf } from "../domain/policy-resources.ts";
import { isRegionalResourceType, regionalResource } from "../domain/regional-resources.ts";
import { isServiceResourceType, serviceResourceIdentity } from "../domain/service-resources.ts";
import type {
  ComplianceType,
  ConfigComplianceChangeEvent,
} from "../events/config-compliance-change.ts";
import type { ConfigRuleDirectory } from "../ports/config-rules.ts";
import type { IamResourceType } from "../ports/iam-ids.ts";
import {
  arnProblem,
  BUCKET_NAME,
  type ClearedResource,
  envelopeProblem,
  type Ignored,
  type IntakeDeps,
  type IntakeResult,
  ignore,
  outOfScope,
  refuse,
} from "./intake.ts";
import { askedOnce, untrustedRule } from "./rule-trust.ts";

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
