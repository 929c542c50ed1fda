import { describe, expect, it } from "vitest";
import type { JournalRecord } from "../../src/domain/journal-record.ts";
import {
  remediationDedupKey,
  remediationNotification,
  resolvedNotification,
  shouldNotify,
} from "../../src/domain/remediation-notification.ts";
import { change, makeFinding } from "../usecases/fakes.ts";

const finding = makeFinding({
  resourceName: "a-bucket-with-a-very-long-name-that-goes-on-and-on-and-on-forever-and-ever",
  resourceArn:
    "arn:aws:s3:::a-bucket-with-a-very-long-name-that-goes-on-and-on-and-on-forever-and-ever",
});

function record(overrides: Partial<JournalRecord> = {}): JournalRecord {
  const changes = [change(1), change(2)];
  return {
    id: "20261120T100000Z-0a0b0c0d",
    time: "2026-11-20T10:00:00.000Z",
    findingId: finding.id,
    eventId: finding.eventId,
    resourceArn: finding.resourceArn,
    account: finding.account,
    region: finding.region,
    rule: finding.rule,
    kind: finding.kind,
    finding,
    remediation: "s3-default-encryption",
    mode: "enforce",
    dryRun: false,
    outcome: "applied",
    reason: "mode enforce: applying 2 change(s)",
    plan: {
      remediation: "s3-default-encryption",
      finding,
      summary: "set SSE-KMS",
      changes,
      before: { encryption: null },
      tags: {},
      reason: "no default encryption",
    },
    before: { encryption: null },
    after: { encryption: "aws:kms" },
    applied: changes,
    steps: changes.map((c, index) => ({
      index,
      action: c.action,
      description: c.description,
      status: "applied" as const,
      at: "2026-11-20T10:00:01.000Z",
    })),
    undoCommand: "vigil undo 20261120T100000Z-0a0b0c0d",
    ...overrides,
  };
}

