/**
 * `vigil journal list` / `vigil journal show <id>`: what Vigil decided, read from the journal the
 * functions write (with `--stage`, the stack's JournalBucketName). Read-only.
 */
import { ConfigError } from "../config/errors.ts";
import type { JournalFilter } from "../domain/journal-query.ts";
import type { JournalRecord } from "../domain/journal-record.ts";
import { type JournalOutcome, OUTCOMES } from "../domain/outcomes.ts";
import { recordProblem } from "../usecases/journal-records.ts";
import { listJournal } from "../usecases/list-journal.ts";
import { type CliIo, EXIT, exitCodeFor } from "./io.ts";
import { type CreateRemediationApp, createCliApp } from "./remediate.ts";
import { formatTable } from "./table.ts";
import { parseSince } from "./time.ts";

export interface JournalListOptions {
  /** Duration before now (7d, 12h) or ISO time; default 7d. */
  since?: string;
  /** Resource ARN or name, or a glob (`arn:aws:s3:::acme-*`). */
  resource?: string;
  /** Outcomes to keep (applied, failed, undone …). */
  outcome?: string[];
  /** Newest records shown; default 50. */
  limit?: string;
  json?: boolean;
  configPath?: string;
  now?: () => number;
}

export interface JournalShowOptions {
  id: string;
  json?: boolean;
  configPath?: string;
}

const DEFAULT_SINCE = "7d";
const DEFAULT_LIMIT = 50;

function parseFilter(options: JournalListOptions, now: number): JournalFilter {
  const outcomes = options.outcome?.map((outcome) => {
    if (!(outcome in OUTCOMES)) {
      throw new ConfigError(
        `--outcome: unknown outcome "${outcome}" (one of ${Object.keys(OUTCOMES).join(", ")})`,
      );
    }
    return outcome as JournalOutcome;
  });
  return {
    since: parseSince(options.since ?? DEFAULT_SINCE, now),
    ...(options.resource ? { resource: options.resource } : {}),
    ...(outcomes ? { outcomes } : {}),
  };
}

function parseLimit(text: string | undefined): number {
  if (text === undefined) return DEFAULT_LIMIT;
  const limit = Number(text);
  if (!Number.isInteger(limit) || limit < 1) {
    throw new ConfigError(`--limit: "${text}" is not a whole number of records (at least 1)`);
  }
  return limit;
}

/** One line per record: when, id, what happened to which resource. */
function listRow(record: JournalRecord): string[] {
  return [
    record.time.replace(/\.\d+Z$/, "Z"),
    record.id,
    record.outcome,
    record.undoOf ? `undo of ${record.undoOf}` : (record.remediation ?? "-"),
    record.mode ?? "-",
    record.resourceArn,
  ];
}

export async function runJournalList(
  options: JournalListOptions,
  io: CliIo,
  createApp: CreateRemediationApp = createCliApp,
): Promise<number> {
  try {
    const now = (options.now ?? Date.now)();
    const filter = parseFilter(options, now);
    const limit = parseLimit(options.limit);
    const app = await createApp({
      dryRun: false,
      ...(options.configPath ? { configPath: options.configPath } : {}),
    });
    const listing = await listJournal(app.runner.journal, filter, limit);
    const since = new Date(filter.since).toISOString();
    if (options.json) {
      io.out(JSON.stringify({ since, filter, limit, ...listing }, null, 2));
      return EXIT.ok;
    }
    if (listing.records.length === 0) {
      io.out(`No journal record since ${since} matches (${listing.scanned} read).`);
      return EXIT.ok;
    }
    io.out(
      formatTable(
        ["time", "id", "outcome", "remediation", "mode", "resource"],
        listing.records.map(listRow),
      ),
    );
    const cut = listing.matched > listing.records.length;
    io.out(
      `\n${listing.records.length} of ${listing.matched} matching record(s) since ${since}, newest first` +
        (cut ? ` (--limit ${listing.matched} shows all)` : "") +
        `. Details: vigil journal show <id>`,
    );
    return EXIT.ok;
  } catch (error) {
    io.err(`vigil journal list: ${(error as Error).message}`);
    return exitCodeFor(error);
  }
}

function indented(value: unknown): string {
  return JSON.stringify(value, null, 2)
    .split("\n")
    .map((line) => `    ${line}`)
    .join("\n");
}

/** A record in words: what, where, why, each step, the states before and after, how to undo. */
export function renderRecord(record: JournalRecord, seal: string | undefined): string {
  const lines = [
    `${record.id}  ${record.time}`,
    `outcome: ${record.outcome}: ${record.reason}`,
    `finding: ${record.kind} on ${record.resourceArn} (${record.account} ${record.region}), rule ${record.rule}`,
  ];
  if (record.undoOf) lines.push(`undo of: ${record.undoOf}`);
  if (record.remediation) {
    lines.push(
      `remediation: ${record.remediation} (mode ${record.mode ?? "-"}${record.dryRun ? ", dry run" : ""})`,
    );
  }
  if (record.plan) {
    lines.push(`plan: ${record.plan.summary}`);
    record.plan.changes.forEach((change, i) => {
      const step = record.steps.find((s) => s.index === i);
      const status = step ? ` [${step.status}${step.error ? `: ${step.error}` : ""}]` : "";
      lines.push(`  ${i + 1}. ${change.action}: ${change.description}${status}`);
    });
  }
  if (record.exemptionProblem) lines.push(`exemption: ${record.exemptionProblem}`);
  if (record.securityAlert) lines.push(`SECURITY: ${record.securityAlert}`);
  if (record.forcedReason) lines.push(`forced undo, reason: ${record.forcedReason}`);
  if (record.error) lines.push(`error: ${record.error.name}: ${record.error.message}`);
  if (record.before) lines.push("before:", indented(record.before));
  if (record.after) lines.push("after:", indented(record.after));
  lines.push(`seal: ${seal === undefined ? "valid" : seal}`);
  if (record.undoCommand) lines.push(`undo: ${record.undoCommand} --dry-run (preview first)`);
  return lines.join("\n");
}

export async function runJournalShow(
  options: JournalShowOptions,
  io: CliIo,
  createApp: CreateRemediationApp = createCliApp,
): Promise<number> {
  if (!/^[A-Za-z0-9-]{1,128}$/.test(options.id)) {
    io.err(
      `vigil journal show: "${options.id}" is not a journal id (e.g. 20261120T091504Z-1a2b3c4d)`,
    );
    return EXIT.badInput;
  }
  try {
    const app = await createApp({
      dryRun: false,
      ...(options.configPath ? { configPath: options.configPath } : {}),
    });
    const record = await app.runner.journal.get(options.id);
    if (!record) {
      io.err(`vigil journal show: no journal record ${options.id}`);
      return EXIT.badInput;
    }
    const seal = await recordProblem(app.runner.seal, record);
    io.out(
      options.json
        ? JSON.stringify({ ...record, sealProblem: seal ?? null }, null, 2)
        : renderRecord(record, seal),
    );
    return EXIT.ok;
  } catch (error) {
    io.err(`vigil journal show: ${(error as Error).message}`);
    return exitCodeFor(error);
  }
}
