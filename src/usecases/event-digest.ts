import { arnResource } from "../domain/alert-grouping.ts";
import { InputError } from "../domain/errors.ts";
import type { JournalRecord } from "../domain/journal-record.ts";
import type { Notification } from "../domain/notification.ts";
import { pageHour } from "../domain/page-budget.ts";
import {
  belongsInDigest,
  type RemediationDigestEntry,
  remediationDigestNotification,
} from "../domain/remediation-digest.ts";
import { remediationNotification, shouldNotify } from "../domain/remediation-notification.ts";
import type { Journal } from "../ports/journal.ts";
import type { Notifier } from "../ports/notifier.ts";
import type { PageLedger } from "../ports/page-ledger.ts";
import type { RecordSeal } from "../ports/record-seal.ts";
import { recordProblem } from "./journal-records.ts";
import { anomaliesOn } from "./paging.ts";

/**
 * The event path's hourly remediation digest. In digest mode the compliance-change and Access
 * Analyzer functions only journal the outcomes nobody needs to act on at once (DeferToHourlyDigest);
 * this run, an hour later, reads that hour's records from the journal and sends one SNS digest per
 * account. A marker in the ledger (alerts/remediation-digests/<account>/<hour>, created only if
 * absent) makes it one digest per account-hour, however many runs (retries, a manual re-run) try.
 */

const HOUR_MS = 3_600_000;

/** Sources whose outcomes the hourly digest carries: the sweep sends its own per run. */
const EVENT_SOURCES = new Set<string>(["config", "access-analyzer"]);

/** Anomaly look-ups per digest (one ledger listing each): the rest go without links. */
const MAX_LINKED = 20;

export interface EventDigestDeps {
  journal: Pick<Journal, "list">;
  /** Records whose seal does not verify are left out (and logged): anyone able to write to the
   *  bucket could otherwise put words in the digest. */
  seal: Pick<RecordSeal, "signs" | "problem">;
  ledger: PageLedger;
  notifier: Notifier;
  clock: () => number;
  /** The region the function runs in (named in the digest). */
  region: string;
  /** Entries shown in full (alerting.digest.top). */
  top: number;
  logger: {
    info(message: string, ...extra: unknown[]): void;
    error(message: string, ...extra: unknown[]): void;
  };
}

export interface EventDigestRequest {
  /** UTC hour `2026-12-04T10`; default: the hour before the clock's. */
  hour?: string;
}

export interface EventDigestReport {
  hour: string;
  /** Records of the hour that belong in a digest. */
  outcomes: number;
  /** Records of the hour left out because their seal did not verify. */
  unverified: number;
  accounts: Array<{ account: string; outcomes: number; sent: boolean; alreadySent?: boolean }>;
}

function hourStart(hour: string): number {
  const start = Date.parse(`${hour}:00:00Z`);
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}$/.test(hour) || Number.isNaN(start)) {
    throw new InputError(`invalid hour "${hour}" (expected a UTC hour such as 2026-12-04T10)`);
  }
  return start;
}

/** The hour's event-sourced outcomes that go in a digest, as the notification each would have been. */
async function hourOutcomes(
  deps: EventDigestDeps,
  start: number,
): Promise<{ byAccount: Map<string, Notification[]>; unverified: number }> {
  const byAccount = new Map<string, Notification[]>();
  let unverified = 0;
  const end = start + HOUR_MS;
  for await (const record of deps.journal.list(start)) {
    const time = Date.parse(record.time);
    if (time < start) continue;
    // Ids are time-ordered: past the hour, nothing more of it follows.
    if (time >= end) break;
    if (!EVENT_SOURCES.has(record.finding.source) || record.undoOf || !shouldNotify(record)) {
      continue;
    }
    const notification = remediationNotification(record);
    if (!belongsInDigest(notification)) continue;
    const problem = deps.seal.signs ? await recordProblem(deps.seal, record) : undefined;
    if (problem) {
      unverified++;
      deps.logger.error("journal record left out of the hourly digest: its seal does not verify", {
        journalId: record.id,
        problem,
      });
      continue;
    }
    byAccount.set(record.account, [...(byAccount.get(record.account) ?? []), notification]);
  }
  return { byAccount, unverified };
}

async function withAnomalies(
  deps: EventDigestDeps,
  account: string,
  notifications: readonly Notification[],
  now: number,
): Promise<RemediationDigestEntry[]> {
  let lookups = 0;
  const entries: RemediationDigestEntry[] = [];
  for (const notification of notifications) {
    const finding = notification.details.finding as Pick<JournalRecord, "resourceArn"> | undefined;
    const resource = arnResource(String(finding?.resourceArn ?? ""));
    let anomalies: string[] | undefined;
    if (resource && lookups < MAX_LINKED) {
      lookups++;
      try {
        anomalies = await anomaliesOn(deps.ledger, account, resource.key, now);
      } catch (error) {
        deps.logger.error("page ledger unavailable: digest entry not linked to anomalies", {
          error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
        });
      }
    }
    entries.push({ notification, ...(anomalies?.length ? { anomalies } : {}) });
  }
  return entries;
}

/**
 * Sends the hour's digest for every account that had digest outcomes, once per account-hour. A
 * digest that cannot be sent gives its marker back and the run fails (Lambda retries; accounts
 * already sent are not sent again).
 */
export async function sendEventDigests(
  deps: EventDigestDeps,
  request: EventDigestRequest = {},
): Promise<EventDigestReport> {
  const now = deps.clock();
  const hour = request.hour ?? pageHour(now - HOUR_MS);
  const start = hourStart(hour);
  const { byAccount, unverified } = await hourOutcomes(deps, start);
  const report: EventDigestReport = { hour, outcomes: 0, unverified, accounts: [] };
  let failure: unknown;
  for (const [account, notifications] of byAccount) {
    report.outcomes += notifications.length;
    const holder = `event-digest:${now}`;
    if (!(await deps.ledger.claimDigest(account, hour, holder))) {
      report.accounts.push({
        account,
        outcomes: notifications.length,
        sent: false,
        alreadySent: true,
      });
      continue;
    }
    const digest = remediationDigestNotification(
      await withAnomalies(deps, account, notifications, now),
      { account, region: deps.region, runId: `events-${hour}`, since: start, top: deps.top, hour },
    );
    try {
      await deps.notifier.notify(digest);
      report.accounts.push({ account, outcomes: notifications.length, sent: true });
    } catch (error) {
      // Unsent: the marker goes, so the retry sends it.
      await deps.ledger.releaseDigest(account, hour);
      report.accounts.push({ account, outcomes: notifications.length, sent: false });
      deps.logger.error("hourly remediation digest not sent", {
        account,
        hour,
        error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
      });
      failure ??= error;
    }
  }
  deps.logger.info("hourly remediation digest", { ...report });
  if (failure) throw failure;
  return report;
}
