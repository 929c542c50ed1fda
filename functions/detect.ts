import { metricLabel } from "../src/domain/metric.ts";
import { detectRequestSchema } from "../src/events/detect-request.ts";
import {
  type DetectDeps,
  type DetectReport,
  detectAnomalies,
} from "../src/usecases/detect-anomalies.ts";
import { detectRunMetrics } from "../src/usecases/run-metrics.ts";
import { createDetectionDeps } from "../src/wiring/detection.ts";
import { defineHandler } from "../src/wiring/handler.ts";

export interface DetectResponse {
  ok: boolean;
  error?: string;
  evaluated?: DetectReport["evaluated"];
  anomalies?: Array<{
    metricSet: string;
    metric: string;
    severity: string | null;
    observed: number | null;
    expected: number | null;
    z: number | null;
    alert: string | null;
    why: string;
  }>;
  notificationsSent?: number;
  partialFailure?: boolean;
}

/** Scheduled (or invoked by hand): evaluates the due metric sets and alerts on anomalies. */
const detect = defineHandler({
  serviceName: "vigil-detect",
  schema: detectRequestSchema,
  emptyEventIs: "empty-object",
  invalid: "invalid detect request",
  build: ({ logger, homeAccount }) =>
    createDetectionDeps({ logger, ...(homeAccount ? { account: homeAccount } : {}) }),
  run: (deps: DetectDeps, request) => detectAnomalies(deps, request),
  measure: detectRunMetrics,
  reject: (error): DetectResponse => ({ ok: false, error }),
  respond: (report): DetectResponse => ({
    ok: !report.partialFailure,
    evaluated: report.evaluated,
    anomalies: report.results
      .filter((r) => r.verdict.status === "anomalous")
      .map((r) => ({
        metricSet: r.metricSet,
        metric: metricLabel(r.metric),
        severity: r.verdict.severity,
        observed: r.verdict.observed,
        expected: r.verdict.expected,
        z: r.verdict.z,
        alert: r.alert ?? null,
        why: r.verdict.why,
      })),
    notificationsSent: report.notificationsSent,
    partialFailure: report.partialFailure,
  }),
});

export const { handler, logger } = detect;
export const setDetectDeps = detect.setDeps;
