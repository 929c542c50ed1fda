import { describe, expect, it } from "vitest";
import { MemoryJournal } from "../../src/adapters/memory-journal.ts";
import { S3Journal } from "../../src/adapters/s3-journal.ts";
import type { JournalRecord } from "../../src/domain/journal-record.ts";
import { recordProblem } from "../../src/usecases/journal-records.ts";
import { remediateFinding } from "../../src/usecases/remediate-finding.ts";
import { undoRemediation } from "../../src/usecases/undo-remediation.ts";
import { memoryS3 } from "../support/memory-s3.ts";
import {
  change,
  fakeRemediation,
  journalRecord,
  makeFinding,
  testDeps,
  testSeal,
} from "./fakes.ts";

/** A plan of `n` changes, each the same size whatever `n` (fixed-width step numbers). */
function changes(n: number) {
  return Array.from({ length: n }, (_, i) =>
    change(i, { policy: `arn:aws:iam::123456789012:user/analyst-${String(i).padStart(4, "0")}` }),
  );
}

const BIG = {
  defaultMode: "enforce",
  rateLimit: { maxChanges: 100_000, maxChangesPerFinding: 1000 },
} as const;

/** The runner over an S3Journal on an in-memory bucket that counts every write. */
function s3Setup(n: number, applyError?: { index: number; error: unknown }) {
  const store = memoryS3();
  const remediation = fakeRemediation({
    changes: changes(n),
    ...(applyError ? { applyError } : {}),
  });
  const deps = { ...testDeps([remediation], BIG), journal: new S3Journal(store.client, "j") };
  return { store, remediation, deps };
}

