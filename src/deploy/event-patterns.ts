import {
  GENERATED_RULE_NAME_PATTERNS,
  type RemediationConfig,
} from "../config/remediation-config.ts";
import { POLICY_RESOURCE_KINDS } from "../domain/policy-resources.ts";
import { REGIONAL_RESOURCE_TYPE_NAMES } from "../domain/regional-resources.ts";
import { UNUSED_ACCESS_DETAIL_TYPE } from "../events/unused-access-finding.ts";

type Pattern = Record<string, unknown>;

/**
 * EventBridge patterns for the remediation functions, derived from the configured rules so that
 * only events Vigil acts on invoke it (and pay for an invocation).
 */
export function eventPatterns(config: RemediationConfig): {
  config: Pattern;
  accessAnalyzer: Pattern;
} {
  const ruleNames = Object.keys(config.ruleKinds)
    .sort()
    .map((name) => (name.includes("*") ? { wildcard: name } : name));
  const accountFilter =
    config.allowedAccounts.length > 0 ? { account: config.allowedAccounts } : {};
  return {
    config: {
      source: ["aws.config"],
      "detail-type": ["Config Rules Compliance Change"],
      ...accountFilter,
      detail: {
        messageType: ["ComplianceChangeNotification"],
        // Configured names and globs, plus the names Security Hub, conformance packs and Control
        // Tower generate: the function maps those by the managed rule's source identifier.
        configRuleName: [...ruleNames, ...GENERATED_RULE_NAME_PATTERNS],
        // COMPLIANT and NOT_APPLICABLE (resource deleted) are delivered too: they resolve the
        // alert a NON_COMPLIANT one opened.
        newEvaluationResult: { complianceType: ["NON_COMPLIANT", "COMPLIANT", "NOT_APPLICABLE"] },
      },
    },
    accessAnalyzer: {
      source: ["aws.access-analyzer"],
      "detail-type": ["Access Analyzer Finding", UNUSED_ACCESS_DETAIL_TYPE],
      ...accountFilter,
      detail: {
        // Every type intake turns into a finding (resource policies, snapshots: their own remediations).
        resourceType: [
          "AWS::S3::Bucket",
          "AWS::IAM::Role",
          // Unused-access findings name users too (access keys, passwords, permissions).
          "AWS::IAM::User",
          // An access point's grant arrives as an AWS::S3::Bucket finding (its source): Access
          // Analyzer sends no AWS::S3::AccessPoint finding.
          ...Object.keys(POLICY_RESOURCE_KINDS).filter((type) => type !== "AWS::S3::AccessPoint"),
          ...REGIONAL_RESOURCE_TYPE_NAMES,
        ],
        // ARCHIVED / RESOLVED are delivered too: they resolve an open alert and change nothing.
        status: ["ACTIVE", "ARCHIVED", "RESOLVED"],
      },
    },
  };
}
