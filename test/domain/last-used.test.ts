import { describe, expect, it } from "vitest";
import {
  type LastUsedEvidence,
  lastUsedLine,
  servicesOf,
  usedWithinDays,
} from "../../src/domain/last-used.ts";

const NOW = Date.parse("2026-12-04T12:00:00Z");
const ago = (days: number) => new Date(NOW - days * 86_400_000 - 1_000).toISOString();
const evidence: LastUsedEvidence = {
  ok: true,
  services: [
    { service: "s3", lastAuthenticated: ago(3) },
    { service: "lambda", lastAuthenticated: ago(0) },
    { service: "iam", lastAuthenticated: null },
  ],
};

describe("last-used evidence", () => {
  it("says when each relevant service was last used, most recent first, and which never", () => {
    expect(lastUsedLine("user alice", evidence, "all", NOW)).toBe(
      "user alice: last used today for lambda, 3 days ago for s3; never for iam (IAM service last accessed, 400-day window)",
    );
  });

  it("keeps to the grant's services; a service the report does not list was never used", () => {
    expect(lastUsedLine("x", evidence, ["iam", "sts"], NOW)).toBe(
      "x: never for iam, sts (IAM service last accessed, 400-day window)",
    );
  });

  it("bounds the list", () => {
    const many: LastUsedEvidence = {
      ok: true,
      services: Array.from({ length: 9 }, (_, i) => ({
        service: `svc${i}`,
        lastAuthenticated: null,
      })),
    };
    expect(lastUsedLine("x", many, "all", NOW)).toContain("svc5 (+3 more)");
  });

  it("without evidence it says so", () => {
    expect(lastUsedLine("x", { ok: false, why: "report not ready within 10 s" }, "all", NOW)).toBe(
      "x: no last-used evidence (report not ready within 10 s); planned without it",
    );
  });

  it("usedWithinDays: only the scope's services, and never without evidence", () => {
    expect(usedWithinDays(evidence, ["s3"], 7, NOW)).toBe(true);
    expect(usedWithinDays(evidence, ["s3"], 2, NOW)).toBe(false);
    expect(usedWithinDays(evidence, ["iam"], 400, NOW)).toBe(false);
    expect(usedWithinDays({ ok: false, why: "x" }, "all", 400, NOW)).toBe(false);
  });

  it("servicesOf: namespaces of actions, * is all", () => {
    expect(servicesOf(["iam:PassRole", "lambda:CreateFunction", "iam:CreateAccessKey"])).toEqual([
      "iam",
      "lambda",
    ]);
    expect(servicesOf(["*"])).toBe("all");
  });
});