describe("journal: steps appended one small sealed object each (issue 14 item 8)", () => {
  it("a 1,000-change record costs O(n) writes of O(1) size, not a rewrite of the record per step", async () => {
    const measure = async (n: number) => {
      const { store, deps } = s3Setup(n);
      const outcome = await remediateFinding(deps, makeFinding());
      expect(outcome.outcome).toBe("applied");
      const steps = store.writes.filter((w) => w.key.startsWith("steps/"));
      const records = store.writes.filter((w) => w.key.startsWith("records/"));
      const stored = (await deps.journal.get(outcome.journalId)) as JournalRecord;
      return {
        writes: store.writes.length,
        bytes: store.writes.reduce((sum, w) => sum + w.bytes, 0),
        stepWrites: steps.length,
        largestStep: Math.max(...steps.map((w) => w.bytes)),
        recordWrites: records.length,
        /** The record as readers assemble it: plan, steps and applied changes, O(n) itself. */
        recordBytes: JSON.stringify(stored).length,
        stored,
        deps,
      };
    };
    const small = await measure(10);
    const large = await measure(1000);
    // One write per step, plus the record twice (plan, conclusion), the index and the claim.
    expect(large.stepWrites).toBe(1000);
    expect(large.recordWrites).toBe(2);
    expect(large.writes - large.stepWrites).toBe(small.writes - small.stepWrites);
    // A step object does not grow with the record.
    expect(large.largestStep).toBeLessThanOrEqual(small.largestStep + 8);
    // All bytes written are a small multiple of the record itself (a rewrite per step wrote
    // ~n/2 times the record: ~500 times here).
    expect(large.bytes).toBeLessThan(3 * large.recordBytes);
    // Readers get every step back, sealed.
    expect(large.stored.applied).toHaveLength(1000);
    expect(await recordProblem(large.deps.seal, large.stored)).toBeUndefined();
  });

  it("a run that dies mid-way leaves a record undo can read: the steps applied so far are undone", async () => {
    const { store, remediation, deps } = s3Setup(1000, {
      index: 500,
      error: Object.assign(new Error("Task timed out after 120.00 seconds"), { name: "Timeout" }),
    });
    // The container dies with the timeout: nothing after it reaches the journal.
    const apply = remediation.apply.bind(remediation);
    remediation.apply = async (ctx, plan, c) => {
      try {
        await apply(ctx, plan, c);
      } catch (error) {
        store.failWith = error as Error;
        throw error;
      }
    };
    await expect(remediateFinding(deps, makeFinding())).rejects.toThrow(/timed out/);
    store.failWith = undefined;

    const [header] = [...store.objects.keys()].filter((k) => k.startsWith("records/"));
    const id = (header as string).slice("records/".length, -".json".length);
    const crashed = (await deps.journal.get(id)) as JournalRecord;
    expect(crashed.outcome).toBe("applying");
    expect(crashed.applied).toEqual(changes(1000).slice(0, 500));
    expect(await recordProblem(deps.seal, crashed)).toBeUndefined();

    const undone = await undoRemediation(deps, id);
    expect(undone.outcome).toBe("undone");
    const undo = remediation.calls.find((c) => c.phase === "undo");
    expect(undo?.applied).toEqual(changes(1000).slice(0, 500));
  });

  it("a dropped, added or edited step is detected, in a concluded record and in one that died", async () => {
    const { deps } = s3Setup(0);
    const journal = new MemoryJournal();
    const run = testDeps([fakeRemediation({ changes: changes(4) })], BIG);
    const runDeps = { ...run, journal, seal: deps.seal };
    const outcome = await remediateFinding(runDeps, makeFinding());
    const id = outcome.journalId;
    const steps = () => journal.steps.get(id) as NonNullable<ReturnType<typeof journal.steps.get>>;
    const problem = async () => recordProblem(deps.seal, (await journal.get(id)) as JournalRecord);
    expect(await problem()).toBeUndefined();

    const original = structuredClone(steps());
    const nth = (seq: number) => structuredClone(original[seq] as (typeof original)[number]);
    journal.steps.set(
      id,
      original.filter((s) => s.seq !== 2),
    );
    expect(await problem()).toMatch(/concluded with 4 step\(s\) but 3 are stored/);
    journal.steps.set(id, [...structuredClone(original), { ...nth(3), seq: 4 }]);
    expect(await problem()).toMatch(/a step was dropped or added/);
    const edited = structuredClone(original);
    (edited[1] as (typeof edited)[number]).step.index = 3; // the same change undone twice, another never
    journal.steps.set(id, edited);
    expect(await problem()).toMatch(/not the ones it concluded with/);

    // The same record as a run that died (its header still says applying): each step's own seal.
    const header = journal.records.get(id) as JournalRecord;
    const applying = await deps.seal.sign({
      ...header,
      outcome: "applying",
      stepLog: { count: null, digest: null },
    } as JournalRecord);
    journal.records.set(id, applying);
    journal.steps.set(id, structuredClone(original));
    expect(await problem()).toBeUndefined();
    journal.steps.set(
      id,
      original.filter((s) => s.seq !== 1),
    );
    expect(await problem()).toMatch(
      /step 2 of record .* \(missing or altered\) has an invalid signature/,
    );
    journal.steps.set(id, edited);
    expect(await problem()).toMatch(/step 2 of record .* has an invalid signature/);
    // A forged step sealed by someone else's key.
    const foreign = await testSeal().sign(nth(3));
    journal.steps.set(id, [...structuredClone(original).slice(0, 3), foreign]);
    expect(await problem()).toMatch(/step 4 of record/);
  });

  it("records sealed whole (earlier versions, undo records) stay readable and checked", async () => {
    const store = memoryS3();
    const journal = new S3Journal(store.client, "j");
    const seal = testSeal();
    const legacy = await seal.sign(
      journalRecord("20261120T100000Z-0000aaaa", { applied: [change(1), change(2)] }),
    );
    await journal.record(legacy);
    const read = (await journal.get(legacy.id)) as JournalRecord;
    expect(read.applied).toEqual([change(1), change(2)]);
    expect(await recordProblem(seal, read)).toBeUndefined();
    // Marking it step-logged (so its applied changes would no longer be sealed) breaks its seal.
    await journal.record({ ...legacy, stepLog: { count: 0, digest: null } });
    expect(await recordProblem(seal, (await journal.get(legacy.id)) as JournalRecord)).toMatch(
      /invalid signature/,
    );
  });
});
