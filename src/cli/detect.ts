import { formatNumber } from "../domain/format.ts";
import { metricLabel } from "../domain/metric.ts";
import type { DetectDeps, DetectReport } from "../usecases/detect-anomalies.ts";
import { detectAnomalies } from "../usecases/detect-anomalies.ts";
import { type CliIo, EXIT, exitCodeFor } from "./io.ts";
import { formatTable } from "./table.ts";

export interface DetectCommandOptions {
  json?: boolean;
  /** Show every evaluated metric, not only the anomalous ones. */
  all?: boolean;
  metricSets?: string[];
  /**
   * Send the alerts this run raises. Off by default: the scheduled function already announced
   * what it found, and a manual re-run would page the same episode again.
   */
  notify?: boolean;
  /** Kept for scripts written before --notify: never send (the default now). */
  dryRun?: boolean;
}

const num = (value: number | null) => (value === null ? "-" : formatNumber(value));

function notificationSummary(report: DetectReport, notified: boolean): string {
  if (!notified) return "no notification sent (--notify sends them)";
  return `${report.notificationsSent} notifications sent`;
}

export function renderDetectReport(report: DetectReport, all: boolean, notified = true): string {
  const shown = report.results.filter((r) => all || r.verdict.status === "anomalous");
  const lines: string[] = [];
  for (const e of report.evaluated) {
    lines.push(
      `${e.metricSet}: ${e.metrics} metrics, period ${e.periodStart} (${e.periodSeconds / 3600} h)`,
    );
  }
  for (const s of report.skipped) lines.push(`${s.metricSet}: skipped: ${s.reason}`);
  lines.push("");
  if (report.results.length === 0) {
    // Never "no anomaly" when nothing was looked at: say why nothing was judged.
    lines.push(
      report.fetchFailures.length > 0
        ? `Nothing evaluated: ${report.fetchFailures.length} metric(s) could not be read (below).`
        : "Nothing evaluated: no metric of the selected sets has data in this account and region.",
    );
  } else if (shown.length === 0) {
    lines.push("No anomaly in the newest complete period.");
  } else {
    lines.push(
      formatTable(
        ["set", "metric", "status", "severity", "observed", "expected", "sigma", "z", "alert"],
        shown.map((r) => [
          r.metricSet,
          metricLabel(r.metric),
          r.verdict.status,
          r.verdict.severity ?? "",
          num(r.verdict.observed),
          num(r.verdict.expected),
          num(r.verdict.sigma),
          r.verdict.z === null ? "-" : r.verdict.z.toFixed(1),
          r.alert ?? "",
        ]),
      ),
    );
    lines.push("");
    for (const r of shown.filter((x) => x.verdict.status === "anomalous")) {
      lines.push(`- ${metricLabel(r.metric)}: ${r.verdict.why}`);
    }
  }
  for (const f of report.fetchFailures) {
    lines.push(`! ${f.metricSet} ${metricLabel(f.metric)} not evaluated: ${f.error}`);
  }
  for (const f of report.notificationFailures)
    lines.push(`! alert ${f.dedupKey} not delivered: ${f.error}`);
  lines.push("");
  lines.push(
    `${report.results.length} metrics evaluated, ${report.results.filter((r) => r.verdict.status === "anomalous").length} anomalous, ${notificationSummary(report, notified)}, ${report.stats.getMetricDataCalls} GetMetricData calls${report.partialFailure ? ", PARTIAL FAILURE" : ""}`,
  );
  return lines.join("\n");
}

export async function runDetectCommand(
  options: DetectCommandOptions,
  io: CliIo,
  createDeps: () => Promise<DetectDeps>,
): Promise<number> {
  let deps: DetectDeps;
  try {
    deps = await createDeps();
  } catch (error) {
    io.err(`vigil detect: ${(error as Error).message}`);
    return exitCodeFor(error);
  }
  const configured = deps.config.metricSets.map((set) => set.name);
  const unknown = (options.metricSets ?? []).filter((name) => !configured.includes(name));
  if (unknown.length > 0) {
    io.err(
      `vigil detect: unknown metric set ${unknown.map((n) => `"${n}"`).join(", ")} (configured: ${configured.join(", ")})`,
    );
    return EXIT.badInput;
  }
  const send = options.notify === true && options.dryRun !== true;
  const report = await detectAnomalies(deps, {
    force: true,
    ...(options.metricSets ? { metricSets: options.metricSets } : {}),
    ...(send ? {} : { dryRun: true }),
  });
  io.out(
    options.json
      ? JSON.stringify(report, null, 2)
      : renderDetectReport(report, options.all ?? false, send),
  );
  return report.partialFailure ? EXIT.failure : EXIT.ok;
}
