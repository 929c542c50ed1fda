import { describe, expect, it } from "vitest";
import { InputError } from "../../src/domain/errors.ts";
import { remediateFinding } from "../../src/usecases/remediate-finding.ts";
import { undoRemediation } from "../../src/usecases/undo-remediation.ts";
import {
  awsError,
  change,
  type FakeOptions,
  fakeRemediation,
  makeFinding,
  testDeps,
} from "./fakes.ts";

async function remediated(options: FakeOptions = {}) {
  const remediation = fakeRemediation({ changes: [change(1), change(2)], ...options });
  const deps = testDeps([remediation]);
  const outcome = await remediateFinding(deps, makeFinding());
  expect(outcome.outcome).toBe("applied");
  deps.notifier.sent.length = 0;
  return { deps, remediation, journalId: outcome.journalId };
}

describe("undoRemediation", () => {
  it("calls undo with the applied changes, journals its own record pointing at the original, notifies", async () => {
    const { deps, remediation, journalId } = await remediated();
    const outcome = await undoRemediation(deps, journalId);
    expect(outcome).toMatchObject({
      outcome: "undone",
      journalId,
      undoJournalId: "j2",
      after: { state: "before" },
    });

    const undoCall = remediation.calls.find((c) => c.phase === "undo");
    expect(undoCall?.applied).toEqual([change(1), change(2)]);

    const record = await deps.journal.get("j2");
    expect(record).toMatchObject({
      undoOf: journalId,
      outcome: "undone",
      before: { state: "after" },
      after: { state: "before" },
      undoCommand: null,
    });
    // An undo is not a change for the loop breaker or the rate limit.
    expect(await deps.journal.recentChanges({ account: "123456789012", since: 0 })).toHaveLength(1);

    expect(deps.notifier.sent).toHaveLength(1);
    expect(deps.notifier.sent[0]?.subject).toMatch(/undone/);
    expect(deps.notifier.sent[0]?.body).toContain(`Changes undone (from ${journalId})`);
  });

  it("a record can be undone once", async () => {
    const { deps, remediation, journalId } = await remediated();
    await undoRemediation(deps, journalId);
    const again = await undoRemediation(deps, journalId);
    expect(again).toMatchObject({
      outcome: "already-undone",
      reason: `${journalId} was already undone by j2`,
    });
    expect(remediation.calls.filter((c) => c.phase === "undo")).toHaveLength(1);
  });

  it("refuses unknown ids, records that changed nothing and undo records", async () => {
    const { deps, journalId } = await remediated();
    expect((await undoRemediation(deps, "nope")).outcome).toBe("not-found");
    await undoRemediation(deps, journalId);
    expect(await undoRemediation(deps, "j2")).toMatchObject({
      outcome: "nothing-to-undo",
      reason: /itself an undo/,
    });

    const noop = testDeps([fakeRemediation({ changes: [] })]);
    const outcome = await remediateFinding(noop, makeFinding());
    expect(await undoRemediation(noop, outcome.journalId)).toMatchObject({
      outcome: "nothing-to-undo",
      reason: /changed nothing \(no-op\)/,
    });
  });

  it("undoes the applied part of a remediation that failed midway", async () => {
    const remediation = fakeRemediation({
      changes: [change(1), change(2)],
      applyError: { index: 1, error: awsError("AccessDenied", 403) },
    });
    const deps = testDeps([remediation]);
    const failed = await remediateFinding(deps, makeFinding());
    expect(failed.outcome).toBe("failed");
    await undoRemediation(deps, failed.journalId);
    expect(remediation.calls.find((c) => c.phase === "undo")?.applied).toEqual([change(1)]);
  });

  it("an undo that does not restore is undo-failed, critical, and may be tried again", async () => {
    const { deps, journalId } = await remediated({ undo: { ok: false, detail: "policy differs" } });
    const outcome = await undoRemediation(deps, journalId);
    expect(outcome).toMatchObject({ outcome: "undo-failed", reason: /policy differs/ });
    expect(deps.notifier.sent[0]?.severity).toBe("critical");
    expect((await undoRemediation(deps, journalId)).outcome).toBe("undo-failed");
  });

  it("permanent errors become undo-failed; transient ones are rethrown and the undo stays possible", async () => {
    const permanent = await remediated({ undoError: awsError("AccessDenied", 403) });
    expect(await undoRemediation(permanent.deps, permanent.journalId)).toMatchObject({
      outcome: "undo-failed",
      reason: /AccessDenied/,
    });

    const transient = await remediated({ undoError: awsError("SlowDown", 503) });
    await expect(undoRemediation(transient.deps, transient.journalId)).rejects.toThrow("SlowDown");
    expect(transient.deps.journal.claims.has(`undo:${transient.journalId}`)).toBe(false);
  });

  it("a before-state its remediation cannot read is InputError: nothing claimed, changed or journaled", async () => {
    const { deps, remediation, journalId } = await remediated();
    remediation.parseBefore = () => {
      throw new InputError("before-state does not match");
    };
    await expect(undoRemediation(deps, journalId)).rejects.toBeInstanceOf(InputError);
    expect(remediation.calls.filter((c) => c.phase !== "plan" && c.phase !== "apply")).toEqual([
      expect.objectContaining({ phase: "verify" }),
    ]);
    expect(deps.journal.claims.has(`undo:${journalId}`)).toBe(false);
    expect(await deps.journal.get("j2")).toBeUndefined();
    expect(deps.notifier.sent).toHaveLength(0);
  });
});
