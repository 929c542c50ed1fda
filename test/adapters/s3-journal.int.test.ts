import {
  CreateBucketCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { beforeEach, describe, expect, it } from "vitest";
import { S3Journal } from "../../src/adapters/s3-journal.ts";
import { motoClientConfig, motoEndpoint, resetMoto } from "../support/moto.ts";
import { change, journalRecord } from "../usecases/fakes.ts";

const endpoint = motoEndpoint();
const BUCKET = "vigil-journal-test";

describe.skipIf(!endpoint)("S3Journal against moto", () => {
  const s3 = new S3Client(motoClientConfig(endpoint as string));
  let journal: S3Journal;

  beforeEach(async () => {
    await resetMoto(endpoint as string);
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    journal = new S3Journal(s3, BUCKET);
  });

  it("10 concurrent claims of one key: exactly one wins, the others learn who", async () => {
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        journal.claim("finding:x", { holder: `h${i}`, now: 1000, leaseMs: 60_000 }),
      ),
    );
    const winners = results.flatMap((r, i) => (r.claimed ? [`h${i}`] : []));
    expect(winners).toHaveLength(1);
    for (const r of results) {
      if (!r.claimed) expect(r).toEqual({ claimed: false, holder: winners[0], settled: false });
    }
  });

  it("settle makes a claim permanent; release frees it; only the holder can do either", async () => {
    const lease = { now: 1000, leaseMs: 60_000 };
    expect(await journal.claim("k", { holder: "a", ...lease })).toEqual({ claimed: true });
    await journal.release("k", "intruder");
    await journal.settle("k", "intruder");
    expect(await journal.claim("k", { holder: "b", ...lease })).toEqual({
      claimed: false,
      holder: "a",
      settled: false,
    });
    await journal.settle("k", "a");
    // Settled claims never expire.
    expect(await journal.claim("k", { holder: "b", now: 10_000_000, leaseMs: 1 })).toEqual({
      claimed: false,
      holder: "a",
      settled: true,
    });
    await journal.release("k", "a");
    expect(await journal.claim("k", { holder: "b", ...lease })).toEqual({ claimed: true });
  });

  it("an abandoned claim is taken over by exactly one of several concurrent callers", async () => {
    await journal.claim("k", { holder: "dead", now: 0, leaseMs: 1000 });
    const results = await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        journal.claim("k", { holder: `h${i}`, now: 5000, leaseMs: 1000 }),
      ),
    );
    expect(results.filter((r) => r.claimed)).toHaveLength(1);
    expect(results.filter((r) => !r.claimed && r.holder === "dead")).toHaveLength(0);
  });

  it("list reads the records from a time on, oldest first, and nothing but records", async () => {
    const times = ["2026-11-18T23:59:59Z", "2026-11-19T00:00:00Z", "2026-11-20T10:00:00Z"];
    const ids = times.map((t, i) => `${t.replace(/[-:]/g, "")}-0000000${i}`);
    // Written out of order, with claims and index objects beside them in the bucket.
    for (const [i, id] of [...ids.entries()].reverse()) {
      await journal.record(journalRecord(id, { time: times[i] as string }));
    }
    await journal.claim("finding:x", { holder: ids[0] as string, now: 1000, leaseMs: 60_000 });
    const since = Date.parse("2026-11-19T00:00:00.500Z");
    const listed: string[] = [];
    for await (const record of journal.list(since)) listed.push(record.id);
    // The second of `since` is included (ids carry seconds): the filter narrows it further.
    expect(listed).toEqual(ids.slice(1));
    const all: string[] = [];
    for await (const record of journal.list(0)) all.push(record.id);
    expect(all).toEqual(ids);
  });

  it("stores records and reads them back; unknown ids are undefined; unsafe ids refused", async () => {
    const record = journalRecord("20261120T100000Z-0a0b0c0d");
    await journal.record(record);
    expect(await journal.get(record.id)).toEqual(record);
    expect(await journal.get("20261120T100000Z-ffffffff")).toBeUndefined();
    await expect(journal.get("../secrets")).rejects.toThrow(/invalid journal id/);
  });

  it("indexes applied remediations by resource and account, listed from a time", async () => {
    const at = (iso: string) => Date.parse(iso);
    await journal.record(
      journalRecord("r1", { time: "2026-11-20T08:00:00.000Z", findingId: "f1" }),
    );
    await journal.record(
      journalRecord("r2", { time: "2026-11-20T09:30:00.000Z", findingId: "f2" }),
    );
    // Rewritten after another step: indexed once.
    await journal.record(
      journalRecord("r2", {
        time: "2026-11-20T09:30:00.000Z",
        findingId: "f2",
        outcome: "applying",
      }),
    );
    await journal.record(
      journalRecord("r3", { time: "2026-11-20T09:45:00.000Z", applied: [], outcome: "notified" }),
    );
    await journal.record(journalRecord("r4", { time: "2026-11-20T09:50:00.000Z", undoOf: "r1" }));
    await journal.record(
      journalRecord("r5", {
        time: "2026-11-20T09:55:00.000Z",
        findingId: "f5",
        resourceArn: "arn:aws:s3:::other-bucket",
      }),
    );

    expect(
      await journal.recentChanges({
        resourceArn: "arn:aws:s3:::acme-raw-landing-prod",
        since: at("2026-11-20T09:00:00Z"),
      }),
    ).toEqual([{ journalId: "r2", findingId: "f2", time: at("2026-11-20T09:30:00Z"), changes: 1 }]);
    expect(
      (
        await journal.recentChanges({ account: "123456789012", since: at("2026-11-20T09:30:00Z") })
      ).map((c) => c.journalId),
    ).toEqual(["r2", "r5"]);
    expect(
      (await journal.recentChanges({ account: "123456789012", since: 0 })).map((c) => c.journalId),
    ).toEqual(["r1", "r2", "r5"]);

    const keys = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: "by-account/" }));
    expect(keys.KeyCount).toBe(3);
  });

  it("pages through more than 1000 index entries", async () => {
    // Index objects written directly (the layout documented in s3-journal.ts): 1,005 full records
    // would triple the puts for nothing this test is about.
    const keys = Array.from(
      { length: 1005 },
      (_, i) => `by-account/123456789012/${String(1_000_000 + i).padStart(15, "0")}_p${i}_f${i}`,
    );
    for (let i = 0; i < keys.length; i += 100) {
      await Promise.all(
        keys
          .slice(i, i + 100)
          .map((Key) =>
            s3.send(new PutObjectCommand({ Bucket: BUCKET, Key, Body: new Uint8Array(0) })),
          ),
      );
    }
    const changes = await journal.recentChanges({ account: "123456789012", since: 1_000_002 });
    expect(changes).toHaveLength(1003); // more than one ListObjectsV2 page
    // Entries from before the change count was kept count as one change each.
    expect(changes[0]).toEqual({ journalId: "p2", findingId: "f2", time: 1_000_002, changes: 1 });
  }, 60_000);

  it("keeps each run's planned change count in its index entry (issue 14 item 8)", async () => {
    const plan = {
      remediation: "fake",
      finding: journalRecord("x").finding,
      summary: "detach from 7 users",
      changes: Array.from({ length: 7 }, (_, i) => change(i + 1)),
      before: {},
      tags: {},
      reason: "admin",
    };
    await journal.record(
      journalRecord("r7", { time: "2026-11-21T09:00:00.000Z", findingId: "f_7", plan }),
    );
    const [entry] = await journal.recentChanges({
      account: "123456789012",
      since: Date.parse("2026-11-21T00:00:00Z"),
    });
    expect(entry).toEqual({
      journalId: "r7",
      findingId: "f_7",
      time: Date.parse("2026-11-21T09:00:00Z"),
      changes: 7,
    });
  });
});
