/**
 * The detection benchmark as Lambda would run it: bundled by esbuild like the functions (no tsx
 * loader in the process), under the V8 heap flags the Lambda Node.js runtime derives from the
 * function's memory size (new space = memory/10, semi space = half of it, old space = the rest).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build } from "esbuild";

export function lambdaHeapFlags(memoryMb: number): string[] {
  const newSpace = Math.floor(memoryMb / 10);
  return [
    `--max-semi-space-size=${Math.floor(newSpace / 2)}`,
    `--max-old-space-size=${memoryMb - newSpace}`,
  ];
}

export async function benchDetectAsLambda(memoryMb = 256) {
  const dir = mkdtempSync(join(tmpdir(), "vigil-bench-"));
  try {
    const outfile = join(dir, "detect-bench.mjs");
    await build({
      entryPoints: [new URL("./detect-entry.ts", import.meta.url).pathname],
      bundle: true,
      platform: "node",
      format: "esm",
      target: "node20",
      outfile,
      logLevel: "silent",
      banner: {
        js: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);",
      },
    });
    const run = spawnSync(process.execPath, [...lambdaHeapFlags(memoryMb), outfile], {
      encoding: "utf8",
    });
    const line = run.stdout.trim().split("\n").at(-1) ?? "";
    if (run.status !== 0 || !line.startsWith("{")) {
      throw new Error(
        `bundled detect bench failed (exit ${run.status}): ${run.stderr.slice(-2000)}`,
      );
    }
    return {
      ...JSON.parse(line),
      bench: "detect-as-lambda",
      lambdaMemoryMb: memoryMb,
      bundled: true,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
