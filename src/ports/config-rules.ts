/**
 * AWS Config rules as DescribeConfigRules reports them, for one account and region. Shared by the
 * intake (is this rule's verdict trusted? item 7 of issue 14) and the coverage mapping (which
 * managed rule is this, by source identifier: issue 12). ConfigRulesCatalog implements it with a
 * per-account/region cache.
 */

/** Who wrote the rule's logic: AWS (managed rules) or the account (custom Lambda / Guard rules). */
export type ConfigRuleOwner = "AWS" | "CUSTOM_LAMBDA" | "CUSTOM_POLICY" | (string & {});

export interface ConfigRule {
  name: string;
  arn: string;
  /** Source.Owner: only "AWS" means AWS wrote the evaluation logic. */
  owner: ConfigRuleOwner;
  /**
   * Source.SourceIdentifier: the managed rule's identifier (S3_BUCKET_PUBLIC_READ_PROHIBITED) for
   * AWS-owned rules, the Lambda ARN for CUSTOM_LAMBDA, absent for CUSTOM_POLICY.
   */
  sourceIdentifier?: string;
  /** ACTIVE, EVALUATING, DELETING, DELETING_RESULTS. */
  state?: string;
  /** Set for service-linked rules (e.g. "securityhub.amazonaws.com"). */
  createdBy?: string;
}

export interface ConfigRuleDirectory {
  /** Every rule of the account in the region, every page read (cached). */
  list(account: string, region: string): Promise<readonly ConfigRule[]>;
  /**
   * The rule with this name, or undefined when the account has none. When `arn` is given (events
   * carry configRuleARN) and the cached rule's differs, the cache is re-read once: a rule deleted
   * and re-created under the same name has a new ARN.
   */
  find(
    account: string,
    region: string,
    name: string,
    options?: { arn?: string },
  ): Promise<ConfigRule | undefined>;
}
