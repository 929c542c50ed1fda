/**
 * Runs `serverless package` on a private copy of the service, so tests and benchmarks never race
 * each other (or a developer's `npm run package`) over .serverless/ and .esbuild/. Development
 * tooling only: nothing here is bundled into a function.
 */
import { execFile } from "node:child_process";
import { cp, mkdtemp, readdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { ConfigError } from "../config/load.ts";
import { loadStageConfig } from "../config/stage-overlay.ts";
import { generatedDeployFiles } from "./generated-files.ts";

const run = promisify(execFile);

/** What the package needs from the repository (node_modules is linked, not copied). */
const SERVICE_FILES = [
  "serverless.yml",
  "package.json",
  "tsconfig.json",
  "vigil.config.yaml",
  "functions",
  "src",
  "deploy",
];

export interface PackagedService {
  /** The private copy; remove it with `cleanup()`. */
  dir: string;
  /** Its .serverless/ folder: the templates and one zip per function. */
  outputDir: string;
  /** cloudformation-template-update-stack.json, parsed. */
  template: CloudFormationTemplate;
  /** Function name → path of its zip. */
  zips: Record<string, string>;
  cleanup(): Promise<void>;
}

export interface CloudFormationTemplate {
  Resources: Record<
    string,
    { Type: string; Properties?: Record<string, unknown>; [k: string]: unknown }
  >;
  Outputs?: Record<string, unknown>;
  Conditions?: Record<string, unknown>;
}

export async function packageService(
  options: { root?: string; stage?: string; region?: string } = {},
): Promise<PackagedService & { configSources: string[] }> {
  const root = resolve(options.root ?? ".");
  const stage = options.stage ?? "ci";
  const dir = await mkdtemp(join(tmpdir(), "vigil-package-"));
  const cleanup = () => rm(dir, { recursive: true, force: true });
  try {
    for (const entry of SERVICE_FILES) {
      await cp(join(root, entry), join(dir, entry), { recursive: true });
    }
    // The stage's deploy/ files (base config + vigil.config.<stage>.yaml) are generated into the
    // private copy only: the committed deploy/ stays the base config's, never one stage's.
    const { config, sources } = await loadStageConfig(stage, join(root, "vigil.config.yaml"));
    for (const [path, content] of Object.entries(generatedDeployFiles(config))) {
      await writeFile(join(dir, path), content);
    }
    await symlink(join(root, "node_modules"), join(dir, "node_modules"), "dir");
    await run(
      process.execPath,
      [
        join(root, "node_modules/osls/bin/serverless.js"),
        "package",
        "--stage",
        stage,
        "--region",
        options.region ?? "eu-west-1",
      ],
      {
        cwd: dir,
        // No credentials, no network: osls would otherwise wait on the instance-metadata endpoint.
        env: {
          ...process.env,
          AWS_EC2_METADATA_DISABLED: "true",
          SLS_TELEMETRY_DISABLED: "1",
          SLS_NOTIFICATIONS_MODE: "off",
        },
        maxBuffer: 16 * 1024 * 1024,
      },
    );
    const outputDir = join(dir, ".serverless");
    const template = JSON.parse(
      await readFile(join(outputDir, "cloudformation-template-update-stack.json"), "utf8"),
    ) as CloudFormationTemplate;
    const zips: Record<string, string> = {};
    for (const file of await readdir(outputDir)) {
      if (file.endsWith(".zip")) zips[file.slice(0, -4)] = join(outputDir, file);
    }
    const configSources = sources.map((source) => source.slice(root.length + 1));
    return { dir, outputDir, template, zips, cleanup, configSources };
  } catch (error) {
    await cleanup();
    if (error instanceof ConfigError) throw error;
    const e = error as Error & { stdout?: string; stderr?: string };
    throw new Error(
      `serverless package failed: ${e.message}\n${e.stdout ?? ""}\n${e.stderr ?? ""}`.trim(),
    );
  }
}
