import { describe, expect, it, vi } from "vitest";
import { syntheticSeries, withBurst } from "../../sandbox/synthetic.ts";
import { MemoryNotifier } from "../../src/adapters/sns-notifier.ts";
import { parseConfig } from "../../src/config/load.ts";
import { consoleUrlOf } from "../../src/domain/cloudwatch-link.ts";
import type { MetricIdentity, MetricSeries } from "../../src/domain/metric.ts";
import type { Notification } from "../../src/domain/notification.ts";
import { type DetectDeps, detectAnomalies } from "../../src/usecases/detect-anomalies.ts";
import { FakeMetricSource } from "../support/fake-metric-source.ts";
import { pointsOf, seriesFrom, setPoints } from "../support/series.ts";

const HOUR = 3_600_000;
const GB = 1024 ** 3;
// 08:15 UTC: with 10 settle minutes the newest complete hour is 07:00–08:00.
const NOW = Date.parse("2026-11-24T08:15:00Z");
const EVALUATED = Date.parse("2026-11-24T07:00:00Z");

const bucket = (name: string): MetricIdentity => ({
  namespace: "AWS/S3",
  metricName: "BytesDownloaded",
  dimensions: { BucketName: name, FilterId: "EntireBucket" },
  stat: "Sum",
});
const api = (resource: string): MetricIdentity => ({
  namespace: "AWS/Usage",
  metricName: "CallCount",
  dimensions: { Class: "None", Resource: resource, Service: "IAM", Type: "API" },
  stat: "Sum",
});

function hourly(
  metric: MetricIdentity,
  base: number,
  seed: number,
  lastPeriod = EVALUATED + 48 * HOUR,
): MetricSeries {
  const periods = 40 * 24;
  return seriesFrom(
    metric,
    3600,
    syntheticSeries({
      start: lastPeriod - (periods - 1) * HOUR,
      periods,
      periodSeconds: 3600,
      base,
      dailyAmplitude: 0.4,
      weekendFactor: 0.5,
      noise: 0.05,
      seed,
    }),
  );
}

const config = parseConfig({
  detection: {
    // The episode timings these tests walk through (3 quiet periods close an episode).
    defaults: { k: 3, criticalK: 6, confirmPeriods: 1, rearmQuietPeriods: 3 },
    metricSets: [
      { name: "egress", builtin: "egress", settings: { method: "seasonal" } },
      { name: "api-calls", builtin: "api-calls", settings: { method: "seasonal" } },
    ],
  },
}).detection;

function deps(source: FakeMetricSource, now: number, notifier = new MemoryNotifier()) {
  const logger = { info: vi.fn(), warn: vi.fn(), error: vi.fn() };
  const d: DetectDeps = {
    source,
    notifier,
    config,
    clock: () => now,
    region: "eu-west-1",
    account: "123456789012",
    logger,
  };
  return { deps: d, notifier, logger };
}

