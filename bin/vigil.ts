#!/usr/bin/env -S npx tsx
/**
 * vigil — the same use cases as the Lambda functions, from a terminal.
 * Uses the caller's AWS profile, or a local emulator when AWS_ENDPOINT_URL is set.
 */
import { Command } from "commander";
import { MemoryNotifier } from "../src/adapters/sns-notifier.ts";
import { runBacktestCommand } from "../src/cli/backtest.ts";
import { runDetectCommand } from "../src/cli/detect.ts";
import { processIo } from "../src/cli/io.ts";
import { runRemediateCommand, runUndoCommand } from "../src/cli/remediate.ts";
import { loadConfigFile } from "../src/config/load.ts";
import { createDetectionDeps } from "../src/wiring/detection.ts";

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

const program = new Command()
  .name("vigil")
  .description("Egress and API-call anomaly detection and hands-off remediation for AWS")
  .option("-c, --config <file>", "configuration file (default: $VIGIL_CONFIG or vigil.config.yaml)")
  .showHelpAfterError();

let exitCode = 0;

program
  .command("detect")
  .description("evaluate the newest complete period of every configured metric set")
  .option("--json", "print the full report as JSON")
  .option("--all", "list every evaluated metric, not only anomalies")
  .option("--set <name...>", "only these metric sets")
  .option("--dry-run", "send no notification")
  .action(async (opts: { json?: boolean; all?: boolean; set?: string[]; dryRun?: boolean }) => {
    const configPath = program.opts<{ config?: string }>().config;
    exitCode = await runDetectCommand(
      { json: opts.json, all: opts.all, metricSets: opts.set, dryRun: opts.dryRun },
      processIo,
      async () => {
        const config = await loadConfigFile(configPath);
        const deps = await createDetectionDeps({ config });
        return opts.dryRun ? { ...deps, notifier: new MemoryNotifier() } : deps;
      },
    );
  });

program
  .command("backtest")
  .description("replay a metric history from a file and list every period the settings would flag")
  .requiredOption("-i, --input <file>", "CSV (timestamp,value) or JSON series")
  .option("--method <method>", "mean-sd or seasonal")
  .option("--sigma <k>", "sigma multiplier k")
  .option("--window <days>", "baseline window in days")
  .option("--period <period>", "1h or 1d")
  .option("--direction <direction>", "up, down or both")
  .option("--min-delta <value>", "minimum absolute deviation to flag")
  .option("--json", "print one JSON document")
  .action(async (opts) => {
    exitCode = await runBacktestCommand(opts, processIo);
  });

program
  .command("remediate")
  .description("run a Config or Access Analyzer event through the same runner as the Lambdas")
  .requiredOption("-e, --event <file>", "EventBridge event JSON")
  .option("--dry-run", "plan and report only: change nothing, journal in memory")
  .option("--json", "print the outcome as JSON")
  .action(async (opts: { event: string; dryRun?: boolean; json?: boolean }) => {
    const configPath = program.opts<{ config?: string }>().config;
    exitCode = await runRemediateCommand(
      { eventFile: opts.event, dryRun: opts.dryRun, json: opts.json, configPath },
      processIo,
    );
  });

program
  .command("undo")
  .description("restore the before-state recorded in a journal entry")
  .argument("<id>", "journal record id (from the alert or `vigil remediate`)")
  .option("--json", "print the outcome as JSON")
  .action(async (id: string, opts: { json?: boolean }) => {
    const configPath = program.opts<{ config?: string }>().config;
    exitCode = await runUndoCommand({ id, json: opts.json, configPath }, processIo);
  });

await program.parseAsync(process.argv);
process.exit(exitCode);
