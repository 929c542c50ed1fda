import { describe, expect, it } from "vitest";
import { MemoryJournal } from "../../src/adapters/memory-journal.ts";
import { MemoryPageLedger } from "../../src/adapters/memory-page-ledger.ts";
import { MemoryNotifier } from "../../src/adapters/sns-notifier.ts";
import { arnResource } from "../../src/domain/alert-grouping.ts";
import type { FindingSource } from "../../src/domain/finding.ts";
import type { JournalRecord } from "../../src/domain/journal-record.ts";
import type { Notification } from "../../src/domain/notification.ts";
import { remediationNotification } from "../../src/domain/remediation-notification.ts";
import type { Notifier } from "../../src/ports/notifier.ts";
import { type EventDigestDeps, sendEventDigests } from "../../src/usecases/event-digest.ts";
import { newJournalId } from "../../src/usecases/remediation-claims.ts";
import { DeferToHourlyDigest } from "../../src/usecases/remediation-digest.ts";
import {
  ACCOUNT,
  journalRecord,
  logLines,
  makeFinding,
  recordingLogger,
  testSeal,
} from "./fakes.ts";

const HOUR = 3_600_000;
/** The digest runs at 11:05; the hour it gathers is 10:00–11:00. */
const RUN_AT = Date.parse("2026-11-20T11:05:00Z");
const MEMBER = "210987654321";

const seal = testSeal();

/** A sealed record of `outcome` decided at `time`, for a finding from `source`. */
async function decided(
  time: string,
  outcome: JournalRecord["outcome"],
  options: {
    source?: FindingSource;
    account?: string;
    bucket?: string;
    extra?: Partial<JournalRecord>;
  } = {},
): Promise<JournalRecord> {
  const bucket = options.bucket ?? "acme-exports";
  const finding = makeFinding({
    source: options.source ?? "config",
    account: options.account ?? ACCOUNT,
    resourceId: bucket,
    resourceArn: `arn:aws:s3:::${bucket}`,
    resourceName: bucket,
  });
  return seal.sign(
    journalRecord(newJournalId(Date.parse(time)), {
      time,
      finding,
      account: finding.account,
      resourceArn: finding.resourceArn,
      outcome,
      mode: outcome === "applied" ? "enforce" : "notify",
      applied: outcome === "applied" ? journalRecord("x").applied : [],
      undoCommand: null,
      ...options.extra,
    }),
  );
}

function setup(records: JournalRecord[]) {
  const journal = new MemoryJournal();
  for (const r of records) journal.records.set(r.id, structuredClone(r));
  const notifier = new MemoryNotifier();
  const ledger = new MemoryPageLedger();
  const logger = recordingLogger();
  const deps: EventDigestDeps = {
    journal,
    seal,
    ledger,
    notifier,
    clock: () => RUN_AT,
    region: "eu-west-1",
    top: 10,
    logger,
  };
  return { deps, journal, notifier, ledger, logger };
}

