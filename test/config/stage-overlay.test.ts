import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ConfigError } from "../../src/config/load.ts";
import { loadStageConfig, mergeOverlay, stageOverlayPath } from "../../src/config/stage-overlay.ts";

const BASE = `
detection:
  scheduleMinutes: 60
  metricSets:
    - name: egress
      builtin: egress
remediation:
  defaultMode: notify
  allowedAccounts: ["111122223333"]
`;

describe("mergeOverlay: an overlay reads like a diff of the base", () => {
  it("merges objects key by key, replaces scalars and arrays, and null removes a key", () => {
    const base = { a: { b: 1, c: [1, 2], d: "x" }, e: true };
    const overlay = { a: { b: 2, c: [3] }, e: null, f: "new" };
    expect(mergeOverlay(base, overlay)).toEqual({ a: { b: 2, c: [3], d: "x" }, f: "new" });
    expect(base).toEqual({ a: { b: 1, c: [1, 2], d: "x" }, e: true });
  });
});

describe("loadStageConfig", () => {
  let dir: string;
  let basePath: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "vigil-stage-"));
    basePath = join(dir, "vigil.config.yaml");
    await writeFile(basePath, BASE);
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it("names the overlay next to the base file", () => {
    expect(stageOverlayPath("conf/vigil.config.yaml", "prod")).toBe("conf/vigil.config.prod.yaml");
    expect(stageOverlayPath("vigil.config.json", "dev")).toBe("vigil.config.dev.json");
  });

  it("without an overlay file a stage runs the base config", async () => {
    const { config, sources } = await loadStageConfig("dev", basePath);
    expect(sources).toEqual([basePath]);
    expect(config.remediation).toMatchObject({ defaultMode: "notify" });
  });

  it("an overlay promotes prod to enforce and keeps everything else from the base", async () => {
    await writeFile(join(dir, "vigil.config.prod.yaml"), "remediation:\n  defaultMode: enforce\n");
    const { config, sources } = await loadStageConfig("prod", basePath);
    expect(sources).toEqual([basePath, join(dir, "vigil.config.prod.yaml")]);
    expect(config.remediation).toMatchObject({
      defaultMode: "enforce",
      allowedAccounts: ["111122223333"],
    });
    expect(config.detection.scheduleMinutes).toBe(60);
    // Another stage is not affected by prod's overlay.
    expect((await loadStageConfig("dev", basePath)).config.remediation).toMatchObject({
      defaultMode: "notify",
    });
  });

  it("a typo in an overlay fails with the key path and both file names", async () => {
    await writeFile(join(dir, "vigil.config.prod.yaml"), "remediation:\n  defaultMod: enforce\n");
    const error = await loadStageConfig("prod", basePath).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain("vigil.config.prod.yaml");
    expect((error as Error).message).toContain("defaultMod");
  });

  it("an overlay that is not a mapping, or a stage name that is not a file-name part, is refused", async () => {
    await writeFile(join(dir, "vigil.config.prod.yaml"), "- enforce\n");
    await expect(loadStageConfig("prod", basePath)).rejects.toThrow(/expected a mapping/);
    await expect(loadStageConfig("../etc", basePath)).rejects.toThrow(/invalid stage/);
  });
});
