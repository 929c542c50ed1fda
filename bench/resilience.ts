/**
 * Resilience figures, computed by running the same code as the tests (test/resilience/):
 *   - the five fuzzers, 10,000 generated events each (fixed seeds; VIGIL_FUZZ_SEED=random explores);
 *   - the fault-injection matrix and the concurrent-delivery runs against a moto_server on loopback;
 *   - issue 14's attack list (test/security/attacks.ts) replayed against the same moto_server.
 * One JSON line per fuzz target, one for the matrix, one per concurrency scenario, then the totals.
 * Throws (non-zero exit) when an invariant breaks: a mutating call on an invalid event, an alert
 * lost, a run that did not complete, a resource changed twice.
 */
import { startMotoServer } from "../sandbox/moto-server.ts";
import { ATTACKS } from "./resilience/attacks.ts";
import { runConcurrentDeliveries } from "./resilience/concurrency.ts";
import { runFaultMatrix, summarise } from "./resilience/fault-matrix.ts";
import { FUZZ_TARGETS, type FuzzStats, fuzzTarget } from "./resilience/fuzz.ts";

export async function benchResilience(): Promise<Array<Record<string, unknown>>> {
  const lines: Array<Record<string, unknown>> = [];
  const fuzzed: FuzzStats[] = [];
  for (const target of FUZZ_TARGETS) {
    const stats = await fuzzTarget(target);
    fuzzed.push(stats);
    lines.push({ bench: "resilience-fuzz", ...stats });
  }

  const moto = await startMotoServer();
  let matrix: ReturnType<typeof summarise>;
  const concurrency: Array<Awaited<ReturnType<typeof runConcurrentDeliveries>>> = [];
  // Issue 14's attacks (test/security/attacks.ts), replayed through the real wiring.
  const notBlocked: string[] = [];
  try {
    for (const attack of ATTACKS) {
      const result = await attack.replay(moto.endpoint);
      if (!result.blocked) notBlocked.push(`item ${attack.item}: ${attack.name}: ${result.detail}`);
    }
    lines.push({
      bench: "resilience-attacks",
      attacksReplayed: ATTACKS.length,
      attacksBlocked: ATTACKS.length - notBlocked.length,
      notBlocked,
    });
    const rows = await runFaultMatrix(moto.endpoint);
    matrix = summarise(rows);
    lines.push({
      bench: "resilience-faults",
      ...matrix,
      failedRows: rows.filter((r) => r.problems.length > 0).map((r) => r.name),
    });
    for (const scenario of ["s3-encryption", "role-quarantine", "policy-detach"] as const) {
      const result = await runConcurrentDeliveries(moto.endpoint, scenario, 10);
      concurrency.push(result);
      lines.push({ bench: "resilience-concurrency", ...result });
    }
  } finally {
    await moto.stop();
  }

  const sum = (pick: (s: FuzzStats) => number) => fuzzed.reduce((n, s) => n + pick(s), 0);
  const totals = {
    bench: "resilience",
    eventsFuzzed: sum((s) => s.events),
    invalidEvents: sum((s) => s.invalid),
    mutatingCallsOnInvalidEvents: sum((s) => s.mutatingCallsOnInvalid),
    unhandledExceptions: sum((s) => s.unhandledExceptions),
    faultScenarios: matrix.scenarios,
    faultsInjected: matrix.faultsInjected,
    runs: matrix.runs,
    runsCompleted: matrix.runsCompleted,
    alertsExpected: matrix.alertsExpected,
    alertsLost: matrix.alertsLost,
    maxAttemptsPerCall: matrix.maxAttemptsPerCall,
    resourcesChangedTwice: matrix.changedTwice,
    concurrentDeliveries: concurrency.reduce((n, c) => n + c.deliveries, 0),
    concurrentChanges: concurrency.reduce((n, c) => n + c.changes, 0),
    attacksReplayed: ATTACKS.length,
    attacksBlocked: ATTACKS.length - notBlocked.length,
  };
  lines.push(totals);

  const broken = [
    totals.mutatingCallsOnInvalidEvents > 0 && "mutating calls on invalid events",
    totals.unhandledExceptions > 0 && "unhandled exceptions",
    totals.runsCompleted !== totals.runs && "runs that did not complete",
    totals.alertsLost > 0 && "alerts lost",
    totals.resourcesChangedTwice > 0 && "resources changed twice",
    matrix.rowsWithProblems > 0 && `${matrix.rowsWithProblems} fault row(s) with problems`,
    concurrency.some((c) => c.changes !== 1) && "a concurrent delivery changed more than once",
    notBlocked.length > 0 && `${notBlocked.length} attack(s) not blocked`,
  ].filter(Boolean);
  if (broken.length > 0) {
    for (const line of lines) console.log(JSON.stringify(line));
    throw new Error(`resilience invariants broken: ${broken.join(", ")}`);
  }
  return lines;
}
