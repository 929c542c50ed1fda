import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { testNotification } from "../../src/cli/alert.ts";
import { ROUTABLE_OUTCOMES } from "../../src/domain/outcomes.ts";
import { PAGER_FAILED_ANCHOR, runbookAnchor, withRunbook } from "../../src/domain/runbook.ts";
import { anomaly, remediation, remediationResolved } from "../support/alert-fixtures.ts";

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to dashes. */
function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s-]/gu, "")
    .replace(/\s/g, "-");
}

const runbook = readFileSync(new URL("../../docs/oncall-runbook.md", import.meta.url), "utf8");
const anchors = new Set(
  runbook
    .split("\n")
    .filter((line) => /^#{2,4} /.test(line))
    .map((line) => slug(line.replace(/^#+ /, ""))),
);

describe("on-call runbook links", () => {
  it("every alert links to a section that exists", () => {
    const notifications = [
      anomaly("critical"),
      anomaly("critical", "escalated"),
      anomaly("warning", "resolved"),
      ...ROUTABLE_OUTCOMES.map((outcome) => remediation(outcome)),
      remediation("exempt"),
      remediationResolved(),
      testNotification("info", "trigger", new Date()),
    ];
    for (const n of notifications) {
      const anchor = runbookAnchor(n);
      expect(anchors, `${anchor} (for ${n.subject})`).toContain(anchor);
    }
    expect(anchors).toContain(PAGER_FAILED_ANCHOR);
    for (const section of [
      "routing-and-silencing",
      "exempt-a-resource",
      "undo-a-remediation",
      "remediation-alerts",
    ]) {
      expect(anchors).toContain(section);
    }
  });

  it("names the specific section for each outcome", () => {
    expect(runbookAnchor(anomaly("critical", "escalated"))).toBe("anomaly-escalated");
    expect(runbookAnchor(remediation("loop-detected"))).toBe("remediation-loop-detected");
    expect(runbookAnchor(remediationResolved())).toBe("remediation-resolved");
  });

  it("uses the configured runbook URL for the link", () => {
    const n = withRunbook(
      remediation("applied"),
      "https://git.example.com/vigil/blob/main/docs/oncall-runbook.md",
    );
    expect(n.body).toContain(
      "Runbook: https://git.example.com/vigil/blob/main/docs/oncall-runbook.md#remediation-applied",
    );
    expect(n.details.runbook).toBe(
      "https://git.example.com/vigil/blob/main/docs/oncall-runbook.md#remediation-applied",
    );
    // Remediation bodies already say what Vigil did; only anomalies get the extra line.
    expect(n.body).not.toContain("Vigil did:");
  });

  it("keeps the alert's order: what and where, why with numbers, what Vigil did, next step and runbook", () => {
    const lines = withRunbook(anomaly("critical")).body.split("\n");
    const at = (prefix: string) => lines.findIndex((l) => l.startsWith(prefix));
    // The number and its unit lead; then what and where.
    expect(lines[0]).toMatch(
      /^CRITICAL: 9\.1 GB out of acme-raw-landing-prod in 1 h, 7\.6× normal \(1\.2 GB\)\. AWS\/S3 BytesDownloaded .* in 123456789012 eu-west-1/,
    );
    expect(at("Why: ")).toBeGreaterThan(0);
    expect(at("Vigil did: ")).toBeGreaterThan(at("Why: "));
    expect(at("Next step: ")).toBe(at("Vigil did: ") + 1);
    expect(at("Runbook: ")).toBeGreaterThan(at("Next step: "));
    expect(lines[at("Runbook: ") + 2]).toBe("```json");
    const applied = withRunbook(remediation("applied")).body.split("\n");
    expect(applied[0]).toMatch(
      /^Vigil applied s3-default-encryption to s3-encryption on arn:aws:s3:::acme-raw-landing-prod \(123456789012 eu-west-1\)\.$/,
    );
    expect(applied.findIndex((l) => l.startsWith("Undo: vigil undo "))).toBeGreaterThan(0);
  });
});