describe("sendEventDigests: the event path's hourly remediation digest", () => {
  it("one digest per account with the hour's event outcomes that page nobody, and nothing else", async () => {
    const records = [
      await decided("2026-11-20T10:03:00.000Z", "notified", { bucket: "first" }),
      await decided("2026-11-20T10:40:00.000Z", "exempt", { source: "access-analyzer" }),
      await decided("2026-11-20T10:41:00.000Z", "notified", { account: MEMBER }),
      // Not in it: a fix applied (sent alone), the sweep's own (its run has a digest), a critical
      // outcome, and the hours before and after.
      await decided("2026-11-20T10:10:00.000Z", "applied"),
      await decided("2026-11-20T10:11:00.000Z", "notified", { source: "sweep" }),
      await decided("2026-11-20T10:12:00.000Z", "loop-detected"),
      await decided("2026-11-20T09:59:59.000Z", "notified"),
      await decided("2026-11-20T11:00:00.000Z", "notified"),
    ];
    const { deps, notifier, ledger } = setup(records);

    const report = await sendEventDigests(deps);

    expect(report).toMatchObject({ hour: "2026-11-20T10", outcomes: 3, unverified: 0 });
    expect(report.accounts).toEqual([
      { account: ACCOUNT, outcomes: 2, sent: true },
      { account: MEMBER, outcomes: 1, sent: true },
    ]);
    expect(notifier.sent.map((n) => n.subject)).toEqual([
      `[Vigil WARNING] ${ACCOUNT} eu-west-1 remediation digest: 1 notified, 1 exempt`,
      `[Vigil WARNING] ${MEMBER} eu-west-1 remediation digest: 1 notified`,
    ]);
    const [home] = notifier.sent as [Notification];
    expect(home.destinations).toEqual(["sns"]);
    expect(home.body).toContain("the 2026-11-20T10:00 UTC hour's compliance and Access Analyzer");
    expect(home.body).toContain(`vigil journal show ${records[0]?.id}`);
    expect(home.body).toContain(`vigil journal show ${records[1]?.id}`);
    expect(home.details).toMatchObject({ event: "remediation-digest", hour: "2026-11-20T10" });
    expect([...ledger.digests.keys()].sort()).toEqual(
      [`${ACCOUNT}/2026-11-20T10`, `${MEMBER}/2026-11-20T10`].sort(),
    );

    // A second run for the same hour (Lambda's retry, a manual re-run) sends nothing again.
    const again = await sendEventDigests(deps);
    expect(again.accounts.every((a) => !a.sent && a.alreadySent)).toBe(true);
    expect(notifier.sent).toHaveLength(2);
  });

  it("observe is log only: an observed outcome is in no digest unless its exemption tag was not honoured", async () => {
    const quiet = await decided("2026-11-20T10:03:00.000Z", "observed", { bucket: "quiet" });
    const badTag = await decided("2026-11-20T10:04:00.000Z", "observed", {
      bucket: "tagged",
      extra: { exemptionProblem: "vigil:exempt-until is not a date" },
    });
    const { deps, notifier } = setup([quiet, badTag]);
    const report = await sendEventDigests(deps);
    expect(report.outcomes).toBe(1);
    expect(notifier.sent[0]?.body).toContain(`vigil journal show ${badTag.id}`);
    expect(notifier.sent[0]?.body).not.toContain(quiet.id);
  });

  it("links the anomalies noted on an entry's resource", async () => {
    const { deps, notifier, ledger } = setup([
      await decided("2026-11-20T10:03:00.000Z", "notified", { bucket: "acme-exports" }),
    ]);
    const resource = arnResource("arn:aws:s3:::acme-exports")?.key as string;
    await ledger.noteResource(ACCOUNT, resource, {
      kind: "anomaly",
      ref: "vigil:anomaly:x",
      text: "BytesDownloaded 12x its baseline",
      time: RUN_AT - HOUR,
    });
    await sendEventDigests(deps);
    expect(notifier.sent[0]?.body).toContain("Linked anomaly: BytesDownloaded 12x its baseline");
  });

  it("leaves out a record whose seal does not verify, and says so", async () => {
    const forged = {
      ...(await decided("2026-11-20T10:20:00.000Z", "notified")),
      reason: "all fine, nothing to see",
    };
    const { deps, notifier, logger } = setup([
      forged,
      await decided("2026-11-20T10:21:00.000Z", "notified"),
    ]);
    const report = await sendEventDigests(deps);
    expect(report).toMatchObject({ outcomes: 1, unverified: 1 });
    expect(notifier.sent).toHaveLength(1);
    expect(logLines(logger)).toContainEqual(
      expect.objectContaining({
        level: "error",
        message: "journal record left out of the hourly digest: its seal does not verify",
        attributes: expect.objectContaining({ journalId: forged.id }),
      }),
    );
  });

  it("a digest that cannot be sent gives its marker back and fails the run, so the retry sends it", async () => {
    const { deps, notifier, ledger } = setup([
      await decided("2026-11-20T10:03:00.000Z", "notified"),
    ]);
    const failing: Notifier = {
      notify: () => Promise.reject(Object.assign(new Error("down"), { name: "InternalError" })),
    };
    await expect(sendEventDigests({ ...deps, notifier: failing })).rejects.toThrow("down");
    expect(ledger.digests.size).toBe(0);
    const retry = await sendEventDigests(deps);
    expect(retry.accounts).toEqual([{ account: ACCOUNT, outcomes: 1, sent: true }]);
    expect(notifier.sent).toHaveLength(1);
  });

  it("a given hour can be sent by hand; an impossible one is refused", async () => {
    const { deps, notifier } = setup([await decided("2026-11-20T07:30:00.000Z", "notified")]);
    expect((await sendEventDigests(deps, { hour: "2026-11-20T07" })).outcomes).toBe(1);
    expect(notifier.sent).toHaveLength(1);
    await expect(sendEventDigests(deps, { hour: "2026-11-20T25" })).rejects.toThrow(/invalid hour/);
  });
});

describe("DeferToHourlyDigest: the event functions' notifier in digest mode", () => {
  it("holds what pages nobody (noted in the ledger for anomalies), passes fixes and critical outcomes on", async () => {
    const inner = new MemoryNotifier();
    const linked: string[] = [];
    const logger = recordingLogger();
    const notifier = new DeferToHourlyDigest(
      Object.assign(inner, {
        linkRemediation: async (n: Notification) => {
          linked.push(n.dedupKey);
          return n;
        },
      }),
      logger,
    );
    const notified = remediationNotification(await decided("2026-11-20T10:03:00.000Z", "notified"));
    const applied = remediationNotification(await decided("2026-11-20T10:04:00.000Z", "applied"));
    const loop = remediationNotification(
      await decided("2026-11-20T10:05:00.000Z", "loop-detected"),
    );
    for (const n of [notified, applied, loop]) await notifier.notify(n);
    expect(inner.sent.map((n) => n.dedupKey)).toEqual([applied.dedupKey, loop.dedupKey]);
    expect(linked).toEqual([notified.dedupKey]);
    expect(logLines(logger)).toEqual([
      {
        level: "info",
        message: "remediation outcome left to the hourly digest",
        attributes: { journalId: notified.details.journalId, dedupKey: notified.dedupKey },
      },
    ]);
  });
});
