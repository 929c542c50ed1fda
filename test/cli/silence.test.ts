import { mkdtemp, readdir, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import type { CliIo } from "../../src/cli/io.ts";
import { runSilenceAdd, runSilenceList, runSilenceRemove } from "../../src/cli/silence.ts";
import { parseConfigText } from "../../src/config/load.ts";

function capture(): CliIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (l) => stdout.push(l), err: (l) => stderr.push(l) };
}

const NOW = Date.parse("2026-11-24T08:00:00Z");
const now = () => NOW;
const CONFIG = `# Vigil for the data platform account
detection:
  metricSets:
    - name: egress # S3, EC2, NAT, CloudFront
      builtin: egress
alerting:
  pageBudget: 5 # pages per hour per account
`;

let dir: string;
let path: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "vigil-silence-"));
  path = join(dir, "vigil.config.yaml");
  await writeFile(path, CONFIG);
});

describe("vigil silence", () => {
  it("adds a silence the config accepts, keeping the file's comments, then lists and removes it", async () => {
    const io = capture();
    const added = await runSilenceAdd(
      {
        configPath: path,
        id: "backfill",
        metricSet: ["egress"],
        dimension: ["BucketName=backfill-*"],
        for: "4h",
        reason: "nightly backfill to the warehouse",
        now,
      },
      io,
    );
    expect(added).toBe(0);
    const text = await readFile(path, "utf8");
    expect(text).toContain("# Vigil for the data platform account");
    expect(text).toContain("pageBudget: 5 # pages per hour per account");
    expect(parseConfigText(text, path).alerting.silences).toEqual([
      {
        id: "backfill",
        match: { metricSet: ["egress"], dimensions: { BucketName: "backfill-*" } },
        start: "2026-11-24T08:00:00.000Z",
        end: "2026-11-24T12:00:00.000Z",
        reason: "nightly backfill to the warehouse",
      },
    ]);
    // No temporary file left beside the config.
    expect(await readdir(dir)).toEqual(["vigil.config.yaml"]);

    const list = capture();
    expect(await runSilenceList({ configPath: path, json: true, now }, list)).toBe(0);
    expect(JSON.parse(list.stdout.join("\n"))).toEqual([
      expect.objectContaining({ id: "backfill", state: "active" }),
    ]);

    const removed = capture();
    expect(await runSilenceRemove({ configPath: path, ids: ["backfill"] }, removed)).toBe(0);
    expect(parseConfigText(await readFile(path, "utf8"), path).alerting.silences).toEqual([]);
    expect(await readFile(path, "utf8")).toContain("# Vigil for the data platform account");
  });

  it("refuses a silence longer than 30 days, without an end or a reason, and leaves the file alone", async () => {
    for (const options of [
      { for: "31d", reason: "too long", metricSet: ["egress"] },
      { reason: "no end", metricSet: ["egress"] },
      { for: "1h", reason: " ", metricSet: ["egress"] },
      { for: "1h", reason: "matches nothing in particular" },
    ]) {
      const io = capture();
      expect(await runSilenceAdd({ configPath: path, now, ...options }, io)).toBe(2);
      expect(io.stderr.join("\n")).not.toBe("");
    }
    expect(await readFile(path, "utf8")).toBe(CONFIG);
  });

  it("lists an expired silence as expired (ignored) and removes expired ones on request", async () => {
    await runSilenceAdd(
      {
        configPath: path,
        id: "old",
        account: ["123456789012"],
        start: "2026-11-01T00:00:00Z",
        end: "2026-11-02T00:00:00Z",
        reason: "migration",
        now,
      },
      capture(),
    );
    const list = capture();
    await runSilenceList({ configPath: path, now }, list);
    expect(list.stdout.join("\n")).toMatch(/old\s+expired/);
    expect(list.stdout.join("\n")).toContain("1 expired silence(s) are ignored");
    expect(
      await runSilenceRemove({ configPath: path, ids: [], expired: true, now }, capture()),
    ).toBe(0);
    expect(parseConfigText(await readFile(path, "utf8"), path).alerting.silences).toEqual([]);
  });

  it("names an unknown id and changes nothing", async () => {
    const io = capture();
    expect(await runSilenceRemove({ configPath: path, ids: ["nope"] }, io)).toBe(2);
    expect(io.stderr[0]).toContain("no silence nope");
    expect(await readFile(path, "utf8")).toBe(CONFIG);
  });
});
