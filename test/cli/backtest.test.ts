import { mkdir, mkdtemp, readdir, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { syntheticSeries, withBurst } from "../../sandbox/synthetic.ts";
import {
  type BacktestCliDeps,
  parseExclusion,
  parseMetricIdentity,
  parseSettingVariant,
  progressReporter,
  runBacktestCommand,
} from "../../src/cli/backtest.ts";
import type { CliIo } from "../../src/cli/io.ts";
import type { FetchProgress } from "../../src/usecases/backtest.ts";
import { FakeMetricSource } from "../support/fake-metric-source.ts";
import { pointsOf } from "../support/series.ts";
import { EVALUATED_TO, scenarios, testMetric, toCsv } from "../usecases/scenarios.ts";

const HOUR = 3_600_000;
const START = Date.parse("2026-10-01T00:00:00Z");
const SPIKE = START + 40 * 24 * HOUR + 14 * HOUR;

function capture(): CliIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (l) => stdout.push(l), err: (l) => stderr.push(l) };
}

/** Files only, no config, no AWS: what the tests need. */
function fileDeps(extra: Partial<BacktestCliDeps> = {}): BacktestCliDeps {
  return {
    createSource: () => {
      throw new Error("no CloudWatch in this test");
    },
    clock: () => Date.parse("2026-11-20T00:00:00Z"),
    readTextFile: (path) => readFile(path, "utf8"),
    env: {},
    ...extra,
  };
}

let dir: string;
let csv: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "vigil-backtest-"));
  const points = withBurst(
    syntheticSeries({
      start: START,
      periods: 45 * 24,
      periodSeconds: 3600,
      base: 1e9,
      dailyAmplitude: 0.3,
      weekendFactor: 0.6,
      noise: 0.05,
      seed: 11,
    }),
    SPIKE,
    2,
    6,
  );
  csv = join(dir, "egress.csv");
  await writeFile(csv, toCsv(points));
});

describe("vigil backtest", () => {
  it("lists every flagged period with its numbers as one JSON document", async () => {
    const io = capture();
    const code = await runBacktestCommand(
      { input: csv, method: "seasonal", sigma: "4", json: true },
      io,
      fileDeps(),
    );
    expect(code).toBe(0);
    const doc = JSON.parse(io.stdout.join("\n"));
    expect(doc.metrics).toHaveLength(1);
    const [result] = doc.metrics[0].variants;
    expect(result.settings).toMatchObject({
      method: "seasonal",
      k: 4,
      windowDays: 30,
      periodSeconds: 3600,
    });
    const flaggedTimes = result.flagged.map((f: { timestamp: string }) => f.timestamp);
    expect(flaggedTimes).toContain(new Date(SPIKE).toISOString());
    expect(flaggedTimes).toContain(new Date(SPIKE + HOUR).toISOString());
    for (const f of result.flagged) {
      expect(f).toEqual(
        expect.objectContaining({
          observed: expect.any(Number),
          expected: expect.any(Number),
          sigma: expect.any(Number),
          z: expect.any(Number),
          severity: expect.stringMatching(/warning|critical/),
        }),
      );
    }
    expect(result.episodes.length).toBeGreaterThanOrEqual(1);
    expect(result.episodes.length).toBeLessThanOrEqual(result.flagged.length);
    expect(result.episodeCount).toBe(result.episodes.length);
  });

  it("flags more at a lower k than at a higher one", async () => {
    const low = capture();
    const high = capture();
    await runBacktestCommand({ input: csv, sigma: "2", json: true }, low, fileDeps());
    await runBacktestCommand({ input: csv, sigma: "6", json: true }, high, fileDeps());
    const flagged = (io: ReturnType<typeof capture>) =>
      JSON.parse(io.stdout.join("")).metrics[0].variants[0].flagged.length;
    expect(flagged(low)).toBeGreaterThan(flagged(high));
  });

  it("prints a readable table by default", async () => {
    const io = capture();
    expect(await runBacktestCommand({ input: csv, method: "seasonal" }, io, fileDeps())).toBe(0);
    const text = io.stdout.join("\n");
    expect(text).toMatch(/timestamp\s+observed\s+expected\s+sigma\s+z\s+severity/);
    expect(text).toContain(new Date(SPIKE).toISOString());
    expect(text).toMatch(/\d+ periods flagged in \d+ episodes \(\d+\.\d\d episodes\/week\)/);
  });

  it("rejects bad values with the line number, and bad flags by name, exit code 2", async () => {
    const bad = join(dir, "bad.csv");
    await writeFile(bad, "timestamp,value\n2026-11-01T00:00:00Z,10\n2026-11-01T01:00:00Z,abc\n");
    const io = capture();
    expect(await runBacktestCommand({ input: bad }, io, fileDeps())).toBe(2);
    expect(io.stderr.join("\n")).toMatch(/line 3/);

    const flags = capture();
    expect(await runBacktestCommand({ input: csv, method: "median" }, flags, fileDeps())).toBe(2);
    expect(flags.stderr.join("\n")).toMatch(/--method must be one of mean-sd, seasonal/);
    const sigma = capture();
    expect(await runBacktestCommand({ input: csv, sigma: "-3" }, sigma, fileDeps())).toBe(2);
    expect(sigma.stderr.join("\n")).toMatch(/--sigma must be a positive number/);
    const missing = capture();
    expect(await runBacktestCommand({ input: join(dir, "nope.csv") }, missing, fileDeps())).toBe(2);
  });
});

