#!/usr/bin/env -S npx tsx
import { Console } from "node:console";
/**
 * vigil — the same use cases as the Lambda functions, from a terminal.
 * Uses the caller's AWS profile, or a local emulator when AWS_ENDPOINT_URL is set.
 */
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline/promises";
import { CloudFormationClient } from "@aws-sdk/client-cloudformation";
import { Command, CommanderError } from "commander";
import { awsClientConfig } from "../src/adapters/aws-clients.ts";
import { MemoryNotifier } from "../src/adapters/sns-notifier.ts";
import { readStackOutputs } from "../src/adapters/stack-outputs.ts";
import { runAlertTestCommand } from "../src/cli/alert.ts";
import {
  addTargetOptions,
  collect,
  defaultBacktestDeps,
  runBacktestCommand,
  SETTING_HELP,
} from "../src/cli/backtest.ts";
import { runDetectCommand } from "../src/cli/detect.ts";
import { exitCodeFor, processIo } from "../src/cli/io.ts";
import { runJournalList, runJournalShow } from "../src/cli/journal.ts";
import { runRedriveCommand } from "../src/cli/redrive.ts";
import { runRemediateCommand, runUndoCommand } from "../src/cli/remediate.ts";
import { runSilenceAdd, runSilenceList, runSilenceRemove } from "../src/cli/silence.ts";
import { applyStage } from "../src/cli/stage.ts";
import { runTuneCommand, TUNE_HELP } from "../src/cli/tune.ts";
import { loadConfigFile } from "../src/config/load.ts";
import { createDetectionDeps } from "../src/wiring/detection.ts";

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
// Logs are for people, data is for pipes: stdout carries only what a command prints (one document
// with --json), every log line goes to stderr. Powertools writes through the global console in
// dev mode (pretty-printed JSON, readable in a terminal), and this process's console is stderr.
process.env.POWERTOOLS_DEV ??= "true";
globalThis.console = new Console({ stdout: process.stderr, stderr: process.stderr });

const { version } = JSON.parse(
  readFileSync(new URL("../package.json", import.meta.url), "utf8"),
) as { version: string };

const program = new Command()
  .name("vigil")
  .description("Egress and API-call anomaly detection and hands-off remediation for AWS")
  .version(version, "-V, --version")
  .option("-c, --config <file>", "configuration file (default: $VIGIL_CONFIG or vigil.config.yaml)")
  .option("--stage <name>", "use a deployed stage: names from its stack outputs, its stage config")
  .option("--stack <name>", "with --stage: the stack's name (default vigil-<stage>)")
  .showHelpAfterError()
  // Usage errors (unknown command or option, missing argument) exit 2 like every bad input, not
  // commander's 1; --help and --version exit 0.
  .exitOverride();

let exitCode = 0;

/** A yes/no question on the terminal (the prompt on stderr: stdout stays data). */
async function askOnTerminal(question: string): Promise<boolean> {
  const terminal = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await terminal.question(question)).trim());
  } finally {
    terminal.close();
  }
}

// --stage: every command runs with the deployed stage's names and config, read before it starts.
program.hook("preAction", async () => {
  const { stage, stack, config } = program.opts<{
    stage?: string;
    stack?: string;
    config?: string;
  }>();
  if (stage === undefined) return;
  try {
    const cloudformation = new CloudFormationClient(awsClientConfig(process.env));
    const lines = await applyStage(
      { stage, ...(stack ? { stack } : {}), ...(config ? { configPath: config } : {}) },
      { readOutputs: (name) => readStackOutputs(cloudformation, name), env: process.env },
    );
    for (const line of lines) processIo.err(line);
    program.setOptionValue("config", process.env.VIGIL_CONFIG);
  } catch (error) {
    processIo.err(`vigil --stage ${stage}: ${(error as Error).message}`);
    process.exit(exitCodeFor(error));
  }
});

program
  .command("detect")
  .description("evaluate the newest complete period of every configured metric set")
  .option("--json", "print the full report as JSON")
  .option("--all", "list every evaluated metric, not only anomalies")
  .option("--set <name...>", "only these metric sets")
  .option("--notify", "send the alerts this run raises (off: the scheduled run already did)")
  .option("--dry-run", "send no notification (the default; kept for older scripts)")
  .action(
    async (opts: {
      json?: boolean;
      all?: boolean;
      set?: string[];
      notify?: boolean;
      dryRun?: boolean;
    }) => {
      const configPath = program.opts<{ config?: string }>().config;
      const notify = opts.notify === true && opts.dryRun !== true;
      exitCode = await runDetectCommand(
        {
          ...(opts.json !== undefined ? { json: opts.json } : {}),
          ...(opts.all !== undefined ? { all: opts.all } : {}),
          ...(opts.set !== undefined ? { metricSets: opts.set } : {}),
          notify,
        },
        processIo,
        async () => {
          const config = await loadConfigFile(configPath);
          const deps = await createDetectionDeps({ config });
          return notify ? deps : { ...deps, notifier: new MemoryNotifier() };
        },
      );
    },
  );

