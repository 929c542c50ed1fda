import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MemoryNotifier } from "../../src/adapters/sns-notifier.ts";
import { parseConfig } from "../../src/config/load.ts";
import { type MetricIdentity, type MetricSeries, metricKey } from "../../src/domain/metric.ts";
import type { DetectShard } from "../../src/events/detect-shard.ts";
import {
  detectShard,
  inPart,
  PartitionedMetricSource,
  type ShardDeps,
  splitShard,
} from "../../src/usecases/detect-shard.ts";
import { FanoutInputError } from "../../src/usecases/plan-shards.ts";
import { FakeMetricSource } from "../support/fake-metric-source.ts";
import { seriesFrom } from "../support/series.ts";
import { recordingLogger } from "./fakes.ts";

const HOUR = 3_600_000;
const PLANNED_AT = "2026-11-24T08:15:00.000Z";
const EVALUATED = Date.parse("2026-11-24T07:00:00Z");

const config = parseConfig({
  detection: {
    metricSets: [{ name: "egress", builtin: "egress", settings: { periodSeconds: 3600 } }],
  },
}).detection;

function bucket(name: string): MetricIdentity {
  return {
    namespace: "AWS/S3",
    metricName: "BytesDownloaded",
    dimensions: { BucketName: name, FilterId: "EntireBucket" },
    stat: "Sum",
  };
}

/** 40 days hourly with a weekly wiggle; a 50 GB burst at `burstAt`. */
function series(metric: MetricIdentity, burstAt?: number): MetricSeries {
  const points = [];
  for (let t = EVALUATED - 40 * 24 * HOUR; t <= EVALUATED; t += HOUR) {
    points.push({ timestamp: t, value: t === burstAt ? 50e9 : 1e9 + ((t / HOUR) % 7) * 1e7 });
  }
  return seriesFrom(metric, 3600, points);
}

const shard = (overrides: Partial<DetectShard> = {}): DetectShard => ({
  version: 1,
  runId: "run-1",
  account: "111122223333",
  region: "eu-west-1",
  metricSets: ["egress"],
  plannedAt: PLANNED_AT,
  force: false,
  dryRun: false,
  part: { index: 0, count: 1 },
  ...overrides,
});

function deps(source: FakeMetricSource, overrides: Partial<ShardDeps> = {}) {
  const notifier = new MemoryNotifier();
  const requeued: DetectShard[] = [];
  const sourcesAskedFor: DetectShard[] = [];
  const d: ShardDeps = {
    config,
    notifier,
    logger: recordingLogger(),
    async sourceFor(s) {
      sourcesAskedFor.push(s);
      return source;
    },
    async requeue(shards) {
      requeued.push(...shards);
    },
    ...overrides,
  };
  return { deps: d, notifier, requeued, sourcesAskedFor };
}

describe("partitions", () => {
  it("the parts of a shard partition its metrics: every metric in exactly one part", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.string({ minLength: 1, maxLength: 20 }), { maxLength: 200 }),
        fc.integer({ min: 1, max: 16 }),
        (names, count) => {
          for (const name of names) {
            const parts = Array.from({ length: count }, (_, index) =>
              inPart(bucket(name), { index, count }),
            );
            expect(parts.filter(Boolean)).toHaveLength(1);
          }
        },
      ),
    );
  });

  it("splitting part i of n into k keeps exactly the metrics of part i", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 2, max: 8 }),
        fc.nat(),
        (count, k, seed) => {
          const part = { index: seed % count, count };
          const subs = splitShard(shard({ part }), k);
          expect(subs).toHaveLength(k);
          for (let i = 0; i < 100; i++) {
            const metric = bucket(`b-${seed}-${i}`);
            const inSubs = subs.filter((s) => inPart(metric, s.part)).length;
            expect(inSubs).toBe(inPart(metric, part) ? 1 : 0);
          }
        },
      ),
    );
  });

  it("the partitioned source discovers once and serves only its part", async () => {
    const all = Array.from({ length: 100 }, (_, i) => series(bucket(`b${i}`)));
    const inner = new FakeMetricSource(all);
    const part = { index: 1, count: 4 };
    const source = new PartitionedMetricSource(inner, part);
    const selectors = [
      {
        namespace: "AWS/S3",
        metricName: "BytesDownloaded",
        stat: "Sum",
        dimensionNames: ["BucketName", "FilterId"],
      },
    ];
    const first = await source.discover(selectors);
    const second = await source.discover(selectors);
    expect(first.metrics.every((m) => inPart(m, part))).toBe(true);
    expect(first.metrics.length).toBeGreaterThan(10);
    expect(first.metrics.length).toBeLessThan(40);
    expect(second).toEqual({ metrics: first.metrics, listMetricsCalls: 0 });
    expect(first.listMetricsCalls).toBe(1);
  });
});

