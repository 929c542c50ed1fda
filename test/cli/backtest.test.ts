import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { runBacktestCommand } from "../../src/cli/backtest.ts";
import type { CliIo } from "../../src/cli/io.ts";
import { syntheticSeries, withBurst } from "../../src/sandbox/synthetic.ts";

const HOUR = 3_600_000;
const START = Date.parse("2026-10-01T00:00:00Z");
const SPIKE = START + 40 * 24 * HOUR + 14 * HOUR;

function capture(): CliIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (l) => stdout.push(l), err: (l) => stderr.push(l) };
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
  await writeFile(
    csv,
    [
      "timestamp,value",
      ...points.map((p) => `${new Date(p.timestamp).toISOString()},${p.value}`),
    ].join("\n"),
  );
});

describe("vigil backtest", () => {
  it("lists every flagged period with its numbers as one JSON document", async () => {
    const io = capture();
    const code = await runBacktestCommand(
      { input: csv, method: "seasonal", sigma: "4", json: true },
      io,
    );
    expect(code).toBe(0);
    const doc = JSON.parse(io.stdout.join("\n"));
    expect(doc.settings).toMatchObject({
      method: "seasonal",
      k: 4,
      windowDays: 30,
      periodSeconds: 3600,
    });
    const flaggedTimes = doc.flagged.map((f: { timestamp: string }) => f.timestamp);
    expect(flaggedTimes).toContain(new Date(SPIKE).toISOString());
    expect(flaggedTimes).toContain(new Date(SPIKE + HOUR).toISOString());
    for (const f of doc.flagged) {
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
    expect(doc.episodes.length).toBeGreaterThanOrEqual(1);
    expect(doc.episodes.length).toBeLessThanOrEqual(doc.flagged.length);
  });

  it("flags more at a lower k than at a higher one", async () => {
    const low = capture();
    const high = capture();
    await runBacktestCommand({ input: csv, sigma: "2", json: true }, low);
    await runBacktestCommand({ input: csv, sigma: "6", json: true }, high);
    expect(JSON.parse(low.stdout.join("")).flagged.length).toBeGreaterThan(
      JSON.parse(high.stdout.join("")).flagged.length,
    );
  });

  it("prints a readable table by default", async () => {
    const io = capture();
    expect(await runBacktestCommand({ input: csv, method: "seasonal" }, io)).toBe(0);
    const text = io.stdout.join("\n");
    expect(text).toMatch(/timestamp\s+observed\s+expected\s+sigma\s+z\s+severity/);
    expect(text).toContain(new Date(SPIKE).toISOString());
  });

  it("rejects bad values with the line number, and bad flags by name, exit code 2", async () => {
    const bad = join(dir, "bad.csv");
    await writeFile(bad, "timestamp,value\n2026-11-01T00:00:00Z,10\n2026-11-01T01:00:00Z,abc\n");
    const io = capture();
    expect(await runBacktestCommand({ input: bad }, io)).toBe(2);
    expect(io.stderr.join("\n")).toMatch(/line 3/);

    const flags = capture();
    expect(await runBacktestCommand({ input: csv, method: "median" }, flags)).toBe(2);
    expect(flags.stderr.join("\n")).toMatch(/--method must be one of mean-sd, seasonal/);
    const sigma = capture();
    expect(await runBacktestCommand({ input: csv, sigma: "-3" }, sigma)).toBe(2);
    expect(sigma.stderr.join("\n")).toMatch(/--sigma must be a positive number/);
    const missing = capture();
    expect(await runBacktestCommand({ input: join(dir, "nope.csv") }, missing)).toBe(2);
  });
});
