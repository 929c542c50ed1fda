import { describe, expect, it } from "vitest";
import type { Finding } from "../../src/domain/finding.ts";
import {
  type AppliedChangeRef,
  countRecentChanges,
  decide,
  evaluateExemption,
  type GuardInput,
  globMatch,
  modeFor,
  parseExemptionUntil,
  protectedMatch,
  sumRecentChanges,
  touchedArns,
} from "../../src/domain/guards.ts";

const NOW = Date.parse("2026-11-20T10:00:00Z");
const POLICY = {
  tag: "vigil:exempt",
  untilTag: "vigil:exempt-until",
  maxDays: 366,
  // The tag-exemption cases below: tags counted as before (the default is "off", tested apart).
  tags: "unverified" as const,
  list: [],
};
const MIN = 60_000;

const finding: Finding = {
  id: "f-1",
  eventId: "e-1",
  source: "config",
  account: "123456789012",
  region: "us-east-1",
  resourceType: "AWS::IAM::Policy",
  resourceId: "ANPAEXAMPLEPOLICYID01",
  resourceArn: "arn:aws:iam::123456789012:policy/too-broad",
  resourceName: "too-broad",
  rule: "iam-policy-no-statements-with-admin-access",
  kind: "iam-risky-policy",
  isPublic: false,
  observedAt: "2026-11-20T09:15:03.801Z",
};

const change = (params: Record<string, unknown>) => ({
  action: "iam:DetachRolePolicy",
  description: "detach",
  params,
});

function input(overrides: Partial<GuardInput> = {}): GuardInput {
  return {
    finding,
    plan: { changes: [change({ RoleName: "etl", PolicyArn: finding.resourceArn })], tags: {} },
    mode: "enforce",
    dryRun: false,
    now: NOW,
    protectedPrincipals: ["arn:*:iam::*:role/BreakGlass*", "arn:*:iam::*:role/vigil-*"],
    exemption: POLICY,
    remediateIntentionallyPublic: false,
    recentResourceChanges: [],
    recentAccountChanges: [],
    loopBreaker: { maxRemediations: 3, windowMinutes: 60 },
    rateLimit: { maxChanges: 2, windowMinutes: 30, maxChangesPerFinding: 10 },
    ...overrides,
  };
}

const applied = (findingId: string, minutesAgo: number): AppliedChangeRef => ({
  journalId: `j-${findingId}-${minutesAgo}`,
  findingId,
  time: NOW - minutesAgo * MIN,
});

describe("globMatch", () => {
  it("matches * across slashes and ? as one character, case-insensitively", () => {
    expect(
      globMatch("arn:aws:iam::*:role/BreakGlass*", "arn:aws:iam::1:role/BreakGlassAdmin"),
    ).toBe(true);
    expect(globMatch("arn:aws:iam::*:role/BreakGlass*", "arn:aws:iam::1:role/breakglass")).toBe(
      true,
    );
    expect(globMatch("arn:*:iam::*:role/*", "arn:aws:iam::1:role/path/x")).toBe(true);
    expect(globMatch("arn:aws:iam::?:role/x", "arn:aws:iam::12:role/x")).toBe(false);
    expect(globMatch("arn:aws:iam::*:role/vigil-*", "arn:aws:iam::1:role/ops-vigil-x")).toBe(false);
  });

  it("treats regular-expression characters literally", () => {
    expect(globMatch("a.b+(c)", "a.b+(c)")).toBe(true);
    expect(globMatch("a.b", "axb")).toBe(false);
  });
});

describe("modeFor", () => {
  it("prefers the rule, then the kind, then the default", () => {
    const modes = { "s3-encryption": "enforce", "s3-default-encryption-kms": "observe" } as const;
    expect(
      modeFor(modes, "notify", { rule: "s3-default-encryption-kms", kind: "s3-encryption" }),
    ).toBe("observe");
    expect(modeFor(modes, "notify", { rule: "other", kind: "s3-encryption" })).toBe("enforce");
    expect(modeFor(modes, "notify", { rule: "other", kind: "iam-risky-policy" })).toBe("notify");
  });
});

