import {
  CreateBucketCommand,
  ListObjectsV2Command,
  PutBucketVersioningCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { syntheticSeries, withBurst } from "../../sandbox/synthetic.ts";
import { PagerDutyNotifier } from "../../src/adapters/pagerduty-notifier.ts";
import { RoutingNotifier } from "../../src/adapters/routing-notifier.ts";
import { S3PageLedger } from "../../src/adapters/s3-page-ledger.ts";
import { parseConfig } from "../../src/config/load.ts";
import type { MetricIdentity, MetricSeries } from "../../src/domain/metric.ts";
import { detectAnomalies } from "../../src/usecases/detect-anomalies.ts";
import { PageBudgetNotifier } from "../../src/usecases/paging.ts";
import { ROUTING_KEY, remediation } from "../support/alert-fixtures.ts";
import { FakeMetricSource } from "../support/fake-metric-source.ts";
import { motoClientConfig, motoEndpoint, resetMoto } from "../support/moto.ts";
import { type PagerDutyTestServer, startPagerDutyServer } from "../support/pagerduty-server.ts";
import { seriesFrom } from "../support/series.ts";

const endpoint = motoEndpoint();
const HOUR = 3_600_000;
const ACCOUNT = "123456789012";
const NOW = Date.parse("2026-11-24T08:15:00Z");
const BURST = Date.parse("2026-11-24T07:00:00Z");
const STORM = `vigil:storm:${ACCOUNT}:2026-11-24T08`;

const bucket = (name: string): MetricIdentity => ({
  namespace: "AWS/S3",
  metricName: "BytesDownloaded",
  dimensions: { BucketName: name, FilterId: "EntireBucket" },
  stat: "Sum",
});

/** Hourly history up to `last`, with one exfiltration-sized hour at BURST. */
function series(name: string, seed: number, last: number): MetricSeries {
  const periods = 40 * 24;
  const points = syntheticSeries({
    start: last - (periods - 1) * HOUR,
    periods,
    periodSeconds: 3600,
    base: 2e9,
    dailyAmplitude: 0.4,
    weekendFactor: 0.5,
    noise: 0.05,
    seed,
  });
  return seriesFrom(bucket(name), 3600, withBurst(points, BURST, 1, 20 + seed));
}

describe.skipIf(!endpoint)(
  "page budget across runs: S3 ledger (moto) and PagerDuty (local server)",
  () => {
    const s3 = new S3Client({ ...motoClientConfig(endpoint ?? ""), forcePathStyle: true });
    const journalBucket = "vigil-journal-pages";
    let server: PagerDutyTestServer;

    beforeEach(async () => {
      await resetMoto(endpoint ?? "");
      await s3.send(new CreateBucketCommand({ Bucket: journalBucket }));
      await s3.send(
        new PutBucketVersioningCommand({
          Bucket: journalBucket,
          VersioningConfiguration: { Status: "Enabled" },
        }),
      );
      server = await startPagerDutyServer();
    });
    afterEach(async () => {
      await server.close();
    });

    it("of concurrent callers exactly `budget` get a slot", async () => {
      const ledger = new S3PageLedger(s3, journalBucket);
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          ledger.takePage(ACCOUNT, "2026-11-24T08", 3, `run-${i}`),
        ),
      );
      expect(results.filter(Boolean)).toHaveLength(3);
      const listed = await s3.send(
        new ListObjectsV2Command({ Bucket: journalBucket, Prefix: "alerts/pages/" }),
      );
      expect((listed.Contents ?? []).map((o) => o.Key).sort()).toEqual(
        [0, 1, 2].map((n) => `alerts/pages/${ACCOUNT}/2026-11-24T08/${n}`),
      );
    });

    it("two shards and a remediation share the hour's 3 pages; one storm key; the next hour's run resolves the storm", async () => {
      const config = parseConfig({
        detection: {
          metricSets: [
            {
              name: "egress",
              builtin: "egress",
              settings: { method: "seasonal", rearmQuietPeriods: 1 },
            },
          ],
        },
        alerting: { pageBudget: 3 },
      });
      const logger = { info: () => {}, warn: () => {}, error: () => {} };
      const routing = new RoutingNotifier({
        routes: config.alerting.routes,
        pagerDuty: new PagerDutyNotifier({
          routingKey: async () => ROUTING_KEY,
          endpoint: server.url,
          maxAttempts: 1,
          sleep: async () => {},
        }),
        logger,
      });
      const ledger = new S3PageLedger(s3, journalBucket);
      const run = (names: string[], now: number, part?: { index: number; count: number }) =>
        detectAnomalies({
          source: new FakeMetricSource(
            // Each bucket keeps its own history from run to run.
            names.map((name) =>
              series(name, name.charCodeAt(0) + Number(name.slice(1)), now - HOUR - 15 * 60_000),
            ),
          ),
          notifier: routing,
          config: config.detection,
          alerting: config.alerting,
          clock: () => now,
          region: "eu-west-1",
          account: ACCOUNT,
          logger,
          pages: ledger,
          ...(part ? { part } : {}),
        });

      // An enforced remediation in the account pages first and takes one of the three slots.
      const remediations = new PageBudgetNotifier({
        inner: routing,
        ledger,
        routes: config.alerting.routes,
        pageBudget: 3,
        clock: () => NOW - 10 * 60_000,
        region: "eu-west-1",
        logger,
      });
      await remediations.notify(remediation("applied"));

      const shardA = await run(["a0", "a1", "a2"], NOW, { index: 0, count: 2 });
      const shardB = await run(["b0", "b1", "b2"], NOW, { index: 1, count: 2 });
      expect(shardA.results.filter((r) => r.alert === "new-episode")).toHaveLength(3);
      expect(shardB.results.filter((r) => r.alert === "new-episode")).toHaveLength(3);
      const pagedByDetect = [...shardA.alerting.pages.paged, ...shardB.alerting.pages.paged];
      expect(pagedByDetect).toHaveLength(2);
      expect([...shardA.alerting.pages.folded, ...shardB.alerting.pages.folded]).toHaveLength(4);
      expect(shardB.alerting.pages).toMatchObject({ allowance: 0, shared: true, storm: STORM });

      const triggers = server.requests.map((r) => r.body);
      const pages = triggers.filter((t) => !String(t.dedup_key).startsWith("vigil:storm:"));
      expect(pages).toHaveLength(3); // the remediation and two anomalies: the budget holds
      expect(
        new Set(triggers.filter((t) => t.dedup_key !== STORM).map((t) => t.dedup_key)).size,
      ).toBe(3);
      expect(
        triggers.filter((t) => t.dedup_key === STORM).every((t) => t.event_action === "trigger"),
      ).toBe(true);

      // The next hour: every burst is over (one quiet period closes an episode here). The first run
      // of that hour resolves the storm with one PagerDuty resolve event for the storm's key.
      server.requests.length = 0;
      const next = await run(["a0", "a1", "a2", "b0", "b1", "b2"], NOW + HOUR);
      expect(next.results.filter((r) => r.episode?.open)).toEqual([]);
      expect(next.alerting.stormsResolved).toEqual([STORM]);
      const resolves = server.requests.map((r) => r.body).filter((b) => b.dedup_key === STORM);
      expect(resolves).toEqual([
        expect.objectContaining({ event_action: "resolve", routing_key: ROUTING_KEY }),
      ]);
      expect(await ledger.openStorms(ACCOUNT, "2026-11-24T10")).toEqual([]);

      // Nothing left to resolve on the run after.
      server.requests.length = 0;
      const after = await run(["a0"], NOW + HOUR + 5 * 60_000);
      expect(after.alerting.stormsResolved).toEqual([]);
      expect(server.requests.filter((r) => r.body.dedup_key === STORM)).toEqual([]);
    });
  },
);
