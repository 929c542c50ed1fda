import { mkdir, mkdtemp, readdir, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { type BacktestCliDeps, runBacktestCommand } from "../../src/cli/backtest.ts";
import type { CliIo } from "../../src/cli/io.ts";
import { runTuneCommand } from "../../src/cli/tune.ts";
import { parseConfig, parseConfigText } from "../../src/config/load.ts";
import type { MetricSeries } from "../../src/domain/metric.ts";
import { pointsOf } from "../support/series.ts";
import { allScenarios, scenarios, toCsv } from "../usecases/scenarios.ts";

/** The noisier mean-sd rules (every period beyond k·σ alerts): configs that need tuning. */
const NOISY = "method=mean-sd,confirm=1,criticalK=6,rearm=3";
const NOISY_YAML = "method: mean-sd, confirmPeriods: 1, criticalK: 6, rearmQuietPeriods: 3";

function capture(): CliIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (l) => stdout.push(l), err: (l) => stderr.push(l) };
}

const deps: BacktestCliDeps = {
  createSource: () => {
    throw new Error("no CloudWatch in this test");
  },
  clock: () => Date.parse("2026-04-20T00:00:00Z"),
  readTextFile: (path) => readFile(path, "utf8"),
  env: {},
};

let dir: string;
let files: string[];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "vigil-tune-"));
  files = [];
  for (const series of allScenarios()) {
    const file = join(dir, `${series.metric.metricName}.csv`);
    await writeFile(file, toCsv(pointsOf(series)));
    files.push(file);
  }
});

/** Episodes per week of every metric, from `vigil backtest --json`. */
async function episodesPerWeek(flags: Parameters<typeof runBacktestCommand>[0]) {
  const io = capture();
  expect(await runBacktestCommand({ days: "14", ...flags, json: true }, io, deps)).toBe(0);
  const doc = JSON.parse(io.stdout.join("\n"));
  return new Map<string, number>(
    doc.metrics.map((m: { label: string; variants: Array<{ episodesPerWeek: number }> }) => [
      m.label,
      m.variants[0]?.episodesPerWeek,
    ]),
  );
}

