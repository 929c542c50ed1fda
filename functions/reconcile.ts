import { Logger } from "@aws-lambda-powertools/logger";
import type { Context } from "aws-lambda";
import { describeZodError } from "../src/config/load.ts";
import { reconcileRequestSchema } from "../src/events/reconcile-request.ts";
import { type ReconcileReport, reconcile } from "../src/usecases/reconcile.ts";
import { isTransientAwsError } from "../src/usecases/remediate-finding.ts";
import { accountFromFunctionArn } from "../src/wiring/detection.ts";
import {
  createRemediationDeps,
  eventIdOf,
  type RemediationApp,
} from "../src/wiring/remediation.ts";

export const logger = new Logger({ serviceName: "vigil-reconcile" });

/** Stop starting findings this long before Lambda's timeout. */
const SAFETY_MARGIN_MS = 30_000;

export interface ReconcileResponse {
  ok: boolean;
  error?: string;
  evaluations?: number;
  handled?: number;
  outcomes?: ReconcileReport["outcomes"];
  stoppedBy?: ReconcileReport["stoppedBy"];
  errors?: number;
}

let appPromise: Promise<RemediationApp> | undefined;
export function setRemediationApp(app: RemediationApp | undefined): void {
  appPromise = app ? Promise.resolve(app) : undefined;
}

/** Scheduled sweep of what Config still reports NON_COMPLIANT, through the same runner. */
export async function handler(
  event: unknown,
  context?: Pick<Context, "invokedFunctionArn" | "getRemainingTimeInMillis">,
): Promise<ReconcileResponse> {
  const parsed = reconcileRequestSchema.safeParse(event ?? {});
  if (!parsed.success) {
    const error = `invalid reconcile request: ${describeZodError(parsed.error)}`;
    logger.error("event rejected", { decision: "rejected", eventId: eventIdOf(event), error });
    return { ok: false, error };
  }
  const account = accountFromFunctionArn(context?.invokedFunctionArn);
  appPromise ??= createRemediationDeps({ logger, ...(account ? { homeAccount: account } : {}) });
  let app: RemediationApp;
  try {
    app = await appPromise;
  } catch (error) {
    appPromise = undefined;
    logger.error("cannot start reconciliation", { error: (error as Error).message });
    throw error;
  }
  const remaining = context?.getRemainingTimeInMillis?.();
  const deadline =
    remaining === undefined ? undefined : app.runner.clock() + remaining - SAFETY_MARGIN_MS;
  try {
    const report = await reconcile(app.reconcileDeps(), deadline === undefined ? {} : { deadline });
    return {
      ok: !report.partialFailure,
      evaluations: report.evaluations,
      handled: report.handled,
      outcomes: report.outcomes,
      ...(report.stoppedBy ? { stoppedBy: report.stoppedBy } : {}),
      errors: report.errors.length,
    };
  } catch (error) {
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    if (isTransientAwsError(error)) throw error;
    logger.error("reconciliation failed", { error: message });
    return { ok: false, error: message };
  }
}
