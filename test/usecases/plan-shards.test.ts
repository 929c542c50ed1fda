import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/load.ts";
import type { DetectShard } from "../../src/events/detect-shard.ts";
import type { ShardQueue } from "../../src/ports/shard-queue.ts";
import {
  FanoutInputError,
  type Fleet,
  fanOutDetection,
  newRunId,
  parseShardMessage,
  planShards,
} from "../../src/usecases/plan-shards.ts";
import { recordingLogger } from "./fakes.ts";

const HOURLY_TICK = Date.parse("2026-11-24T08:15:00Z");
const AFTER_MIDNIGHT = Date.parse("2026-11-24T00:15:00Z");

const config = parseConfig({
  detection: {
    scheduleMinutes: 60,
    settleMinutes: 10,
    metricSets: [
      { name: "egress", builtin: "egress", settings: { periodSeconds: 3600 } },
      { name: "api-calls", builtin: "api-calls", settings: { periodSeconds: 3600 } },
      { name: "daily-egress", builtin: "egress", settings: { periodSeconds: 86400 } },
      { name: "off", builtin: "egress", enabled: false },
    ],
  },
}).detection;

const accounts = (n: number) =>
  Array.from({ length: n }, (_, i) => String(100_000_000_000 + i).padStart(12, "0"));
const fleet = (n = 3, regions = ["eu-west-1"]): Fleet => ({ accounts: accounts(n), regions });

describe("planShards", () => {
  it("plans one shard per account × region × period group; sets sharing a period share a shard", () => {
    const plan = planShards(config, fleet(1000), {}, HOURLY_TICK, "run-1");
    expect(plan.shards).toHaveLength(1000);
    expect(new Set(plan.shards.map((s) => s.account)).size).toBe(1000);
    expect(plan.shards[0]).toEqual({
      version: 1,
      runId: "run-1",
      account: "100000000000",
      region: "eu-west-1",
      metricSets: ["egress", "api-calls"],
      plannedAt: "2026-11-24T08:15:00.000Z",
      force: false,
      dryRun: false,
      part: { index: 0, count: 1 },
    });
    expect(plan.skipped).toEqual([
      { metricSet: "daily-egress", reason: "not due: evaluated on an earlier run" },
      { metricSet: "off", reason: "disabled in config" },
    ]);
  });

  it("adds the daily group on the tick after midnight, and with force", () => {
    const midnight = planShards(
      config,
      fleet(2, ["eu-west-1", "us-east-1"]),
      {},
      AFTER_MIDNIGHT,
      "r",
    );
    expect(midnight.shards).toHaveLength(2 * 2 * 2);
    expect(midnight.shards.map((s) => s.metricSets)).toContainEqual(["daily-egress"]);
    const forced = planShards(config, fleet(1), { force: true, dryRun: true }, HOURLY_TICK, "r");
    expect(forced.shards.map((s) => [s.metricSets, s.force, s.dryRun])).toEqual([
      [["egress", "api-calls"], true, true],
      [["daily-egress"], true, true],
    ]);
  });

  it("narrows to the requested sets and accounts", () => {
    const plan = planShards(
      config,
      fleet(5),
      { metricSets: ["api-calls"], accounts: ["100000000003"] },
      HOURLY_TICK,
      "r",
    );
    expect(plan.shards.map((s) => [s.account, s.metricSets])).toEqual([
      ["100000000003", ["api-calls"]],
    ]);
  });

  it.each<[string, Parameters<typeof planShards>[2], Fleet, RegExp]>([
    [
      "an unknown metric set",
      { metricSets: ["egres"] },
      fleet(),
      /unknown metric set "egres" \(configured: egress, api-calls, daily-egress, off\)/,
    ],
    [
      "an account outside the fleet",
      { accounts: ["999999999999"] },
      fleet(),
      /account 999999999999 is not a member account/,
    ],
    [
      "a malformed account",
      { accounts: ["1234-5678-9012"] },
      fleet(),
      /not 12-digit AWS account ids: "1234-5678-9012"/,
    ],
    ["a malformed fleet account", {}, { accounts: ["12345"], regions: ["eu-west-1"] }, /12-digit/],
    [
      "a malformed region",
      {},
      { accounts: accounts(1), regions: ["Europe"] },
      /regions must be AWS regions/,
    ],
  ])("refuses %s before planning anything", (_, request, f, message) => {
    expect(() => planShards(config, f, request, HOURLY_TICK, "r")).toThrow(FanoutInputError);
    expect(() => planShards(config, f, request, HOURLY_TICK, "r")).toThrow(message);
  });
});