describe("vigil tune", () => {
  it("prints a valid config whose overrides keep every synthetic metric within the budget", {
    timeout: 60_000,
  }, async () => {
    const before = await episodesPerWeek({ input: files, setting: [`k=2.5,${NOISY}`] });
    expect([...before.values()].some((rate) => rate > 1)).toBe(true);

    // Tune from k = 2.5 (a config with noisy defaults).
    const configPath = join(dir, "noisy.yaml");
    await writeFile(
      configPath,
      `# team config\ndetection:\n  defaults: { k: 2.5, ${NOISY_YAML} }\n  metricSets:\n    - name: files # the synthetic set\n      selectors: [{ namespace: File, metricName: spike }]\n`,
    );
    const io = capture();
    const code = await runTuneCommand(
      // The last 14 days of the scenarios: their anomalies, after a full baseline.
      { budget: "1", input: files, config: configPath, set: "files", days: "14" },
      io,
      deps,
    );
    expect(code).toBe(0);
    const yaml = io.stdout.join("\n");
    const config = parseConfig(parseYaml(yaml)); // valid against the config schema
    const set = config.detection.metricSets.find((s) => s.name === "files");
    expect(set?.overrides.length).toBeGreaterThan(0);
    for (const override of set?.overrides ?? []) {
      expect(override.match).toEqual({ namespace: "File", metricName: expect.any(String) });
    }
    expect(yaml).toContain("# team config");
    expect(yaml).toContain("- name: files # the synthetic set");
    expect(yaml).toMatch(
      /# vigil tune 2026-04-20, budget 1\/week over 2\.0 weeks: \d+\.\d\d\/week → /,
    );
    expect(io.stderr.join("\n")).toMatch(
      /metric\s+set\s+now\/wk\s+suggested\/wk\s+change\s+status\s+seenBefore→\/wk/,
    );
    // Each over-budget metric shows what every seenBefore searched would do (current first).
    expect(io.stderr.join("\n")).toMatch(
      / 20:\d+\.\d\d 5:\d+\.\d\d 10:\d+\.\d\d 30:\d+\.\d\d off:\d+\.\d\d/,
    );

    // Backtesting with the tuned config: every metric within budget.
    const tunedPath = join(dir, "tuned.yaml");
    await writeFile(tunedPath, yaml);
    const after = await episodesPerWeek({ input: files, config: tunedPath, set: "files" });
    expect(after.size).toBe(7);
    for (const [label, rate] of after) expect(rate, label).toBeLessThanOrEqual(1);
  });

  it("--write replaces the config atomically; a second run updates the same overrides", {
    timeout: 60_000,
  }, async () => {
    const configPath = join(dir, "write.yaml");
    await writeFile(
      configPath,
      `detection:\n  defaults: { k: 2.5, ${NOISY_YAML} }\n  metricSets:\n    - name: files\n      selectors: [{ namespace: File, metricName: spike }]\n`,
    );
    const io = capture();
    expect(
      await runTuneCommand(
        {
          budget: "0.5",
          input: files,
          config: configPath,
          set: "files",
          write: configPath,
          days: "14",
        },
        io,
        deps,
      ),
    ).toBe(0);
    expect(io.stdout.at(-1)).toMatch(
      /^Wrote \d+ suggested overrides? to .*write\.yaml: review with git diff\.$/,
    );
    const first = parseConfigText(await readFile(configPath, "utf8"), configPath);
    const count = first.detection.metricSets[0]?.overrides.length ?? 0;
    expect(count).toBeGreaterThan(0);

    // Tighter budget on the tuned config: same metrics, no duplicated override.
    await runTuneCommand(
      {
        budget: "0",
        input: files,
        config: configPath,
        set: "files",
        write: configPath,
        days: "14",
      },
      capture(),
      deps,
    );
    const second = parseConfigText(await readFile(configPath, "utf8"), configPath);
    const keys = second.detection.metricSets[0]?.overrides.map((o) => JSON.stringify(o.match));
    expect(new Set(keys).size).toBe(keys?.length);
    expect((await readdir(dir)).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });

  it("-i FILE --metric writes overrides that match the real metric, not File/<name>", async () => {
    const io = capture();
    const metric = "AWS/S3 BytesDownloaded BucketName=logs FilterId=EntireBucket";
    expect(
      await runTuneCommand(
        { budget: "0", input: files[0] as string, metric, allowMissingLargest: true },
        io,
        deps,
      ),
    ).toBe(0);
    const config = parseConfigText(io.stdout.join("\n"), "out.yaml");
    const set = config.detection.metricSets[0];
    expect(set?.selectors[0]).toMatchObject({
      namespace: "AWS/S3",
      metricName: "BytesDownloaded",
      stat: "Sum",
      fixedDimensions: { BucketName: "logs", FilterId: "EntireBucket" },
    });
    expect(set?.overrides[0]?.match).toEqual({
      namespace: "AWS/S3",
      metricName: "BytesDownloaded",
      dimensions: { BucketName: "logs", FilterId: "EntireBucket" },
    });
    expect(io.stdout.join("\n")).not.toMatch(/namespace: File/);
  });

  it("without a config, writes a new metric set holding the tuned metrics", async () => {
    const hostile: MetricSeries = {
      ...scenarios.mostlyZero(),
      metric: {
        namespace: "AWS/S3",
        metricName: "BytesDownloaded",
        dimensions: { BucketName: `evil: "x" # not a comment\n- y`, FilterId: "all" },
        stat: "Sum",
      },
    };
    const file = join(dir, "hostile.json");
    await writeFile(file, JSON.stringify({ metric: hostile.metric, points: pointsOf(hostile) }));
    const io = capture();
    // Budget 0: the robust default keeps this metric at its one real burst, which is still over 0.
    expect(await runTuneCommand({ budget: "0", input: file }, io, deps)).toBe(0);
    const config = parseConfigText(io.stdout.join("\n"), "out.yaml");
    const set = config.detection.metricSets[0];
    expect(set?.name).toBe("files");
    expect(set?.selectors[0]).toMatchObject({
      namespace: "AWS/S3",
      dimensionNames: ["BucketName", "FilterId"],
      fixedDimensions: hostile.metric.dimensions,
    });
    expect(set?.overrides[0]?.match.dimensions).toEqual(hostile.metric.dimensions);
  });

  it("--json prints the suggestions", async () => {
    const io = capture();
    await runTuneCommand(
      { budget: "1", input: files, json: true, allowMissingLargest: true },
      io,
      deps,
    );
    const doc = JSON.parse(io.stdout.join("\n"));
    expect(doc.budgetPerWeek).toBe(1);
    expect(doc.metrics).toHaveLength(7);
    for (const m of doc.metrics) {
      expect(["within-budget", "tuned"]).toContain(m.status);
      expect((m.suggested ?? m.current).episodesPerWeek).toBeLessThanOrEqual(1);
    }
  });

  it("says when nothing needs to change", async () => {
    const io = capture();
    expect(await runTuneCommand({ budget: "50", input: files }, io, deps)).toBe(0);
    expect(io.stdout.at(-1)).toBe("All 7 metrics are within the budget: nothing to change.");
  });

  it("bad input: a clear message, exit code 2, nothing written", async () => {
    for (const budget of ["-1", "lots", ""]) {
      const io = capture();
      expect(await runTuneCommand({ budget, input: files }, io, deps)).toBe(2);
      expect(io.stderr.join("\n")).toMatch(
        /--budget must be a number of alert episodes per week ≥ 0/,
      );
    }
    const target = join(dir, "config-is-a-dir");
    await mkdir(target, { recursive: true });
    const io = capture();
    expect(await runTuneCommand({ budget: "0.1", input: files, write: target }, io, deps)).toBe(2);
    expect(io.stderr.join("\n")).toMatch(/cannot write .*config-is-a-dir/);
    const unknown = capture();
    const configPath = join(dir, "noisy.yaml");
    expect(
      await runTuneCommand(
        { budget: "1", input: files, config: configPath, set: "nope" },
        unknown,
        deps,
      ),
    ).toBe(2);
    expect(unknown.stderr.join("\n")).toMatch(/no metric set named "nope"/);
  });
});