describe("remediation notification", () => {
  it("shows the plan's notes (risks left to people, evidence) under What, bounded, and in the JSON", () => {
    const base = record();
    const notes = Array.from({ length: 14 }, (_, i) => `note ${i + 1}`);
    const n = remediationNotification(
      record({ plan: { ...(base.plan as NonNullable<JournalRecord["plan"]>), notes } }),
    );
    const lines = n.body.split("\n");
    const at = lines.indexOf("Notes:");
    expect(lines[at - 1]).toBe("What: set SSE-KMS");
    expect(lines.slice(at + 1, at + 3)).toEqual(["  - note 1", "  - note 2"]);
    expect(n.body).toContain("… and 2 more (in the JSON block)");
    expect((n.details as { plan: { notes: string[] } }).plan.notes).toEqual(notes);
    expect(remediationNotification(base).body).not.toContain("Notes:");
  });

  it("writes before → after in words: one line per setting that changed, on/off for flags", () => {
    const n = remediationNotification(
      record({
        before: {
          publicAccessBlock: {
            BlockPublicAcls: false,
            IgnorePublicAcls: false,
            RestrictPublicBuckets: true,
          },
          tags: ["a"],
        },
        after: {
          publicAccessBlock: {
            BlockPublicAcls: true,
            IgnorePublicAcls: true,
            RestrictPublicBuckets: true,
          },
          tags: ["a"],
        },
      }),
    );
    const lines = n.body.split("\n");
    const at = lines.indexOf("Before → after:");
    expect(lines.slice(at + 1, at + 3)).toEqual([
      "  publicAccessBlock.BlockPublicAcls: off → on",
      "  publicAccessBlock.IgnorePublicAcls: off → on",
    ]);
    expect(lines[at + 3]).not.toMatch(/RestrictPublicBuckets|tags/);
    const planned = remediationNotification(
      record({ outcome: "notified", before: { encryption: null }, after: null }),
    );
    expect(planned.body).toContain("Before:\n  encryption: not set");
  });

  it("carries policy documents by hash only, in the body and the details (issue 14)", () => {
    const policy = JSON.stringify({
      Statement: [{ Sid: "Leak", Effect: "Allow", Principal: "*", Action: "s3:GetObject" }],
    });
    const putPolicy = {
      action: "s3:PutBucketPolicy",
      description: "remove 1 statement (removed: Leak Allow *: s3:GetObject)",
      params: { Bucket: "b", Policy: policy },
    };
    const n = remediationNotification(
      record({ before: { bucket: "b", policy }, after: { policy: null }, applied: [putPolicy] }),
    );
    const everything = `${n.body}\n${JSON.stringify(n.details)}`;
    expect(everything).not.toContain('\\"Principal\\"');
    expect(everything).not.toContain('"Principal"');
    // Before → after in words, the document as its hash.
    expect(n.body).toMatch(/\n {2}policy: sha256:[0-9a-f]{16} → not set\n/);
    expect(n.body).toContain("removed: Leak Allow *: s3:GetObject");
  });

  it("says what, why, before → after and how to undo; subject ≤ 100 chars", () => {
    const n = remediationNotification(record());
    expect(n.subject.length).toBeLessThanOrEqual(100);
    expect(n.subject).toMatch(/^\[Vigil INFO\] fixed: s3-encryption on a-bucket/);
    expect(n.action).toBe("trigger");
    expect(n.source).toBe("remediation");
    expect(n.body).toContain("What: set SSE-KMS");
    expect(n.body).toContain(`Why: rule ${finding.rule}`);
    expect(n.body).toContain("1. [applied] s3:FakeAction1: fake change 1");
    // Before → after in words, not escaped JSON.
    expect(n.body).toContain("Before → after:\n  encryption: not set → aws:kms");
    expect(n.body).not.toMatch(/Before: \{|After: \{/);
    expect(n.body).toContain("Undo: vigil undo 20261120T100000Z-0a0b0c0d");
    expect(n.details).toMatchObject({
      outcome: "applied",
      undo: "vigil undo 20261120T100000Z-0a0b0c0d",
    });
    expect(n.dedupKey).toBe(
      `vigil:remediation:${finding.account}/${finding.region}/${finding.resourceId}/${finding.rule}`,
    );
  });

  it("marks the failed step and what was applied before it; failures page", () => {
    const failed = record({
      outcome: "failed",
      applied: [change(1)],
      steps: [
        { index: 0, action: "s3:FakeAction1", description: "x", status: "applied", at: "t" },
        {
          index: 1,
          action: "s3:FakeAction2",
          description: "y",
          status: "failed",
          at: "t",
          error: "AccessDenied: no",
        },
      ],
      error: { name: "AccessDenied", message: "no" },
    });
    const n = remediationNotification(failed);
    expect(n.severity).toBe("critical");
    expect(n.body).toContain("1. [applied]");
    expect(n.body).toContain("2. [FAILED]");
    expect(n.body).toContain("Error: AccessDenied: no");
    expect(
      remediationNotification({ ...failed, error: { name: "NoSuchBucket", message: "gone" } })
        .severity,
    ).toBe("warning");
  });

  it.each([
    ["loop-detected", "critical"],
    ["verify-failed", "critical"],
    // Issue 14: a fix held back by the rate limit pages (decoys can burn the budget).
    ["rate-limited", "critical"],
    ["protected", "warning"],
    ["intentionally-public", "warning"],
    ["notified", "warning"],
    ["would-change", "info"],
  ] as const)("%s has severity %s", (outcome, severity) => {
    expect(remediationNotification(record({ outcome })).severity).toBe(severity);
  });

  it("a bad exemption tag raises the severity and is spelled out", () => {
    const n = remediationNotification(
      record({ exemptionProblem: "exemption expired at 2026-01-01" }),
    );
    expect(n.severity).toBe("warning");
    expect(n.body).toContain("Exemption NOT honoured: exemption expired at 2026-01-01");
  });

  it("undo records list the changes undone and warn that Vigil may fix it again", () => {
    const n = remediationNotification(
      record({ outcome: "undone", undoOf: "20261120T090000Z-11111111", undoCommand: null }),
    );
    expect(n.subject).toMatch(/undone/);
    expect(n.body).toContain("Changes undone (from 20261120T090000Z-11111111)");
    expect(n.body).toContain("may remediate it again");
    expect(n.body).not.toContain("Undo: ");
  });
});

describe("shouldNotify", () => {
  it.each([
    ["applied", true],
    ["would-change", true],
    ["notified", true],
    ["protected", true],
    ["failed", true],
    ["loop-detected", true],
    ["rate-limited", true],
    ["observed", false],
    // Issue 14: every honoured exemption is told (one incident per resource and rule).
    ["exempt", true],
    ["no-op", false],
    ["duplicate", false],
    ["ignored", false],
  ] as const)("%s → %s", (outcome, expected) => {
    expect(shouldNotify({ outcome })).toBe(expected);
  });

  it("an observed finding with a bad exemption tag is told", () => {
    expect(shouldNotify({ outcome: "observed", exemptionProblem: "expired" })).toBe(true);
  });
});

describe("resolvedNotification", () => {
  it("resolves the incident with the same dedup key", () => {
    const n = resolvedNotification(finding, "compliant again");
    expect(n.action).toBe("resolve");
    expect(n.dedupKey).toBe(remediationDedupKey(finding));
    expect(n.subject.length).toBeLessThanOrEqual(100);
  });
});
