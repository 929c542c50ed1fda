import { MemoryJournal } from "../../src/adapters/memory-journal.ts";
import type { RemediationConfigInput } from "../../src/config/remediation-config.ts";
import type { Remediation } from "../../src/ports/remediation.ts";
import { createRemediationDeps } from "../../src/wiring/remediation.ts";
import { fakeConfigRules, NOW, recordingLogger, testConfig } from "../usecases/fakes.ts";

export const TOPIC = "arn:aws:sns:us-east-1:123456789012:vigil-alerts";

/** Names of commands that change something, across the given client mocks. */
export function mutatingCommands(
  ...mocks: Array<{ calls(): Array<{ args: unknown[] }> }>
): string[] {
  return mocks
    .flatMap((m) => m.calls())
    .map((call) => (call.args[0] as object).constructor.name)
    .filter((name) =>
      /^(Put|Delete|Detach|Attach|Create|Update|Tag|Untag|Remove|Add|Set)/.test(name),
    );
}

/** The real wiring with fake remediations, a memory journal and a fixed clock (SDK clients are mocked by the test). */
export async function handlerApp(
  remediations: Remediation[],
  config: RemediationConfigInput = { defaultMode: "enforce" },
) {
  const journal = new MemoryJournal();
  const logger = recordingLogger();
  let ids = 0;
  const app = await createRemediationDeps({
    env: { AWS_REGION: "us-east-1", VIGIL_TOPIC_ARN: TOPIC },
    loadConfig: async () => testConfig(config),
    remediations,
    logger,
    homeAccount: "123456789012",
    overrides: {
      journal,
      clock: () => NOW,
      newJournalId: () => `j${++ids}`,
      configRules: fakeConfigRules(),
    },
  });
  return { app, journal, logger };
}
