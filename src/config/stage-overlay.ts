/**
 * Per-stage configuration: `vigil.config.yaml` is the base every stage shares;
 * `vigil.config.<stage>.yaml`, when present, overrides parts of it (say `enforce` in prod and
 * `notify` in dev). The merged document is validated like any config, so a typo in an overlay
 * fails `npm run package -- --stage prod` with the key path and the overlay's file name.
 *
 * Merge rule, chosen so an overlay reads like a diff: objects merge key by key, anything else
 * (scalars, arrays such as `allowedAccounts` or `routes`) replaces the base value, and `null`
 * removes a key.
 */
import { readFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { parse as parseYaml } from "yaml";
import { ConfigError, DEFAULT_CONFIG_PATH, parseConfig, type VigilConfig } from "./load.ts";

/** A stage name as osls accepts it (letters, digits, hyphen); it becomes part of a file name. */
const STAGE_NAME = /^[a-zA-Z0-9-]{1,32}$/;

export function assertStageName(stage: string): void {
  if (!STAGE_NAME.test(stage)) {
    throw new ConfigError(`invalid stage "${stage}": use 1-32 letters, digits or hyphens`);
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Deep merge of `overlay` onto `base` (see the module comment for the rule). Pure. */
export function mergeOverlay(base: unknown, overlay: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(overlay)) return overlay;
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(overlay)) {
    if (value === null) delete merged[key];
    else merged[key] = key in base ? mergeOverlay(base[key], value) : value;
  }
  return merged;
}

/** `vigil.config.yaml` + stage `prod` → `vigil.config.prod.yaml`, next to the base file. */
export function stageOverlayPath(basePath: string, stage: string): string {
  assertStageName(stage);
  const name = basename(basePath).replace(/\.ya?ml$|\.json$/, "");
  const extension = basename(basePath).slice(name.length) || ".yaml";
  return join(dirname(basePath), `${name}.${stage}${extension}`);
}

async function readDocument(path: string): Promise<unknown> {
  const text = await readFile(path, "utf8");
  try {
    return path.endsWith(".json") ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw new ConfigError(`cannot parse ${path}: ${(error as Error).message}`);
  }
}

export interface StageConfig {
  config: VigilConfig;
  /** The files that made it, base first: what a packaging log should name. */
  sources: string[];
}

/**
 * The configuration a stage runs with: the base file, plus its overlay when one exists. Without a
 * stage (or with no overlay file) this is exactly `loadConfigFile(basePath)`.
 */
export async function loadStageConfig(
  stage: string | undefined,
  basePath = DEFAULT_CONFIG_PATH,
): Promise<StageConfig> {
  let base: unknown;
  try {
    base = await readDocument(basePath);
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    throw new ConfigError(`cannot read config file ${basePath}: ${(error as Error).message}`);
  }
  if (stage === undefined) return { config: parseConfig(base, basePath), sources: [basePath] };
  const overlayPath = stageOverlayPath(basePath, stage);
  let overlay: unknown;
  try {
    overlay = await readDocument(overlayPath);
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    if ((error as NodeJS.ErrnoException).code === "ENOENT") {
      return { config: parseConfig(base, basePath), sources: [basePath] };
    }
    throw new ConfigError(`cannot read config file ${overlayPath}: ${(error as Error).message}`);
  }
  if (!isPlainObject(overlay)) {
    throw new ConfigError(`invalid ${overlayPath}: expected a mapping of keys to override`);
  }
  const merged = mergeOverlay(base, overlay);
  return {
    config: parseConfig(merged, `${basePath} + ${overlayPath}`),
    sources: [basePath, overlayPath],
  };
}
