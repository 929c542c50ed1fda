import { describe, expect, it } from "vitest";
import { AccountDisabledError } from "../../src/adapters/account-kill-switch.ts";
import { AssumeRoleError, MemberAccountError } from "../../src/adapters/assume-role.ts";
import { MetricFileError } from "../../src/adapters/file-metric-source.ts";
import { PagerDutyError } from "../../src/adapters/pagerduty-notifier.ts";
import { AlertDeliveryError } from "../../src/adapters/routing-notifier.ts";
import { RoutingKeyError } from "../../src/adapters/secret-reader.ts";
import { UsageError } from "../../src/cli/backtest.ts";
import { EXIT, exitCodeFor } from "../../src/cli/io.ts";
import { ConfigError } from "../../src/config/errors.ts";
import { InputError, isInputError, VigilError } from "../../src/domain/errors.ts";
import { BacktestInputError } from "../../src/usecases/backtest.ts";
import { FanoutInputError } from "../../src/usecases/plan-shards.ts";

const callersFault = [
  new ConfigError("detection.metricSets.0.settings.k: Too small"),
  new UsageError("--days must be a positive number"),
  new BacktestInputError("no metric set named egress"),
  new FanoutInputError("unknown metric set"),
  new MetricFileError("line 3: not JSON", "metrics.jsonl", 3),
  new RoutingKeyError("secret vigil/pagerduty not found"),
  new MemberAccountError('"bad role" is not a valid IAM role name'),
];
const notTheCallers = [
  new AssumeRoleError("AccessDenied"),
  new AlertDeliveryError("sns failed", [], [{ destination: "sns", error: "throttled" }]),
  new PagerDutyError("503", true, 503),
  new AccountDisabledError("remediation is off in 111122223333"),
];

describe("one error root", () => {
  it("every error Vigil raises is a VigilError and keeps its own name", () => {
    for (const error of [...callersFault, ...notTheCallers]) {
      expect(error).toBeInstanceOf(VigilError);
      expect(error.name).not.toMatch(/^(Error|VigilError|InputError)$/);
    }
  });

  it("the caller's fault is an InputError and exits 2; the rest exits 1", () => {
    for (const error of callersFault) {
      expect(isInputError(error), error.name).toBe(true);
      expect(exitCodeFor(error), error.name).toBe(EXIT.badInput);
    }
    for (const error of notTheCallers) {
      expect(isInputError(error), error.name).toBe(false);
      expect(exitCodeFor(error), error.name).toBe(EXIT.failure);
    }
    expect(exitCodeFor(new Error("socket hang up"))).toBe(EXIT.failure);
    expect(exitCodeFor("a string")).toBe(EXIT.failure);
  });

  it("keeps the underlying error as cause", () => {
    const underlying = new Error("ENOENT");
    const error = new InputError("cannot read vigil.config.yaml", { cause: underlying });
    expect(error.cause).toBe(underlying);
    expect(error).toBeInstanceOf(VigilError);
  });
});