describe("protected principals", () => {
  it("sees principals named in change parameters, not only the finding's resource", () => {
    const arns = touchedArns(finding, [
      change({ RoleName: "BreakGlassAdmin", PolicyArn: finding.resourceArn }),
      change({ UserName: "alice", nested: { Target: "arn:aws:iam::123456789012:group/ops" } }),
    ]);
    expect(arns).toEqual(
      expect.arrayContaining([
        finding.resourceArn,
        "arn:aws:iam::123456789012:role/BreakGlassAdmin",
        "arn:aws:iam::123456789012:user/alice",
        "arn:aws:iam::123456789012:group/ops",
      ]),
    );
    expect(protectedMatch(["arn:*:iam::*:role/BreakGlass*"], arns)).toEqual({
      arn: "arn:aws:iam::123456789012:role/BreakGlassAdmin",
      pattern: "arn:*:iam::*:role/BreakGlass*",
    });
  });

  it("returns nothing when no pattern matches", () => {
    expect(
      protectedMatch(["arn:*:iam::*:role/BreakGlass*"], [finding.resourceArn]),
    ).toBeUndefined();
  });

  it("decide: a protected principal is never touched, whatever the mode", () => {
    const plan = { changes: [change({ RoleName: "vigil-prod-remediate" })], tags: {} };
    for (const mode of ["observe", "notify", "enforce"] as const) {
      const d = decide(input({ plan, mode }));
      expect(d.verdict).toBe("protected");
      expect(d.reason).toContain("arn:aws:iam::123456789012:role/vigil-prod-remediate");
    }
  });
});

