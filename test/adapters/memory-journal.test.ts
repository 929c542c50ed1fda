import { describe, expect, it } from "vitest";
import { MemoryJournal } from "../../src/adapters/memory-journal.ts";
import { journalRecord } from "../usecases/fakes.ts";

describe("MemoryJournal", () => {
  it("lists recent changes by resource or account, applied remediations only", async () => {
    const journal = new MemoryJournal();
    await journal.record(journalRecord("a", { time: "2026-11-20T09:00:00.000Z" }));
    await journal.record(journalRecord("b", { findingId: "f2" }));
    await journal.record(journalRecord("c", { applied: [], outcome: "notified" }));
    await journal.record(journalRecord("d", { undoOf: "a" }));
    await journal.record(
      journalRecord("e", { resourceArn: "arn:aws:s3:::other", account: "210987654321" }),
    );
    const since = Date.parse("2026-11-20T09:30:00Z");
    expect(
      await journal.recentChanges({ resourceArn: "arn:aws:s3:::acme-raw-landing-prod", since }),
    ).toEqual([
      { journalId: "b", findingId: "f2", time: Date.parse("2026-11-20T10:00:00Z"), changes: 1 },
    ]);
    expect(
      (await journal.recentChanges({ account: "123456789012", since: 0 })).map((c) => c.journalId),
    ).toEqual(["a", "b"]);
    await expect(journal.recentChanges({ since: 0 })).rejects.toThrow(/account or a resourceArn/);
  });

  it("claims: first wins, settle makes it permanent, release frees it, leases expire", async () => {
    const journal = new MemoryJournal();
    const lease = { now: 1000, leaseMs: 100 };
    expect(await journal.claim("k", { holder: "a", ...lease })).toEqual({ claimed: true });
    expect(await journal.claim("k", { holder: "b", ...lease })).toEqual({
      claimed: false,
      holder: "a",
      settled: false,
    });
    expect(await journal.claim("k", { holder: "b", now: 1100, leaseMs: 100 })).toEqual({
      claimed: true,
    });
    await journal.settle("k", "a"); // not the holder any more: no effect
    expect(await journal.claim("k", { holder: "c", now: 1150, leaseMs: 100 })).toMatchObject({
      holder: "b",
    });
    await journal.settle("k", "b");
    expect(await journal.claim("k", { holder: "c", now: 99_999, leaseMs: 100 })).toEqual({
      claimed: false,
      holder: "b",
      settled: true,
    });
    await journal.release("k", "c"); // not the holder: no effect
    await journal.release("k", "b");
    expect(await journal.claim("k", { holder: "c", now: 99_999, leaseMs: 100 })).toEqual({
      claimed: true,
    });
  });

  it("stores copies", async () => {
    const journal = new MemoryJournal();
    const record = journalRecord("a");
    await journal.record(record);
    record.outcome = "failed";
    expect((await journal.get("a"))?.outcome).toBe("applied");
  });
});
