/**
 * Property-based fuzzing of every handler against the fake AWS account (aws-sdk-client-mock), with
 * the invariants checked on every generated event:
 *
 *   1. nothing escapes: the handler returns (a thrown error is allowed for transient AWS errors only,
 *      and the fake account produces none);
 *   2. an event the generator made invalid is rejected (schema) or ignored (intake), never acted on;
 *   3. a rejected or ignored event makes zero mutating AWS calls: no change to a resource, no journal
 *      write, no alert, with one exception the design asks for: an ignored event that clears an
 *      open incident (COMPLIANT again, ARCHIVED/RESOLVED, deleted) sends one "resolve" notification;
 *      a rejected event makes no AWS call at all;
 *   4. exactly one structured log line carries the decision (rejected / ignored / the runner's
 *      outcome), naming the event id when the event has one, and the reason; an invalid event logs
 *      nothing else;
 *   5. no outcome hides a programming error (TypeError …), and Object.prototype is never touched.
 *
 * The same code feeds the tests (test/resilience/fuzz-*.test.ts) and bench/resilience.ts.
 */
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Logger } from "@aws-lambda-powertools/logger";
import { Logger as PowertoolsLogger } from "@aws-lambda-powertools/logger";
import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { SNSClient } from "@aws-sdk/client-sns";
import fc from "fast-check";
import * as detectFunction from "../../functions/detect.ts";
import * as onAccessAnalyzer from "../../functions/on-access-analyzer-finding.ts";
import * as onConfig from "../../functions/on-config-compliance-change.ts";
import * as reconcileFunction from "../../functions/reconcile.ts";
import { CloudWatchMetricSource } from "../../src/adapters/cloudwatch-metric-source.ts";
import { SnsNotifier } from "../../src/adapters/sns-notifier.ts";
import { runRemediateCommand } from "../../src/cli/remediate.ts";
import { loadConfigFile } from "../../src/config/load.ts";
import { parseRemediationConfig } from "../../src/config/remediation-config.ts";
import { createRemediationDeps, type RemediationApp } from "../../src/wiring/remediation.ts";
import {
  ACCOUNT,
  FakeAws,
  HOME_REGION,
  isMutating,
  isResolveNotification,
  JOURNAL_BUCKET,
  type RecordedCall,
  TOPIC_ARN,
} from "./fake-aws.ts";
import { TRAIL_KEY_ARN } from "./fake-aws-pipeline.ts";
import {
  ALLOWED_REGIONS,
  analyzerEvents,
  configEvents,
  detectRequests,
  eventFiles,
  type FuzzCase,
  reconcileRequests,
} from "./generators.ts";
import { captureLogs, type LogLine } from "./log-capture.ts";

export const FUZZ_TARGETS = [
  "on-config-compliance-change",
  "on-access-analyzer-finding",
  "detect",
  "reconcile",
  "vigil remediate --event",
] as const;
export type FuzzTarget = (typeof FUZZ_TARGETS)[number];

/** 10,000 in the gate (CI keeps it); VIGIL_FUZZ_EVENTS=<n> for a quicker local loop. */
export const EVENTS_PER_HANDLER = eventsPerHandler(process.env.VIGIL_FUZZ_EVENTS);

function eventsPerHandler(fromEnv: string | undefined): number {
  if (fromEnv === undefined || fromEnv === "") return 10_000;
  const n = Number(fromEnv);
  if (!Number.isInteger(n) || n < 1) {
    throw new Error(`VIGIL_FUZZ_EVENTS must be a positive whole number, got "${fromEnv}"`);
  }
  return n;
}

/** Fixed by default so the gate is reproducible; VIGIL_FUZZ_SEED=<n> or =random explores. */
export function fuzzSeed(target: FuzzTarget): number | undefined {
  const fromEnv = process.env.VIGIL_FUZZ_SEED;
  if (fromEnv === "random") return undefined;
  if (fromEnv && /^-?\d+$/.test(fromEnv)) return Number(fromEnv);
  return 20_261_120 + FUZZ_TARGETS.indexOf(target);
}