describe("exemption", () => {
  const tags = (until?: string, reason = "public website, owner web-team") => ({
    ...(reason !== undefined ? { "vigil:exempt": reason } : {}),
    ...(until !== undefined ? { "vigil:exempt-until": until } : {}),
  });

  it("is valid with a reason and a future date (date-only means through that day, UTC)", () => {
    expect(evaluateExemption(tags("2026-11-20"), POLICY, NOW)).toEqual({
      status: "valid",
      reason: "public website, owner web-team",
      until: "2026-11-21T00:00:00.000Z",
    });
    expect(evaluateExemption(tags("2027-01-31T12:00:00+01:00"), POLICY, NOW)).toMatchObject({
      status: "valid",
      until: "2027-01-31T11:00:00.000Z",
    });
  });

  it("is none without either tag", () => {
    expect(evaluateExemption({ team: "web" }, POLICY, NOW)).toEqual({ status: "none" });
  });

  it.each([
    ["expired", tags("2026-11-19"), /expired at 2026-11-20T00:00:00.000Z/],
    ["expired a second ago", tags("2026-11-20T09:59:59Z"), /expired/],
    ["malformed date", tags("next friday"), /not an ISO date/],
    ["impossible date", tags("2026-02-30"), /not an ISO date/],
    ["date-time without zone", tags("2026-12-01T10:00:00"), /not an ISO date/],
    ["missing until", tags(undefined), /exempt-until" tag missing/],
    ["empty reason", tags("2026-12-01", "  "), /missing or empty/],
    ["until without reason", { "vigil:exempt-until": "2026-12-01" }, /missing or empty/],
    ["too far away", tags("2099-01-01"), /more than 366 days away/],
    [
      "wrong case key",
      { "Vigil:Exempt": "x", "vigil:exempt-until": "2026-12-01" },
      /spelled exactly/,
    ],
  ])("%s: NOT exempt, and says why", (_name, t, problem) => {
    const e = evaluateExemption(t, POLICY, NOW);
    expect(e.status).toBe("invalid");
    expect(e.status === "invalid" && e.problem).toMatch(problem);
  });

  it("parses until values strictly", () => {
    expect(parseExemptionUntil("2026-12-31")).toBe(Date.parse("2027-01-01T00:00:00Z"));
    expect(parseExemptionUntil("2026-12-31T23:00:00.5Z")).toBe(
      Date.parse("2026-12-31T23:00:00.5Z"),
    );
    expect(parseExemptionUntil("31/12/2026")).toBeUndefined();
    expect(parseExemptionUntil("")).toBeUndefined();
  });

  it("decide: a valid exemption skips; a bad one fails closed and carries the problem", () => {
    const valid = decide(input({ plan: { changes: [change({})], tags: tags("2026-12-01") } }));
    expect(valid.verdict).toBe("exempt");
    expect(valid.reason).toContain("public website");

    const expired = decide(input({ plan: { changes: [change({})], tags: tags("2026-01-01") } }));
    expect(expired.verdict).toBe("apply");
    expect(expired.exemptionProblem).toMatch(/expired/);
    expect(expired.reason).toMatch(/exemption not honoured: exemption expired/);
  });
});

describe("intentionally public", () => {
  const plan = {
    changes: [],
    tags: {},
    intentionallyPublic: "static website hosting is configured",
  };

  it("alerts without change unless configured to remediate anyway", () => {
    expect(decide(input({ plan })).verdict).toBe("intentionally-public");
    expect(
      decide(
        input({ plan: { ...plan, changes: [change({})] }, remediateIntentionallyPublic: true }),
      ).verdict,
    ).toBe("apply");
  });

  it("a valid exemption wins over the alert", () => {
    const exempted = {
      ...plan,
      tags: { "vigil:exempt": "website", "vigil:exempt-until": "2026-12-01" },
    };
    expect(decide(input({ plan: exempted })).verdict).toBe("exempt");
  });
});

describe("loop breaker and rate limit", () => {
  it("counts distinct findings inside the window, not the current finding", () => {
    const changes = [
      applied("a", 5),
      applied("a", 4), // same finding retried
      applied("b", 10),
      applied("c", 61), // outside a 60 min window
      applied(finding.id, 1), // the current finding's earlier attempt
    ];
    expect(countRecentChanges(changes, NOW - 60 * MIN, finding.id)).toBe(2);
  });

  it("stops when the resource was already changed maxRemediations times in the window", () => {
    const three = [applied("a", 50), applied("b", 30), applied("c", 10)];
    const d = decide(input({ recentResourceChanges: three }));
    expect(d.verdict).toBe("loop-detected");
    expect(d.reason).toMatch(/something keeps reverting it \(IaC or a person\?\)/);
    expect(decide(input({ recentResourceChanges: three.slice(1) })).verdict).toBe("apply");
    expect(
      decide(input({ recentResourceChanges: [...three.slice(1), applied("old", 61)] })).verdict,
    ).toBe("apply");
  });

  it("falls back to notify when the account had maxChanges changes in the window", () => {
    const two = [applied("x", 20), applied("y", 5)];
    const d = decide(input({ recentAccountChanges: two }));
    expect(d.verdict).toBe("rate-limited");
    expect(d.reason).toMatch(
      /2 changes in account 123456789012 in the last 30 min, 1 more planned \(max 2\)/,
    );
    expect(
      decide(input({ recentAccountChanges: [applied("x", 31), applied("y", 5)] })).verdict,
    ).toBe("apply");
  });

  it("counts the plan's own changes: one finding cannot spend more than the window allows", () => {
    const plan = (n: number) => ({
      changes: Array.from({ length: n }, (_, i) => change({ UserName: `u${i}` })),
      tags: {},
    });
    expect(decide(input({ plan: plan(2) })).verdict).toBe("apply");
    const three = decide(input({ plan: plan(3) }));
    expect(three.verdict).toBe("rate-limited");
    expect(three.reason).toMatch(/0 changes in account .* 3 more planned \(max 2\)/);
    expect(decide(input({ plan: plan(2), recentAccountChanges: [applied("x", 1)] })).verdict).toBe(
      "rate-limited",
    );
  });

  it("past runs count by their change count, not as one each (issue 14 item 8)", () => {
    const run = (findingId: string, minutesAgo: number, changes: number) => ({
      ...applied(findingId, minutesAgo),
      changes,
    });
    const past = [run("a", 5, 6), run("a", 4, 6), run("b", 10, 3), run(finding.id, 1, 9)];
    // Both runs of "a" changed something (6 + 6), "b" 3; the current finding's own try is not counted.
    expect(sumRecentChanges(past, NOW - 60 * MIN, finding.id)).toBe(15);
    expect(sumRecentChanges([run("old", 61, 50)], NOW - 60 * MIN, finding.id)).toBe(0);
    // Entries without a count (written before it was kept) count as one change.
    expect(sumRecentChanges([applied("x", 1)], NOW - 60 * MIN, finding.id)).toBe(1);

    // One earlier finding that changed 12 principals spends the budget of 10.
    const d = decide(
      input({
        recentAccountChanges: [run("big", 5, 12)],
        rateLimit: { maxChanges: 10, windowMinutes: 30, maxChangesPerFinding: 20 },
      }),
    );
    expect(d.verdict).toBe("rate-limited");
    expect(d.reason).toMatch(/12 changes in account 123456789012 .* 1 more planned \(max 10\)/);
  });

  it("a plan past maxChangesPerFinding applies none of it, whatever the account's budget", () => {
    const changes = Array.from({ length: 25 }, (_, i) => change({ UserName: `u${i}` }));
    const d = decide(
      input({
        plan: { changes, tags: {} },
        rateLimit: { maxChanges: 1000, windowMinutes: 30, maxChangesPerFinding: 10 },
      }),
    );
    expect(d.verdict).toBe("rate-limited");
    expect(d.reason).toMatch(/25 changes, more than maxChangesPerFinding 10: none applied/);
    const ten = changes.slice(0, 10);
    expect(
      decide(
        input({
          plan: { changes: ten, tags: {} },
          rateLimit: { maxChanges: 1000, windowMinutes: 30, maxChangesPerFinding: 10 },
        }),
      ).verdict,
    ).toBe("apply");
  });

  it("only guards changes about to be applied: notify and observe ignore history", () => {
    const many = [applied("a", 1), applied("b", 2), applied("c", 3)];
    expect(decide(input({ mode: "notify", recentResourceChanges: many })).verdict).toBe("notified");
    expect(decide(input({ mode: "observe", recentAccountChanges: many })).verdict).toBe("observed");
  });
});

describe("modes and dry run", () => {
  it("maps modes to verdicts; dry run turns enforce into would-change", () => {
    expect(decide(input({ mode: "observe" })).verdict).toBe("observed");
    expect(decide(input({ mode: "notify" })).verdict).toBe("notified");
    expect(decide(input({ mode: "enforce" })).verdict).toBe("apply");
    expect(decide(input({ mode: "enforce", dryRun: true })).verdict).toBe("would-change");
    expect(decide(input({ mode: "notify", dryRun: true })).verdict).toBe("notified");
  });

  it("dry run still reports the guards that would stop a change", () => {
    const d = decide(
      input({ dryRun: true, recentAccountChanges: [applied("x", 1), applied("y", 2)] }),
    );
    expect(d.verdict).toBe("rate-limited");
  });
});

describe("modeFor with hostile rule names", () => {
  it("never picks up Object.prototype members as modes", async () => {
    const { modeFor } = await import("../../src/domain/guards.ts");
    expect(modeFor({}, "notify", { rule: "constructor", kind: "s3-encryption" })).toBe("notify");
    expect(modeFor({}, "observe", { rule: "__proto__", kind: "s3-encryption" })).toBe("observe");
    expect(
      modeFor({ constructor: "enforce" } as Record<string, "enforce">, "notify", {
        rule: "constructor",
        kind: "s3-encryption",
      }),
    ).toBe("enforce");
  });
});
