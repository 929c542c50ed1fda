// Shared by the intake tests (Config and Access Analyzer): deps over a recording logger and the
// real IamIdResolver (its IAM calls mocked by the test), sample events parsed as the handlers do,
// and the two ways to unwrap a result.
import { IAMClient } from "@aws-sdk/client-iam";
import { expect } from "vitest";
import { IamIdResolver } from "../../src/adapters/iam-id-resolver.ts";
import type { RemediationConfigInput } from "../../src/config/remediation-config.ts";
import type { Finding } from "../../src/domain/finding.ts";
import { accessAnalyzerFindingEventSchema } from "../../src/events/access-analyzer-finding.ts";
import { configComplianceChangeEventSchema } from "../../src/events/config-compliance-change.ts";
import {
  type Ignored,
  type IntakeDeps,
  type IntakeResult,
  isIgnored,
} from "../../src/usecases/intake.ts";
import { fakeConfigRules, recordingLogger, type SampleName, sample, testConfig } from "./fakes.ts";

export function deps(config: RemediationConfigInput = {}, extra: Partial<IntakeDeps> = {}) {
  const logger = recordingLogger();
  const resolver = new IamIdResolver(new IAMClient({}));
  return {
    logger,
    resolver,
    deps: {
      config: testConfig(config),
      iamIds: resolver,
      configRules: fakeConfigRules(),
      logger,
      ...extra,
    } satisfies IntakeDeps,
  };
}

export const configEvent = (
  name: SampleName,
  mutate: (e: ReturnType<typeof sample>) => void = () => {},
) => {
  const e = sample(name);
  mutate(e);
  return configComplianceChangeEventSchema.parse(e);
};

export const aaEvent = (
  name: SampleName,
  mutate: (e: ReturnType<typeof sample>) => void = () => {},
) => {
  const e = sample(name);
  mutate(e);
  return accessAnalyzerFindingEventSchema.parse(e);
};

export function expectFinding(result: IntakeResult): Finding {
  if (isIgnored(result)) throw new Error(`expected a finding, got ignored: ${result.reason}`);
  return result;
}

export function expectIgnored(result: IntakeResult, reason: RegExp): Ignored {
  if (!isIgnored(result)) throw new Error(`expected ignored, got finding ${result.kind}`);
  expect(result.reason).toMatch(reason);
  return result;
}
