import type { Finding } from "../domain/finding.ts";
import type { Remediation } from "../ports/remediation.ts";
import { remediationCatalog } from "./catalog.ts";

/**
 * Every remediation Vigil knows, loaded: for the CLI, deploy generation (their IAM actions), the
 * benchmarks and tests. The Lambdas use the catalog instead and load a remediation's module (and
 * its AWS SDK client) only when a finding of its kind arrives. Each FindingKind is handled by
 * exactly one (a test checks).
 */
export const remediations: readonly Remediation[] = Object.freeze(
  await Promise.all(remediationCatalog.map((entry) => entry.load())),
);

export function remediationFor(finding: Finding): Remediation | undefined {
  return remediations.find((remediation) => remediation.handles(finding));
}

export function remediationByName(name: string): Remediation | undefined {
  return remediations.find((remediation) => remediation.name === name);
}

export { DEFAULT_REMEDIATION_SETTINGS } from "./settings.ts";
