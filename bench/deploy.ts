/**
 * Deployment benchmark: packages the service (a private copy, offline) and, per function, reports
 * its zip size, its bundle size raw and gzipped (-9), and its init time — a fresh `node` process
 * importing the bundled handler, median of 10. One JSON line per function, then a summary.
 * Targets: ≤ 300 KB gzipped, ≤ 120 ms import.
 */
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { gzipSync } from "node:zlib";
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

/** One cold start: a new node process imports the handler; returns [import ms, process ms]. */
async function coldStart(handlerFile: string, cwd: string): Promise<[number, number]> {
  const script =
    "const t0 = performance.now();" +
    `const m = await import(${JSON.stringify(pathToFileURL(handlerFile).href)});` +
    "if (typeof m.handler !== 'function') throw new Error('no handler export');" +
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

export async function benchDeploy(samples = 10) {
  const packaged = await packageService();
  const work = await mkdtemp(join(tmpdir(), "vigil-bench-deploy-"));
  const lines: Array<Record<string, unknown>> = [];
  try {
    for (const [fn, zipPath] of Object.entries(packaged.zips).sort()) {
      const files = readZip(await readFile(zipPath));
      const dir = join(work, fn);
      for (const [name, content] of files) {
        await mkdir(dirname(join(dir, name)), { recursive: true });
        await writeFile(join(dir, name), content);
      }
      const bundleName = [...files.keys()].find((name) => name.endsWith(".mjs"));
      if (!bundleName) throw new Error(`${fn}.zip holds no .mjs bundle`);
      const bundle = files.get(bundleName) as Buffer;
      const importMs: number[] = [];
      const processMs: number[] = [];
      for (let i = 0; i < samples; i++) {
        const [imported, total] = await coldStart(join(dir, bundleName), dir);
        importMs.push(imported);
        processMs.push(total);
      }
      const gzipBytes = gzipSync(bundle, { level: 9 }).length;
      const initMs = Math.round(median(importMs));
      lines.push({
        bench: "deploy",
        function: fn,
        zipBytes: (await stat(zipPath)).size,
        files: [...files.keys()],
        bundleBytes: bundle.length,
        gzipBytes,
        initMs,
        processMs: Math.round(median(processMs)),
        withinTargets: gzipBytes <= BUNDLE_TARGET_GZIP_BYTES && initMs <= INIT_TARGET_MS,
      });
    }
  } finally {
    await rm(work, { recursive: true, force: true });
    await packaged.cleanup();
  }
  const gz = lines.map((l) => l.gzipBytes as number);
  const init = lines.map((l) => l.initMs as number);
  lines.push({
    bench: "deploy-summary",
    functions: lines.length,
    maxGzipBytes: Math.max(...gz),
    maxInitMs: Math.max(...init),
    targets: { gzipBytes: BUNDLE_TARGET_GZIP_BYTES, initMs: INIT_TARGET_MS },
    allWithinTargets: lines.every((l) => l.withinTargets),
    sourceMapsInZips: lines.some((l) => (l.files as string[]).some((f) => f.endsWith(".map"))),
  });
  return lines;
}
