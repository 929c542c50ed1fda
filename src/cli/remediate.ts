import { readFile } from "node:fs/promises";
import { roleSessionName } from "../adapters/assume-role.ts";
import { MemoryJournal } from "../adapters/memory-journal.ts";
import { MemoryNotifier } from "../adapters/sns-notifier.ts";
import { describeZodError, loadConfigFile } from "../config/load.ts";
import { parseRemediationConfig } from "../config/remediation-config.ts";
import { InputError } from "../domain/errors.ts";
import type { JournalRecord } from "../domain/journal-record.ts";
import type { Notification } from "../domain/notification.ts";
import { OUTCOMES } from "../domain/outcomes.ts";
import { analyzerEventSchema } from "../events/access-analyzer-events.ts";
import { configComplianceChangeEventSchema } from "../events/config-compliance-change.ts";
import { unsupportedDetailType } from "../events/detail-types.ts";
import { type IntakeDeps, type IntakeResult, isIgnored } from "../usecases/intake.ts";
import { intakeConfigEvent } from "../usecases/intake-config.ts";
import { intakeAnalyzerEvent } from "../usecases/intake-unused-access.ts";
import { remediateFinding } from "../usecases/remediate-finding.ts";
import type { RemediationOutcome } from "../usecases/remediation-deps.ts";
import {
  previewUndo,
  type UndoOutcome,
  type UndoPreview,
  undoRemediation,
} from "../usecases/undo-remediation.ts";
import {
  createRemediationDeps,
  findingAccountOf,
  type RemediationApp,
} from "../wiring/remediation.ts";
import { type CliIo, EXIT, exitCodeFor } from "./io.ts";
import { formatTable } from "./table.ts";

export interface RemediateCommandOptions {
  /** A saved EventBridge event (Config compliance change or Access Analyzer finding). */
  eventFile: string;
  /** Plan and report only: memory journal and notifier, enforce becomes "would have changed". */
  dryRun?: boolean;
  json?: boolean;
  /** Config file (default $VIGIL_CONFIG or vigil.config.yaml). */
  configPath?: string;
}

export interface UndoCommandOptions {
  /** Journal record id printed by the remediation ("vigil undo <id>"). */
  id: string;
  /** Re-grant admin-class access when undo would (needs `reason`, which is journaled). */
  force?: boolean;
  reason?: string;
  json?: boolean;
  configPath?: string;
  /** Show what undo would change and stop. */
  dryRun?: boolean;
  /** Undo without asking (scripts). */
  yes?: boolean;
  /**
   * The home account's operator role to assume (default $VIGIL_OPERATOR_ROLE_ARN, which
   * `--stage` sets from the stack output OperatorRoleArn); none: the caller's own credentials,
   * which must then be the operator role's.
   */
  operatorRole?: string;
  /**
   * Asks the person at the terminal; undefined when there is none (stdin is not a TTY), where an
   * undo without --yes is refused rather than applied unseen.
   */
  confirm?: (question: string) => Promise<boolean>;
}

/** Builds the dependencies; replaced in tests. */
export type CreateRemediationApp = (options: {
  dryRun: boolean;
  configPath?: string;
  /** `vigil undo`: runs as the operator role (home account) and VigilOperatorRole (members). */
  operator?: { roleArn?: string | undefined; sessionName: string };
}) => Promise<RemediationApp>;

/** Dry runs keep journal and notifications in memory: nothing is written, nobody is paged. */
export const createCliApp: CreateRemediationApp = async ({ dryRun, configPath, operator }) => {
  // One read of the file: the remediation section and the alerting routes (PagerDuty) both.
  const file = await loadConfigFile(configPath);
  return createRemediationDeps({
    loadConfig: async () => parseRemediationConfig(file.remediation ?? {}),
    alerting: file.alerting,
    dryRun,
    ...(operator ? { operator } : {}),
    ...(dryRun
      ? { overrides: { journal: new MemoryJournal(), notifier: new MemoryNotifier() } }
      : {}),
  });
};

/** The event file cannot be read, recognised or validated. */
class EventFileError extends InputError {
  override name = "EventFileError";
}

interface EventIntake {
  intake: (deps: IntakeDeps) => Promise<IntakeResult>;
  /** The finding's account: its IAM unique ids are resolved there, as the functions do. */
  account: string | undefined;
}

