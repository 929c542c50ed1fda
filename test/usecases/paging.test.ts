import { describe, expect, it, vi } from "vitest";
import { MemoryPageLedger } from "../../src/adapters/memory-page-ledger.ts";
import { MemoryNotifier } from "../../src/adapters/sns-notifier.ts";
import { alertingConfigSchema } from "../../src/config/alerting-config.ts";
import type { AnomalyAlert } from "../../src/domain/anomaly-notification.ts";
import { metricKey } from "../../src/domain/metric.ts";
import type { Notification } from "../../src/domain/notification.ts";
import type { PageLedger } from "../../src/ports/page-ledger.ts";
import { PageBudgetNotifier } from "../../src/usecases/paging.ts";
import { sendRunAlerts } from "../../src/usecases/send-run-alerts.ts";
import { remediation, remediationResolved } from "../support/alert-fixtures.ts";
import { alert, bucket, NOW } from "../support/anomaly-alerts.ts";

const ACCOUNT = "123456789012";
const HOUR = 3_600_000;
const STORM = `vigil:storm:${ACCOUNT}:2026-11-24T08`;
const policy = alertingConfigSchema.parse({ pageBudget: 3 });

function run(
  ledger: PageLedger | undefined,
  alerts: AnomalyAlert[],
  options: {
    now?: number;
    open?: AnomalyAlert[];
    judged?: AnomalyAlert[];
    dryRun?: boolean;
    part?: { index: number; count: number };
  } = {},
) {
  const notifier = new MemoryNotifier();
  const logger = { error: vi.fn() };
  const open = (options.open ?? alerts.filter((a) => a.event !== "resolved")).map((a) => ({
    metric: a.verdict.metric,
    episode: a.episode,
  }));
  const sent = sendRunAlerts(
    {
      notifier,
      policy,
      account: ACCOUNT,
      region: "eu-west-1",
      ...(options.part ? { part: options.part } : {}),
      ...(ledger ? { pages: ledger } : {}),
      logger,
    },
    {
      alerts,
      open,
      judged: (options.judged ?? alerts).map((a) => a.verdict.metric),
      now: options.now ?? NOW,
      dryRun: options.dryRun ?? false,
    },
  );
  return sent.then((result) => ({ ...result, sent: notifier.sent, logger }));
}

const pages = (sent: Notification[]) =>
  sent.filter((n) => n.destinations?.includes("pagerduty") && n.action === "trigger");

