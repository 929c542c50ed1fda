import { describe, expect, it } from "vitest";
import { isTransientAwsError } from "../../src/domain/aws-errors.ts";
import { remediateFinding } from "../../src/usecases/remediate-finding.ts";
import {
  CLAIM_LEASE_MS,
  claimKeyFor,
  newJournalId,
} from "../../src/usecases/remediation-claims.ts";
import {
  awsError,
  change,
  fakeRemediation,
  logLines,
  makeFinding,
  NOW,
  testDeps,
} from "./fakes.ts";
import { decisionLines, ENFORCE, setup } from "./runner-support.ts";

describe("remediateFinding: enforce", () => {
  it("applies each change in order, journals every step, verifies, notifies with the undo command", async () => {
    const changes = [change(1), change(2), change(3)];
    const { deps, remediation, phases } = setup({ changes });
    const finding = makeFinding();
    const outcome = await remediateFinding(deps, finding);

    expect(outcome).toMatchObject({
      outcome: "applied",
      journalId: "j1",
      remediation: "fake-remediation",
      mode: "enforce",
      dryRun: false,
      notified: true,
      undoCommand: "vigil undo j1",
    });
    expect(phases()).toEqual(["plan", "apply", "apply", "apply", "verify"]);
    expect(remediation.calls.filter((c) => c.phase === "apply").map((c) => c.change)).toEqual(
      changes,
    );

    const record = await deps.journal.get("j1");
    expect(record).toMatchObject({
      outcome: "applied",
      findingId: finding.id,
      eventId: finding.eventId,
      resourceArn: finding.resourceArn,
      account: finding.account,
      region: finding.region,
      remediation: "fake-remediation",
      mode: "enforce",
      before: { state: "before" },
      after: { state: "after" },
      applied: changes,
      undoCommand: "vigil undo j1",
    });
    expect(record?.steps.map((s) => [s.index, s.status])).toEqual([
      [0, "applied"],
      [1, "applied"],
      [2, "applied"],
    ]);
    expect(record?.reason).toMatch(/verified: looks right/);

    expect(deps.notifier.sent).toHaveLength(1);
    const [notification] = deps.notifier.sent;
    expect(notification?.severity).toBe("info");
    expect(notification?.body).toContain("Undo: vigil undo j1");
    expect(notification?.dedupKey).toBe(
      "vigil:remediation:123456789012/eu-west-1/acme-raw-landing-prod/s3-bucket-server-side-encryption-enabled",
    );

    const lines = decisionLines(deps);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: "info",
      message: "remediation applied",
      attributes: {
        decision: "applied",
        journalId: "j1",
        findingId: finding.id,
        before: { state: "before" },
        after: { state: "after" },
        plan: expect.objectContaining({ summary: "fix acme-raw-landing-prod" }),
      },
    });
    expect(await deps.journal.recentChanges({ account: finding.account, since: 0 })).toEqual([
      // The run's planned change count: the rate limit counts changes, not runs.
      { journalId: "j1", findingId: finding.id, time: NOW, changes: 3 },
    ]);
  });

  it("journals the plan before the first change and each step as it is applied (a crash mid-apply leaves a record)", async () => {
    const { deps } = setup({ changes: [change(1), change(2)] });
    const seen: string[] = [];
    const record = deps.journal.record.bind(deps.journal);
    deps.journal.record = async (entry) => {
      seen.push(`record ${entry.outcome}, ${entry.stepLog?.count ?? "?"} steps`);
      await record(entry);
    };
    const appendStep = deps.journal.appendStep.bind(deps.journal);
    deps.journal.appendStep = async (owner, entry) => {
      seen.push(`step ${entry.seq} ${entry.step.status}`);
      await appendStep(owner, entry);
    };
    await remediateFinding(deps, makeFinding());
    // The record is written twice (plan, conclusion), never once per step.
    expect(seen).toEqual([
      "record applying, ? steps",
      "step 0 applied",
      "step 1 applied",
      "record applied, 2 steps",
    ]);
  });
});