describe("vigil backtest: several settings side by side", () => {
  let weekly: string;
  beforeAll(async () => {
    weekly = join(dir, "weekly.csv");
    await writeFile(weekly, toCsv(pointsOf(scenarios.weekly())));
  });

  it("prints one comparison table per metric and what only one setting flags", async () => {
    const io = capture();
    const code = await runBacktestCommand(
      // The last 14 days: the scenarios' anomalies, after a full baseline.
      {
        input: [weekly, csv],
        setting: ["k=3", "k = 3 , method = seasonal", "period=1d"],
        method: "mean-sd", // under every setting: "k=3" is the mean-sd column
        days: "14",
      },
      io,
      fileDeps(),
    );
    expect(code).toBe(0);
    const text = io.stdout.join("\n");
    expect(text).toMatch(
      /setting\s+period\s+alerts\s+alerts\/wk\s+episodes\s+episodes\/wk\s+critical\s+only this/,
    );
    expect(text.match(/^== /gm)).toHaveLength(2);
    expect(text).toMatch(/^k=3,method=seasonal\s+1h\s+1\s+0\.50\s+1\s+0\.50\s+1\s+1$/m);
    expect(text).toMatch(/^period=1d\s+1d\s+/m);
    expect(text).toContain("only k=3,method=seasonal: 2026-04-11T12:00Z");
  });

  it("--json prints one document with every setting of every metric", async () => {
    const io = capture();
    await runBacktestCommand(
      {
        input: [weekly],
        setting: ["k=3", "method=seasonal"],
        method: "mean-sd",
        json: true,
        days: "14",
      },
      io,
      fileDeps(),
    );
    const doc = JSON.parse(io.stdout.join("\n"));
    expect(doc.settings).toEqual(["k=3", "method=seasonal"]);
    const [k3, seasonal] = doc.metrics[0].variants;
    expect(k3.flaggedPeriods).toBe(0);
    expect(seasonal.onlyThis).toEqual([
      { start: "2026-04-11T12:00:00.000Z", end: "2026-04-11T13:00:00.000Z", periods: 1 },
    ]);
    expect(doc.metrics[0].range).toEqual({
      start: "2026-04-01T00:00:00.000Z",
      end: new Date(EVALUATED_TO).toISOString(),
    });
  });

  it("--exclude leaves an incident out of the baselines and shows in the settings", async () => {
    const io = capture();
    await runBacktestCommand(
      { input: [weekly], exclude: ["2026-03-20T00:00Z/2026-03-21T00:00Z"], json: true },
      io,
      fileDeps(),
    );
    const doc = JSON.parse(io.stdout.join("\n"));
    expect(doc.metrics[0].variants[0].settings.excludedRanges).toEqual([
      { start: "2026-03-20T00:00:00.000Z", end: "2026-03-21T00:00:00.000Z" },
    ]);
  });

  it("--html writes one self-contained report and says where", async () => {
    const out = join(dir, "report.html");
    const io = capture();
    expect(
      await runBacktestCommand(
        { input: [weekly, csv], setting: ["k=3", "k=4"], html: out },
        io,
        fileDeps(),
      ),
    ).toBe(0);
    const html = await readFile(out, "utf8");
    expect(html.match(/<canvas id="chart-\d+"/g)).toHaveLength(2);
    expect(io.stdout.at(-1)).toBe(`Report written to ${out}`);
  });
});

