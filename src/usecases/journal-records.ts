import { canonicalJson } from "../domain/iam-policy.ts";
import { stepsDigest } from "../domain/journal-integrity.ts";
import {
  appliedFromSteps,
  type JournalRecord,
  recordHeader,
  stepEntry,
} from "../domain/journal-record.ts";
import type { Journal } from "../ports/journal.ts";
import type { RecordSeal } from "../ports/record-seal.ts";

type Deps = { journal: Journal; seal: RecordSeal };

/** Steps of an in-memory record already stored, so each step is written exactly once. */
const stored = new WeakMap<JournalRecord, number>();

/** Step seals KMS checks at once when a record that never concluded is verified step by step. */
const VERIFY_CONCURRENCY = 16;

/**
 * Every journal write goes through here. A step-logged record (`stepLog`) first appends the
 * steps not stored yet, one small sealed object each, then writes its header: its seal covers
 * the step count and digest once the run concluded, and neither while it is still applying. A
 * record without `stepLog` (an undo record) is sealed and written whole.
 */
export async function writeRecord(deps: Deps, record: JournalRecord): Promise<void> {
  if (record.stepLog) {
    await appendSteps(deps, record);
    record.stepLog =
      record.outcome === "applying"
        ? { count: null, digest: null }
        : { count: record.steps.length, digest: stepsDigest(record) };
  }
  await deps.journal.record(await deps.seal.sign(recordHeader(record)));
}

/**
 * Stores the record's steps not stored yet, each sealed on its own: O(1) bytes per step, so a
 * record of a thousand changes costs a thousand small writes, not a thousand rewrites of itself.
 */
export async function appendSteps(deps: Deps, record: JournalRecord): Promise<void> {
  if (!record.stepLog) return;
  for (let seq = stored.get(record) ?? 0; seq < record.steps.length; seq++) {
    await deps.journal.appendStep(record, await deps.seal.sign(stepEntry(record, seq)));
    stored.set(record, seq + 1);
  }
}

/**
 * Why a record read from the journal cannot be trusted, or undefined when every seal holds: its
 * own, and for a step-logged record every step's. A concluded record's steps must be exactly the
 * ones its sealed count and digest name (a dropped, added or edited step shows); a record that
 * never concluded (still applying, or its run died) is trusted step by step, each step sealed for
 * its record and position (a dropped step shifts the next ones, whose seals then fail). `applied`
 * must be what the steps applied.
 */
export async function recordProblem(
  seal: Pick<RecordSeal, "problem">,
  record: JournalRecord,
): Promise<string | undefined> {
  const name = `record ${record.id}`;
  const own = await seal.problem(record, name);
  if (own || !record.stepLog) return own;
  if (!Array.isArray(record.steps) || !Array.isArray(record.applied)) {
    return `${name} has no steps list`;
  }
  if (canonicalJson(appliedFromSteps(record)) !== canonicalJson(record.applied)) {
    return `${name}: its applied changes are not the ones its steps applied`;
  }
  const { count, digest } = record.stepLog;
  if (count !== null) {
    if (record.steps.length !== count) {
      return `${name} concluded with ${count} step(s) but ${record.steps.length} are stored: a step was dropped or added`;
    }
    if (stepsDigest(record) !== digest) {
      return `${name}: its steps are not the ones it concluded with (altered or forged)`;
    }
    return undefined;
  }
  for (let from = 0; from < record.steps.length; from += VERIFY_CONCURRENCY) {
    const seqs = record.steps.slice(from, from + VERIFY_CONCURRENCY).map((_, i) => from + i);
    const problems = await Promise.all(
      seqs.map((seq) =>
        seal.problem(stepEntry(record, seq), `step ${seq + 1} of ${name} (missing or altered)`),
      ),
    );
    const problem = problems.find((p) => p !== undefined);
    if (problem) return problem;
  }
  return undefined;
}
