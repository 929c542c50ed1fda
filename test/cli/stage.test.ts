import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { applyStage, OUTPUT_ENVIRONMENT } from "../../src/cli/stage.ts";
import { InputError } from "../../src/domain/errors.ts";

const OUTPUTS = {
  AlertsTopicArn: "arn:aws:sns:eu-west-1:111122223333:vigil-prod-alerts",
  JournalBucketName: "vigil-prod-journalbucket-1a2b3c",
  AlertDeadLetterQueueUrl: "https://sqs.eu-west-1.amazonaws.com/111122223333/vigil-prod-alert-dlq",
  PagerDutySecretName: "vigil/pagerduty-routing-key",
  KillSwitchParameterName: "/vigil/prod/disabled-accounts",
  JournalMacKeyArn: "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
  OperatorRoleArn: "arn:aws:iam::111122223333:role/vigil-prod-operator",
  FindingsBusArn: "arn:aws:events:eu-west-1:111122223333:event-bus/vigil-prod-findings",
};

describe("vigil --stage: the deployed stage's names and config", () => {
  let dir: string;
  let base: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "vigil-stage-cli-"));
    base = join(dir, "vigil.config.yaml");
    await writeFile(
      base,
      "detection:\n  metricSets:\n    - name: egress\n      builtin: egress\nremediation:\n  defaultMode: notify\n",
    );
    await writeFile(join(dir, "vigil.config.prod.yaml"), "remediation:\n  defaultMode: enforce\n");
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it("reads stack vigil-<stage> and points every name at its outputs, overriding the laptop's environment", async () => {
    const asked: string[] = [];
    const env: NodeJS.ProcessEnv = { VIGIL_TOPIC_ARN: "arn:aws:sns:eu-west-1:1:laptop-topic" };
    const lines = await applyStage(
      { stage: "prod", configPath: base },
      {
        readOutputs: async (name) => {
          asked.push(name);
          return OUTPUTS;
        },
        env,
        scratchDir: dir,
      },
    );
    expect(asked).toEqual(["vigil-prod"]);
    for (const [key, variable] of Object.entries(OUTPUT_ENVIRONMENT)) {
      expect(env[variable]).toBe(OUTPUTS[key as keyof typeof OUTPUTS]);
    }
    expect(lines[0]).toBe("stage prod: names from stack vigil-prod");
    // The command loads the stage's config: base + vigil.config.prod.yaml.
    const merged = JSON.parse(await readFile(env.VIGIL_CONFIG as string, "utf8"));
    expect(merged.remediation.defaultMode).toBe("enforce");
  });

  it("a stack without Vigil's outputs (an older version) is refused, naming what is missing", async () => {
    const { JournalBucketName: _, ...older } = OUTPUTS;
    const env: NodeJS.ProcessEnv = {};
    const error = await applyStage(
      { stage: "prod", stack: "custom-stack", configPath: base },
      { readOutputs: async () => older, env, scratchDir: dir },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toContain("custom-stack lacks the outputs JournalBucketName");
    expect(env.VIGIL_TOPIC_ARN).toBeUndefined();
  });
});