describe("vigil backtest: bad input → a clear message, exit code 2, nothing half-written", () => {
  const cases: Array<[string, string, RegExp]> = [
    [
      "wrong-columns.csv",
      "time,bytes\n2026-01-01T00:00Z,1\n",
      /line 1: unexpected columns "time", "bytes"/,
    ],
    [
      "words.csv",
      "timestamp,value\n2026-01-01T00:00Z,1\n2026-01-01T01:00Z,many\n",
      /words\.csv line 3: non-numeric value "many"/,
    ],
    [
      "short.csv",
      `timestamp,value\n${Array.from({ length: 5 }, (_, i) => `${new Date(START + i * HOUR).toISOString()},5`).join("\n")}\n`,
      /short\.csv: 5 points .* leave no period to judge: setting "current" needs minHistoryPeriods=7 hourly periods/,
    ],
  ];

  it.each(cases)("%s", async (name, text, message) => {
    const caseDir = await mkdtemp(join(tmpdir(), "vigil-bad-"));
    const file = join(caseDir, name);
    await writeFile(file, text);
    const io = capture();
    const code = await runBacktestCommand(
      { input: file, html: join(caseDir, "report.html") },
      io,
      fileDeps(),
    );
    expect(code).toBe(2);
    expect(io.stderr.join("\n")).toMatch(message);
    expect(io.stderr.join("\n")).toMatch(/^vigil backtest: /);
    expect(await readdir(caseDir)).toEqual([name]); // no report, no temporary file
  });

  it("an --html path that cannot be written fails at once with exit 2, before any metric is read", async () => {
    const caseDir = await mkdtemp(join(tmpdir(), "vigil-html-"));
    const reads: string[] = [];
    const deps = fileDeps({
      readTextFile: async (path) => {
        reads.push(path);
        return "";
      },
    });
    const io = capture();
    const code = await runBacktestCommand(
      { input: join(caseDir, "never-read.csv"), html: caseDir },
      io,
      deps,
    );
    expect(code).toBe(2);
    expect(io.stderr.join("\n")).toMatch(/cannot write .*vigil-html-.*: .* is a directory/);
    expect(reads).toEqual([]);
    const missingParent = capture();
    expect(
      await runBacktestCommand(
        { input: join(caseDir, "never-read.csv"), html: join(caseDir, "no", "such", "r.html") },
        missingParent,
        deps,
      ),
    ).toBe(2);
    expect(missingParent.stderr.join("\n")).toMatch(/cannot write .*r\.html: .*ENOENT/);
  });

  it("accepts a real export: zone-less, unsorted, repeated and irregular rows, one warning line each, exit 0", async () => {
    const caseDir = await mkdtemp(join(tmpdir(), "vigil-real-"));
    const file = join(caseDir, "export.csv");
    const rows = Array.from({ length: 48 }, (_, i) => {
      const at = new Date(START + i * HOUR).toISOString().slice(0, 19).replace("T", " ");
      return `${at},${i === 40 ? 500 : 10 + (i % 3)}`;
    });
    // A repeated hour (daylight-saving change) and two rows swapped.
    rows.splice(20, 0, rows[19] as string);
    [rows[30], rows[31]] = [rows[31] as string, rows[30] as string];
    await writeFile(file, `timestamp,value\n${rows.join("\n")}\n`);
    const io = capture();
    const code = await runBacktestCommand(
      { input: file, stat: "Average", json: true },
      io,
      fileDeps(),
    );
    expect(code).toBe(0);
    expect(io.stderr).toEqual([
      `vigil backtest: ${file}: 49 timestamps have no time zone: read as UTC`,
      `vigil backtest: ${file}: 1 row was out of time order: sorted`,
      `vigil backtest: ${file}: 2 rows share a 1 h period with another row (repeated timestamps or irregular spacing): combined per period with Average`,
    ]);
    const doc = JSON.parse(io.stdout.join("\n"));
    expect(
      doc.metrics[0].variants[0].flagged.map((f: { timestamp: string }) => f.timestamp),
    ).toContain(new Date(START + 40 * HOUR).toISOString());
  });

  it("an unreadable file names itself", async () => {
    const io = capture();
    const target = join(dir, "a-directory.csv");
    await mkdir(target, { recursive: true });
    expect(await runBacktestCommand({ input: target }, io, fileDeps())).toBe(2);
    expect(io.stderr.join("\n")).toMatch(/a-directory\.csv: cannot read file/);
  });

  it("a report path that cannot be written is an error and leaves nothing behind", async () => {
    const io = capture();
    const target = join(dir, "report-is-a-dir");
    await mkdir(target, { recursive: true });
    expect(await runBacktestCommand({ input: csv, html: target }, io, fileDeps())).toBe(2);
    expect(io.stderr.join("\n")).toMatch(/cannot write .*report-is-a-dir/);
    expect((await readdir(dir)).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });

  it.each([
    [{ setting: ["k=abc"] }, /--setting "k=abc": k must be a number/],
    [{ setting: ["sharpness=2"] }, /--setting "sharpness=2": unknown setting "sharpness"/],
    [{ setting: ["k=-1"] }, /--setting "k=-1": k: Too small/],
    [
      { setting: ["period=90s"] },
      /--setting "period=90s": period must be a whole number of minutes/,
    ],
    [{ setting: ["k=3,k=4"] }, /k is given twice/],
    [{ setting: ["window=500"] }, /windowDays: Too big/],
    [
      { exclude: ["2026-10-03/2026-10-01"] },
      /--exclude "2026-10-03\/2026-10-01": END must be after START/,
    ],
    [
      { exclude: ["2026-10-03T00:00/2026-10-04T00:00Z"] },
      /START "2026-10-03T00:00" is not an ISO 8601 time with Z/,
    ],
    [{ exclude: ["yesterday"] }, /expected START\/END/],
    [{ days: "0" }, /--days must be a whole number of days from 1 to 455/],
    [{ minDelta: "lots" }, /--min-delta must be a number/],
    // --metric names the metric of ONE input file: with two, it is refused.
    [
      { input: ["a.csv", "b.csv"], metric: "AWS/S3 BytesDownloaded" },
      /either several --input files or --metric/,
    ],
  ])("rejects %j", async (flags, message) => {
    const io = capture();
    expect(await runBacktestCommand({ input: csv, ...flags }, io, fileDeps())).toBe(2);
    expect(io.stderr.join("\n")).toMatch(message);
  });
});

describe("vigil backtest from CloudWatch", () => {
  const NOW = Date.parse("2026-04-15T00:25:00Z");
  const CONFIG = `
detection:
  metricSets:
    - name: test
      selectors:
        - { namespace: Vigil/Test, metricName: spike }
        - { namespace: Vigil/Test, metricName: weekly }
      settings: { periodSeconds: 3600 }
`;
  const shift = Date.parse("2026-04-15T00:00:00Z") - EVALUATED_TO;
  const live = [scenarios.spike(), scenarios.weekly()].map((s) => ({
    ...s,
    points: pointsOf(s).map((p) => ({ ...p, timestamp: p.timestamp + shift })),
  }));

  function cloudDeps(progress: { isTTY?: boolean; writes: string[] }) {
    const source = new FakeMetricSource(live);
    const deps: BacktestCliDeps = {
      createSource: () => source,
      clock: () => NOW,
      readTextFile: async (path) => {
        if (path !== "vigil.config.yaml") throw new Error(`ENOENT: ${path}`);
        return CONFIG;
      },
      env: {},
      progress: { isTTY: progress.isTTY ?? false, write: (text) => progress.writes.push(text) },
    };
    return { deps, source };
  }

  it("backtests every metric of the config's sets, ranked by alerts, with a final progress line", async () => {
    const progress = { writes: [] as string[] };
    const { deps, source } = cloudDeps(progress);
    const io = capture();
    expect(
      await runBacktestCommand({ days: "14", setting: ["k=3", "method=seasonal"] }, io, deps),
    ).toBe(0);
    expect(source.fetchCalls).toHaveLength(1);
    const text = io.stdout.join("\n");
    expect(text.indexOf("== Vigil/Test spike")).toBeLessThan(text.indexOf("== Vigil/Test weekly"));
    expect(progress.writes).toEqual([
      expect.stringMatching(
        /^fetched 2 metric histories: 1 GetMetricData calls, \d+ datapoints in \d+\.\d s\n$/,
      ),
    ]);
  });

  it("draws a progress bar in place on a terminal", async () => {
    const progress = { isTTY: true, writes: [] as string[] };
    const { deps } = cloudDeps(progress);
    expect(await runBacktestCommand({ days: "14" }, capture(), deps)).toBe(0);
    expect(progress.writes[0]).toMatch(/^\r\[-{24}\] 0\/2 metric histories/);
    expect(progress.writes).toContainEqual(
      expect.stringMatching(/^\r\[#{24}\] 2\/2 metric histories/),
    );
    expect(progress.writes.at(-2)).toBe("\r\u001b[2K");
  });

  it("one metric by identity, with the settings of the set that discovers it", async () => {
    const { deps } = cloudDeps({ writes: [] });
    const io = capture();
    await runBacktestCommand({ metric: "Vigil/Test spike", days: "14", json: true }, io, deps);
    const doc = JSON.parse(io.stdout.join("\n"));
    expect(doc.metrics).toHaveLength(1);
    expect(doc.metrics[0]).toMatchObject({ metricSet: "test", label: "Vigil/Test spike" });
  });

  it("a missing config file is a clear error", async () => {
    const { deps } = cloudDeps({ writes: [] });
    const io = capture();
    expect(await runBacktestCommand({ config: "nope.yaml" }, io, deps)).toBe(2);
    expect(io.stderr.join("\n")).toMatch(/cannot read config file nope\.yaml/);
  });
});

describe("option parsing", () => {
  it("parses settings with aliases and suffixes", () => {
    expect(
      parseSettingVariant("k=3.5, method=seasonal, minDelta=100M, window=14d, period=1d"),
    ).toEqual({
      label: "k=3.5,method=seasonal,minDelta=100M,window=14d,period=1d",
      changes: {
        k: 3.5,
        method: "seasonal",
        minAbsoluteDelta: 100_000_000,
        windowDays: 14,
        periodSeconds: 86_400,
      },
    });
    expect(parseSettingVariant("current")).toEqual({ label: "current", changes: {} });
  });

  it("reads rearm as a duration, or as a count of periods like the older key", () => {
    expect(parseSettingVariant("rearm=8h").changes).toEqual({ rearmQuietSeconds: 8 * 3600 });
    expect(parseSettingVariant("rearm=96").changes).toEqual({ rearmQuietPeriods: 96 });
    expect(() => parseSettingVariant("rearm=8 hours")).toThrow(/rearmQuiet/);
  });

  it("reads the level-shift settings: shiftband a fraction of k, shiftfor a duration", () => {
    expect(parseSettingVariant("shiftband=0.5,shiftfor=3h").changes).toEqual({
      levelShiftBand: 0.5,
      levelShiftSeconds: 3 * 3600,
    });
    expect(() => parseSettingVariant("shiftfor=3")).toThrow(/levelShiftFor/);
  });

  it("reads the opt-in rules: confirmwithin a duration, quietslotprior a weight", () => {
    expect(parseSettingVariant("confirmWithin=30m,quietSlotPrior=10").changes).toEqual({
      confirmWithinSeconds: 30 * 60,
      quietSlotPrior: 10,
    });
    expect(parseSettingVariant("confirmwithin=0").changes).toEqual({ confirmWithinSeconds: 0 });
    expect(() => parseSettingVariant("confirmwithin=30")).toThrow(/confirmWithin/);
  });

  it("parses exclusions and metric identities", () => {
    expect(parseExclusion("2026-10-03/2026-10-04T12:00+02:00")).toEqual({
      start: Date.parse("2026-10-03T00:00:00Z"),
      end: Date.parse("2026-10-04T10:00:00Z"),
    });
    expect(parseMetricIdentity("AWS/S3 BytesDownloaded BucketName=a=b FilterId=all")).toEqual({
      namespace: "AWS/S3",
      metricName: "BytesDownloaded",
      dimensions: { BucketName: "a=b", FilterId: "all" },
      stat: "Sum",
    });
    expect(
      parseMetricIdentity(
        '{"namespace":"N","metricName":"M","dimensions":{"B":"with space"}}',
        "Maximum",
      ),
    ).toEqual({
      namespace: "N",
      metricName: "M",
      dimensions: { B: "with space" },
      stat: "Maximum",
    });
    expect(() => parseMetricIdentity("AWS/S3")).toThrow(/NAMESPACE METRIC/);
    expect(testMetric("x").stat).toBe("Sum");
  });

  it("prints nothing but the final line when stderr is not a terminal", () => {
    const writes: string[] = [];
    let clock = 0;
    const progress = progressReporter({ isTTY: false, write: (t) => writes.push(t) }, () => clock);
    const step = (done: number): FetchProgress => ({
      done,
      total: 4,
      getMetricDataCalls: done,
      datapoints: 10 * done,
    });
    progress.update(step(0));
    progress.update(step(2));
    clock = 2500;
    progress.update(step(4));
    progress.finish();
    expect(writes).toEqual([
      "fetched 4 metric histories: 4 GetMetricData calls, 40 datapoints in 2.5 s\n",
    ]);
  });
});
