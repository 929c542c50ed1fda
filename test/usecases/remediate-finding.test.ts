import { describe, expect, it } from "vitest";
import type { RemediationConfigInput } from "../../src/config/remediation-config.ts";
import {
  CLAIM_LEASE_MS,
  claimKeyFor,
  handleIntakeResult,
  isTransientAwsError,
  newJournalId,
  remediateFinding,
} from "../../src/usecases/remediate-finding.ts";
import {
  awsError,
  change,
  type FakeOptions,
  fakeRemediation,
  logLines,
  makeFinding,
  NOW,
  testDeps,
} from "./fakes.ts";

const ENFORCE: RemediationConfigInput = { defaultMode: "enforce" };

function setup(options: FakeOptions = {}, config: RemediationConfigInput = ENFORCE) {
  const remediation = fakeRemediation(options);
  const deps = testDeps([remediation], config);
  const phases = () => remediation.calls.map((c) => c.phase);
  return { remediation, deps, phases };
}

/** The one log line a decision writes (the runner's, identified by its `decision` attribute). */
function decisionLines(deps: ReturnType<typeof testDeps>) {
  return logLines(deps.logger).filter((l) => "decision" in l.attributes);
}

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

describe("remediateFinding: modes and skips", () => {
  it("no remediation handles the finding → ignored, journaled, logged, nothing claimed", async () => {
    const { deps, phases } = setup({ kinds: ["iam-risky-policy"] });
    const outcome = await remediateFinding(deps, makeFinding());
    expect(outcome.outcome).toBe("ignored");
    expect(outcome.reason).toMatch(/no remediation handles s3-encryption on AWS::S3::Bucket/);
    expect(phases()).toEqual([]);
    expect(deps.journal.claims.size).toBe(0);
    expect((await deps.journal.get(outcome.journalId))?.outcome).toBe("ignored");
    expect(decisionLines(deps)).toHaveLength(1);
    expect(deps.notifier.sent).toHaveLength(0);
  });

  it("nothing to change → no-op, no notification", async () => {
    const { deps, phases } = setup({ changes: [] });
    const outcome = await remediateFinding(deps, makeFinding());
    expect(outcome.outcome).toBe("no-op");
    expect(outcome.reason).toBe("nothing to change: already fine");
    expect(phases()).toEqual(["plan"]);
    expect(deps.notifier.sent).toHaveLength(0);
  });

  it("declined: told once per resource, rule and state; later evaluations are quiet no-ops", async () => {
    const said =
      "rule iam-user-no-policies-check flags user etl-bot, but none of its policies (ReadOnlyAccess) is risky";
    const { deps, phases } = setup({ kinds: ["iam-risky-policy"], changes: [], declined: said });
    const finding = makeFinding({
      rule: "iam-user-no-policies-check",
      kind: "iam-risky-policy",
      resourceType: "AWS::IAM::User",
      resourceArn: "arn:aws:iam::123456789012:user/etl-bot",
    });
    const first = await remediateFinding(deps, finding);
    expect(first).toMatchObject({ outcome: "declined", reason: `not changed: ${said}` });
    expect(deps.notifier.sent).toEqual([
      expect.objectContaining({
        severity: "info",
        subject: expect.stringMatching(/left as is \(told once\)/),
        body: expect.stringContaining(
          `Vigil will not change iam-risky-policy on ${finding.resourceArn}`,
        ),
      }),
    ]);

    // Config evaluates again (new recordedAt: a new finding id for the runner), same state: quiet.
    const again = await remediateFinding(deps, {
      ...finding,
      id: "finding-2",
      observedAt: "2026-11-21T09:00:00.000Z",
    });
    expect(again.outcome).toBe("no-op");
    expect(again.reason).toContain(`(already told, journal record ${first.journalId})`);
    expect(deps.notifier.sent).toHaveLength(1);

    // Another state (another policy attached): told again.
    const other = setup({
      kinds: ["iam-risky-policy"],
      changes: [],
      declined: `${said}, ReadOnlyAccess2`,
    });
    other.deps.journal = deps.journal;
    const changed = await remediateFinding(other.deps, {
      ...finding,
      id: "finding-3",
      observedAt: "2026-11-22T09:00:00.000Z",
    });
    expect(changed.outcome).toBe("declined");
    expect(phases().filter((p) => p !== "plan")).toEqual([]);
  });

  it("observe: logs the plan, changes nothing, tells nobody", async () => {
    const { deps, phases } = setup({}, { defaultMode: "observe" });
    const outcome = await remediateFinding(deps, makeFinding());
    expect(outcome.outcome).toBe("observed");
    expect(phases()).toEqual(["plan"]);
    expect(deps.notifier.sent).toHaveLength(0);
    const [line] = decisionLines(deps);
    expect(line?.attributes.plan).toMatchObject({ changes: [change(1)] });
  });

  it("notify: alerts with the planned change, applies nothing", async () => {
    const { deps, phases } = setup({}, { defaultMode: "notify" });
    const outcome = await remediateFinding(deps, makeFinding());
    expect(outcome.outcome).toBe("notified");
    expect(phases()).toEqual(["plan"]);
    expect(deps.notifier.sent[0]?.severity).toBe("warning");
    expect(deps.notifier.sent[0]?.body).toContain("1. [not applied] s3:FakeAction1: fake change 1");
    expect(deps.notifier.sent[0]?.body).not.toContain("Undo:");
  });

  it("mode per kind and per rule override the default", async () => {
    const byKind = setup({}, { defaultMode: "observe", modes: { "s3-encryption": "enforce" } });
    expect((await remediateFinding(byKind.deps, makeFinding())).outcome).toBe("applied");
    const byRule = setup(
      {},
      {
        defaultMode: "enforce",
        modes: { "s3-encryption": "enforce", "s3-bucket-server-side-encryption-enabled": "notify" },
      },
    );
    expect((await remediateFinding(byRule.deps, makeFinding())).outcome).toBe("notified");
  });

  it("global dry run: enforce becomes would-change; nothing applied, people told", async () => {
    const { deps, phases } = setup({}, { defaultMode: "enforce", dryRun: true });
    const outcome = await remediateFinding(deps, makeFinding());
    expect(outcome).toMatchObject({ outcome: "would-change", dryRun: true, applied: [] });
    expect(phases()).toEqual(["plan"]);
    expect(deps.notifier.sent[0]?.subject).toMatch(/would fix \(dry run\)/);
  });

  it("protected principal: never touched, alert", async () => {
    const { deps, phases } = setup({ changes: [change(1, { RoleName: "BreakGlassAdmin" })] });
    const outcome = await remediateFinding(deps, makeFinding());
    expect(outcome.outcome).toBe("protected");
    expect(phases()).toEqual(["plan"]);
    expect(deps.notifier.sent[0]?.severity).toBe("warning");
    expect(deps.notifier.sent[0]?.body).toContain("role/BreakGlassAdmin is protected");
  });

  // Tag exemptions count only with exemptions.tags "unverified" (issue 14 item 3: off by default).
  const TAGS_COUNT: RemediationConfigInput = { ...ENFORCE, exemptions: { tags: "unverified" } };

  it("valid exemption: skipped, told once per exemption (issue 14), claim released so the sweep looks again after expiry", async () => {
    const tags = { "vigil:exempt": "website, owner web-team", "vigil:exempt-until": "2026-12-01" };
    const { deps, phases } = setup({ tags }, TAGS_COUNT);
    const finding = makeFinding();
    const outcome = await remediateFinding(deps, finding);
    expect(outcome.outcome).toBe("exempt");
    expect(outcome.reason).toMatch(
      /exempt until 2026-12-02T00:00:00.000Z: website, owner web-team \[resource tags\]/,
    );
    expect(phases()).toEqual(["plan"]);
    expect(deps.notifier.sent).toHaveLength(1);
    expect(deps.notifier.sent[0]?.subject).toMatch(/exempt, not changed/);
    // Only the "told" marker stays claimed; the finding's own claim is released.
    expect([...deps.journal.claims.keys()]).toEqual([expect.stringMatching(/^exempt:/)]);
    const again = await remediateFinding(deps, finding);
    expect(again.outcome).toBe("exempt");
    expect(again.reason).toMatch(/already told/);
    expect(deps.notifier.sent).toHaveLength(1);
  });

  it("exemption tags are ignored by default: the resource is fixed and people hear someone tried", async () => {
    const tags = { "vigil:exempt": "demo", "vigil:exempt-until": "2026-12-01" };
    const { deps, phases } = setup({ tags });
    const outcome = await remediateFinding(deps, makeFinding());
    expect(outcome.outcome).toBe("applied");
    expect(phases()).toContain("apply");
    expect(deps.notifier.sent[0]?.body).toContain(
      'Exemption NOT honoured: exemption tags "vigil:exempt"/"vigil:exempt-until" are not honoured (remediation.exemptions.tags is off)',
    );
  });

  it("central exemption list: honoured with its approver, told once, told again when renewed", async () => {
    const entry = {
      resource: "arn:aws:s3:::acme-*",
      reason: "partner data room",
      approver: "security (SEC-1234)",
      until: "2026-12-01",
    };
    const { deps, phases } = setup({}, { ...ENFORCE, exemptions: { list: [entry] } });
    const finding = makeFinding();
    const first = await remediateFinding(deps, finding);
    expect(first.outcome).toBe("exempt");
    expect(first.reason).toContain(
      "partner data room (approved by security (SEC-1234)) [central exemption list]",
    );
    expect(phases()).toEqual(["plan"]);
    await remediateFinding(deps, finding);
    expect(deps.notifier.sent).toHaveLength(1);

    // Renewed: a new exemption, told again.
    const renewed = setup(
      {},
      { ...ENFORCE, exemptions: { list: [{ ...entry, until: "2027-01-15" }] } },
    );
    renewed.deps.journal = deps.journal;
    await remediateFinding(renewed.deps, finding);
    expect(renewed.deps.notifier.sent).toHaveLength(1);
  });

  it("a central entry past maxExemptionDays is not honoured (fail closed)", async () => {
    const entry = {
      resource: "arn:aws:s3:::*",
      reason: "forever",
      approver: "me",
      until: "2030-01-01",
    };
    const { deps } = setup({}, { ...ENFORCE, exemptions: { list: [entry] } });
    const outcome = await remediateFinding(deps, makeFinding());
    expect(outcome.outcome).toBe("applied");
    expect(deps.notifier.sent[0]?.body).toMatch(
      /central exemption arn:aws:s3:::\*: .* more than 366 days away/,
    );
  });

  it("expired exemption: NOT exempt (fail closed), the notification says why", async () => {
    const tags = { "vigil:exempt": "website", "vigil:exempt-until": "2026-11-01" };
    const { deps, phases } = setup({ tags }, TAGS_COUNT);
    const outcome = await remediateFinding(deps, makeFinding());
    expect(outcome.outcome).toBe("applied");
    expect(phases()).toContain("apply");
    expect(deps.notifier.sent[0]?.severity).toBe("warning");
    expect(deps.notifier.sent[0]?.body).toContain(
      "Exemption NOT honoured: exemption expired at 2026-11-02",
    );
    expect((await deps.journal.get("j1"))?.exemptionProblem).toMatch(/expired/);
  });

  it("malformed exemption in observe mode: still told (a person tried to exempt)", async () => {
    const tags = { "vigil:exempt": "website", "vigil:exempt-until": "soon" };
    const { deps } = setup(
      { tags },
      { defaultMode: "observe", exemptions: { tags: "unverified" } },
    );
    const outcome = await remediateFinding(deps, makeFinding());
    expect(outcome.outcome).toBe("observed");
    expect(deps.notifier.sent).toHaveLength(1);
    expect(deps.notifier.sent[0]?.body).toContain(
      '"vigil:exempt-until" is "soon", not an ISO date',
    );
  });

  it("intentionally public (plan without changes): alert, no change", async () => {
    const { deps, phases } = setup(
      { changes: [], intentionallyPublic: "static website hosting is configured" },
      { defaultMode: "enforce" },
    );
    const outcome = await remediateFinding(deps, makeFinding({ kind: "s3-public-access" }));
    expect(outcome.outcome).toBe("intentionally-public");
    expect(phases()).toEqual(["plan"]);
    expect(deps.notifier.sent[0]?.subject).toMatch(/public on purpose\?/);
  });

  it("loop breaker: the resource changed for 3 other findings in the window → stop, critical alert", async () => {
    const { deps, phases } = setup(
      {},
      { defaultMode: "enforce", loopBreaker: { maxRemediations: 3, windowMinutes: 60 } },
    );
    for (const id of ["a", "b", "c"]) {
      expect((await remediateFinding(deps, makeFinding({ id }))).outcome).toBe("applied");
      deps.advance(60_000);
    }
    const applies = phases().filter((p) => p === "apply").length;
    const outcome = await remediateFinding(deps, makeFinding({ id: "d" }));
    expect(outcome.outcome).toBe("loop-detected");
    expect(phases().filter((p) => p === "apply")).toHaveLength(applies);
    const alert = deps.notifier.sent.at(-1);
    expect(alert?.severity).toBe("critical");
    expect(alert?.body).toMatch(/something keeps reverting it \(IaC or a person\?\)/);

    // Outside the window, Vigil fixes it again.
    deps.advance(61 * 60_000);
    expect((await remediateFinding(deps, makeFinding({ id: "e" }))).outcome).toBe("applied");
  });

  it("rate limit per account: falls back to notify and alerts; the claim is released", async () => {
    const { deps, phases } = setup(
      {},
      { defaultMode: "enforce", rateLimit: { maxChanges: 2, windowMinutes: 10 } },
    );
    const bucket = (n: number) =>
      makeFinding({
        id: `f${n}`,
        resourceArn: `arn:aws:s3:::b${n}`,
        resourceName: `b${n}`,
        resourceId: `b${n}`,
      });
    expect((await remediateFinding(deps, bucket(1))).outcome).toBe("applied");
    expect((await remediateFinding(deps, bucket(2))).outcome).toBe("applied");
    const limited = await remediateFinding(deps, bucket(3));
    expect(limited.outcome).toBe("rate-limited");
    expect(phases().filter((p) => p === "apply")).toHaveLength(2);
    const alert = deps.notifier.sent.at(-1);
    expect(alert?.severity).toBe("critical"); // issue 14: rate-limited pages
    expect(alert?.body).toContain("1. [not applied] s3:FakeAction1");
    expect(deps.journal.claims.has(claimKeyFor(bucket(3), "enforce", false))).toBe(false);

    deps.advance(11 * 60_000);
    expect((await remediateFinding(deps, bucket(3))).outcome).toBe("applied");
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

describe("handleIntakeResult", () => {
  it("an ignored event that cleared a resource resolves its incident", async () => {
    const { deps } = setup();
    const cleared = {
      account: "123456789012",
      region: "eu-west-1",
      resourceId: "b",
      rule: "r",
      why: "compliant again",
    };
    const result = await handleIntakeResult(deps, {
      ignored: true,
      reason: "COMPLIANT",
      eventId: "e",
      cleared,
    });
    expect(result).toEqual({ ok: true, eventId: "e", outcome: "ignored", reason: "COMPLIANT" });
    expect(deps.notifier.sent).toEqual([
      expect.objectContaining({
        action: "resolve",
        dedupKey: "vigil:remediation:123456789012/eu-west-1/b/r",
      }),
    ]);
  });

  it("an event refused as untrusted (a custom rule under a managed name) pages, changes nothing", async () => {
    const { deps, remediation } = setup();
    const refused = {
      account: "123456789012",
      region: "eu-west-1",
      resourceId: "b",
      rule: "s3-bucket-public-read-prohibited",
      why: "owned by CUSTOM_LAMBDA, not AWS",
    };
    const result = await handleIntakeResult(deps, {
      ignored: true,
      reason: refused.why,
      eventId: "e",
      refused,
    });
    expect(result).toMatchObject({ ok: true, outcome: "ignored" });
    expect(deps.notifier.sent).toEqual([
      expect.objectContaining({
        action: "trigger",
        severity: "critical",
        subject: expect.stringContaining("untrusted finding refused"),
      }),
    ]);
    expect(remediation.calls).toEqual([]);
  });

  it("a finding goes through the runner; failures are not ok", async () => {
    const { deps } = setup({ applyError: { index: 0, error: awsError("AccessDenied", 403) } });
    const result = await handleIntakeResult(deps, makeFinding());
    expect(result).toMatchObject({
      ok: false,
      outcome: "failed",
      findingId: "finding-1",
      journalId: "j1",
    });
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
