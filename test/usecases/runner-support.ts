// Shared by the runner's tests: a fake remediation over test deps (enforce unless told), the
// phases it went through, and the one decision line a run logs.
import type { RemediationConfigInput } from "../../src/config/remediation-config.ts";
import { type FakeOptions, fakeRemediation, logLines, testDeps } from "./fakes.ts";

export const ENFORCE: RemediationConfigInput = { defaultMode: "enforce" };

export function setup(options: FakeOptions = {}, config: RemediationConfigInput = ENFORCE) {
  const remediation = fakeRemediation(options);
  const deps = testDeps([remediation], config);
  const phases = () => remediation.calls.map((c) => c.phase);
  return { remediation, deps, phases };
}

/** The one log line a decision writes (the runner's, identified by its `decision` attribute). */
export function decisionLines(deps: ReturnType<typeof testDeps>) {
  return logLines(deps.logger).filter((l) => "decision" in l.attributes);
}
