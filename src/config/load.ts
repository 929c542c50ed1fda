import { readFile } from "node:fs/promises";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { alertingConfigSchema } from "./alerting-config.ts";
import { detectionConfigSchema } from "./detection-config.ts";
import { ConfigError, describeZodError } from "./errors.ts";
import { remediationConfigSchema } from "./remediation-config.ts";

export { ConfigError, describeZodError };

export const configSchema = z
  .object({
    detection: detectionConfigSchema,
    /** Validated at start like the rest: a bad remediation key fails every function's start. */
    remediation: remediationConfigSchema.optional(),
    /** SNS topic, PagerDuty (routing key secret's name), dead-letter queue, routes. */
    alerting: alertingConfigSchema.prefault({}),
  })
  .strict();

export type VigilConfig = z.infer<typeof configSchema>;

export function parseConfig(input: unknown, source = "config"): VigilConfig {
  const result = configSchema.safeParse(input);
  if (!result.success) {
    throw new ConfigError(`invalid ${source}:\n${describeZodError(result.error)}`);
  }
  return result.data;
}

export function parseConfigText(text: string, source: string): VigilConfig {
  let raw: unknown;
  try {
    raw = source.endsWith(".json") ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw new ConfigError(`cannot parse ${source}: ${(error as Error).message}`);
  }
  return parseConfig(raw, source);
}

export const DEFAULT_CONFIG_PATH = "vigil.config.yaml";

/** Reads the file named by VIGIL_CONFIG (default ./vigil.config.yaml). */
export async function loadConfigFile(path = process.env.VIGIL_CONFIG ?? DEFAULT_CONFIG_PATH) {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new ConfigError(`cannot read config file ${path}: ${(error as Error).message}`);
  }
  return parseConfigText(text, path);
}
