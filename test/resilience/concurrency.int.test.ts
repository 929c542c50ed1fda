/**
 * The same finding delivered 10 times at once to 10 function instances (own wiring and clients
 * each, as 10 Lambda containers): the S3 journal's conditional-write claim lets exactly one change
 * the resource; the nine others report "already handled by journal record <winner>".
 */
import { describe, expect, it } from "vitest";
import { runConcurrentDeliveries } from "../../bench/resilience/concurrency.ts";
import { motoEndpoint } from "../support/moto.ts";

const endpoint = motoEndpoint();

describe.skipIf(!endpoint)("the same finding delivered 10 times at once (moto_server)", () => {
  it.each(["s3-encryption", "role-quarantine", "policy-detach"] as const)(
    "%s: exactly one change, nine duplicates naming the winner",
    async (scenario) => {
      const result = await runConcurrentDeliveries(endpoint as string, scenario, 10);
      expect(result.errors).toEqual([]);
      expect(result.outcomes).toEqual({ applied: 1, duplicate: 9 });
      expect(result.changes).toBe(1);
      expect(result.appliedRecords).toBe(1);
      expect(result.duplicatesNamingTheWinner).toBe(9);
      // All ten raced for the claim: S3 refused nine conditional writes.
      expect(result.claimWrites).toBe(10);
      expect(result.claimsRefused).toBe(9);
    },
  );
});
