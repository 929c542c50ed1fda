import { describe, expect, it } from "vitest";
import { runRemediateCommand, runUndoCommand } from "../../src/cli/remediate.ts";
import { cliApp, fixture, io } from "./remediation-app.ts";

const ID = "20261120T100000Z-00000001";

/** An applied remediation in the shared journal, ready to undo. */
async function applied(options: Parameters<typeof cliApp>[0] = {}) {
  const app = cliApp(options);
  await runRemediateCommand(
    { eventFile: fixture("config-s3-encryption-noncompliant") },
    io().sink,
    app.createApp,
  );
  return app;
}

const undoCalls = (app: Awaited<ReturnType<typeof applied>>) =>
  app.remediation.calls.filter((c) => c.phase === "undo");

describe("vigil undo: preview, then confirm", () => {
  it("--dry-run shows the steps and before Vigil / after Vigil / now / undo sets, and changes nothing", async () => {
    const app = await applied();
    const cli = io();
    expect(await runUndoCommand({ id: ID, dryRun: true }, cli.sink, app.createApp)).toBe(0);
    const text = cli.text();
    expect(text).toContain("Undo would:\n  1. reverse s3:FakeAction1: fake change 1");
    expect(text).toMatch(/setting\s+before Vigil\s+after Vigil\s+now\s+undo sets/);
    expect(text).toMatch(/state\s+"before"\s+"after"\s+"after"\s+"before"/);
    expect(text).toContain(`would-undo: undo would restore the state before ${ID}`);
    expect(undoCalls(app)).toEqual([]);
    // Nothing journaled: the record can still be undone.
    expect(app.journal.records.size).toBe(1);
  });

  it("--dry-run --json is one document with the diff rows", async () => {
    const app = await applied();
    const cli = io();
    expect(
      await runUndoCommand({ id: ID, dryRun: true, json: true }, cli.sink, app.createApp),
    ).toBe(0);
    expect(JSON.parse(cli.text())).toMatchObject({
      outcome: "would-undo",
      diff: [{ path: "state", before: '"before"', afterVigil: '"after"', now: '"after"' }],
    });
  });

  it("a resource changed since is shown and refused by the preview (exit 1)", async () => {
    const app = await applied();
    app.remediation.verify = async () => ({
      ok: true,
      after: { state: "fixed by hand" },
      detail: "",
    });
    const cli = io();
    expect(await runUndoCommand({ id: ID, dryRun: true }, cli.sink, app.createApp)).toBe(1);
    expect(cli.text()).toMatch(/state\s+"before"\s+"after"\s+"fixed by hand"\s+"before"/);
    expect(cli.text()).toContain("refused: the resource changed since");
  });

  it("asks, and undoes only on yes", async () => {
    const app = await applied();
    const questions: string[] = [];
    const no = io();
    const declined = await runUndoCommand(
      {
        id: ID,
        confirm: async (q) => {
          questions.push(q);
          return false;
        },
      },
      no.sink,
      app.createApp,
    );
    expect(declined).toBe(1);
    expect(no.err.join("\n")).toContain("not confirmed: nothing was changed");
    expect(undoCalls(app)).toEqual([]);

    const yes = io();
    expect(
      await runUndoCommand({ id: ID, confirm: async () => true }, yes.sink, app.createApp),
    ).toBe(0);
    expect(questions).toEqual([`Undo ${ID}? [y/N] `]);
    expect(yes.text()).toContain("would-undo");
    expect(yes.text()).toContain(`undone: restored the state before ${ID}`);
    expect(undoCalls(app)).toHaveLength(1);
  });

  it("without a terminal and without --yes nothing is changed (exit 2); --json needs --yes or --dry-run", async () => {
    const app = await applied();
    const cli = io();
    expect(await runUndoCommand({ id: ID }, cli.sink, app.createApp)).toBe(2);
    expect(cli.err.join("\n")).toContain("add --yes to undo without asking");
    const json = io();
    expect(await runUndoCommand({ id: ID, json: true }, json.sink, app.createApp)).toBe(2);
    expect(json.out).toEqual([]);
    expect(undoCalls(app)).toEqual([]);
  });
});