describe("detectAnomalies", () => {
  it("fetches in chunks that fit the memory budget, each a whole number of GetMetricData calls", async () => {
    const series = Array.from({ length: 300 }, (_, i) => hourly(bucket(`b${i}`), GB, i + 1));
    const source = new FakeMetricSource(series);
    const { deps: d } = deps(source, NOW);
    const points = (source: FakeMetricSource) => {
      const { range, periodSeconds } = source.fetchCalls[0] as (typeof source.fetchCalls)[number];
      return (range.end - range.start) / (periodSeconds * 1000);
    };
    // A budget of two calls' worth of columns: 300 metrics go in chunks of 2 · metricsPerCall.
    await detectAnomalies({ ...d, fetchChunkBytes: 1 }, { force: true });
    const perCall = Math.floor(100_800 / points(source));
    expect(source.fetchCalls.map((c) => c.metrics.length)).toEqual(
      Array.from({ length: Math.ceil(300 / perCall) }, (_, i) =>
        Math.min(perCall, 300 - i * perCall),
      ),
    );
    const twoCalls = new FakeMetricSource(series);
    await detectAnomalies(
      { ...deps(twoCalls, NOW).deps, fetchChunkBytes: 2 * perCall * points(source) * 8 },
      { force: true },
    );
    expect(twoCalls.fetchCalls.map((c) => c.metrics.length)).toEqual([
      2 * perCall,
      300 - 2 * perCall,
    ]);
  });

  it("alerts once for a new episode, with the numbers people need", async () => {
    const burst = hourly(bucket("analytics"), 2 * GB, 1);
    setPoints(burst, withBurst(pointsOf(burst), EVALUATED, 1, 8));
    const source = new FakeMetricSource([
      burst,
      hourly(bucket("logs"), 0.5 * GB, 2),
      hourly(api("ListUsers"), 300, 3),
    ]);
    const { deps: d, notifier } = deps(source, NOW);

    const report = await detectAnomalies(d);

    expect(report.partialFailure).toBe(false);
    expect(report.results).toHaveLength(3);
    const anomalous = report.results.filter((r) => r.verdict.status === "anomalous");
    expect(anomalous.map((r) => r.metric.dimensions.BucketName)).toEqual(["analytics"]);
    expect(anomalous[0]?.alert).toBe("new-episode");
    // Digest mode (the default): the critical episode pages, and one digest goes to SNS.
    expect(notifier.sent.map((n) => n.destinations)).toEqual([["pagerduty"], ["sns"]]);
    const [page, digest] = notifier.sent as [Notification, Notification];
    expect(digest.subject).toBe(
      "[Vigil CRITICAL] 123456789012 eu-west-1 digest: 1 new, 0 escalated, 0 resolved",
    );
    expect(digest.attributes).toEqual({ event: "digest", metricSet: ["egress"] });
    expect(digest.body).toContain("Paged: 1 incident(s) on their own.");
    expect(digest.body).toContain(page.dedupKey);
    expect(report.alerting.pages.paged).toEqual([page.dedupKey]);
    // The resource's key, with no episode start: a later run that sees a later start resolves it.
    expect(page.dedupKey).toBe("vigil:incident:123456789012/eu-west-1:s3-bucket/analytics");
    // The page carries the graph its console link opens (rendered as an image when configured),
    // with the band it was judged against; the digest has none.
    expect(page.graph?.metrics).toEqual([
      [
        "AWS/S3",
        "BytesDownloaded",
        "BucketName",
        "analytics",
        "FilterId",
        "EntireBucket",
        { label: "BytesDownloaded", accountId: "123456789012" },
      ],
    ]);
    expect(page.graph && consoleUrlOf(page.graph)).toBe(page.details.consoleUrl);
    expect(JSON.stringify(page.graph?.annotations)).toContain("episode start");
    expect(digest.graph).toBeUndefined();
    const sent = page;
    expect(sent.subject.length).toBeLessThanOrEqual(100);
    expect(sent.subject).toContain("123456789012 eu-west-1");
    expect(sent.attributes.metricSet).toBe("egress");
    expect(sent.details).toMatchObject({
      observed: expect.any(Number),
      expected: expect.any(Number),
      sigma: expect.any(Number),
      z: expect.any(Number),
    });
    // Every metric of both sets came through one fetch: same period, same range.
    expect(source.fetchCalls).toHaveLength(1);
    expect(report.evaluated.map((e) => e.periodStart)).toEqual([
      new Date(EVALUATED).toISOString(),
      new Date(EVALUATED).toISOString(),
    ]);
  });

  it("does not alert again while the same episode goes on, escalates once sustained, resolves after the quiet periods", async () => {
    const series = hourly(bucket("analytics"), 2 * GB, 1);
    // A third above the usual: anomalous (warning), but below the critical z.
    setPoints(series, withBurst(pointsOf(series), EVALUATED, 3, 1.33));
    const source = new FakeMetricSource([series]);
    // criticalK out of reach: the escalation here must come from the episode lasting 3 periods.
    const sustainedOnly = parseConfig({
      detection: {
        defaults: { k: 3, confirmPeriods: 1, rearmQuietPeriods: 3 },
        metricSets: [
          { name: "egress", builtin: "egress", settings: { method: "seasonal", criticalK: 50 } },
        ],
      },
    }).detection;
    const events: Array<string | undefined> = [];
    for (let hour = 0; hour < 7; hour++) {
      const { deps: d } = deps(source, NOW + hour * HOUR);
      const report = await detectAnomalies({ ...d, config: sustainedOnly });
      events.push(report.results[0]?.alert);
      if (hour === 0) {
        expect(report.results[0]?.verdict.severity).toBe("warning");
      }
    }
    // Hours 0–2 anomalous (new, continuing, sustained → critical), 3–5 quiet → closed at hour 5.
    expect(events[0]).toBe("new-episode");
    expect(events[1]).toBeUndefined();
    expect(events[2]).toBe("escalated");
    expect(events.slice(3, 5)).toEqual([undefined, undefined]);
    expect(events[5]).toBe("resolved");
    expect(events[6]).toBeUndefined();
  });

  it("a level shift inside the band is one warning to SNS: never paged, never escalated, however long it lasts", async () => {
    // 40 days of 100 … 109 (robust σ ≈ 3.3), then 4σ below for 12 hours: beyond the shift threshold
    // (0.6 · k = 3σ), inside the 5σ band.
    const points = Array.from({ length: 40 * 24 }, (_, i) => ({
      timestamp: EVALUATED - (40 * 24 - i) * HOUR,
      value: 100 + (i % 10),
    }));
    for (let hour = 0; hour < 12; hour++)
      points.push({ timestamp: EVALUATED + hour * HOUR, value: 104.5 - 4 * 3.3 });
    const source = new FakeMetricSource([seriesFrom(bucket("analytics"), 3600, points)]);
    const shipped = parseConfig({
      detection: {
        defaults: { method: "robust", k: 5, criticalK: 9, confirmPeriods: 2, rearmQuiet: "8h" },
        metricSets: [
          {
            name: "egress",
            builtin: "egress",
            settings: { direction: "both", minAbsoluteDelta: 0 },
          },
        ],
      },
    }).detection;
    const events: Array<string | undefined> = [];
    const sent: Notification[] = [];
    for (let hour = 0; hour < 12; hour++) {
      const { deps: d, notifier } = deps(source, NOW + hour * HOUR);
      const report = await detectAnomalies({ ...d, config: shipped });
      events.push(report.results[0]?.alert);
      sent.push(...notifier.sent);
      if (hour >= 5) expect(report.results[0]?.verdict.rule).toBe("level-shift");
    }
    // The 6th shifted hour opens the episode; the six after it neither escalate nor re-alert.
    expect(events).toEqual([
      ...Array(5).fill(undefined),
      "new-episode",
      ...Array(6).fill(undefined),
    ]);
    expect(sent.map((n) => n.destinations)).toEqual([["sns"]]);
    expect(sent[0]?.subject).toMatch(/^\[Vigil WARNING\]/);
    expect(sent[0]?.body).toContain("level shift down for 6 h");
    expect(sent[0]?.body).toContain("stays a warning, however long it lasts");
  });

  it("keeps evaluating the other metrics when one batch fails, and reports the partial failure", async () => {
    const source = new FakeMetricSource([hourly(bucket("a"), GB, 1), hourly(bucket("b"), GB, 2)]);
    source.failing.set(
      "AWS/S3|BytesDownloaded|BucketName=b,FilterId=EntireBucket|Sum",
      "ThrottlingException: Rate exceeded",
    );
    const { deps: d, logger } = deps(source, NOW);
    const report = await detectAnomalies(d);
    expect(report.results.map((r) => r.metric.dimensions.BucketName)).toEqual(["a"]);
    expect(report.fetchFailures).toEqual([
      expect.objectContaining({ metricSet: "egress", error: "ThrottlingException: Rate exceeded" }),
    ]);
    expect(report.partialFailure).toBe(true);
    expect(logger.error).toHaveBeenCalledWith(
      "metric not evaluated",
      expect.objectContaining({ error: expect.stringContaining("Throttling") }),
    );
  });

  it("finishes the run and reports it when an alert cannot be delivered", async () => {
    const burst = hourly(bucket("analytics"), 2 * GB, 1);
    setPoints(burst, withBurst(pointsOf(burst), EVALUATED, 1, 8));
    const failingNotifier = {
      notify: vi
        .fn()
        .mockRejectedValue(Object.assign(new Error("topic gone"), { name: "NotFound" })),
    };
    const { deps: d } = deps(new FakeMetricSource([burst, hourly(bucket("b"), GB, 2)]), NOW);
    const report = await detectAnomalies({ ...d, notifier: failingNotifier });
    expect(report.results).toHaveLength(2);
    expect(report.notificationsSent).toBe(0);
    // The page and the digest: each failure is reported with its key.
    expect(report.notificationFailures).toEqual([
      expect.objectContaining({
        dedupKey: expect.stringMatching(/^vigil:incident:/),
        error: "NotFound: topic gone",
      }),
      expect.objectContaining({
        dedupKey: expect.stringMatching(/^vigil:digest:/),
        error: "NotFound: topic gone",
      }),
    ]);
    expect(report.partialFailure).toBe(true);
  });

  it("flags a drop of API calls to zero (logging turned off) but not a drop of egress", async () => {
    const calls = hourly(api("PutObject"), 5_000, 4);
    setPoints(
      calls,
      pointsOf(calls).filter((p) => p.timestamp !== EVALUATED),
    ); // no datapoint = zero calls
    const egress = hourly(bucket("quiet"), 2 * GB, 5);
    setPoints(
      egress,
      pointsOf(egress).filter((p) => p.timestamp !== EVALUATED),
    );
    const { deps: d } = deps(new FakeMetricSource([calls, egress]), NOW);
    const report = await detectAnomalies(d);
    const byNamespace = Object.fromEntries(
      report.results.map((r) => [r.metric.namespace, r.verdict]),
    );
    expect(byNamespace["AWS/Usage"]?.status).toBe("anomalous");
    expect(byNamespace["AWS/Usage"]?.z).toBeLessThan(0);
    expect(byNamespace["AWS/S3"]?.status).toBe("normal");
  });

  it("evaluates a daily set only on the first run after its day has ended", async () => {
    const daily = parseConfig({
      detection: {
        metricSets: [
          { name: "daily-egress", builtin: "egress", settings: { periodSeconds: 86400 } },
        ],
      },
    }).detection;
    const source = new FakeMetricSource([hourly(bucket("a"), GB, 1)]);
    const at = async (iso: string) => {
      const { deps: d } = deps(source, Date.parse(iso));
      return detectAnomalies({ ...d, config: daily });
    };
    const justAfterMidnight = await at("2026-11-24T00:20:00Z");
    expect(justAfterMidnight.evaluated).toEqual([
      expect.objectContaining({ periodStart: "2026-11-23T00:00:00.000Z" }),
    ]);
    const midday = await at("2026-11-24T12:20:00Z");
    expect(midday.evaluated).toEqual([]);
    expect(midday.skipped[0]?.reason).toMatch(/not due/);
    const forced = await detectAnomalies(
      { ...deps(source, Date.parse("2026-11-24T12:20:00Z")).deps, config: daily },
      { force: true },
    );
    expect(forced.evaluated).toHaveLength(1);
  });

  it("reports a metric set name that does not exist instead of ignoring it", async () => {
    const { deps: d } = deps(new FakeMetricSource([]), NOW);
    const report = await detectAnomalies(d, { metricSets: ["egres"] });
    expect(report.skipped).toEqual([
      { metricSet: "egres", reason: "no metric set with this name in the config" },
    ]);
    expect(report.partialFailure).toBe(true);
  });

  it("sends nothing on a dry run", async () => {
    const burst = hourly(bucket("analytics"), 2 * GB, 1);
    setPoints(burst, withBurst(pointsOf(burst), EVALUATED, 1, 8));
    const { deps: d, notifier } = deps(new FakeMetricSource([burst]), NOW);
    const report = await detectAnomalies(d, { dryRun: true });
    expect(report.results[0]?.alert).toBe("new-episode");
    expect(notifier.sent).toHaveLength(0);
  });
});