export interface FuzzStats {
  target: FuzzTarget;
  seed: number;
  /** Generated events run through the handler. */
  events: number;
  /** Events the generator made invalid (the oracle). */
  invalidByConstruction: number;
  /** Events the handler refused: rejected by the schema or ignored by intake. */
  invalid: number;
  rejected: number;
  ignored: number;
  /** Events that reached the runner (a finding). */
  acted: number;
  /** Mutating AWS calls (changes, journal writes, alerts) made for invalid events: must be 0. */
  mutatingCallsOnInvalid: number;
  /** "resolve" notifications sent for ignored events that clear an incident (by design). */
  resolveNotifications: number;
  /** Errors that escaped the handler: must be 0. */
  unhandledExceptions: number;
  durationMs: number;
}

type Classified =
  | { kind: "rejected"; reason: string }
  | { kind: "ignored"; reason: string }
  | { kind: "acted"; outcome: string; reason: string };

/** Thrown inside the property: fast-check reports it with the counterexample. */
class Violation extends Error {
  override name = "InvariantViolation";
}

const PROGRAMMING_ERROR = /\b(TypeError|ReferenceError|RangeError|SyntaxError)\b/;

function eventIdOf(event: unknown): string | undefined {
  const id = (event as { id?: unknown } | null | undefined)?.id;
  return typeof id === "string" ? id : undefined;
}

function prototypeSnapshot(): string {
  return Object.getOwnPropertyNames(Object.prototype).sort().join(",");
}

function short(value: unknown, max = 160): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > max ? `${text.slice(0, max)}… (${text.length} chars)` : text;
}

/** The decision lines: the ones with a `decision` attribute. */
function decisionLines(lines: LogLine[]): LogLine[] {
  return lines.filter((line) => typeof line.attributes.decision === "string");
}

/** Invariant 4: one decision line naming the event and the reason (and nothing else when invalid). */
function checkLogLine(lines: LogLine[], event: unknown, invalid: boolean): void {
  const decisions = decisionLines(lines);
  if (decisions.length !== 1) {
    throw new Violation(
      `expected exactly one decision log line, got ${decisions.length}: ${short(lines.map((l) => l.message))}`,
    );
  }
  if (invalid && lines.length !== 1) {
    throw new Violation(
      `an invalid event must log one line, got ${lines.length}: ${short(lines.map((l) => l.message))}`,
    );
  }
  const [line] = decisions as [LogLine];
  const id = eventIdOf(event);
  if (id !== undefined && line.attributes.eventId !== id) {
    throw new Violation(
      `log line "${line.message}" does not name the event id ${short(id, 60)} (eventId ${short(line.attributes.eventId, 60)})`,
    );
  }
  const reason = line.attributes.reason ?? line.attributes.error;
  if (typeof reason !== "string" || reason.trim() === "") {
    throw new Violation(`log line "${line.message}" gives no reason`);
  }
  try {
    JSON.stringify(line.attributes);
  } catch (error) {
    throw new Violation(
      `log line "${line.message}" is not serialisable: ${(error as Error).message}`,
    );
  }
}

/** Invariant 3: what an invalid event may call. */
function checkCallsOfInvalid(
  calls: RecordedCall[],
  rejected: boolean,
): {
  mutating: number;
  resolves: number;
} {
  if (rejected && calls.length > 0) {
    throw new Violation(
      `a rejected event made ${calls.length} AWS call(s): ${calls.map((c) => c.command).join(", ")}`,
    );
  }
  const resolves = calls.filter(isResolveNotification).length;
  const mutating = calls.filter((c) => isMutating(c) && !isResolveNotification(c));
  if (mutating.length > 0 || resolves > 1) {
    throw new Violation(
      `an invalid event made mutating calls: ${calls
        .filter(isMutating)
        .map((c) => `${c.service}:${c.command}`)
        .join(", ")}`,
    );
  }
  return { mutating: mutating.length, resolves };
}

interface Harness {
  /** Runs one case; returns how the handler treated it. Throws Violation for broken invariants. */
  run(fuzzCase: FuzzCase | (FuzzCase & { text: string }), index: number): Promise<Classified>;
  close(): Promise<void>;
}