describe("remediateFinding: idempotency", () => {
  it("the same finding twice: the second is a duplicate and changes nothing", async () => {
    const { deps, phases } = setup();
    const finding = makeFinding();
    await remediateFinding(deps, finding);
    const callsAfterFirst = phases().length;

    const second = await remediateFinding(deps, { ...finding, eventId: "redelivered" });
    expect(second.outcome).toBe("duplicate");
    expect(second.reason).toBe("already handled by journal record j1");
    expect(phases()).toHaveLength(callsAfterFirst);
    expect(deps.notifier.sent).toHaveLength(1);
    expect((await deps.journal.get("j2"))?.outcome).toBe("duplicate");
    expect(decisionLines(deps)).toHaveLength(2);
  });

  it("two concurrent deliveries: exactly one applies", async () => {
    const { deps, phases } = setup();
    const finding = makeFinding();
    const outcomes = await Promise.all([
      remediateFinding(deps, finding),
      remediateFinding(deps, finding),
    ]);
    expect(outcomes.map((o) => o.outcome).sort()).toEqual(["applied", "duplicate"]);
    expect(phases().filter((p) => p === "apply")).toHaveLength(1);
    expect(outcomes.find((o) => o.outcome === "duplicate")?.reason).toMatch(
      /already handled by journal record j\d/,
    );
  });

  it("a finding handled in notify mode (or dry run) is handled again once promoted to enforce", async () => {
    const notify = setup({}, { defaultMode: "notify" });
    const finding = makeFinding();
    expect((await remediateFinding(notify.deps, finding)).outcome).toBe("notified");
    expect((await remediateFinding(notify.deps, finding)).outcome).toBe("duplicate");

    const promoted = testDeps([notify.remediation], ENFORCE);
    promoted.journal = notify.deps.journal;
    expect((await remediateFinding(promoted, finding)).outcome).toBe("applied");

    const dryRun = testDeps([notify.remediation], { defaultMode: "enforce", dryRun: true });
    const other = makeFinding({ id: "finding-2" });
    dryRun.journal = notify.deps.journal;
    expect((await remediateFinding(dryRun, other)).outcome).toBe("would-change");
    expect((await remediateFinding(promoted, other)).outcome).toBe("applied");
  });

  it("a claim whose run died is taken over once its lease ran out", async () => {
    const { deps, phases } = setup();
    const finding = makeFinding();
    await deps.journal.claim(claimKeyFor(finding, "enforce", false), {
      holder: "dead-run",
      now: NOW - CLAIM_LEASE_MS - 1,
      leaseMs: CLAIM_LEASE_MS,
    });
    const outcome = await remediateFinding(deps, finding);
    expect(outcome.outcome).toBe("applied");
    expect(phases()).toContain("apply");
  });

  it("an in-progress claim makes a duplicate that says so", async () => {
    const { deps } = setup();
    const finding = makeFinding();
    await deps.journal.claim(claimKeyFor(finding, "enforce", false), {
      holder: "running",
      now: NOW,
      leaseMs: CLAIM_LEASE_MS,
    });
    const outcome = await remediateFinding(deps, finding);
    expect(outcome).toMatchObject({
      outcome: "duplicate",
      reason: "already handled by journal record running (still in progress)",
    });
  });
});

describe("remediateFinding: lazy remediations (the Lambdas' catalog)", () => {
  function lazySetup(load: () => Promise<ReturnType<typeof fakeRemediation>>) {
    const remediation = fakeRemediation();
    const { deps } = setup();
    let loads = 0;
    const entry = {
      name: remediation.name,
      handles: remediation.handles,
      load: () => {
        loads++;
        return load();
      },
    };
    return { deps: { ...deps, remediations: [entry] }, remediation, loads: () => loads };
  }

  it("loads the remediation of a finding it handles, then drives it as a loaded one", async () => {
    const loaded = fakeRemediation();
    const { deps, loads } = lazySetup(async () => loaded);
    const outcome = await remediateFinding(deps, makeFinding());
    expect(outcome.outcome).toBe("applied");
    expect(loads()).toBe(1);
    expect(loaded.calls.map((c) => c.phase)).toEqual(["plan", "apply", "verify"]);
  });

  it("loads nothing for a finding no entry handles", async () => {
    const { deps, loads } = lazySetup(async () => fakeRemediation());
    const outcome = await remediateFinding(deps, makeFinding({ kind: "iam-risky-policy" }));
    expect(outcome.outcome).toBe("ignored");
    expect(loads()).toBe(0);
  });

  it("a module that fails to load: failed, journaled under the remediation's name, told", async () => {
    const { deps } = lazySetup(async () => {
      throw new Error("Cannot find module './chunks/s3-default-encryption-X.mjs'");
    });
    const outcome = await remediateFinding(deps, makeFinding());
    expect(outcome.outcome).toBe("failed");
    const record = await deps.journal.get(outcome.journalId);
    expect(record?.remediation).toBe("fake-remediation");
    expect(record?.error?.message).toMatch(/Cannot find module/);
    expect(deps.notifier.sent).toHaveLength(1);
  });
});

