/** The remediation commands' test harness: fake remediations, one journal shared across commands. */
import { fileURLToPath } from "node:url";
import { MemoryJournal } from "../../src/adapters/memory-journal.ts";
import { MemoryNotifier } from "../../src/adapters/sns-notifier.ts";
import type { CliIo } from "../../src/cli/io.ts";
import type { CreateRemediationApp } from "../../src/cli/remediate.ts";
import type { RemediationConfigInput } from "../../src/config/remediation-config.ts";
import { createRemediationDeps } from "../../src/wiring/remediation.ts";
import {
  type FakeOptions,
  fakeConfigRules,
  fakeRemediation,
  NOW,
  recordingLogger,
  testConfig,
  testSeal,
} from "../usecases/fakes.ts";

export const fixture = (name: string) =>
  fileURLToPath(new URL(`../fixtures/events/${name}.json`, import.meta.url));

export function io() {
  const out: string[] = [];
  const err: string[] = [];
  const sink: CliIo = { out: (l) => out.push(l), err: (l) => err.push(l) };
  return { sink, out, err, text: () => out.join("\n") };
}

/** Like the bin's factory, with fake remediations and one journal shared across commands. */
export function cliApp(
  options: FakeOptions = {},
  config: RemediationConfigInput = { defaultMode: "enforce" },
  env: NodeJS.ProcessEnv = {},
) {
  const remediation = fakeRemediation({
    kinds: ["s3-encryption", "s3-public-access", "iam-external-trust"],
    ...options,
  });
  const journal = new MemoryJournal();
  const seal = testSeal();
  const requests: Array<{ dryRun: boolean }> = [];
  let ids = 0;
  const createApp: CreateRemediationApp = async ({ dryRun }) => {
    requests.push({ dryRun });
    return createRemediationDeps({
      env: { AWS_REGION: "us-east-1", ...env },
      loadConfig: async () => testConfig(config),
      remediations: [remediation],
      logger: recordingLogger(),
      homeAccount: "123456789012",
      dryRun,
      overrides: {
        journal: dryRun ? new MemoryJournal() : journal,
        seal,
        notifier: new MemoryNotifier(),
        clock: () => NOW,
        newJournalId: () => `20261120T100000Z-0000000${++ids}`,
        configRules: fakeConfigRules(),
      },
    });
  };
  return { remediation, journal, requests, createApp };
}