describe("page budget across runs (shared ledger)", () => {
  it("counts pages of one account-hour across runs and shards; past the budget one storm key for the hour", async () => {
    const ledger = new MemoryPageLedger();
    const first = await run(ledger, [alert(bucket("a")), alert(bucket("b"))]);
    expect(pages(first.sent).map((n) => n.dedupKey)).toEqual([
      expect.stringContaining("s3-bucket/a"),
      expect.stringContaining("s3-bucket/b"),
    ]);
    expect(first.summary.pages).toMatchObject({ shared: true, allowance: 2, folded: [] });

    // A second shard of the same account in the same hour: one slot left of three.
    const second = await run(
      ledger,
      [alert(bucket("c"), { z: 20 }), alert(bucket("d")), alert(bucket("e"))],
      {
        part: { index: 1, count: 2 },
      },
    );
    expect(second.summary.pages.paged).toEqual([expect.stringContaining("s3-bucket/c")]);
    expect(second.summary.pages.folded).toEqual([
      expect.stringContaining("s3-bucket/d"),
      expect.stringContaining("s3-bucket/e"),
    ]);
    expect(second.summary.pages.storm).toBe(STORM);
    expect(pages(second.sent).map((n) => n.dedupKey)).toEqual([
      expect.stringContaining("s3-bucket/c"),
      STORM,
    ]);

    // A repeated run in the same hour: nothing left, everything in the same storm incident.
    const third = await run(ledger, [alert(bucket("f"))]);
    expect(third.summary.pages).toMatchObject({ allowance: 0, paged: [], storm: STORM });
    expect(pages(third.sent).map((n) => n.dedupKey)).toEqual([STORM]);
    expect(ledger.pages.get(`${ACCOUNT}/2026-11-24T08`)).toHaveLength(3);
    expect([...(ledger.storms.get(`${ACCOUNT}/2026-11-24T08`)?.keys() ?? [])]).toEqual([
      expect.stringContaining("s3-bucket/d"),
      expect.stringContaining("s3-bucket/e"),
      expect.stringContaining("s3-bucket/f"),
    ]);

    // The next hour has its own budget.
    const nextHour = await run(ledger, [alert(bucket("g"))], { now: NOW + HOUR });
    expect(nextHour.summary.pages.paged).toHaveLength(1);
  });

  it("without a ledger each run keeps its own share (the budget split across shards)", async () => {
    const alerts = [alert(bucket("a")), alert(bucket("b"))];
    const result = await run(undefined, alerts, { part: { index: 0, count: 2 } });
    expect(result.summary.pages).toMatchObject({ shared: false, allowance: 1 });
  });

  it("a dry run takes no slot", async () => {
    const ledger = new MemoryPageLedger();
    const result = await run(ledger, [alert(bucket("a"))], { dryRun: true });
    expect(result.sent).toEqual([]);
    expect(ledger.pages.size).toBe(0);
  });

  it("an unreadable ledger never holds a page back: the run pages its own share and says so", async () => {
    const broken: PageLedger = {
      takePage: () => Promise.reject(Object.assign(new Error("denied"), { name: "AccessDenied" })),
      noteFolded: () => Promise.reject(new Error("unused")),
      openStorms: () =>
        Promise.reject(Object.assign(new Error("denied"), { name: "AccessDenied" })),
      dropFolded: () => Promise.reject(new Error("unused")),
      closeStorm: () => Promise.reject(new Error("unused")),
      noteResource: () => Promise.reject(new Error("denied")),
      resourceNotes: () => Promise.reject(new Error("denied")),
      claimDigest: () => Promise.reject(new Error("unused")),
      releaseDigest: () => Promise.reject(new Error("unused")),
    };
    const result = await run(broken, [alert(bucket("a")), alert(bucket("b"))]);
    expect(pages(result.sent)).toHaveLength(2);
    expect(result.summary.pages.shared).toBe(false);
    expect(result.partialFailure).toBe(true);
    expect(result.logger.error).toHaveBeenCalledWith(
      expect.stringContaining("pages not counted across runs"),
      expect.objectContaining({ error: "AccessDenied: denied" }),
    );
    expect(result.logger.error).toHaveBeenCalledWith(
      expect.stringContaining("open storms not checked"),
      expect.anything(),
    );
  });
});

