import { describe, expect, it } from "vitest";
import { fuzzedSamples, type SampleRun } from "../../bench/resilience/coverage.ts";
import { faultCoveredRemediations } from "../../bench/resilience/fault-matrix.ts";
import { NO_FAULT_SCENARIO } from "../../bench/resilience/kind-scenarios.ts";
import { remediations } from "../../src/remediations/registry.ts";

/**
 * The fuzz and fault suites are table-driven from test/fixtures/events and the registry: a kind
 * registered without a sample the fuzzer turns into a change (or without a fault-matrix scenario)
 * fails here, naming it.
 */
describe("resilience coverage of the registry", () => {
  let runs: SampleRun[] = [];

  it("every fuzz base sample that should act is applied by one remediation with a change, or told by one tell-only remediation without one", {
    timeout: 60_000,
  }, async () => {
    runs = await fuzzedSamples();
    const applied = (run: SampleRun) =>
      run.outcome === "applied" && run.applied.length === 1 && run.changes.length > 0;
    const told = (run: SampleRun) =>
      run.outcome === "declined" &&
      run.applied.length === 0 &&
      run.told.length === 1 &&
      run.changes.length === 0;
    expect(runs.filter((run) => !applied(run) && !told(run))).toEqual([]);
  });

  it("every registered remediation is driven by at least one fuzzed sample", () => {
    const covered = new Set(runs.flatMap((run) => [...run.applied, ...run.told]));
    expect(runs.length).toBeGreaterThan(0);
    expect(remediations.map((r) => r.name).filter((name) => !covered.has(name))).toEqual([]);
  });

  it("every registered remediation has fault-matrix rows, or a stated reason why not", () => {
    const covered = new Set(faultCoveredRemediations());
    const missing = remediations
      .map((r) => r.name)
      .filter((name) => !covered.has(name))
      .sort();
    expect(missing).toEqual(Object.keys(NO_FAULT_SCENARIO).sort());
  });
});