describe("remediateFinding: errors", () => {
  it("transient error while planning: rethrown after releasing the claim; the retry runs", async () => {
    const { deps, remediation } = setup({
      planError: awsError("ThrottlingException", 400, { $retryable: { throttling: true } }),
    });
    const finding = makeFinding();
    await expect(remediateFinding(deps, finding)).rejects.toThrow("ThrottlingException happened");
    expect(deps.journal.claims.size).toBe(0);
    expect((await deps.journal.get("j1"))?.outcome).toBe("transient-error");
    expect(deps.notifier.sent).toHaveLength(0);
    expect(decisionLines(deps)).toEqual([
      expect.objectContaining({
        level: "warn",
        attributes: expect.objectContaining({ decision: "transient-error" }),
      }),
    ]);

    const retry = testDeps([fakeRemediation()], ENFORCE);
    retry.journal = deps.journal;
    expect((await remediateFinding(retry, finding)).outcome).toBe("applied");
    expect(remediation.calls.map((c) => c.phase)).toEqual(["plan"]);
  });

  it("transient error mid-apply: the journal shows exactly which step applied and which failed", async () => {
    const { deps, phases } = setup({
      changes: [change(1), change(2), change(3)],
      applyError: { index: 1, error: awsError("ServiceUnavailable", 503) },
    });
    await expect(remediateFinding(deps, makeFinding())).rejects.toThrow();
    expect(phases()).toEqual(["plan", "apply", "apply"]);
    const record = await deps.journal.get("j1");
    expect(record?.steps.map((s) => [s.index, s.status])).toEqual([
      [0, "applied"],
      [1, "failed"],
    ]);
    expect(record?.applied).toEqual([change(1)]);
    expect(record?.undoCommand).toBe("vigil undo j1");
    expect(deps.journal.claims.size).toBe(0);
  });

  it("permanent error mid-apply: outcome failed, not thrown, journaled exactly and alerted", async () => {
    const { deps, phases } = setup({
      changes: [change(1), change(2), change(3)],
      applyError: { index: 1, error: awsError("AccessDenied", 403) },
    });
    const outcome = await remediateFinding(deps, makeFinding());
    expect(outcome.outcome).toBe("failed");
    expect(outcome.reason).toBe(
      "step 2 of 3 (s3:FakeAction2) failed: AccessDenied: AccessDenied happened; 1 change(s) applied before it: undo with vigil undo j1",
    );
    expect(phases()).toEqual(["plan", "apply", "apply"]);
    const record = await deps.journal.get("j1");
    expect(record).toMatchObject({
      outcome: "failed",
      applied: [change(1)],
      error: { name: "AccessDenied" },
    });
    const alert = deps.notifier.sent[0];
    expect(alert?.severity).toBe("critical");
    expect(alert?.body).toContain("2. [FAILED] s3:FakeAction2");
    expect(alert?.body).toContain("Undo: vigil undo j1");
    // Released: the sweep retries a failed fix (Config sends no second event).
    expect(deps.journal.claims.size).toBe(0);
    expect(decisionLines(deps)).toEqual([expect.objectContaining({ level: "error" })]);
  });

  it("resource gone while planning: failed with a warning, nothing applied", async () => {
    const { deps, phases } = setup({ planError: awsError("NoSuchBucket", 404) });
    const outcome = await remediateFinding(deps, makeFinding());
    expect(outcome).toMatchObject({
      outcome: "failed",
      reason: "planning failed: NoSuchBucket: NoSuchBucket happened",
    });
    expect(phases()).toEqual(["plan"]);
    expect(deps.notifier.sent[0]?.severity).toBe("warning");
  });

  it("verify failure → verify-failed, critical", async () => {
    const { deps } = setup({
      verify: { ok: false, detail: "encryption still AES256", after: { algo: "AES256" } },
    });
    const outcome = await remediateFinding(deps, makeFinding());
    expect(outcome.outcome).toBe("verify-failed");
    expect(outcome.reason).toMatch(/encryption still AES256/);
    expect(deps.notifier.sent[0]?.severity).toBe("critical");
    expect((await deps.journal.get("j1"))?.after).toEqual({ algo: "AES256" });
  });

  it("a notifier failure does not undo or repeat the remediation", async () => {
    const { deps } = setup();
    deps.notifier.notify = async () => {
      throw awsError("InternalError", 500);
    };
    const outcome = await remediateFinding(deps, makeFinding());
    expect(outcome).toMatchObject({ outcome: "applied", notified: false });
    expect(
      logLines(deps.logger).some((l) => l.message === "remediation notification not delivered"),
    ).toBe(true);
  });
});

describe("helpers", () => {
  it("classifies transient AWS errors", () => {
    expect(isTransientAwsError(awsError("ThrottlingException", 400))).toBe(true);
    expect(isTransientAwsError(awsError("Whatever", 503))).toBe(true);
    expect(isTransientAwsError(awsError("Throttled", 429))).toBe(true);
    expect(isTransientAwsError(Object.assign(new Error("x"), { code: "ECONNRESET" }))).toBe(true);
    expect(isTransientAwsError(awsError("AccessDenied", 403))).toBe(false);
    expect(isTransientAwsError(awsError("NoSuchEntity", 404))).toBe(false);
    expect(isTransientAwsError(new Error("plain"))).toBe(false);
  });

  it("makes time-sortable journal ids", () => {
    const id = newJournalId(NOW);
    expect(id).toMatch(/^20261120T100000Z-[0-9a-f]{8}$/);
    expect(newJournalId(NOW + 1000) > id).toBe(true);
  });
});