describe("storm auto-resolve", () => {
  async function stormOf(ledger: MemoryPageLedger, folded: AnomalyAlert[]) {
    const all = [
      alert(bucket("x"), { z: 50 }),
      alert(bucket("y"), { z: 40 }),
      alert(bucket("z"), { z: 30 }),
      ...folded,
    ];
    const result = await run(ledger, all);
    expect(result.summary.pages.folded).toHaveLength(folded.length);
  }

  it("resolves the storm at the first run after its hour once nothing it folded is open", async () => {
    const ledger = new MemoryPageLedger();
    const d = alert(bucket("d"));
    const e = alert(bucket("e"));
    await stormOf(ledger, [d, e]);
    const later = NOW + HOUR;

    // Still the storm's hour: nothing to resolve, whatever is open.
    const same = await run(ledger, [], { judged: [d, e], open: [] });
    expect(same.sent).toEqual([]);

    // Next hour, d is still anomalous: the storm stays open, e is forgotten.
    const held = await run(ledger, [], { now: later, judged: [d, e], open: [d] });
    expect(held.sent).toEqual([]);
    expect([...(ledger.storms.get(`${ACCOUNT}/2026-11-24T08`)?.keys() ?? [])]).toEqual([
      expect.stringContaining("s3-bucket/d"),
    ]);

    // A shard that does not judge d cannot close it.
    const elsewhere = await run(ledger, [], { now: later, judged: [], open: [] });
    expect(elsewhere.sent).toEqual([]);

    // d back to normal: one PagerDuty resolve for the storm's key, and the storm is forgotten.
    const done = await run(ledger, [], { now: later + 60_000, judged: [d], open: [] });
    expect(done.sent).toEqual([
      expect.objectContaining({ action: "resolve", dedupKey: STORM, destinations: ["pagerduty"] }),
    ]);
    expect(done.summary.stormsResolved).toEqual([STORM]);
    expect(ledger.storms.size).toBe(0);
  });

  it("keeps the storm open when its resolve is not delivered, and resolves it on the next run", async () => {
    const ledger = new MemoryPageLedger();
    const d = alert(bucket("d"));
    await stormOf(ledger, [d]);
    const failing = {
      notify: (n: Notification) =>
        n.action === "resolve" ? Promise.reject(new Error("PagerDuty down")) : Promise.resolve(),
    };
    const result = await sendRunAlerts(
      {
        notifier: failing,
        policy,
        account: ACCOUNT,
        region: "eu-west-1",
        pages: ledger,
        logger: { error: vi.fn() },
      },
      { alerts: [], open: [], judged: [d.verdict.metric], now: NOW + HOUR, dryRun: false },
    );
    expect(result.notificationFailures).toEqual([
      { dedupKey: STORM, error: "Error: PagerDuty down" },
    ]);
    expect(result.summary.stormsResolved).toEqual([]);
    const retry = await run(ledger, [], { now: NOW + 2 * HOUR, judged: [d], open: [] });
    expect(retry.summary.stormsResolved).toEqual([STORM]);
  });

  it("folded incidents are keyed by their metrics", async () => {
    const ledger = new MemoryPageLedger();
    const d = alert(bucket("d"));
    await stormOf(ledger, [d]);
    const [storm] = await ledger.openStorms(ACCOUNT, "2026-11-24T09");
    expect(storm?.folded).toEqual([
      { incident: expect.stringContaining("s3-bucket/d"), metrics: [metricKey(d.verdict.metric)] },
    ]);
  });
});

