/**
 * What the real-wire benchmarks share (`detect-wire`, `backtest-wire`): bundling an entry as the
 * deploy does, running a bundle in its own process (so the local CloudWatch server's work is not
 * counted as the client's) and reading back its one JSON line, and the median of the rounds.
 */
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { build } from "esbuild";

/** The deploy's esbuild plugins (serverless.yml custom.esbuild.plugins). */
const deployPlugins = createRequire(import.meta.url)("../src/deploy/esbuild-plugins.cjs");

/**
 * Bundles as serverless.yml's custom.esbuild does for the deployed functions (minified, no
 * keepNames, the same plugins): the bundle's own size is part of the memory measured — V8 keeps a
 * script's source, and an unminified bundle with comments is ~3 MB held as a two-byte string.
 * Target node20 rather than the runtime's node22: the bench runs on the local Node.
 */
export async function bundle(entry: string, outfile: string): Promise<void> {
  await build({
    entryPoints: [new URL(entry, import.meta.url).pathname],
    bundle: true,
    minify: true,
    keepNames: false,
    platform: "node",
    format: "esm",
    target: "node20",
    mainFields: ["module", "main"],
    plugins: deployPlugins,
    outfile,
    logLevel: "silent",
    banner: {
      js: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);",
    },
  });
}

/** Runs a bundle with node `flags`; resolves with its last stdout line parsed as JSON. */
export function runChild(
  file: string,
  flags: string[],
  env: Record<string, string>,
): Promise<Record<string, number | boolean>> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...flags, file], {
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
    });
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    child.on("close", (code) => {
      const line = stdout.trim().split("\n").at(-1) ?? "";
      if (code !== 0 || !line.startsWith("{")) {
        reject(new Error(`${file} failed (exit ${code}): ${stderr.slice(-2000)}`));
      } else resolve(JSON.parse(line));
    });
  });
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}
