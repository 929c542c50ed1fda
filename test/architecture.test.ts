import { spawnSync } from "node:child_process";
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, normalize, relative } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";

/**
 * The layering: which layers each layer may import (its own is always allowed). Domain at the
 * bottom, then event schemas and ports; adapters and remediations implement ports; use cases see
 * ports, never adapters; wiring composes; entry points (functions, CLI, deploy) sit on top, then
 * the sandbox, bin/ and bench/. Nothing imports test/. biome.json carries the same rule per layer
 * (noRestrictedImports) so the editor and `npm run lint` say it first; this test ranks every
 * relative import against the table and checks that biome.json forbids exactly what it forbids.
 */
const SRC = ["domain", "events", "ports", "adapters", "remediations", "config"] as const;
const LAYERS = {
  domain: { dir: "src/domain", imports: [] },
  events: { dir: "src/events", imports: ["domain"] },
  ports: { dir: "src/ports", imports: ["domain", "events"] },
  adapters: { dir: "src/adapters", imports: ["domain", "events", "ports"] },
  remediations: { dir: "src/remediations", imports: ["domain", "events", "ports"] },
  // Config composes the remediations' settings (their defaults today).
  config: { dir: "src/config", imports: ["domain", "events", "ports", "remediations"] },
  usecases: { dir: "src/usecases", imports: ["domain", "events", "ports", "config"] },
  wiring: { dir: "src/wiring", imports: [...SRC, "usecases"] },
  report: { dir: "src/report", imports: ["domain", "events", "ports", "config", "usecases"] },
  cli: { dir: "src/cli", imports: [...SRC, "usecases", "wiring", "report"] },
  deploy: { dir: "src/deploy", imports: [...SRC, "usecases"] },
  functions: {
    dir: "functions",
    imports: ["domain", "events", "ports", "config", "usecases", "wiring"],
  },
  sandbox: {
    dir: "sandbox",
    imports: [...SRC, "usecases", "wiring", "report", "cli", "deploy", "functions"],
  },
  bin: {
    dir: "bin",
    imports: [...SRC, "usecases", "wiring", "report", "cli", "deploy", "functions", "sandbox"],
  },
  bench: {
    dir: "bench",
    imports: [...SRC, "usecases", "wiring", "report", "cli", "deploy", "functions", "sandbox"],
  },
} satisfies Record<string, { dir: string; imports: readonly string[] }>;

type LayerName = keyof typeof LAYERS;
const NAMES = Object.keys(LAYERS) as LayerName[];

/** The domain and the use cases stay free of AWS SDKs: they take ports. */
const SDK_FREE = new Set<LayerName>(["domain", "usecases"]);

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const SOURCE = /\.(ts|mts|js|cjs)$/;

interface ImportEdge {
  file: string;
  target: string;
}

function layerOf(path: string): LayerName | undefined {
  return NAMES.find((n) => path === LAYERS[n].dir || path.startsWith(`${LAYERS[n].dir}/`));
}

function mayImport(from: LayerName, to: LayerName): boolean {
  return from === to || (LAYERS[from].imports as readonly string[]).includes(to);
}

/** Rank of each layer: one above the highest layer it may import. Throws on a cycle. */
function ranks(): Record<LayerName, number> {
  const rank = {} as Record<LayerName, number>;
  const visit = (name: LayerName, path: LayerName[]): number => {
    if (path.includes(name)) throw new Error(`layer cycle: ${[...path, name].join(" → ")}`);
    rank[name] ??=
      Math.max(-1, ...LAYERS[name].imports.map((i) => visit(i as LayerName, [...path, name]))) + 1;
    return rank[name];
  };
  for (const name of NAMES) visit(name, []);
  return rank;
}

/** The edges that break the layering, as `file → target (why)`. */
function upwardEdges(edges: readonly ImportEdge[]): string[] {
  const rank = ranks();
  const bad: string[] = [];
  for (const { file, target } of edges) {
    const from = layerOf(file);
    const to = layerOf(target);
    if (!from) continue;
    if (!to) bad.push(`${file} → ${target} (${from} imports outside the layers)`);
    else if (!mayImport(from, to)) {
      bad.push(
        `${file} → ${target} (${from}, rank ${rank[from]}, may not import ${to}, rank ${rank[to]})`,
      );
    }
  }
  return bad;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && SOURCE.test(e.name))
    .map((e) => relative(ROOT, join(e.parentPath, e.name)));
}

function importsOf(file: string): string[] {
  const { importedFiles } = ts.preProcessFile(readFileSync(join(ROOT, file), "utf8"), true, true);
  return importedFiles.map((i) => i.fileName);
}

function repoEdges(): { edges: ImportEdge[]; sdkImports: string[] } {
  const edges: ImportEdge[] = [];
  const sdkImports: string[] = [];
  for (const { dir } of Object.values(LAYERS)) {
    for (const file of sourceFiles(dir)) {
      for (const spec of importsOf(file)) {
        if (spec.startsWith(".")) {
          edges.push({ file, target: normalize(join(dirname(file), spec)) });
        } else if (spec.startsWith("@aws-sdk/") && SDK_FREE.has(layerOf(file) as LayerName)) {
          sdkImports.push(`${file} → ${spec}`);
        }
      }
    }
  }
  return { edges, sdkImports };
}

