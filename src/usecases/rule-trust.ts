import type { ConfigRuleDirectory } from "../ports/config-rules.ts";

/** The rule behind one Config evaluation. */
export interface EvaluatedRule {
  account: string;
  region: string;
  rule: string;
  /** From the event (configRuleARN); the sweep reads the rule by name. */
  ruleArn?: string;
}

/**
 * Why a Config rule's verdict cannot be acted on, if it cannot. Config trusts whoever may call
 * config:PutConfigRule and config:PutEvaluations: a custom rule created under a managed rule's name
 * can call any bucket of the account NON_COMPLIANT. A verdict counts only when AWS wrote the rule
 * (Source.Owner = AWS, read with DescribeConfigRules) or the rule's ARN is allow-listed.
 */
export async function untrustedRule(
  directory: ConfigRuleDirectory,
  trustedRuleArns: readonly string[],
  e: EvaluatedRule,
): Promise<string | undefined> {
  const rule = await directory.find(e.account, e.region, e.rule, {
    ...(e.ruleArn ? { arn: e.ruleArn } : {}),
  });
  if (!rule) {
    return `Config rule ${e.rule} does not exist in account ${e.account} ${e.region} (DescribeConfigRules): its verdict cannot be checked, refused`;
  }
  if (e.ruleArn !== undefined && rule.arn !== e.ruleArn) {
    return `the event names rule ARN ${e.ruleArn} but ${e.rule} is ${rule.arn}: refused`;
  }
  if (trustedRuleArns.includes(rule.arn)) return undefined;
  if (rule.owner === "AWS") return undefined;
  const source = rule.sourceIdentifier ? ` ${rule.sourceIdentifier}` : "";
  return `Config rule ${e.rule} is owned by ${rule.owner}${source}, not AWS: whoever can write Config rules wrote its verdict; refused (allow-list ${rule.arn} in remediation.trustedConfigRules to act on it)`;
}

/**
 * The directory asked at most once per rule for one evaluation: mapping a rule by its managed source
 * identifier and checking who owns it read the same DescribeConfigRules entry.
 */
export function askedOnce(directory: ConfigRuleDirectory): ConfigRuleDirectory {
  const found = new Map<string, ReturnType<ConfigRuleDirectory["find"]>>();
  return {
    find(account, region, name, options) {
      const key = JSON.stringify([account, region, name, options?.arn ?? null]);
      let rule = found.get(key);
      if (!rule) {
        rule = directory.find(account, region, name, options);
        found.set(key, rule);
      }
      return rule;
    },
    list: (account, region) => directory.list(account, region),
  };
}