/** Reads, recognises and validates an event file; returns its intake, ready to run. */
async function readEvent(path: string): Promise<EventIntake> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(path, "utf8"));
  } catch (error) {
    throw new EventFileError(`cannot read event file ${path}: ${(error as Error).message}`);
  }
  const source = (raw as { source?: unknown } | null)?.source;
  // The event id, when there is one, so the rejection names the event (as the functions' logs do).
  const id = eventLabel(raw);
  const unsupported = unsupportedDetailType(raw);
  if (unsupported) throw new EventFileError(`${unsupported}${id}`);
  const account = findingAccountOf(raw);
  if (source === "aws.config") {
    const parsed = configComplianceChangeEventSchema.safeParse(raw);
    if (!parsed.success)
      throw new EventFileError(`invalid Config event:\n${describeZodError(parsed.error)}${id}`);
    return { intake: (deps) => intakeConfigEvent(deps, parsed.data), account };
  }
  if (source === "aws.access-analyzer") {
    const parsed = analyzerEventSchema.safeParse(raw);
    if (!parsed.success) {
      throw new EventFileError(
        `invalid Access Analyzer event:\n${describeZodError(parsed.error)}${id}`,
      );
    }
    return { intake: (deps) => intakeAnalyzerEvent(deps, parsed.data), account };
  }
  throw new EventFileError(
    `unsupported event source ${JSON.stringify(source)}: expected aws.config or aws.access-analyzer${id}`,
  );
}

/** `\n(event id "7f3c1e52-…")` when the event has one (escaped, cut when absurdly long), else "". */
function eventLabel(raw: unknown): string {
  const id = (raw as { id?: unknown } | null)?.id;
  if (typeof id !== "string") return "";
  const quoted = JSON.stringify(id);
  const shown =
    quoted.length > 120 ? `${quoted.slice(0, 100)}…" (${id.length} characters)` : quoted;
  return `\n(event id ${shown})`;
}

function renderOutcome(
  outcome: RemediationOutcome,
  record: JournalRecord | undefined,
  notifications: readonly Notification[],
): string {
  const lines = [`outcome: ${outcome.outcome}: ${outcome.reason}`];
  if (record) {
    lines.push(
      `finding: ${record.kind} on ${record.resourceArn} (${record.account} ${record.region}), rule ${record.rule}`,
    );
  }
  if (outcome.remediation) {
    lines.push(
      `remediation: ${outcome.remediation} (mode ${outcome.mode}${outcome.dryRun ? ", dry run" : ""})`,
    );
  }
  if (record?.plan) {
    lines.push(`plan: ${record.plan.summary}`);
    record.plan.changes.forEach((change, i) => {
      const step = record.steps.find((s) => s.index === i);
      const status = step ? ` [${step.status}]` : "";
      lines.push(`  ${i + 1}. ${change.action}: ${change.description}${status}`);
    });
  }
  lines.push(`journal: ${outcome.journalId}`);
  if (outcome.undoCommand) lines.push(`undo: ${outcome.undoCommand}`);
  for (const n of notifications) lines.push(`notification (not sent, dry run): ${n.subject}`);
  return lines.join("\n");
}

/** `vigil remediate --event-file <file> [--dry-run] [--json]`: one event through the runner. */
export async function runRemediateCommand(
  options: RemediateCommandOptions,
  io: CliIo,
  createApp: CreateRemediationApp = createCliApp,
): Promise<number> {
  const dryRun = options.dryRun ?? false;
  try {
    const event = await readEvent(options.eventFile);
    const app = await createApp({
      dryRun,
      ...(options.configPath ? { configPath: options.configPath } : {}),
    });
    const intake = await event.intake(app.intakeDeps("cli", event.account));
    if (isIgnored(intake)) {
      io.out(
        options.json
          ? JSON.stringify(
              { outcome: "ignored", reason: intake.reason, eventId: intake.eventId },
              null,
              2,
            )
          : `outcome: ignored: ${intake.reason}`,
      );
      return EXIT.ok;
    }
    const outcome = await remediateFinding(app.runner, intake);
    const record = await app.runner.journal.get(outcome.journalId);
    const notifications =
      dryRun && app.runner.notifier instanceof MemoryNotifier ? app.runner.notifier.sent : [];
    io.out(
      options.json
        ? JSON.stringify({ ...outcome, finding: intake, record, notifications }, null, 2)
        : renderOutcome(outcome, record, notifications),
    );
    return OUTCOMES[outcome.outcome].ok ? EXIT.ok : EXIT.failure;
  } catch (error) {
    io.err(`vigil remediate: ${(error as Error).message}`);
    return exitCodeFor(error);
  }
}