export const FUZZ_REMEDIATION_CONFIG = {
  defaultMode: "enforce" as const,
  allowedRegions: [...ALLOWED_REGIONS],
  settings: { s3EncryptionAlgorithm: "AES256" as const, cloudTrailKmsKeyArn: TRAIL_KEY_ARN },
  // Unused-access kinds stay at notify under defaultMode enforce: opt the reversible one in.
  modes: { "iam-unused-access-key": "enforce" as const },
  ruleKinds: { "securityhub-sqs-queue-encrypted-*": "sqs-encryption" as const },
};

/** The real wiring (S3 journal, SNS alerts, registry), on the fake account's mocked clients. */
export function remediationApp(logger: Logger): Promise<RemediationApp> {
  return createRemediationDeps({
    env: {
      AWS_REGION: HOME_REGION,
      VIGIL_JOURNAL_BUCKET: JOURNAL_BUCKET,
      VIGIL_TOPIC_ARN: TOPIC_ARN,
    },
    loadConfig: async () => parseRemediationConfig(FUZZ_REMEDIATION_CONFIG),
    logger,
    homeAccount: ACCOUNT,
  });
}

type HandlerResult = {
  ok: boolean;
  error?: string;
  outcome?: string;
  reason?: string;
  eventId?: string;
};

function classifyHandlerResult(result: HandlerResult): Classified {
  if (result.outcome === undefined) {
    // Refused: invalid, or another detail-type of the same source (named, not schema-checked).
    if (
      typeof result.error === "string" &&
      /^(invalid event: |unsupported detail-type )/.test(result.error)
    ) {
      return { kind: "rejected", reason: result.error };
    }
    throw new Violation(
      `event not handled (a crash caught by the handler): ${short(result.error, 300)}`,
    );
  }
  if (result.outcome === "ignored") return { kind: "ignored", reason: result.reason ?? "" };
  return { kind: "acted", outcome: result.outcome, reason: result.reason ?? "" };
}

async function remediationHandlerHarness(
  module: typeof onConfig | typeof onAccessAnalyzer,
  aws: FakeAws,
): Promise<Harness> {
  const logs = captureLogs(module.logger);
  module.setRemediationApp(await remediationApp(module.logger));
  return {
    async run({ event, mustNotAct }) {
      aws.resetHistory();
      logs.clear();
      const result = (await module.handler(event)) as HandlerResult;
      const classified = classifyHandlerResult(result);
      const invalid = classified.kind !== "acted";
      if (mustNotAct && !invalid) {
        throw new Violation(
          `an invalid event was acted on: outcome ${classified.kind === "acted" ? classified.outcome : ""} (${short(classified.reason, 200)})`,
        );
      }
      checkLogLine(logs.lines, event, invalid);
      if (classified.kind === "acted" && PROGRAMMING_ERROR.test(classified.reason)) {
        throw new Violation(`outcome hides a programming error: ${short(classified.reason, 300)}`);
      }
      return classified;
    },
    async close() {
      logs.restore();
      module.setRemediationApp(undefined);
    },
  };
}

