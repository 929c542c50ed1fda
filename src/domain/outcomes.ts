/**
 * Every way a remediation decision (or an undo) can end, in one table: a new outcome is one row.
 * Every list of outcomes elsewhere (the runner's kinds, the journal's states, which ones people
 * hear about, which a route may match, log levels, which are re-checked, runbook sections) is
 * derived from it.
 *
 * - runner: the runner can decide it (a RemediationOutcomeKind); else only the journal records it.
 * - ok: the decision did what it should (false fails the handler's answer and the CLI's exit code).
 * - notify: people hear about it (besides any outcome with a bad exemption tag).
 * - routable: an alert route may match it (`alerting.routes[].when.outcome`).
 * - logLevel: level of the decision's log line.
 * - recheck: depends on time or a fix elsewhere: the claim is released so the sweep looks again;
 *   every other outcome settles the claim and later deliveries are duplicates.
 * - runbook: its section in docs/oncall-runbook.md, or null for the generic one.
 */
// biome-ignore format: one row per outcome reads as the table it is
export const OUTCOMES = {
  ignored: {
    meaning: "no remediation handles the finding",
    runner: true, ok: true, notify: false, routable: false, logLevel: "info", recheck: false,
    runbook: null,
  },
  duplicate: {
    meaning: "another run already claimed this finding id",
    runner: true, ok: true, notify: false, routable: false, logLevel: "info", recheck: false,
    runbook: null,
  },
  "no-op": {
    meaning: "the plan found nothing to change (plan.reason says why)",
    runner: true, ok: true, notify: false, routable: false, logLevel: "info", recheck: false,
    runbook: null,
  },
  declined: {
    meaning: "the rule flags something Vigil deliberately leaves as it is (told once per resource, rule and state; later evaluations are no-ops)",
    runner: true, ok: true, notify: true, routable: true, logLevel: "info", recheck: false,
    runbook: "remediation-declined",
  },
  exempt: {
    meaning: "valid exemption (told every time: an exemption nobody hears of is one an owner can grant himself; re-checked: it expires)",
    runner: true, ok: true, notify: true, routable: true, logLevel: "info", recheck: true,
    runbook: "remediation-exempt",
  },
  applied: {
    meaning: "changes applied and verified",
    runner: true, ok: true, notify: true, routable: true, logLevel: "info", recheck: false,
    runbook: "remediation-applied",
  },
  "would-change": {
    meaning: "mode enforce under global dryRun",
    runner: true, ok: true, notify: true, routable: true, logLevel: "info", recheck: false,
    runbook: "remediation-would-change",
  },
  notified: {
    meaning: "mode notify: people told about the planned change",
    runner: true, ok: true, notify: true, routable: true, logLevel: "warn", recheck: false,
    runbook: "remediation-notified",
  },
  observed: {
    meaning: "mode observe: plan logged only",
    runner: true, ok: true, notify: false, routable: true, logLevel: "info", recheck: false,
    runbook: "remediation-observed",
  },
  protected: {
    meaning: "a protected principal would be touched",
    runner: true, ok: true, notify: true, routable: true, logLevel: "warn", recheck: false,
    runbook: "remediation-protected",
  },
  "intentionally-public": {
    meaning: "public on purpose (website, CloudFront origin) and no exemption",
    runner: true, ok: true, notify: true, routable: true, logLevel: "warn", recheck: false,
    runbook: "remediation-intentionally-public",
  },
  "loop-detected": {
    meaning: "the same resource was changed too often: something reverts it",
    runner: true, ok: false, notify: true, routable: true, logLevel: "error", recheck: false,
    runbook: "remediation-loop-detected",
  },
  "rate-limited": {
    meaning: "too many changes in the account: fell back to notify (re-checked: the window moves)",
    runner: true, ok: true, notify: true, routable: true, logLevel: "warn", recheck: true,
    runbook: "remediation-rate-limited",
  },
  failed: {
    meaning: "a non-transient error (AccessDenied, NoSuchBucket …); re-checked by the sweep",
    runner: true, ok: false, notify: true, routable: true, logLevel: "error", recheck: true,
    runbook: "remediation-failed",
  },
  "verify-failed": {
    meaning: "changes applied but the read-back says they did not take",
    runner: true, ok: false, notify: true, routable: true, logLevel: "error", recheck: false,
    runbook: "remediation-verify-failed",
  },
  undone: {
    meaning: "an undo restored what a run changed",
    runner: false, ok: true, notify: true, routable: true, logLevel: "info", recheck: false,
    runbook: "remediation-undone",
  },
  "undo-failed": {
    meaning: "an undo could not restore everything",
    runner: false, ok: false, notify: true, routable: true, logLevel: "error", recheck: false,
    runbook: "remediation-undo-failed",
  },
  applying: {
    meaning: "written before the first change, updated after each step",
    runner: false, ok: true, notify: false, routable: false, logLevel: "info", recheck: false,
    runbook: null,
  },
  "transient-error": {
    meaning: "AWS throttled or failed: claim released, Lambda retries",
    runner: false, ok: false, notify: false, routable: false, logLevel: "warn", recheck: true,
    runbook: null,
  },
} as const satisfies Record<string, OutcomeRow>;

interface OutcomeRow {
  meaning: string;
  runner: boolean;
  ok: boolean;
  notify: boolean;
  routable: boolean;
  logLevel: "info" | "warn" | "error";
  recheck: boolean;
  runbook: `remediation-${string}` | null;
}

type Outcomes = typeof OUTCOMES;
type Where<Column extends keyof OutcomeRow> = {
  [K in keyof Outcomes]: Outcomes[K][Column] extends true ? K : never;
}[keyof Outcomes];

/** Everything the journal records: the runner's outcomes and the journal-only states. */
export type JournalOutcome = keyof Outcomes;
/** Every way a finding can end in the runner. */
export type RemediationOutcomeKind = Where<"runner">;
export type RoutableOutcome = Where<"routable">;

function where<Column extends keyof OutcomeRow>(column: Column): Array<Where<Column>> {
  return (Object.keys(OUTCOMES) as JournalOutcome[]).filter(
    (outcome) => OUTCOMES[outcome][column] === true,
  ) as Array<Where<Column>>;
}

export const JOURNAL_OUTCOMES = Object.keys(OUTCOMES) as JournalOutcome[];
export const REMEDIATION_OUTCOMES: readonly RemediationOutcomeKind[] = where("runner");
/** Remediation outcomes a route can match (a typo would silently never match: refuse it). */
export const ROUTABLE_OUTCOMES: readonly RoutableOutcome[] = where("routable");

export function outcomeIsOk(outcome: JournalOutcome): boolean {
  return OUTCOMES[outcome].ok;
}
