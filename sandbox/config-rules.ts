import {
  type ConfigServiceClient,
  DescribeConfigRulesCommand,
  PutConfigRuleCommand,
} from "@aws-sdk/client-config-service";
import { DEFAULT_RULE_KINDS } from "../src/config/remediation-config.ts";

/**
 * The AWS managed Config rules Vigil maps by default, created under their usual names in the
 * client's account and region (Source.Owner AWS): the intake acts only on AWS-owned rules, so the
 * sandbox and the integration tests need them as a real account has them. Returns each rule's ARN
 * by "<region>/<name>" (Config events carry it as detail.configRuleARN).
 */
export async function putManagedConfigRules(
  config: ConfigServiceClient,
  names: readonly string[] = Object.keys(DEFAULT_RULE_KINDS),
): Promise<Map<string, string>> {
  for (const name of names) {
    await config.send(
      new PutConfigRuleCommand({
        ConfigRule: {
          ConfigRuleName: name,
          Source: { Owner: "AWS", SourceIdentifier: name.toUpperCase().replaceAll("-", "_") },
        },
      }),
    );
  }
  const region = await config.config.region();
  const described = await config.send(
    new DescribeConfigRulesCommand({ ConfigRuleNames: [...names] }),
  );
  return new Map(
    (described.ConfigRules ?? []).map((r) => [
      `${region}/${r.ConfigRuleName ?? ""}`,
      r.ConfigRuleArn ?? "",
    ]),
  );
}

/** A sample Config event as the account's rule would send it: its configRuleARN is the rule's. */
export function withRuleArn<T>(event: T, arns: ReadonlyMap<string, string>): T {
  const detail = (event as { detail?: Record<string, unknown> }).detail;
  const arn = arns.get(`${String(detail?.awsRegion)}/${String(detail?.configRuleName)}`);
  if (!detail || arn === undefined || !("configRuleARN" in detail)) return event;
  return { ...event, detail: { ...detail, configRuleARN: arn } };
}