async function cliHarness(aws: FakeAws): Promise<Harness> {
  const logger = new PowertoolsLogger({ serviceName: "vigil-remediate" });
  const logs = captureLogs(logger);
  const app = await remediationApp(logger);
  // A RAM disk when there is one: 10,000 event files should cost seconds, not disk flushes.
  const dir = await mkdtemp(join(existsSync("/dev/shm") ? "/dev/shm" : tmpdir(), "vigil-fuzz-"));
  return {
    async run(fuzzCase, index) {
      const { text } = fuzzCase as FuzzCase & { text: string };
      const path = join(dir, `event-${index % 8}.json`);
      await writeFile(path, text);
      aws.resetHistory();
      logs.clear();
      const out: string[] = [];
      const err: string[] = [];
      const code = await runRemediateCommand(
        { eventFile: path },
        { out: (line) => out.push(line), err: (line) => err.push(line) },
        async () => app,
      );
      if (![0, 1, 2].includes(code)) throw new Violation(`exit code ${code}`);
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = undefined;
      }
      let classified: Classified;
      if (code === 2) {
        if (err.length !== 1 || out.length !== 0) {
          throw new Violation(
            `bad input must print one error line, got ${err.length} (+${out.length} out)`,
          );
        }
        const line = err[0] as string;
        const id = eventIdOf(parsed);
        // The id is printed escaped (and cut when absurdly long): its start must be there.
        if (id !== undefined && !line.includes(JSON.stringify(id).slice(1, 40))) {
          throw new Violation(
            `the error line does not name the event id ${short(id, 60)}: ${short(line)}`,
          );
        }
        if (!/: \S/.test(line))
          throw new Violation(`the error line gives no reason: ${short(line)}`);
        if (logs.lines.length > 0) throw new Violation("bad input logged more than its error line");
        classified = { kind: "rejected", reason: line };
      } else if (code === 0 && out[0]?.startsWith("outcome: ignored: ")) {
        checkLogLine(logs.lines, parsed, true);
        classified = { kind: "ignored", reason: out[0] };
      } else {
        if (err.some((line) => PROGRAMMING_ERROR.test(line))) {
          throw new Violation(`a crash: ${short(err)}`);
        }
        if (code === 1 && err.length > 0) {
          throw new Violation(`vigil remediate failed without an outcome: ${short(err, 300)}`);
        }
        checkLogLine(logs.lines, parsed, false);
        const outcome = /^outcome: ([a-z-]+): /.exec(out[0] ?? "")?.[1] ?? "?";
        classified = { kind: "acted", outcome, reason: out[0] ?? "" };
        if (PROGRAMMING_ERROR.test(out.join("\n"))) {
          throw new Violation(`outcome hides a programming error: ${short(out, 300)}`);
        }
      }
      if (fuzzCase.mustNotAct && classified.kind === "acted") {
        throw new Violation(`an invalid event file was acted on: ${short(classified.reason, 200)}`);
      }
      return classified;
    },
    async close() {
      logs.restore();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

const REPO_CONFIG = fileURLToPath(new URL("../../vigil.config.yaml", import.meta.url));

async function detectHarness(aws: FakeAws): Promise<Harness> {
  const config = await loadConfigFile(REPO_CONFIG);
  const logs = captureLogs(detectFunction.logger);
  detectFunction.setDetectDeps({
    source: new CloudWatchMetricSource(
      new CloudWatchClient({ region: HOME_REGION, maxAttempts: 1 }),
    ),
    notifier: new SnsNotifier(new SNSClient({ region: HOME_REGION }), TOPIC_ARN),
    config: config.detection,
    clock: () => Date.now(),
    region: HOME_REGION,
    account: ACCOUNT,
    logger: detectFunction.logger,
  });
  return {
    async run({ event, mustNotAct }) {
      aws.resetHistory();
      logs.clear();
      const response = await detectFunction.handler(event);
      const rejected = response.error?.startsWith("invalid detect request: ") === true;
      if (rejected !== mustNotAct) {
        throw new Violation(
          mustNotAct
            ? "an invalid detect request was run"
            : `a valid request was rejected: ${short(response.error, 300)}`,
        );
      }
      if (!rejected && response.error !== undefined) {
        throw new Violation(`detect failed: ${short(response.error, 300)}`);
      }
      if (rejected) {
        checkCallsOfInvalid(aws.calls(), true);
        checkLogLine(logs.lines, event, true);
        return { kind: "rejected", reason: response.error ?? "" };
      }
      if (aws.calls().some(isMutating))
        throw new Violation("detect changed something with no metric to alert on");
      return { kind: "acted", outcome: response.ok ? "ok" : "partial", reason: "" };
    },
    async close() {
      logs.restore();
      detectFunction.setDetectDeps(undefined);
    },
  };
}

async function reconcileHarness(aws: FakeAws): Promise<Harness> {
  const logs = captureLogs(reconcileFunction.logger);
  reconcileFunction.setRemediationApp(await remediationApp(reconcileFunction.logger));
  return {
    async run({ event, mustNotAct }) {
      aws.resetHistory();
      logs.clear();
      const response = await reconcileFunction.handler(event);
      const rejected = response.error?.startsWith("invalid reconcile request: ") === true;
      if (rejected !== mustNotAct) {
        throw new Violation(
          mustNotAct
            ? "an invalid reconcile request ran a sweep"
            : `a valid request was rejected: ${short(response.error, 300)}`,
        );
      }
      if (rejected) {
        checkCallsOfInvalid(aws.calls(), true);
        checkLogLine(logs.lines, event, true);
        return { kind: "rejected", reason: response.error ?? "" };
      }
      if (!response.ok) throw new Violation(`the sweep failed: ${short(response, 300)}`);
      return { kind: "acted", outcome: "swept", reason: "" };
    },
    async close() {
      logs.restore();
      reconcileFunction.setRemediationApp(undefined);
    },
  };
}

const ARBITRARIES: Record<FuzzTarget, fc.Arbitrary<FuzzCase>> = {
  "on-config-compliance-change": configEvents,
  "on-access-analyzer-finding": analyzerEvents,
  detect: detectRequests,
  reconcile: reconcileRequests,
  "vigil remediate --event": eventFiles,
};

function harnessFor(target: FuzzTarget, aws: FakeAws): Promise<Harness> {
  switch (target) {
    case "on-config-compliance-change":
      return remediationHandlerHarness(onConfig, aws);
    case "on-access-analyzer-finding":
      return remediationHandlerHarness(onAccessAnalyzer, aws);
    case "detect":
      return detectHarness(aws);
    case "reconcile":
      return reconcileHarness(aws);
    case "vigil remediate --event":
      return cliHarness(aws);
  }
}

export interface FuzzOptions {
  numRuns?: number;
  /** Default: fuzzSeed(target). */
  seed?: number;
}

/**
 * Runs `numRuns` generated events through one handler and returns the figures. Throws with the
 * counterexample (shrunk by fast-check) and the seed when an invariant breaks.
 */
export async function fuzzTarget(
  target: FuzzTarget,
  options: FuzzOptions = {},
): Promise<FuzzStats> {
  const numRuns = options.numRuns ?? EVENTS_PER_HANDLER;
  const seed = options.seed ?? fuzzSeed(target) ?? Math.floor(Math.random() * 2 ** 31);
  const stats: FuzzStats = {
    target,
    seed,
    events: 0,
    invalidByConstruction: 0,
    invalid: 0,
    rejected: 0,
    ignored: 0,
    acted: 0,
    mutatingCallsOnInvalid: 0,
    resolveNotifications: 0,
    unhandledExceptions: 0,
    durationMs: 0,
  };
  const started = performance.now();
  const aws = new FakeAws();
  let harness: Harness | undefined;
  const prototypeBefore = prototypeSnapshot();
  let index = 0;
  try {
    harness = await harnessFor(target, aws);
    const ready = harness;
    const property = fc.asyncProperty(ARBITRARIES[target], async (fuzzCase) => {
      let classified: Classified;
      try {
        classified = await ready.run(fuzzCase, index++);
      } catch (error) {
        if (!(error instanceof Violation)) {
          stats.unhandledExceptions += 1;
          throw new Violation(
            `the handler threw: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`,
          );
        }
        throw error;
      }
      if (prototypeSnapshot() !== prototypeBefore || Object.keys({}).length > 0) {
        throw new Violation("Object.prototype was modified");
      }
      stats.events += 1;
      if (fuzzCase.mustNotAct) stats.invalidByConstruction += 1;
      stats[classified.kind] += 1;
      if (classified.kind !== "acted" && target !== "detect" && target !== "reconcile") {
        const counted = checkCallsOfInvalid(aws.calls(), classified.kind === "rejected");
        stats.mutatingCallsOnInvalid += counted.mutating;
        stats.resolveNotifications += counted.resolves;
      }
      if (classified.kind === "rejected" && (target === "detect" || target === "reconcile")) {
        stats.mutatingCallsOnInvalid += aws.calls().filter(isMutating).length;
      }
    });
    const details = await fc.check(property, { numRuns, seed });
    if (details.failed) {
      const example = details.counterexample?.[0] as FuzzCase | undefined;
      const cause = details.errorInstance instanceof Error ? details.errorInstance.message : "";
      throw new Error(
        [
          `${target}: invariant broken after ${details.numRuns} event(s): ${cause}`,
          `  mutations: ${example?.mutations.join(" | ")}`,
          `  event: ${short(example?.event, 600)}`,
          `  reproduce: VIGIL_FUZZ_SEED=${details.seed} (path ${details.counterexamplePath})`,
        ].join("\n"),
      );
    }
  } finally {
    await harness?.close();
    aws.restore();
  }
  stats.invalid = stats.rejected + stats.ignored;
  stats.durationMs = Math.round(performance.now() - started);
  return stats;
}
