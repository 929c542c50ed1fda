/**
 * Which registered remediations the fuzzer drives: every base sample (generators.ts) is run once,
 * unmutated, through its real handler on the fake account, and the remediations whose apply ran
 * and succeeded are the ones covered. test/resilience/coverage.test.ts requires every remediation
 * in the registry to be covered here and by a fault-matrix row (kind-scenarios.ts), so a new kind
 * is covered by adding its sample (and its moto setup).
 *
 * Not a Vitest module: shared with bench/resilience.ts.
 */
import type { Logger } from "@aws-lambda-powertools/logger";
import * as onAccessAnalyzer from "../../functions/on-access-analyzer-finding.ts";
import * as onConfig from "../../functions/on-config-compliance-change.ts";
import { parseRemediationConfig } from "../../src/config/remediation-config.ts";
import type { Remediation } from "../../src/ports/remediation.ts";
import { remediations as registry } from "../../src/remediations/registry.ts";
import { createRemediationDeps } from "../../src/wiring/remediation.ts";
import {
  ACCOUNT,
  FakeAws,
  HOME_REGION,
  isMutating,
  JOURNAL_BUCKET,
  TOPIC_ARN,
} from "./fake-aws.ts";
import { FUZZ_REMEDIATION_CONFIG } from "./fuzz.ts";
import { ANALYZER_BASES, CONFIG_BASES, loadSample } from "./generators.ts";
import { captureLogs } from "./log-capture.ts";

export interface SampleRun {
  sample: string;
  outcome: string;
  /** Remediations whose apply ran without throwing. */
  applied: string[];
  /** Tell-only remediations (no apply permissions) whose plan ran and told without changing. */
  told: string[];
  /** Mutating calls to the resource's service (journal writes and alerts left out). */
  changes: string[];
}

/** A remediation that can only tell: it declares no permission to apply anything. */
export function isTellOnly(remediation: Pick<Remediation, "permissions">): boolean {
  return remediation.permissions.apply.length === 0;
}

/** Runs each fuzz base sample that should act (no blockers) once; restores every mock. */
export async function fuzzedSamples(): Promise<SampleRun[]> {
  const runs: SampleRun[] = [];
  const bases = [
    ...ANALYZER_BASES.map((base) => ({ base, module: onAccessAnalyzer })),
    ...CONFIG_BASES.map((base) => ({ base, module: onConfig })),
  ].filter(({ base }) => base.blockers.length === 0);
  for (const { base, module } of bases) {
    const aws = new FakeAws();
    const applied: string[] = [];
    const told: string[] = [];
    const remediations: Remediation[] = registry.map((r) => ({
      ...r,
      plan: async (...args: Parameters<Remediation["plan"]>) => {
        const plan = await r.plan(...args);
        if (isTellOnly(r) && plan.declined) told.push(r.name);
        return plan;
      },
      apply: async (...args: Parameters<Remediation["apply"]>) => {
        const result = await r.apply(...args);
        applied.push(r.name);
        return result;
      },
    }));
    const logs = captureLogs(module.logger);
    try {
      module.setRemediationApp(
        await createRemediationDeps({
          env: {
            AWS_REGION: HOME_REGION,
            VIGIL_JOURNAL_BUCKET: JOURNAL_BUCKET,
            VIGIL_TOPIC_ARN: TOPIC_ARN,
          },
          loadConfig: async () => parseRemediationConfig(FUZZ_REMEDIATION_CONFIG),
          logger: module.logger as Logger,
          homeAccount: ACCOUNT,
          remediations,
        }),
      );
      const result = (await module.handler(loadSample(base.name))) as {
        outcome?: string;
        error?: string;
      };
      const changes = aws
        .calls()
        .filter(
          (call) =>
            isMutating(call) &&
            call.command !== "Publish" &&
            !(call.service === "s3" && call.input.Bucket === JOURNAL_BUCKET),
        )
        .map((call) => `${call.service}:${call.command}`);
      runs.push({
        sample: base.name,
        outcome: result.outcome ?? `not handled: ${result.error ?? "?"}`,
        applied,
        told,
        changes,
      });
    } finally {
      module.setRemediationApp(undefined);
      logs.restore();
      aws.restore();
    }
  }
  return runs;
}
