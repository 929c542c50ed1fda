import { describe, expect, it } from "vitest";
import { EVENTS_PER_HANDLER, type FuzzTarget, fuzzTarget } from "../../bench/resilience/fuzz.ts";

/**
 * One handler's fuzz test: EVENTS_PER_HANDLER generated events, every invariant of fuzz.ts checked
 * on each (the run throws with the shrunk counterexample and its seed when one breaks), then the
 * figures. VIGIL_FUZZ_SEED=random (or a number) explores other events than the fixed default.
 */
export function fuzzSuite(target: FuzzTarget): void {
  describe(`fuzzing ${target}`, () => {
    it(`${EVENTS_PER_HANDLER} generated events: invalid ones refused with zero mutating calls and one log line, nothing escapes`, {
      timeout: 180_000,
    }, async () => {
      const stats = await fuzzTarget(target);
      expect(stats.events).toBe(EVENTS_PER_HANDLER);
      expect(stats.unhandledExceptions).toBe(0);
      expect(stats.mutatingCallsOnInvalid).toBe(0);
      // The generator is aimed at the edges but keeps enough valid events to fuzz the happy path.
      expect(stats.invalid).toBeGreaterThan(stats.events / 2);
      expect(stats.acted).toBeGreaterThan(stats.events / 20);
      // Whatever the generator made invalid was refused (acting on one fails inside the run).
      expect(stats.invalid).toBeGreaterThanOrEqual(stats.invalidByConstruction);
    });
  });
}
