import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  JOURNAL_OUTCOMES,
  OUTCOMES,
  REMEDIATION_OUTCOMES,
  ROUTABLE_OUTCOMES,
} from "../../src/domain/outcomes.ts";

const columnWhere = (column: "ok" | "notify" | "recheck", value: boolean) =>
  JOURNAL_OUTCOMES.filter((o) => OUTCOMES[o][column] === value);

describe("the outcome catalogue", () => {
  it("holds the runner's 15 outcomes and the journal's 4 own states", () => {
    expect(JOURNAL_OUTCOMES).toHaveLength(19);
    expect([...REMEDIATION_OUTCOMES].sort()).toEqual(
      [
        "ignored",
        "duplicate",
        "no-op",
        "declined",
        "exempt",
        "protected",
        "intentionally-public",
        "loop-detected",
        "rate-limited",
        "observed",
        "notified",
        "would-change",
        "applied",
        "verify-failed",
        "failed",
      ].sort(),
    );
  });

  it("derives the same subsets the runner, notifier, router and CLI used to list by hand", () => {
    // "exempt" joined when exemptions became told (an exemption nobody hears of is self-granted);
    // "declined" when Vigil began saying once what it will not do (issue 12).
    expect(ROUTABLE_OUTCOMES).toEqual([
      "declined",
      "exempt",
      "applied",
      "would-change",
      "notified",
      "observed",
      "protected",
      "intentionally-public",
      "loop-detected",
      "rate-limited",
      "failed",
      "verify-failed",
      "undone",
      "undo-failed",
    ]);
    // Told: every routable outcome but "observed" (an observed plan is logged, not announced).
    expect(columnWhere("notify", true)).toEqual(ROUTABLE_OUTCOMES.filter((o) => o !== "observed"));
    expect(REMEDIATION_OUTCOMES.filter((o) => !OUTCOMES[o].ok).sort()).toEqual(
      ["failed", "loop-detected", "verify-failed"].sort(),
    );
    expect(REMEDIATION_OUTCOMES.filter((o) => OUTCOMES[o].recheck).sort()).toEqual(
      ["exempt", "failed", "rate-limited"].sort(),
    );
    const levels = Object.fromEntries(
      REMEDIATION_OUTCOMES.filter((o) => OUTCOMES[o].logLevel !== "info").map((o) => [
        o,
        OUTCOMES[o].logLevel,
      ]),
    );
    expect(levels).toEqual({
      failed: "error",
      "verify-failed": "error",
      "loop-detected": "error",
      "rate-limited": "warn",
      protected: "warn",
      "intentionally-public": "warn",
      notified: "warn",
    });
  });

  it("names runbook sections that exist", () => {
    const runbook = readFileSync(new URL("../../docs/oncall-runbook.md", import.meta.url), "utf8");
    const headings = new Set(
      [...runbook.matchAll(/^#+ (.+)$/gm)].map((m) =>
        (m[1] ?? "")
          .toLowerCase()
          .replace(/[^\w\s-]/g, "")
          .trim()
          .replace(/\s/g, "-"),
      ),
    );
    for (const outcome of JOURNAL_OUTCOMES) {
      const anchor = OUTCOMES[outcome].runbook;
      if (anchor) expect(headings, outcome).toContain(anchor);
    }
  });
});
