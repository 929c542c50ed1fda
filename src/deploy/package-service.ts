/**
 * Runs `serverless package` on a private copy of the service, so tests and benchmarks never race
 * each other (or a developer's `npm run package`) over .serverless/ and .esbuild/. Development
 * tooling only: nothing here is bundled into a function.
 */
import { execFile } from "node:child_process";
import { cp, mkdtemp, readdir, readFile, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";

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
): Promise<PackagedService> {
  const root = resolve(options.root ?? ".");
  const dir = await mkdtemp(join(tmpdir(), "vigil-package-"));
  const cleanup = () => rm(dir, { recursive: true, force: true });
  try {
    for (const entry of SERVICE_FILES) {
      await cp(join(root, entry), join(dir, entry), { recursive: true });
    }
    await symlink(join(root, "node_modules"), join(dir, "node_modules"), "dir");
    await run(
      process.execPath,
      [
        join(root, "node_modules/osls/bin/serverless.js"),
        "package",
        "--stage",
        options.stage ?? "ci",
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
    return { dir, outputDir, template, zips, cleanup };
  } catch (error) {
    await cleanup();
    const e = error as Error & { stdout?: string; stderr?: string };
    throw new Error(
      `serverless package failed: ${e.message}\n${e.stdout ?? ""}\n${e.stderr ?? ""}`.trim(),
    );
  }
}
