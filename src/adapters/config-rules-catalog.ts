import {
  type ConfigServiceClient,
  DescribeConfigRulesCommand,
} from "@aws-sdk/client-config-service";
import type { ConfigRule, ConfigRuleDirectory } from "../ports/config-rules.ts";

/** IAM actions the catalog calls (wildcard-only in IAM: granted on "*"). */
export const CONFIG_RULES_ACTIONS = ["config:DescribeConfigRules"];

export interface ConfigRulesCatalogOptions {
  /** A Config client for the account and region (a member account's through its role). */
  clientFor(account: string, region: string): ConfigServiceClient | Promise<ConfigServiceClient>;
  /** How long a listing is trusted (default 5 min): a rule replaced since is seen by then. */
  ttlMs?: number;
  /**
   * A name missing from the listing (or an ARN that differs) re-reads it, but not more often than
   * this (default 30 s): events naming rules that do not exist cannot turn every event into a
   * full listing.
   */
  minRefreshMs?: number;
  clock?: () => number;
}

interface Entry {
  at: number;
  rules: Promise<readonly ConfigRule[]>;
}

/** DescribeConfigRules, every page, cached per account and region. */
export class ConfigRulesCatalog implements ConfigRuleDirectory {
  private readonly cache = new Map<string, Entry>();
  private readonly ttlMs: number;
  private readonly minRefreshMs: number;
  private readonly clock: () => number;

  constructor(private readonly options: ConfigRulesCatalogOptions) {
    this.ttlMs = options.ttlMs ?? 5 * 60_000;
    this.minRefreshMs = options.minRefreshMs ?? 30_000;
    this.clock = options.clock ?? (() => Date.now());
  }

  async list(account: string, region: string): Promise<readonly ConfigRule[]> {
    const key = `${account}/${region}`;
    const entry = this.cache.get(key);
    if (entry && this.clock() - entry.at < this.ttlMs) return entry.rules;
    return this.load(key, account, region);
  }

  async find(
    account: string,
    region: string,
    name: string,
    options: { arn?: string } = {},
  ): Promise<ConfigRule | undefined> {
    const matches = (rule: ConfigRule | undefined) =>
      rule !== undefined && (options.arn === undefined || rule.arn === options.arn);
    let rule = (await this.list(account, region)).find((r) => r.name === name);
    if (matches(rule)) return rule;
    const key = `${account}/${region}`;
    const entry = this.cache.get(key);
    if (!entry || this.clock() - entry.at >= this.minRefreshMs) {
      rule = (await this.load(key, account, region)).find((r) => r.name === name);
    }
    return rule;
  }

  private load(key: string, account: string, region: string): Promise<readonly ConfigRule[]> {
    const rules = this.describeAll(account, region);
    this.cache.set(key, { at: this.clock(), rules });
    // A failed read is not cached: the next caller tries again.
    rules.catch(() => {
      if (this.cache.get(key)?.rules === rules) this.cache.delete(key);
    });
    return rules;
  }

  private async describeAll(account: string, region: string): Promise<ConfigRule[]> {
    const client = await this.options.clientFor(account, region);
    const rules: ConfigRule[] = [];
    let token: string | undefined;
    do {
      const page = await client.send(
        new DescribeConfigRulesCommand(token ? { NextToken: token } : {}),
      );
      for (const rule of page.ConfigRules ?? []) {
        if (!rule.ConfigRuleName || !rule.ConfigRuleArn || !rule.Source?.Owner) continue;
        rules.push({
          name: rule.ConfigRuleName,
          arn: rule.ConfigRuleArn,
          owner: rule.Source.Owner,
          ...(rule.Source.SourceIdentifier
            ? { sourceIdentifier: rule.Source.SourceIdentifier }
            : {}),
          ...(rule.ConfigRuleState ? { state: rule.ConfigRuleState } : {}),
          ...(rule.CreatedBy ? { createdBy: rule.CreatedBy } : {}),
        });
      }
      token = page.NextToken;
    } while (token);
    return rules;
  }
}
