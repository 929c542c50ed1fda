import { describe, expect, it } from "vitest";
import type { RemediationConfigInput } from "../../src/config/remediation-config.ts";
import { remediateFinding } from "../../src/usecases/remediate-finding.ts";
import { claimKeyFor } from "../../src/usecases/remediation-claims.ts";
import { change, makeFinding } from "./fakes.ts";
import { decisionLines, ENFORCE, setup } from "./runner-support.ts";

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
