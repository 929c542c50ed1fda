/**
 * Deployment benchmark: packages the service (a private copy, offline) and, per function, reports
 * its zip size, what loads at init (the handler and the chunks it imports statically) raw and
 * gzipped (-9), and its init time: a fresh `node` process importing the bundled handler, median
 * of 10. The remediation functions load each remediation (and its AWS SDK client) on first use
 * (src/remediations/catalog.ts): for them the cold start of a first S3 finding and of a first EC2
 * snapshot finding are measured too (the handler, then that remediation's chunk, as the first
 * event loads it). The floor, measured in the same run: a `node` process importing an empty
 * module; `processX` is a cold process's wall time over the floor's.
 * One JSON line per function, then a summary. Targets: ≤ 300 KB gzipped at init, ≤ 120 ms import.
 */
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { gzipSync } from "node:zlib";
import { chunkOf, loadedWith } from "../src/deploy/bundle-graph.ts";
import { packageService } from "../src/deploy/package-service.ts";
import { readZip } from "../src/deploy/zip.ts";

const run = promisify(execFile);

export const BUNDLE_TARGET_GZIP_BYTES = 300 * 1024;
export const INIT_TARGET_MS = 120;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

/** First findings whose cold start is measured: the remediation module each one loads. */
const FIRST_FINDINGS = {
  s3Path: "s3-default-encryption",
  snapshotPath: "ebs-snapshot-sharing",
} as const;

/**
 * One cold start: a new node process imports `modules` in order (the handler, then the chunk a
 * first finding loads); returns [import ms, process ms].
 */
async function coldStart(modules: string[], cwd: string): Promise<[number, number]> {
  const imports = modules.map(
    (file) => `await import(${JSON.stringify(pathToFileURL(file).href)});`,
  );
  const script =
    "const t0 = performance.now();" +
    imports.join("") +
    "console.log(JSON.stringify({ importMs: performance.now() - t0 }));";
  const started = performance.now();
  const { stdout } = await run(process.execPath, ["--input-type=module", "-e", script], {
    cwd,
    env: {
      PATH: process.env.PATH ?? "",
      AWS_REGION: "us-east-1",
      AWS_ACCESS_KEY_ID: "bench",
      AWS_SECRET_ACCESS_KEY: "bench",
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
      POWERTOOLS_LOG_LEVEL: "SILENT",
      POWERTOOLS_METRICS_DISABLED: "true",
      VIGIL_CONFIG: "deploy/vigil.config.json",
    },
  });
  const processMs = performance.now() - started;
  return [JSON.parse(stdout.trim()).importMs as number, processMs];
}

/** Median import and process ms of `samples` cold starts. */
async function coldStarts(modules: string[], cwd: string, samples: number) {
  const importMs: number[] = [];
  const processMs: number[] = [];
  for (let i = 0; i < samples; i++) {
    const [imported, total] = await coldStart(modules, cwd);
    importMs.push(imported);
    processMs.push(total);
  }
  return { importMs: Math.round(median(importMs)), processMs: Math.round(median(processMs)) };
}

function gzipOf(files: ReadonlyMap<string, Buffer>, names: string[]): number {
  return gzipSync(Buffer.concat(names.map((name) => files.get(name) as Buffer)), { level: 9 })
    .length;
}

export async function benchDeploy(samples = 10) {
  const packaged = await packageService();
  const work = await mkdtemp(join(tmpdir(), "vigil-bench-deploy-"));
  const lines: Array<Record<string, unknown>> = [];
  try {
    await writeFile(join(work, "empty.mjs"), "export {};\n");
    const floor = await coldStarts([join(work, "empty.mjs")], work, samples);
    lines.push({ bench: "deploy-floor", what: "node importing an empty module", ...floor });
    const ratio = (ms: number) => Number((ms / floor.processMs).toFixed(2));
    for (const [fn, zipPath] of Object.entries(packaged.zips).sort()) {
      const files = readZip(await readFile(zipPath));
      const dir = join(work, fn);
      for (const [name, content] of files) {
        await mkdir(dirname(join(dir, name)), { recursive: true });
        await writeFile(join(dir, name), content);
      }
      const handler = [...files.keys()].find((name) => /^functions\/[^/]+\.mjs$/.test(name));
      if (!handler) throw new Error(`${fn}.zip holds no functions/<name>.mjs handler`);
      const atInit = loadedWith(files, handler);
      const init = await coldStarts([join(dir, handler)], dir, samples);
      const gzipBytes = gzipOf(files, atInit);
      const line: Record<string, unknown> = {
        bench: "deploy",
        function: fn,
        zipBytes: (await stat(zipPath)).size,
        files: files.size,
        initFiles: atInit.length,
        initBytes: atInit.reduce((sum, name) => sum + (files.get(name) as Buffer).length, 0),
        gzipBytes,
        initMs: init.importMs,
        processMs: init.processMs,
        processX: ratio(init.processMs),
        withinTargets: gzipBytes <= BUNDLE_TARGET_GZIP_BYTES && init.importMs <= INIT_TARGET_MS,
      };
      const hasRemediations = [...files.keys()].some((name) => name.includes("/s3-default-"));
      for (const [path, module] of Object.entries(hasRemediations ? FIRST_FINDINGS : {})) {
        const chunk = chunkOf(files, module);
        const loaded = new Set([...atInit, ...loadedWith(files, chunk)]);
        const cold = await coldStarts([join(dir, handler), join(dir, chunk)], dir, samples);
        line[path] = {
          remediation: module,
          gzipBytes: gzipOf(files, [...loaded]),
          importMs: cold.importMs,
          processMs: cold.processMs,
          processX: ratio(cold.processMs),
        };
      }
      lines.push(line);
    }
  } finally {
    await rm(work, { recursive: true, force: true });
    await packaged.cleanup();
  }
  const measured = lines.filter((l) => l.bench === "deploy");
  lines.push({
    bench: "deploy-summary",
    functions: measured.length,
    maxGzipBytes: Math.max(...measured.map((l) => l.gzipBytes as number)),
    maxInitMs: Math.max(...measured.map((l) => l.initMs as number)),
    targets: { gzipBytes: BUNDLE_TARGET_GZIP_BYTES, initMs: INIT_TARGET_MS },
    allWithinTargets: measured.every((l) => l.withinTargets),
  });
  return lines;
}