describe("detectShard", () => {
  it("judges the period due at plannedAt in the shard's account and region, and alerts", async () => {
    const source = new FakeMetricSource([series(bucket("raw"), EVALUATED), series(bucket("logs"))]);
    const { deps: d, notifier, sourcesAskedFor } = deps(source);
    const outcome = await detectShard(d, shard());
    expect(outcome.status).toBe("evaluated");
    if (outcome.status !== "evaluated") return;
    expect(outcome.metrics).toBe(2);
    expect(outcome.report.evaluated).toEqual([
      {
        metricSet: "egress",
        periodStart: "2026-11-24T07:00:00.000Z",
        periodSeconds: 3600,
        metrics: 2,
      },
    ]);
    expect(sourcesAskedFor).toEqual([shard()]);
    // The page and the shard's digest.
    expect(notifier.sent.map((n) => n.subject)).toEqual([
      expect.stringMatching(/111122223333 eu-west-1 egress/),
      expect.stringMatching(/111122223333 eu-west-1 digest: 1 new/),
    ]);
    // Discovery ran once per selector although the use case discovers again.
    expect(outcome.report.stats.getMetricDataCalls).toBe(1);
  });

  it("a late worker still judges the planned period", async () => {
    const source = new FakeMetricSource([series(bucket("raw"), EVALUATED)]);
    const { deps: d } = deps(source);
    const outcome = await detectShard(d, shard());
    expect(outcome.status === "evaluated" && outcome.report.now).toBe(PLANNED_AT);
  });

  it("dry run evaluates without notifying", async () => {
    const source = new FakeMetricSource([series(bucket("raw"), EVALUATED)]);
    const { deps: d, notifier } = deps(source);
    await detectShard(d, shard({ dryRun: true }));
    expect(notifier.sent).toEqual([]);
  });

  it("splits a shard with too many metrics instead of judging it", async () => {
    const source = new FakeMetricSource(
      Array.from({ length: 25 }, (_, i) => series(bucket(`b${i}`))),
    );
    const { deps: d, requeued, notifier } = deps(source, { maxMetricsPerShard: 10 });
    const outcome = await detectShard(d, shard());
    expect(outcome).toEqual({ status: "split", metrics: 25, parts: 3 });
    expect(requeued.map((s) => s.part)).toEqual([
      { index: 0, count: 3 },
      { index: 1, count: 3 },
      { index: 2, count: 3 },
    ]);
    expect(source.fetchCalls).toEqual([]);
    expect(notifier.sent).toEqual([]);

    // Each part then fits, and together they judge every metric exactly once.
    const judged: string[] = [];
    for (const sub of requeued) {
      const out = await detectShard(d, sub);
      if (out.status !== "evaluated") throw new Error("part split again");
      judged.push(...out.report.results.map((r) => metricKey(r.metric)));
    }
    expect(judged.sort()).toEqual(
      Array.from({ length: 25 }, (_, i) => metricKey(bucket(`b${i}`))).sort(),
    );
  });

  it("fails the shard when its role cannot be assumed, before any read", async () => {
    const source = new FakeMetricSource([series(bucket("raw"))]);
    const { deps: d } = deps(source, {
      sourceFor: async () => {
        throw new Error("AssumeRoleError: cannot assume");
      },
    });
    await expect(detectShard(d, shard())).rejects.toThrow(/cannot assume/);
    expect(source.fetchCalls).toEqual([]);
  });

  it("fails the shard when discovery fails (the queue retries it)", async () => {
    const source = new FakeMetricSource([]);
    source.discover = async () => {
      throw new Error("AccessDenied: cloudwatch:ListMetrics");
    };
    const { deps: d } = deps(source);
    await expect(detectShard(d, shard())).rejects.toThrow(/AccessDenied/);
  });

  it("refuses a shard naming a metric set this deployment does not have", async () => {
    const { deps: d, sourcesAskedFor } = deps(new FakeMetricSource([]));
    await expect(detectShard(d, shard({ metricSets: ["gone"] }))).rejects.toThrow(FanoutInputError);
    expect(sourcesAskedFor).toEqual([]);
  });
});
