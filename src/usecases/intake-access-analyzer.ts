// Size (≈180 lines): one job — turning an Access Analyzer external-access finding into a Finding
// (bucket, access point, role trust, resource policy, shared snapshot) or a reasoned refusal.
import type { FindingKind, ResourceType } from "../domain/finding.ts";
import {
  isPolicyResourceType,
  POLICY_RESOURCE_KINDS,
  policyResourceOf,
  soleAccessPoint,
} from "../domain/policy-resources.ts";
import {
  isRegionalResourceType,
  REGIONAL_RESOURCE_TYPES,
  type RegionalResourceType,
  regionalResource,
} from "../domain/regional-resources.ts";
import type { AccessAnalyzerFindingEvent } from "../events/access-analyzer-finding.ts";
import {
  arnProblem,
  BUCKET_NAME,
  type ClearedResource,
  envelopeProblem,
  type IntakeDeps,
  type IntakeResult,
  ignore,
  outOfScope,
} from "./intake.ts";

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
