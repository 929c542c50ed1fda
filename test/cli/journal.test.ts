import { describe, expect, it } from "vitest";
import { runJournalList, runJournalShow } from "../../src/cli/journal.ts";
import { runRemediateCommand } from "../../src/cli/remediate.ts";
import type { JournalRecord } from "../../src/domain/journal-record.ts";
import { NOW } from "../usecases/fakes.ts";
import { cliApp, fixture, io } from "./remediation-app.ts";

/** Three decisions in one journal: two applied (encryption, IAM role), one failed. */
async function journalWithThree() {
  const app = cliApp();
  for (const event of ["config-s3-encryption-noncompliant", "access-analyzer-iam-role-external"]) {
    await runRemediateCommand({ eventFile: fixture(event) }, io().sink, app.createApp);
  }
  const failed = cliApp({ applyError: { index: 0, error: new Error("AccessDenied") } });
  failed.journal.records.clear();
  await runRemediateCommand(
    { eventFile: fixture("access-analyzer-s3-public") },
    io().sink,
    failed.createApp,
  );
  // The failed run's record, moved into the first app's journal under a later id (which breaks
  // its seal: the seal covers the id).
  const [record] = [...failed.journal.records.values()] as [JournalRecord];
  await app.journal.record({ ...record, id: "20261120T100000Z-00000009" });
  return app;
}

const now = () => NOW;

describe("vigil journal list", () => {
  it("lists the decisions of the last 7 days, newest first, in a table", async () => {
    const app = await journalWithThree();
    const cli = io();
    expect(await runJournalList({ now }, cli.sink, app.createApp)).toBe(0);
    const rows = cli.out[0]?.split("\n").slice(2) ?? [];
    expect(rows.map((row) => row.split(/\s+/)[1])).toEqual([
      "20261120T100000Z-00000009",
      "20261120T100000Z-00000002",
      "20261120T100000Z-00000001",
    ]);
    expect(rows[0]).toMatch(/failed\s+fake-remediation\s+enforce\s+arn:aws:s3:::/);
    expect(cli.text()).toContain("3 of 3 matching record(s) since 2026-11-13T10:00:00.000Z");
  });

  it("filters by outcome, resource (name, ARN or glob) and since; --json is one document", async () => {
    const app = await journalWithThree();
    const byOutcome = io();
    await runJournalList({ now, outcome: ["failed"], json: true }, byOutcome.sink, app.createApp);
    const doc = JSON.parse(byOutcome.text());
    expect(doc.records.map((r: JournalRecord) => r.id)).toEqual(["20261120T100000Z-00000009"]);
    expect(doc).toMatchObject({ matched: 1, scanned: 3 });

    const ids = async (options: Parameters<typeof runJournalList>[0]) => {
      const cli = io();
      await runJournalList({ now, json: true, ...options }, cli.sink, app.createApp);
      return JSON.parse(cli.text()).records.map((r: JournalRecord) => r.id);
    };
    expect(await ids({ resource: "acme-raw-landing-prod" })).toEqual(["20261120T100000Z-00000001"]);
    expect(await ids({ resource: "arn:aws:iam::*" })).toEqual(["20261120T100000Z-00000002"]);
    expect(await ids({ since: "2026-11-21T00:00:00Z" })).toEqual([]);
    expect(await ids({ outcome: ["applied"], limit: "1" })).toEqual(["20261120T100000Z-00000002"]);
  });

  it("bad --outcome, --since or --limit exit 2 before reading anything", async () => {
    const app = cliApp();
    for (const options of [{ outcome: ["aplied"] }, { since: "last week" }, { limit: "0" }]) {
      const cli = io();
      expect(await runJournalList({ now, ...options }, cli.sink, app.createApp)).toBe(2);
      expect(cli.err.join("\n")).toMatch(/--(outcome|since|limit)/);
    }
    expect(app.requests).toEqual([]);
  });
});

describe("vigil journal show", () => {
  it("prints one record in words: outcome, finding, steps, before and after, seal, undo", async () => {
    const app = await journalWithThree();
    const cli = io();
    expect(await runJournalShow({ id: "20261120T100000Z-00000001" }, cli.sink, app.createApp)).toBe(
      0,
    );
    const text = cli.text();
    expect(text).toContain("outcome: applied");
    expect(text).toContain("finding: s3-encryption on arn:aws:s3:::acme-raw-landing-prod");
    expect(text).toContain("1. s3:FakeAction1: fake change 1 [applied]");
    expect(text).toMatch(/before:\n {4}\{\n {6}"state": "before"/);
    expect(text).toContain("seal: valid");
    expect(text).toContain("undo: vigil undo 20261120T100000Z-00000001 --dry-run");
  });

  it("an unknown id exits 2; --json prints the record; an altered record says its seal is broken", async () => {
    const app = await journalWithThree();
    const missing = io();
    expect(
      await runJournalShow({ id: "20261120T100000Z-ffffffff" }, missing.sink, app.createApp),
    ).toBe(2);
    expect(missing.err.join("\n")).toContain("no journal record 20261120T100000Z-ffffffff");
    const json = io();
    await runJournalShow({ id: "20261120T100000Z-00000001", json: true }, json.sink, app.createApp);
    expect(JSON.parse(json.text())).toMatchObject({ outcome: "applied", sealProblem: null });
    // journalWithThree stored this record under a new id: its seal no longer matches.
    const moved = io();
    await runJournalShow({ id: "20261120T100000Z-00000009" }, moved.sink, app.createApp);
    expect(moved.text()).toContain("outcome: failed");
    expect(moved.text()).toMatch(/seal: .*invalid signature/);
  });
});
