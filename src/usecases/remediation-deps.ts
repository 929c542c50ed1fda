// What a remediation run needs (ports, config, clock) and what it returns: shared by the runner,
// its guards (exemptions, trusted changes, tag setters), undo and reconcile.
import type { Logger } from "@aws-lambda-powertools/logger";
import type { RemediationConfig } from "../config/remediation-config.ts";
import type { Finding } from "../domain/finding.ts";
import type { RemediationMode } from "../domain/guards.ts";
import type { RemediationOutcomeKind } from "../domain/outcomes.ts";
import type { PlannedChange } from "../domain/remediation-plan.ts";
import type { ExemptionParameters } from "../ports/exemption-parameters.ts";
import type { Journal } from "../ports/journal.ts";
import type { Notifier } from "../ports/notifier.ts";
import type { RecordSeal } from "../ports/record-seal.ts";
import type { RemediationContext, RemediationEntry } from "../ports/remediation.ts";
import type { TagSetters } from "../ports/tag-setters.ts";

export type RemediationLogger = Pick<Logger, "info" | "warn" | "error">;

export interface RemediationDeps {
  /**
   * What handles which finding: the Lambdas pass the lazy catalog (a remediation's module and its
   * SDK client load with the first finding of its kind), the CLI the loaded registry, tests fakes.
   */
  remediations: readonly RemediationEntry[];
  /** AWS clients for the finding's account and region, plus settings. */
  contextFor(finding: Finding): RemediationContext | Promise<RemediationContext>;
  journal: Journal;
  /** Signs every record written and checks records before they are trusted (undo, claims). */
  seal: RecordSeal;
  notifier: Notifier;
  /** Epoch ms. */
  clock: () => number;
  config: RemediationConfig;
  logger: RemediationLogger;
  /** Journal record ids (default: time-sortable and random). */
  newJournalId?: (now: number) => string;
  /** Central exemptions outside the config file (remediation.exemptions.ssmPath). */
  exemptionParameters?: ExemptionParameters;
  /** Who set a resource's exemption tags (remediation.exemptions.tags: verified). */
  tagSetters?: TagSetters;
}

export interface RemediationOutcome {
  outcome: RemediationOutcomeKind;
  reason: string;
  findingId: string;
  journalId: string;
  remediation: string | null;
  mode: RemediationMode | null;
  dryRun: boolean;
  /** What the plan wanted to change (empty when nothing was planned). */
  planned: PlannedChange[];
  /** What was actually changed, in order. */
  applied: PlannedChange[];
  notified: boolean;
  undoCommand: string | null;
}