const UNDO_EXIT: Record<UndoOutcome["outcome"] | UndoPreview["outcome"], number> = {
  "would-undo": EXIT.ok,
  undone: EXIT.ok,
  "already-undone": EXIT.ok,
  "undo-failed": EXIT.failure,
  refused: EXIT.failure,
  "not-found": EXIT.badInput,
  "nothing-to-undo": EXIT.badInput,
};

/**
 * `vigil undo <journal id>`: shows what undo would change (before Vigil / after Vigil / now / undo
 * sets), asks, then restores what one journal record changed. `--dry-run` stops after the preview;
 * `--yes` skips it (scripts); without a terminal and without `--yes` nothing is changed (exit 2).
 */
export async function runUndoCommand(
  options: UndoCommandOptions,
  io: CliIo,
  createApp: CreateRemediationApp = createCliApp,
): Promise<number> {
  if (!/^[A-Za-z0-9-]{1,128}$/.test(options.id)) {
    io.err(`vigil undo: "${options.id}" is not a journal id (e.g. 20261120T091504Z-1a2b3c4d)`);
    return EXIT.badInput;
  }
  if (options.force && !options.reason?.trim()) {
    io.err("vigil undo: --force needs --reason: it is journaled and told to people");
    return EXIT.badInput;
  }
  if (options.json && !options.yes && !options.dryRun) {
    io.err("vigil undo: --json is for scripts: add --yes to undo, or --dry-run to only look");
    return EXIT.badInput;
  }
  try {
    const app = await createApp({
      dryRun: false,
      ...(options.configPath ? { configPath: options.configPath } : {}),
      operator: {
        roleArn: options.operatorRole ?? process.env.VIGIL_OPERATOR_ROLE_ARN,
        sessionName: roleSessionName("vigil-undo", options.id),
      },
    });
    const force = options.force && options.reason ? { force: { reason: options.reason } } : {};
    if (options.dryRun || !options.yes) {
      const preview = await previewUndo(app.runner, options.id, force);
      io.out(options.json ? JSON.stringify(preview, null, 2) : renderPreview(preview));
      if (preview.outcome !== "would-undo") return UNDO_EXIT[preview.outcome];
      if (options.dryRun) return EXIT.ok;
      if (!options.confirm) {
        io.err(
          "vigil undo: no terminal to confirm on: add --yes to undo without asking (or --dry-run to only look)",
        );
        return EXIT.badInput;
      }
      if (!(await options.confirm(`Undo ${options.id}? [y/N] `))) {
        io.err("vigil undo: not confirmed: nothing was changed");
        return EXIT.failure;
      }
    }
    const outcome = await undoRemediation(app.runner, options.id, force);
    if (options.json) {
      io.out(JSON.stringify(outcome, null, 2));
    } else {
      io.out(`${outcome.outcome}: ${outcome.reason}`);
      if (outcome.undoJournalId) io.out(`journal: ${outcome.undoJournalId}`);
    }
    return UNDO_EXIT[outcome.outcome];
  } catch (error) {
    io.err(`vigil undo: ${(error as Error).message}`);
    return exitCodeFor(error);
  }
}

/** The preview in words: the record, the steps undo reverses, and each setting it would set. */
function renderPreview(preview: UndoPreview): string {
  const lines: string[] = [];
  const record = preview.record;
  if (record) {
    lines.push(
      `${record.id} (${record.time}): ${record.outcome} ${record.remediation ?? ""} on ${record.resourceArn} (${record.account} ${record.region})`,
    );
  }
  if (preview.steps.length > 0) {
    lines.push("Undo would:");
    lines.push(...preview.steps.map((step, i) => `  ${i + 1}. ${step}`));
  }
  if (preview.diff.length > 0) {
    lines.push(
      "",
      formatTable(
        ["setting", "before Vigil", "after Vigil", "now", "undo sets"],
        preview.diff.map((row) => [row.path, row.before, row.afterVigil, row.now, row.undoSets]),
      ),
      "",
    );
  } else if (record) {
    lines.push("(the state read now matches what undo restores: nothing would change)");
  }
  for (const hazard of preview.hazards) lines.push(`re-grants admin-class access: ${hazard}`);
  lines.push(`${preview.outcome}: ${preview.reason}`);
  return lines.join("\n");
}
