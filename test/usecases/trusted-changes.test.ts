import { describe, expect, it } from "vitest";
import { UnsignedRecordSeal } from "../../src/adapters/kms-record-seal.ts";
import type { AppliedChangeRef } from "../../src/domain/guards.ts";
import { trustedRecentChanges } from "../../src/usecases/trusted-changes.ts";
import { ACCOUNT, journalRecord, logLines, NOW, testDeps } from "./fakes.ts";

const since = NOW - 3_600_000;

describe("trustedRecentChanges: index entries count only through their sealed record", () => {
  it("keeps an entry whose record is sealed, with the record's own change count", async () => {
    const deps = testDeps([]);
    await deps.journal.record(await deps.seal.sign(journalRecord("j-real")));
    const entries = await trustedRecentChanges(deps, { account: ACCOUNT, since });
    expect(entries.map((e) => [e.journalId, e.changes])).toEqual([["j-real", 1]]);
    expect(logLines(deps.logger)).toEqual([]);
  });

  it("ignores and logs an unsigned or forged record's entry", async () => {
    const deps = testDeps([]);
    await deps.journal.record(journalRecord("j-unsigned"));
    const forged = await deps.seal.sign(journalRecord("j-forged"));
    await deps.journal.record({ ...forged, applied: [...forged.applied, ...forged.applied] });
    expect(await trustedRecentChanges(deps, { account: ACCOUNT, since })).toEqual([]);
    const warned = logLines(deps.logger).filter((l) => l.message === "journal index entry ignored");
    expect(warned.map((l) => [l.attributes.journalId, l.attributes.problem])).toEqual([
      ["j-unsigned", "record j-unsigned is not signed"],
      ["j-forged", expect.stringMatching(/invalid signature/)],
    ]);
  });

  it("ignores a planted entry naming no record, or naming a real record with another finding, time or count", async () => {
    const deps = testDeps([]);
    const real = await deps.seal.sign(journalRecord("j-real"));
    await deps.journal.record(real);
    const at = Date.parse(real.time);
    const planted: AppliedChangeRef[] = [
      { journalId: "j-nowhere", findingId: real.findingId, time: at, changes: 1 },
      { journalId: "j-real", findingId: "someone-else", time: at, changes: 1 },
      { journalId: "j-real", findingId: real.findingId, time: at + 60_000, changes: 1 },
      // A real entry whose name claims 500 changes: the record's own count wins.
      { journalId: "j-real", findingId: real.findingId, time: at, changes: 500 },
    ];
    deps.journal.recentChanges = async () => planted;
    const entries = await trustedRecentChanges(deps, { account: ACCOUNT, since });
    expect(entries).toEqual([{ ...planted[3], changes: 1 }]);
    const problems = logLines(deps.logger).map((l) => l.attributes.problem);
    expect(problems).toEqual([
      "it names no record",
      "its record is of another finding",
      "its record is of another time",
    ]);
  });

  it("ignores a sealed record of another account or resource", async () => {
    const deps = testDeps([]);
    await deps.journal.record(await deps.seal.sign(journalRecord("j-real")));
    const [entry] = await deps.journal.recentChanges({ account: ACCOUNT, since });
    deps.journal.recentChanges = async () => (entry ? [entry] : []);
    expect(await trustedRecentChanges(deps, { account: "210987654321", since })).toEqual([]);
    expect(
      await trustedRecentChanges(deps, { resourceArn: "arn:aws:s3:::another", since }),
    ).toEqual([]);
  });

  it("takes entries as listed when no signing key is configured (undo trusts nothing then)", async () => {
    const deps = { ...testDeps([]), seal: new UnsignedRecordSeal() };
    await deps.journal.record(journalRecord("j-unsigned"));
    expect(await trustedRecentChanges(deps, { account: ACCOUNT, since })).toHaveLength(1);
  });
});
