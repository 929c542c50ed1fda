/**
 * `vigil --stage prod …`: run a command against what a deployed stage uses, not what the laptop's
 * environment happens to say. The names come from the stack's outputs (one source of truth: the
 * same values the functions get), the configuration from the stage's config (base file plus
 * `vigil.config.<stage>.yaml`, as packaged).
 */
import { writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadStageConfig } from "../config/stage-overlay.ts";
import { InputError } from "../domain/errors.ts";

/** Stack output → the environment variable the commands (and the functions) read it from. */
export const OUTPUT_ENVIRONMENT: Readonly<Record<string, string>> = {
  AlertsTopicArn: "VIGIL_TOPIC_ARN",
  JournalBucketName: "VIGIL_JOURNAL_BUCKET",
  AlertDeadLetterQueueUrl: "VIGIL_ALERT_DLQ_URL",
  PagerDutySecretName: "VIGIL_PAGERDUTY_SECRET",
  KillSwitchParameterName: "VIGIL_KILL_SWITCH_PARAMETER",
  // Undo trusts only sealed records: without the key every record is refused.
  JournalMacKeyArn: "VIGIL_JOURNAL_MAC_KEY",
  // `vigil undo` assumes it (issue 14 item 6); `vigil remediate` and the functions never do.
  OperatorRoleArn: "VIGIL_OPERATOR_ROLE_ARN",
};

export interface StageOptions {
  stage: string;
  /** Default `vigil-<stage>`, the name osls gives the stack. */
  stack?: string;
  /** The base config file (default vigil.config.yaml); its stage overlay sits next to it. */
  configPath?: string;
}

export interface StageDeps {
  readOutputs: (stackName: string) => Promise<Record<string, string>>;
  env: NodeJS.ProcessEnv;
  /** Where the merged stage config is written for the command to load. */
  scratchDir?: string;
}

/**
 * Sets the environment the command runs with from the stack's outputs and the stage's config, and
 * returns one line per value for stderr (so an operator sees which stack answered).
 */
export async function applyStage(options: StageOptions, deps: StageDeps): Promise<string[]> {
  const stackName = options.stack ?? `vigil-${options.stage}`;
  const outputs = await deps.readOutputs(stackName);
  const missing = Object.keys(OUTPUT_ENVIRONMENT).filter((key) => !(key in outputs));
  if (missing.length > 0) {
    throw new InputError(
      `stack ${stackName} lacks the outputs ${missing.join(", ")}: it predates this version of Vigil; redeploy the stage`,
    );
  }
  const lines = [`stage ${options.stage}: names from stack ${stackName}`];
  for (const [key, variable] of Object.entries(OUTPUT_ENVIRONMENT)) {
    deps.env[variable] = outputs[key];
    lines.push(`  ${variable}=${outputs[key]}`);
  }
  const { config, sources } = await loadStageConfig(options.stage, options.configPath);
  const merged = join(deps.scratchDir ?? tmpdir(), `vigil.config.${options.stage}.merged.json`);
  await writeFile(merged, `${JSON.stringify(config, null, 2)}\n`);
  deps.env.VIGIL_CONFIG = merged;
  lines.push(`  config: ${sources.join(" + ")}`);
  return lines;
}