describe("architecture", () => {
  it("every relative import in src/, functions/, sandbox/, bin/ and bench/ points down", () => {
    const { edges } = repoEdges();
    expect(edges.length).toBeGreaterThan(300);
    expect(upwardEdges(edges)).toEqual([]);
  });

  it("the domain and the use cases never load an AWS SDK client", () => {
    expect(repoEdges().sdkImports).toEqual([]);
  });

  it("the Lambda handlers never load the eager registry, nor a remediation module, at init", () => {
    // registry.ts loads every remediation (top-level await): reached from a handler, each cold
    // start would load every service's SDK client again. The handlers reach the remediations only
    // through the catalog's import()s (src/remediations/catalog.ts).
    const STATIC = /^(?:import|export)\s+(?!type\s)(?:[^;]*?\sfrom\s+)?"(\.[^"]+)";/gms;
    const staticImports = (file: string) =>
      [...readFileSync(join(ROOT, file), "utf8").matchAll(STATIC)].map((m) =>
        normalize(join(dirname(file), m[1] as string)),
      );
    const reached = new Set<string>();
    const pending = sourceFiles("functions");
    while (pending.length > 0) {
      const file = pending.pop() as string;
      if (reached.has(file)) continue;
      reached.add(file);
      pending.push(...staticImports(file));
    }
    expect(reached.has("src/wiring/remediation.ts")).toBe(true);
    expect(reached.has("src/remediations/catalog.ts")).toBe(true);
    const remediationModules = [...reached].filter(
      (file) =>
        file === "src/remediations/registry.ts" ||
        /^src\/remediations\/[^/]+\/[^/]+\.ts$/.test(file),
    );
    // Settings schemas are zod only: config composes them in every function.
    expect(remediationModules.filter((file) => !file.endsWith("/settings.ts"))).toEqual([]);
  });

  it("the layers form a ranked stack without cycles", () => {
    const rank = ranks();
    expect(rank.domain).toBe(0);
    for (const name of NAMES) {
      for (const below of LAYERS[name].imports) {
        expect(rank[below as LayerName]).toBeLessThan(rank[name]);
      }
    }
  });

  it("the ranker names each upward edge and passes the downward ones", () => {
    const edges = [
      { file: "src/domain/guards.ts", target: "src/remediations/types.ts" },
      { file: "src/usecases/intake.ts", target: "src/adapters/iam-id-resolver.ts" },
      { file: "src/adapters/s3-journal.ts", target: "src/remediations/s3-reads.ts" },
      { file: "bench/resilience.ts", target: "test/resilience/fuzz.ts" },
      { file: "src/usecases/intake.ts", target: "src/ports/iam-ids.ts" },
      { file: "functions/detect.ts", target: "src/wiring/detection.ts" },
      { file: "src/domain/guards.ts", target: "src/domain/finding.ts" },
    ];
    const rank = ranks();
    expect(upwardEdges(edges)).toEqual([
      `src/domain/guards.ts → src/remediations/types.ts (domain, rank 0, may not import remediations, rank ${rank.remediations})`,
      `src/usecases/intake.ts → src/adapters/iam-id-resolver.ts (usecases, rank ${rank.usecases}, may not import adapters, rank ${rank.adapters})`,
      `src/adapters/s3-journal.ts → src/remediations/s3-reads.ts (adapters, rank ${rank.adapters}, may not import remediations, rank ${rank.remediations})`,
      "bench/resilience.ts → test/resilience/fuzz.ts (bench imports outside the layers)",
    ]);
  });

  interface BiomeOverride {
    includes?: string[];
    linter?: {
      rules?: {
        style?: { noRestrictedImports?: { options?: { patterns?: Array<{ group?: string[] }> } } };
      };
    };
  }

  it("biome.json forbids each layer exactly the layers the table forbids, and test/", () => {
    const biome = JSON.parse(readFileSync(join(ROOT, "biome.json"), "utf8")) as {
      overrides: BiomeOverride[];
    };
    for (const from of NAMES) {
      const { dir } = LAYERS[from];
      const override = biome.overrides.find((o) => o.includes?.includes(`${dir}/**`));
      const groups = (override?.linter?.rules?.style?.noRestrictedImports?.options?.patterns ?? [])
        .flatMap((p) => p.group ?? [])
        .sort();
      const expected = NAMES.filter((to) => !mayImport(from, to))
        .map((to) => `**/${LAYERS[to].dir.split("/").at(-1)}/**`)
        .concat("**/test/**")
        .concat(SDK_FREE.has(from) ? ["@aws-sdk/*"] : [])
        .sort();
      expect({ from, groups }).toEqual({ from, groups: expected });
    }
  });

  it("npm run lint fails on an upward import", () => {
    // The repository's own biome.json, linting a use case that imports an adapter and an SDK client.
    const dir = mkdtempSync(join(tmpdir(), "vigil-layering-"));
    try {
      copyFileSync(join(ROOT, "biome.json"), join(dir, "biome.json"));
      mkdirSync(join(dir, "src/usecases"), { recursive: true });
      writeFileSync(
        join(dir, "src/usecases/probe.ts"),
        [
          'import { S3Client } from "@aws-sdk/client-s3";',
          'import { IamIdResolver } from "../adapters/iam-id-resolver.ts";',
          "export const probe = [S3Client, IamIdResolver];",
          "",
        ].join("\n"),
      );
      const biome = spawnSync(
        join(ROOT, "node_modules/.bin/biome"),
        ["lint", "--vcs-enabled=false", "--max-diagnostics=20", "src"],
        { cwd: dir, encoding: "utf8" },
      );
      const diagnostics = `${biome.stdout}${biome.stderr}`;
      expect(biome.status).not.toBe(0);
      expect(diagnostics.match(/lint\/style\/noRestrictedImports/g)).toHaveLength(2);
      expect(diagnostics).toContain("use cases import ports, the domain, event schemas and config");
      expect(diagnostics).toContain("use cases never load an AWS SDK client");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
