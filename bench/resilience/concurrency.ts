/**
 * EventBridge delivers at least once and Lambda runs deliveries in parallel: the same finding
 * handed to N function instances at once (each its own "container": own wiring, clients and S3
 * journal) must change the resource exactly once. The claim is an S3 conditional write
 * (If-None-Match: *) in moto_server's journal bucket; every call goes through the FaultInjector
 * (with no fault) only to be counted.
 *
 * Shared by test/resilience/concurrency.int.test.ts and bench/resilience.ts (no Vitest import).
 */
import { ConfigServiceClient, DescribeConfigRulesCommand } from "@aws-sdk/client-config-service";
import { mockClient } from "aws-sdk-client-mock";
import {
  createRemediationDeps,
  type RemediationHandlerResult,
} from "../../src/wiring/remediation.ts";
import { awsOwnedConfigRules } from "./fake-aws.ts";
import { FaultInjector } from "./fault-injector.ts";
import {
  ACCOUNT,
  changesOf,
  clientsFor,
  handlerFor,
  journalRecords,
  matrixRemediationConfig,
  type Scenario,
  setupAccount,
} from "./fault-matrix.ts";
import { captureLogs } from "./log-capture.ts";

export interface ConcurrencyResult {
  scenario: Scenario;
  deliveries: number;
  /** Outcome → count over the deliveries. */
  outcomes: Record<string, number>;
  /** Successful calls that changed the resource. */
  changes: number;
  /** Journal records with a change applied. */
  appliedRecords: number;
  /** The duplicates name the record that holds the claim. */
  duplicatesNamingTheWinner: number;
  /** Conditional claim writes (If-None-Match: *) sent, and how many S3 refused (412). */
  claimWrites: number;
  claimsRefused: number;
  errors: string[];
}

export async function runConcurrentDeliveries(
  endpoint: string,
  scenario: Exclude<Scenario, "detect" | "reconcile">,
  deliveries = 10,
): Promise<ConcurrencyResult> {
  const injector = new FaultInjector();
  injector.install();
  // moto cannot tell who owns a Config rule: answer as an account with Vigil's managed rules.
  const config = mockClient(ConfigServiceClient);
  config.on(DescribeConfigRulesCommand).resolves(awsOwnedConfigRules());
  try {
    const clients = clientsFor(endpoint);
    const setup = await setupAccount(clients, endpoint, scenario);
    const env = {
      AWS_ENDPOINT_URL: endpoint,
      AWS_REGION: "us-east-1",
      VIGIL_JOURNAL_BUCKET: "vigil-journal",
      VIGIL_TOPIC_ARN: setup.topicArn,
    };
    // One function instance per delivery, as N Lambda containers would be.
    const instances = await Promise.all(
      Array.from({ length: deliveries }, async () => {
        const handler = handlerFor(setup.event);
        const logs = captureLogs(handler.logger);
        handler.setApp(
          await createRemediationDeps({
            env,
            loadConfig: async () => matrixRemediationConfig(),
            logger: handler.logger,
            homeAccount: ACCOUNT,
          }),
        );
        return { handler, logs };
      }),
    );
    injector.reset();
    injector.active = true;
    const settled = await Promise.allSettled(
      instances.map(({ handler }) => handler.handler(structuredClone(setup.event))),
    );
    injector.active = false;
    for (const { handler, logs } of instances) {
      logs.restore();
      handler.setApp(undefined);
    }

    const outcomes: Record<string, number> = {};
    const errors: string[] = [];
    const results: RemediationHandlerResult[] = [];
    for (const s of settled) {
      if (s.status === "rejected") {
        errors.push(String(s.reason));
        outcomes.thrown = (outcomes.thrown ?? 0) + 1;
        continue;
      }
      results.push(s.value);
      const outcome = "outcome" in s.value ? s.value.outcome : "not handled";
      outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
    }
    const records = await journalRecords(clients.s3, setup.event.id);
    const applied = records.filter((r) => r.applied.length > 0);
    const winner = applied[0]?.id;
    const duplicatesNamingTheWinner = results.filter(
      (r) =>
        "outcome" in r &&
        r.outcome === "duplicate" &&
        winner !== undefined &&
        r.reason.startsWith(`already handled by journal record ${winner}`),
    ).length;
    const claimWrites = injector.attempts.filter(
      (a) => a.command === "PutObject" && a.input.IfNoneMatch === "*",
    );
    return {
      scenario,
      deliveries,
      claimWrites: claimWrites.length,
      claimsRefused: claimWrites.filter((a) => !a.ok).length,
      outcomes,
      changes: changesOf(scenario, injector.attempts),
      appliedRecords: applied.length,
      duplicatesNamingTheWinner,
      errors,
    };
  } finally {
    config.restore();
    injector.uninstall();
  }
}
