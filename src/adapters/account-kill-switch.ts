import { GetParameterCommand, type SSMClient } from "@aws-sdk/client-ssm";
import { VigilError } from "../domain/errors.ts";

/** IAM actions the kill switch calls (its one SSM parameter). */
export const KILL_SWITCH_ACTIONS = ["ssm:GetParameter"];

/** The parameter value meaning "no account is switched off" (SSM values cannot be empty). */
export const NO_ACCOUNT_DISABLED = "none";
/** The parameter value switching remediation off in every account at once. */
export const ALL_ACCOUNTS_DISABLED = "*";

/** Remediation is switched off for this account: nothing was read or changed there. */
export class AccountDisabledError extends VigilError {
  override name = "AccountDisabled";
}

/**
 * The parameter's value: "none", "*", or account ids separated by commas, spaces or newlines.
 * Anything else throws: a kill switch nobody can read must not be read as "all clear".
 */
export function parseDisabledAccounts(value: string): ReadonlySet<string> | "all" {
  const entries = value
    .split(/[\s,]+/)
    .map((entry) => entry.trim())
    .filter(Boolean);
  if (entries.length === 0) throw new Error("the value is empty");
  if (entries.includes(ALL_ACCOUNTS_DISABLED)) return "all";
  const accounts = entries.filter((entry) => entry !== NO_ACCOUNT_DISABLED);
  const malformed = accounts.filter((entry) => !/^\d{12}$/.test(entry));
  if (malformed.length > 0) {
    throw new Error(
      `not 12-digit account ids: ${malformed.map((m) => JSON.stringify(m)).join(", ")} ` +
        `(write "${NO_ACCOUNT_DISABLED}", "${ALL_ACCOUNTS_DISABLED}" or account ids separated by commas)`,
    );
  }
  return new Set(accounts);
}

export interface AccountKillSwitchOptions {
  ssm: SSMClient;
  /** SSM parameter name, e.g. /vigil/prod/disabled-accounts. */
  parameterName: string;
  /** How long a read value is trusted (default 30 s): an operator's switch takes effect that fast. */
  ttlMs?: number;
  clock?: () => number;
}

/**
 * Per-account kill switch for remediation: an SSM parameter an operator edits in the console or
 * with one CLI call, without a deployment. Read before every remediation (cached for a few
 * seconds); a parameter that cannot be read or parsed stops remediation everywhere (fail closed).
 */
export class AccountKillSwitch {
  private cached?: { at: number; disabled: ReadonlySet<string> | "all" };

  constructor(private readonly options: AccountKillSwitchOptions) {}

  /** Throws AccountDisabledError when `account` is switched off, or the switch cannot be read. */
  async assertEnabled(account: string): Promise<void> {
    const disabled = await this.disabledAccounts();
    if (disabled === "all" || disabled.has(account)) {
      throw new AccountDisabledError(
        `remediation is switched off for account ${account} by the kill switch ` +
          `(SSM parameter ${this.options.parameterName}${disabled === "all" ? ' = "*"' : ""}): ` +
          "nothing was read or changed",
      );
    }
  }

  private async disabledAccounts(): Promise<ReadonlySet<string> | "all"> {
    const now = (this.options.clock ?? Date.now)();
    const ttl = this.options.ttlMs ?? 30_000;
    if (this.cached && now - this.cached.at < ttl) return this.cached.disabled;
    let value: string | undefined;
    try {
      const response = await this.options.ssm.send(
        new GetParameterCommand({ Name: this.options.parameterName }),
      );
      value = response.Parameter?.Value;
    } catch (error) {
      const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
      const status = e.$metadata?.httpStatusCode ?? 0;
      // Throttling and 5xx: let the caller retry. Anything else: fail closed with a clear reason.
      if (status >= 500 || status === 429 || /Throttl/.test(e.name ?? "")) throw error;
      throw new AccountDisabledError(
        `cannot read the kill switch (SSM parameter ${this.options.parameterName}): ` +
          `${e.name ?? "Error"}: ${(error as Error).message}. Remediation stays off until it can ` +
          "be read: nothing was read or changed",
      );
    }
    let disabled: ReadonlySet<string> | "all";
    try {
      disabled = parseDisabledAccounts(value ?? "");
    } catch (error) {
      throw new AccountDisabledError(
        `kill switch ${this.options.parameterName} is malformed: ${(error as Error).message}. ` +
          "Remediation stays off until it is fixed: nothing was read or changed",
      );
    }
    this.cached = { at: now, disabled };
    return disabled;
  }
}
