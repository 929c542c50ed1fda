import {
  type ConfigServiceClient,
  DescribeConfigRulesCommand,
  GetComplianceDetailsByConfigRuleCommand,
} from "@aws-sdk/client-config-service";
import type { ComplianceType } from "../events/config-compliance-change.ts";
import type { ComplianceEvaluation, ComplianceSource } from "../ports/compliance-source.ts";

/** IAM actions the compliance source calls. */
export const CONFIG_COMPLIANCE_ACTIONS = [
  "config:DescribeConfigRules",
  "config:GetComplianceDetailsByConfigRule",
];

/** AWS Config rules and their NON_COMPLIANT evaluations, for the account and region of the client. */
export class ConfigComplianceSource implements ComplianceSource {
  constructor(private readonly configService: ConfigServiceClient) {}

  async activeRules(): Promise<string[]> {
    const names: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.configService.send(
        new DescribeConfigRulesCommand(token ? { NextToken: token } : {}),
      );
      for (const rule of page.ConfigRules ?? []) {
        if (rule.ConfigRuleName && rule.ConfigRuleState === "ACTIVE")
          names.push(rule.ConfigRuleName);
      }
      token = page.NextToken;
    } while (token);
    return names;
  }

  async *nonCompliant(rule: string): AsyncGenerator<ComplianceEvaluation> {
    let token: string | undefined;
    do {
      const page = await this.configService.send(
        new GetComplianceDetailsByConfigRuleCommand({
          ConfigRuleName: rule,
          ComplianceTypes: ["NON_COMPLIANT"],
          Limit: 100,
          ...(token ? { NextToken: token } : {}),
        }),
      );
      for (const result of page.EvaluationResults ?? []) {
        const qualifier = result.EvaluationResultIdentifier?.EvaluationResultQualifier;
        const resourceType = qualifier?.ResourceType;
        const resourceId = qualifier?.ResourceId;
        const complianceType = result.ComplianceType as ComplianceType | undefined;
        const recordedAt =
          result.ResultRecordedTime ?? result.EvaluationResultIdentifier?.OrderingTimestamp;
        yield {
          ...(resourceType !== undefined ? { resourceType } : {}),
          ...(resourceId !== undefined ? { resourceId } : {}),
          ...(complianceType !== undefined ? { complianceType } : {}),
          ...(recordedAt !== undefined ? { recordedAt } : {}),
        };
      }
      token = page.NextToken;
    } while (token);
  }
}