describe("shard messages", () => {
  const shard = planShards(config, fleet(1), {}, HOURLY_TICK, "run-1").shards[0] as DetectShard;

  it("round-trip through JSON", () => {
    expect(parseShardMessage(JSON.stringify(shard))).toEqual(shard);
  });

  it.each([
    ["not json", /not JSON/],
    [
      JSON.stringify({ ...shard, part: { index: 2, count: 2 } }),
      /part: part index must be below part count/,
    ],
    [JSON.stringify({ ...shard, account: "acct" }), /account: must be a 12-digit AWS account id/],
    [JSON.stringify({ ...shard, extra: 1 }), /Unrecognized key/],
    [JSON.stringify({ ...shard, runId: "a b" }), /runId/],
  ])("a bad body is refused with the reason: %s", (body, message) => {
    expect(() => parseShardMessage(body)).toThrow(message);
  });
});

class MemoryQueue implements ShardQueue {
  sent: DetectShard[] = [];
  constructor(private readonly refuse: (shard: DetectShard) => boolean = () => false) {}
  async send(shards: DetectShard[]) {
    const failed = shards.filter(this.refuse).map((shard) => ({ shard, error: "KmsDisabled: x" }));
    this.sent.push(...shards.filter((s) => !this.refuse(s)));
    return { failed };
  }
}

describe("fanOutDetection", () => {
  const deps = (queue: ShardQueue, f = fleet(10)) => ({
    config,
    fleet: f,
    queue,
    clock: () => HOURLY_TICK,
    newRunId: () => "run-7",
    logger: recordingLogger(),
  });

  it("enqueues every shard and reports the run", async () => {
    const queue = new MemoryQueue();
    const d = deps(queue);
    const report = await fanOutDetection(d);
    expect(report).toMatchObject({
      runId: "run-7",
      accounts: 10,
      shards: 10,
      enqueued: 10,
      failed: [],
    });
    expect(queue.sent).toHaveLength(10);
    expect(d.logger.info).toHaveBeenCalledWith(
      "detection shards enqueued",
      expect.objectContaining({ shards: 10 }),
    );
  });

  it("reports and logs shards the queue refused", async () => {
    const queue = new MemoryQueue((s) => s.account === "100000000004");
    const d = deps(queue);
    const report = await fanOutDetection(d);
    expect(report.enqueued).toBe(9);
    expect(report.failed).toEqual([
      {
        account: "100000000004",
        region: "eu-west-1",
        metricSets: ["egress", "api-calls"],
        error: "KmsDisabled: x",
      },
    ]);
    expect(d.logger.error).toHaveBeenCalledWith(
      "detection shard not enqueued",
      expect.objectContaining({ account: "100000000004" }),
    );
  });

  it("bad input enqueues nothing", async () => {
    const queue = new MemoryQueue();
    await expect(fanOutDetection(deps(queue), { metricSets: ["nope"] })).rejects.toThrow(
      FanoutInputError,
    );
    expect(queue.sent).toEqual([]);
  });

  it("no member account: nothing to send, still a reported run", async () => {
    const queue = new MemoryQueue();
    const report = await fanOutDetection(deps(queue, { accounts: [], regions: ["eu-west-1"] }));
    expect(report).toMatchObject({ shards: 0, enqueued: 0 });
  });
});

describe("newRunId", () => {
  it("sorts by time and is safe in a role session name", () => {
    expect(newRunId(HOURLY_TICK, () => 0.5)).toBe("20261124T081500Z-7fffff");
  });
});
