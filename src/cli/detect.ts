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
  dryRun?: boolean;
}

const num = (value: number | null) => (value === null ? "-" : formatNumber(value));

export function renderDetectReport(report: DetectReport, all: boolean): string {
  const shown = report.results.filter((r) => all || r.verdict.status === "anomalous");
  const lines: string[] = [];
  for (const e of report.evaluated) {
    lines.push(
      `${e.metricSet}: ${e.metrics} metrics, period ${e.periodStart} (${e.periodSeconds / 3600} h)`,
    );
  }
  for (const s of report.skipped) lines.push(`${s.metricSet}: skipped: ${s.reason}`);
  lines.push("");
  if (shown.length === 0) {
    lines.push(all ? "No metric evaluated." : "No anomaly in the newest complete period.");
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
    `${report.results.length} metrics evaluated, ${report.results.filter((r) => r.verdict.status === "anomalous").length} anomalous, ${report.notificationsSent} notifications sent, ${report.stats.getMetricDataCalls} GetMetricData calls${report.partialFailure ? ", PARTIAL FAILURE" : ""}`,
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
  const report = await detectAnomalies(deps, {
    force: true,
    ...(options.metricSets ? { metricSets: options.metricSets } : {}),
    ...(options.dryRun ? { dryRun: true } : {}),
  });
  io.out(
    options.json
      ? JSON.stringify(report, null, 2)
      : renderDetectReport(report, options.all ?? false),
  );
  return report.partialFailure ? EXIT.failure : EXIT.ok;
}