addTargetOptions(
  program
    .command("backtest")
    .description(
      "replay metric history (files or CloudWatch) and compare what settings would flag",
    ),
  "days to evaluate (CloudWatch default 90; files: all)",
)
  .option("--setting <k=v,...>", "settings to compare, one column each (repeatable)", collect)
  .option("--html <file>", "write a self-contained HTML report with a chart per metric")
  .option("--method <method>", "mean-sd or seasonal")
  .option("--sigma <k>", "sigma multiplier k")
  .option("--window <days>", "baseline window in days")
  .option("--period <period>", "a whole number of minutes: 5m, 1h, 1d …")
  .option("--direction <direction>", "up, down or both")
  .option("--min-delta <value>", "minimum absolute deviation to flag")
  .option("--json", "print one JSON document")
  .addHelpText("after", SETTING_HELP)
  .action(async (opts) => {
    const config = program.opts<{ config?: string }>().config;
    exitCode = await runBacktestCommand(
      { ...opts, ...(config ? { config } : {}) },
      processIo,
      defaultBacktestDeps(process.stderr),
    );
  });

addTargetOptions(
  program
    .command("tune")
    .description("suggest per-metric overrides that keep each metric within an alert budget")
    .requiredOption("--budget <n>", "alert episodes allowed per week, per metric"),
  "days of history to tune on (CloudWatch default 90; files: all)",
)
  .option(
    "--allow-missing-largest",
    "accept a suggestion that no longer flags the metric's largest anomaly (off: never suggested)",
  )
  .option("--write <file>", "write the config with the suggested overrides (atomically)")
  .option("--json", "print the suggestions as JSON instead of YAML")
  .addHelpText("after", TUNE_HELP)
  .action(async (opts) => {
    const config = program.opts<{ config?: string }>().config;
    exitCode = await runTuneCommand(
      { ...opts, ...(config ? { config } : {}) },
      processIo,
      defaultBacktestDeps(process.stderr),
    );
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
      {
        eventFile: opts.event,
        ...(opts.dryRun !== undefined ? { dryRun: opts.dryRun } : {}),
        ...(opts.json !== undefined ? { json: opts.json } : {}),
        ...(configPath !== undefined ? { configPath } : {}),
      },
      processIo,
    );
  });

program
  .command("undo")
  .description(
    "restore the before-state recorded in a journal entry (run with the operator role: see docs/threat-model.md)",
  )
  .argument("<id>", "journal record id (from the alert or `vigil remediate`)")
  .option("--dry-run", "show what undo would change (before, now, what it sets); change nothing")
  .option("-y, --yes", "undo without asking (needed when stdin is not a terminal)")
  .option(
    "--json",
    "print the outcome (or with --dry-run the preview) as JSON; needs --yes or --dry-run",
  )
  .option("--force", "allow an undo that re-grants admin-class access (needs --reason)")
  .option("--reason <text>", "why the forced undo is needed (journaled and told)")
  .option(
    "--operator-role <arn>",
    "the operator role to assume (default $VIGIL_OPERATOR_ROLE_ARN; --stage: stack output OperatorRoleArn)",
  )
  .action(
    async (
      id: string,
      opts: {
        json?: boolean;
        force?: boolean;
        reason?: string;
        dryRun?: boolean;
        yes?: boolean;
        operatorRole?: string;
      },
    ) => {
      const configPath = program.opts<{ config?: string }>().config;
      exitCode = await runUndoCommand(
        {
          id,
          ...opts,
          ...(configPath !== undefined ? { configPath } : {}),
          ...(process.stdin.isTTY ? { confirm: askOnTerminal } : {}),
        },
        processIo,
      );
    },
  );

const journal = program
  .command("journal")
  .description("read the remediation journal (what Vigil decided, before and after)");
journal
  .command("list")
  .description("decisions since a time, newest first")
  .option("--since <when>", "a duration before now (90m, 12h, 7d) or an ISO 8601 time", "7d")
  .option("--resource <arn|name|glob>", "only this resource (ARN or name; * and ? match)")
  .option("--outcome <outcome...>", "only these outcomes (applied, notified, failed, undone …)")
  .option("--limit <n>", "newest records shown (default 50)")
  .option("--json", "print one JSON document")
  .action(
    async (opts: {
      since?: string;
      resource?: string;
      outcome?: string[];
      limit?: string;
      json?: boolean;
    }) => {
      const configPath = program.opts<{ config?: string }>().config;
      exitCode = await runJournalList(
        { ...opts, ...(configPath !== undefined ? { configPath } : {}) },
        processIo,
      );
    },
  );
