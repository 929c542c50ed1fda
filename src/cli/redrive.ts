import { redriveAlerts } from "../usecases/redrive-alerts.ts";
import { type AlertCommandDeps, alertingFor, cliLogger } from "./alert.ts";
import { type CliIo, EXIT } from "./io.ts";

export interface RedriveCommandOptions {
  /** List what would be sent; send and delete nothing. */
  dryRun?: boolean;
  /** Stop after this many messages (default 1000). */
  max?: number;
  json?: boolean;
  configPath?: string;
}

/**
 * `vigil redrive`: re-sends the PagerDuty events waiting in the alert dead-letter queue
 * (VIGIL_ALERT_DLQ_URL) and deletes the ones PagerDuty took. Exit 0 when the queue was drained,
 * 1 when some events stay queued, 2 when a setting is missing or wrong.
 */
export async function runRedriveCommand(
  options: RedriveCommandOptions,
  io: CliIo,
  deps: AlertCommandDeps = {},
): Promise<number> {
  if (options.max !== undefined && (!Number.isInteger(options.max) || options.max < 1)) {
    io.err("vigil redrive: --max must be a positive whole number");
    return EXIT.badInput;
  }
  const setup = await alertingFor("redrive", options.configPath, io, deps);
  if (typeof setup === "number") return setup;
  if (!setup.deadLetter) {
    io.err(
      "vigil redrive: no alert dead-letter queue: set VIGIL_ALERT_DLQ_URL (the AlertDeadLetterQueue URL) or alerting.deadLetterQueueUrl",
    );
    return EXIT.badInput;
  }
  if (!setup.pagerDuty) {
    io.err(
      "vigil redrive: PagerDuty is not configured: set VIGIL_PAGERDUTY_SECRET or VIGIL_PAGERDUTY_SSM_PARAMETER (or alerting.pagerduty.secret)",
    );
    return EXIT.badInput;
  }

  let report: Awaited<ReturnType<typeof redriveAlerts>>;
  try {
    report = await redriveAlerts(
      { queue: setup.deadLetter, pagerDuty: setup.pagerDuty, logger: cliLogger(io) },
      {
        ...(options.dryRun ? { dryRun: true } : {}),
        ...(options.max ? { maxMessages: options.max } : {}),
      },
    );
  } catch (error) {
    const { name, message } = error as Error;
    io.err(`vigil redrive: cannot read the dead-letter queue: ${name}: ${message}`);
    return EXIT.failure;
  }

  if (options.json) {
    io.out(JSON.stringify(report, null, 2));
  } else {
    const sent = options.dryRun ? "would send" : "sent";
    for (const e of report.delivered) {
      io.out(`${sent}  ${e.action} ${e.dedupKey} (queued ${e.queuedAt}: ${e.reason})`);
    }
    for (const e of report.superseded) {
      io.out(
        `${options.dryRun ? "would drop" : "dropped"}  ${e.action} ${e.dedupKey} (queued ${e.queuedAt}; a newer event for the same incident was sent)`,
      );
    }
    for (const e of report.failed) {
      io.out(`kept  ${e.action} ${e.dedupKey} (queued ${e.queuedAt}): ${e.error}`);
    }
    for (const m of report.malformed) io.out(`malformed  message ${m.messageId}: ${m.error}`);
    for (const q of report.queueErrors) io.out(`! ${q}`);
    io.out(
      `${report.received} message(s) read, ${report.delivered.length} ${sent}, ${report.superseded.length} superseded, ${report.failed.length} still failing, ${report.malformed.length} malformed${report.stoppedEarly ? "; stopped early: PagerDuty took nothing in the last round" : ""}`,
    );
  }
  const clean =
    report.failed.length === 0 && report.malformed.length === 0 && report.queueErrors.length === 0;
  return clean ? EXIT.ok : EXIT.failure;
}