describe("PageBudgetNotifier (remediation pages)", () => {
  function budgeted(ledger: PageLedger, now = Date.parse("2026-11-20T10:05:00Z"), pageBudget = 2) {
    const inner = new MemoryNotifier();
    const logger = { error: vi.fn() };
    const notifier = new PageBudgetNotifier({
      inner,
      ledger,
      routes: alertingConfigSchema.parse({}).routes,
      pageBudget,
      clock: () => now,
      region: "eu-west-1",
      logger,
    });
    return { notifier, inner, logger };
  }

  it("an enforced remediation takes a page slot of its account-hour; past the budget it joins the storm", async () => {
    const ledger = new MemoryPageLedger();
    const { notifier, inner } = budgeted(ledger);
    await notifier.notify(remediation("applied"));
    await notifier.notify(remediation("applied"));
    expect(inner.sent).toHaveLength(2);
    expect(inner.sent.every((n) => n.destinations === undefined)).toBe(true);

    await notifier.notify(remediation("applied"));
    const storm = `vigil:storm:${ACCOUNT}:2026-11-20T10`;
    expect(inner.sent.slice(2)).toEqual([
      expect.objectContaining({
        subject: expect.stringMatching(/^\[Vigil INFO, in storm\] fixed/),
        destinations: ["sns"],
        attributes: expect.objectContaining({ storm }),
      }),
      expect.objectContaining({ dedupKey: storm, action: "trigger", destinations: ["pagerduty"] }),
    ]);
    expect(inner.sent[3]?.body).toContain(remediation("applied").subject);
    // A remediation folded in holds nothing open: the next hour's first run resolves the storm.
    expect(await ledger.openStorms(ACCOUNT, "2026-11-20T11")).toEqual([
      { hour: "2026-11-20T10", folded: [{ incident: remediation().dedupKey, metrics: [] }] },
    ]);
  });

  it("shares the hour's budget with the detect runs of the account", async () => {
    const ledger = new MemoryPageLedger();
    const { notifier } = budgeted(ledger, NOW, policy.pageBudget);
    await notifier.notify(remediation("applied"));
    await notifier.notify(remediation("applied"));
    await notifier.notify(remediation("applied"));
    const detect = await run(ledger, [alert(bucket("a"))]);
    expect(detect.summary.pages).toMatchObject({ allowance: 0, storm: STORM });
  });

  it("resolves and alerts that do not page pass straight through without a slot", async () => {
    const ledger = new MemoryPageLedger();
    const { notifier, inner } = budgeted(ledger);
    await notifier.notify(remediationResolved());
    await notifier.notify(remediation("observed"));
    await notifier.notify(remediation("notified"));
    expect(inner.sent).toHaveLength(3);
    expect(ledger.pages.size).toBe(0);
  });

  it("pages without the ledger when it cannot be read", async () => {
    const broken = new MemoryPageLedger();
    broken.takePage = () =>
      Promise.reject(Object.assign(new Error("slow down"), { name: "SlowDown" }));
    const { notifier, inner, logger } = budgeted(broken);
    await notifier.notify(remediation("applied"));
    expect(inner.sent).toEqual([remediation("applied")]);
    expect(logger.error).toHaveBeenCalledWith(
      "page ledger unavailable: paging without it",
      expect.objectContaining({ error: "SlowDown: slow down" }),
    );
  });
});

describe("a remediation and an anomaly on the same resource name each other", () => {
  function remediations(ledger: PageLedger, now: number) {
    const inner = new MemoryNotifier();
    const notifier = new PageBudgetNotifier({
      inner,
      ledger,
      routes: alertingConfigSchema.parse({}).routes,
      pageBudget: 5,
      clock: () => now,
      region: "eu-west-1",
      logger: { error: vi.fn() },
    });
    return { notifier, inner };
  }

  it("the anomaly names the fix of the last day with its journal id; the fix names the anomaly", async () => {
    const ledger = new MemoryPageLedger();
    const fix = remediation("applied"); // journal id 20261120T100000Z-0a0b0c0d
    const arn = (fix.details.finding as { resourceArn: string }).resourceArn;
    const bucketName = arn.split(":").at(-1) as string;
    await remediations(ledger, NOW - 2 * HOUR).notifier.notify(fix);

    const detect = await run(ledger, [alert(bucket(bucketName)), alert(bucket("elsewhere"))]);
    const page = pages(detect.sent).find((n) => n.dedupKey.includes(`s3-bucket/${bucketName}`));
    expect(page?.body).toContain(`Remediation on s3-bucket ${bucketName}: Vigil: fixed: `);
    expect(page?.body).toContain("2 h ago (journal id 20261120T100000Z-0a0b0c0d)");
    const other = pages(detect.sent).find((n) => n.dedupKey.includes("s3-bucket/elsewhere"));
    expect(other?.body).not.toContain("Remediation on");

    // A later fix on the same bucket names the anomaly and its incident.
    const later = remediations(ledger, NOW + 30 * 60_000);
    await later.notifier.notify(remediation("notified"));
    expect(later.inner.sent[0]?.body).toMatch(
      new RegExp(
        `^Anomaly on s3-bucket ${bucketName}: critical anomaly .* 30 min ago \\(incident vigil:incident:`,
      ),
    );
    // Past the window: no link.
    const dayLater = remediations(ledger, NOW + 26 * HOUR);
    await dayLater.notifier.notify(remediation("notified"));
    expect(dayLater.inner.sent[0]?.body).not.toContain("Anomaly on");
  });
});
