// Intake of IAM Access Analyzer unused-access findings ("Unused Access Finding for IAM entities"):
// the same envelope, scope and ARN checks as the external-access findings (intake.ts), one kind
// per finding type.
import type { Finding, FindingKind, ResourceType } from "../domain/finding.ts";
import type { AnalyzerEvent } from "../events/access-analyzer-events.ts";
import {
  UNUSED_ACCESS_DETAIL_TYPE,
  type UnusedAccessFindingEvent,
} from "../events/unused-access-finding.ts";
import {
  arnProblem,
  type ClearedResource,
  envelopeProblem,
  type IntakeDeps,
  type IntakeResult,
  ignore,
  outOfScope,
} from "./intake.ts";
import { intakeAccessAnalyzerEvent } from "./intake-access-analyzer.ts";

const UNUSED_KINDS: Readonly<
  Record<string, { kind: FindingKind; types: readonly ("AWS::IAM::Role" | "AWS::IAM::User")[] }>
> = {
  UnusedIAMUserAccessKey: { kind: "iam-unused-access-key", types: ["AWS::IAM::User"] },
  UnusedIAMUserPassword: { kind: "iam-unused-password", types: ["AWS::IAM::User"] },
  UnusedIAMRole: { kind: "iam-unused-role", types: ["AWS::IAM::Role"] },
  UnusedPermission: { kind: "iam-unused-permission", types: ["AWS::IAM::Role", "AWS::IAM::User"] },
};

/** The rule an unused-access finding is journaled and alerted under: one per finding type. */
export function unusedAccessRule(findingType: string): string {
  return `access-analyzer:${findingType}`;
}

const ANALYZER_ARN = /^arn:aws[a-z-]*:access-analyzer:[a-z0-9-]+:(\d{12}):analyzer\/[\w.-]{1,255}$/;

export async function intakeUnusedAccessEvent(
  deps: IntakeDeps,
  event: UnusedAccessFindingEvent,
): Promise<IntakeResult> {
  const d = event.detail;
  const region = event.region;
  const rule = unusedAccessRule(d.findingType);
  const context = {
    source: "access-analyzer",
    findingId: d.findingId,
    findingType: d.findingType,
    status: d.status,
    resourceType: d.resourceType,
    resource: d.resource,
    account: d.accountId,
    region,
  };
  const skip = (reason: string, cleared?: ClearedResource) =>
    ignore(deps, event.id, reason, context, cleared);
  const clearedAs = (why: string): ClearedResource => ({
    account: d.accountId,
    region,
    resourceId: d.resource,
    rule,
    why,
  });

  const forged = envelopeProblem(event.account, d.accountId);
  if (forged) return skip(forged);
  const scope = outOfScope(deps, d.accountId, region);
  if (scope) return skip(scope);
  const known = Object.hasOwn(UNUSED_KINDS, d.findingType)
    ? UNUSED_KINDS[d.findingType]
    : undefined;
  if (!known) return skip(`unused-access finding type ${d.findingType} is not remediated`);
  const resourceType = known.types.find((type) => type === d.resourceType);
  if (!resourceType) {
    return skip(`resource type ${d.resourceType} does not match finding type ${d.findingType}`);
  }
  const foreign = arnProblem(d.resource, { region, account: d.accountId, resourceType });
  if (foreign) return skip(foreign);
  if (d.status !== "ACTIVE") {
    return skip(`finding is ${d.status}: nothing to change`, clearedAs(d.status.toLowerCase()));
  }
  if (d.isDeleted) return skip("finding was deleted", clearedAs("finding deleted"));
  // The details (which key, which actions) are read from this analyzer with the finding's
  // account's credentials: an analyzer of another account is not one Vigil may ask.
  const analyzerArn = event.resources.find((arn) => ANALYZER_ARN.exec(arn)?.[1] === d.accountId);
  if (!analyzerArn) {
    return skip(
      `event names no analyzer of account ${d.accountId} (resources): cannot read the finding`,
    );
  }
  const name = /^arn:[a-z-]+:iam::\d{12}:(?:role|user)\/(?:.*\/)?([\w+=,.@-]{1,128})$/.exec(
    d.resource,
  )?.[1];
  if (!name) return skip(`cannot read a resource name from ${d.resource}`);

  const finding: Finding = {
    id: d.findingId,
    eventId: event.id,
    source: deps.source ?? "access-analyzer",
    account: d.accountId,
    region,
    resourceType: resourceType satisfies ResourceType,
    resourceId: d.resource,
    resourceArn: d.resource,
    resourceName: name,
    rule,
    kind: known.kind,
    isPublic: false,
    analyzerArn,
    observedAt: new Date(d.updatedAt ?? d.analyzedAt ?? event.time).toISOString(),
  };
  return finding;
}

/** Any aws.access-analyzer event Vigil handles: external-access or unused-access finding. */
export function intakeAnalyzerEvent(deps: IntakeDeps, event: AnalyzerEvent): Promise<IntakeResult> {
  return event["detail-type"] === UNUSED_ACCESS_DETAIL_TYPE
    ? intakeUnusedAccessEvent(deps, event)
    : intakeAccessAnalyzerEvent(deps, event);
}