journal
  .command("show")
  .description("one record in full: finding, plan, each step, before and after, seal")
  .argument("<id>", "journal record id")
  .option("--json", "print the record as JSON")
  .action(async (id: string, opts: { json?: boolean }) => {
    const configPath = program.opts<{ config?: string }>().config;
    exitCode = await runJournalShow(
      { id, ...opts, ...(configPath !== undefined ? { configPath } : {}) },
      processIo,
    );
  });

const alert = program.command("alert").description("check the alert path (SNS, PagerDuty)");
alert
  .command("test")
  .description("send one test event end to end through the real adapters")
  .requiredOption("--to <destination>", "pagerduty or sns")
  .option("--severity <severity>", "critical, warning or info (default info)")
  .option("--resolve", "resolve the test incident a previous test opened")
  .action(async (opts: { to: string; severity?: string; resolve?: boolean }) => {
    const configPath = program.opts<{ config?: string }>().config;
    exitCode = await runAlertTestCommand(
      { ...opts, ...(configPath !== undefined ? { configPath } : {}) },
      processIo,
    );
  });

program
  .command("redrive")
  .description("re-send the PagerDuty events waiting in the alert dead-letter queue")
  .option("--dry-run", "list what would be sent; send and delete nothing")
  .option("--max <n>", "stop after this many messages (default 1000)")
  .option("--json", "print the report as JSON")
  .action(async (opts: { dryRun?: boolean; max?: string; json?: boolean }) => {
    const configPath = program.opts<{ config?: string }>().config;
    exitCode = await runRedriveCommand(
      {
        ...(opts.dryRun !== undefined ? { dryRun: opts.dryRun } : {}),
        ...(opts.json !== undefined ? { json: opts.json } : {}),
        ...(configPath !== undefined ? { configPath } : {}),
        ...(opts.max !== undefined ? { max: Number(opts.max) } : {}),
      },
      processIo,
    );
  });

const silence = program
  .command("silence")
  .description("maintenance windows and snoozes: alerting.silences in the config file");
silence
  .command("add")
  .description("silence matching anomalies (still evaluated, shown in the digest, never paged)")
  .requiredOption("--reason <text>", "why: the digest shows it")
  .option("--set <name...>", "metric sets")
  .option("--account <id...>", "accounts")
  .option("--namespace <namespace>", "CloudWatch namespace")
  .option("--metric <name>", "metric name")
  .option("--dimension <Name=glob>", "dimension value glob (repeatable)", collect)
  .option("--start <time>", "ISO 8601 start (default now)")
  .option("--end <time>", "ISO 8601 end")
  .option("--for <duration>", "duration from the start: 90m, 4h, 2d (at most 30 days)")
  .option("--id <id>", "name for `vigil silence remove` (default generated)")
  .action(
    async (opts: {
      reason: string;
      set?: string[];
      account?: string[];
      namespace?: string;
      metric?: string;
      dimension?: string[];
      start?: string;
      end?: string;
      for?: string;
      id?: string;
    }) => {
      const configPath = program.opts<{ config?: string }>().config;
      exitCode = await runSilenceAdd(
        { ...opts, metricSet: opts.set, metricName: opts.metric, configPath },
        processIo,
      );
    },
  );
silence
  .command("list")
  .description("list silences with their state (pending, active, expired)")
  .option("--json", "print JSON")
  .action(async (opts: { json?: boolean }) => {
    const configPath = program.opts<{ config?: string }>().config;
    exitCode = await runSilenceList({ json: opts.json, configPath }, processIo);
  });
silence
  .command("remove")
  .description("remove silences by id (or #n for one without an id)")
  .argument("[ids...]", "silence ids")
  .option("--expired", "also remove every expired silence")
  .action(async (ids: string[], opts: { expired?: boolean }) => {
    const configPath = program.opts<{ config?: string }>().config;
    exitCode = await runSilenceRemove({ ids, expired: opts.expired, configPath }, processIo);
  });

/** Commander's own exits: help and version are success, everything else is a usage error. */
function exitCodeForCommander(error: CommanderError): number {
  const success = ["commander.helpDisplayed", "commander.help", "commander.version"];
  return success.includes(error.code) ? 0 : 2;
}

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (!(error instanceof CommanderError)) throw error;
  exitCode = exitCodeForCommander(error);
}
process.exit(exitCode);
