import { isTransientAwsError } from "../src/domain/aws-errors.ts";
import { reconcileRequestSchema } from "../src/events/reconcile-request.ts";
import { type ReconcileReport, reconcile } from "../src/usecases/reconcile.ts";
import { reconcileRunMetrics } from "../src/usecases/run-metrics.ts";
import { defineHandler } from "../src/wiring/handler.ts";
import { createRemediationDeps, type RemediationApp } from "../src/wiring/remediation.ts";

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

/** Scheduled sweep of what Config still reports NON_COMPLIANT, through the same runner. */
const sweep = defineHandler({
  serviceName: "vigil-reconcile",
  schema: reconcileRequestSchema,
  emptyEventIs: "empty-object",
  invalid: "invalid reconcile request",
  build: ({ logger, homeAccount }) =>
    createRemediationDeps({ logger, ...(homeAccount ? { homeAccount } : {}) }),
  run: (app: RemediationApp, _request, { context }) => {
    const remaining = context?.getRemainingTimeInMillis?.();
    const deadline =
      remaining === undefined ? undefined : app.runner.clock() + remaining - SAFETY_MARGIN_MS;
    return reconcile(app.reconcileDeps(), deadline === undefined ? {} : { deadline });
  },
  // A sweep that cannot finish is reported, not retried: the next scheduled run sweeps again.
  answers: (error) => !isTransientAwsError(error),
  reject: (error): ReconcileResponse => ({ ok: false, error }),
  measure: reconcileRunMetrics,
  respond: (report): ReconcileResponse => ({
    ok: !report.partialFailure,
    evaluations: report.evaluations,
    handled: report.handled,
    outcomes: report.outcomes,
    ...(report.stoppedBy ? { stoppedBy: report.stoppedBy } : {}),
    errors: report.errors.length,
  }),
});

export const { handler, logger } = sweep;
export const setRemediationApp = sweep.setDeps;
