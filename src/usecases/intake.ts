// Size (≈145 lines): what every intake source shares — the result (a Finding or a reasoned
// refusal), the logged ignore/refuse, and the scope, envelope and ARN checks run before any source
// names a resource. The sources: intake-config.ts, intake-access-analyzer.ts, intake-unused-access.ts.
import type { Logger } from "@aws-lambda-powertools/logger";
import type { RemediationConfig } from "../config/remediation-config.ts";
import type { Finding, FindingSource } from "../domain/finding.ts";
import { partitionOf } from "../domain/policy-resources.ts";
import type { ConfigRuleDirectory } from "../ports/config-rules.ts";
import type { IamIdLookup, IamResourceType } from "../ports/iam-ids.ts";

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

/**
 * What an S3 bucket name can be made of, legacy us-east-1 names included (uppercase, underscores,
 * up to 255 characters): no slash, space, colon or control character can reach an S3 call.
 */
export const BUCKET_NAME = /^[A-Za-z0-9._-]{1,255}$/;

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

export function refuse(
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
