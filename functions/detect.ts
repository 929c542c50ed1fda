import { Logger } from "@aws-lambda-powertools/logger";
import type { Context } from "aws-lambda";
import { describeZodError } from "../src/config/load.ts";
import { metricLabel } from "../src/domain/metric.ts";
import { detectRequestSchema } from "../src/events/detect-request.ts";
import {
  type DetectDeps,
  type DetectReport,
  detectAnomalies,
} from "../src/usecases/detect-anomalies.ts";
import { accountFromFunctionArn, createDetectionDeps } from "../src/wiring/detection.ts";

export const logger = new Logger({ serviceName: "vigil-detect" });

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

/** Built once per container, on first use, so tests can replace it before. */
let depsPromise: Promise<DetectDeps> | undefined;
export function setDetectDeps(deps: DetectDeps | undefined): void {
  depsPromise = deps ? Promise.resolve(deps) : undefined;
}

export async function handler(
  event: unknown,
  context?: Pick<Context, "invokedFunctionArn">,
): Promise<DetectResponse> {
  const parsed = detectRequestSchema.safeParse(event ?? {});
  if (!parsed.success) {
    const error = `invalid detect request: ${describeZodError(parsed.error)}`;
    // One structured line naming the event (a Scheduled Event has an id) and the reason.
    const eventId = (event as { id?: unknown } | null | undefined)?.id;
    logger.error("event rejected", {
      decision: "rejected",
      ...(typeof eventId === "string" ? { eventId } : {}),
      error,
    });
    return { ok: false, error };
  }
  depsPromise ??= createDetectionDeps({
    logger,
    account: accountFromFunctionArn(context?.invokedFunctionArn),
  });
  let deps: DetectDeps;
  try {
    deps = await depsPromise;
  } catch (error) {
    // A bad config is an operator error: fail loudly (Lambda error metric → alarm), retry next time.
    depsPromise = undefined;
    logger.error("cannot start detection", { error: (error as Error).message });
    throw error;
  }
  const report = await detectAnomalies(deps, parsed.data);
  return {
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
  };
}
