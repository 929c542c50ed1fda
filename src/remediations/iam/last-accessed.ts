import {
  GenerateServiceLastAccessedDetailsCommand,
  GetServiceLastAccessedDetailsCommand,
  type IAMClient,
} from "@aws-sdk/client-iam";
import type { LastUsedEvidence, ServiceLastUsed } from "../../domain/last-used.ts";

/**
 * Reads IAM's service last accessed report for a user, role, group or managed policy: one
 * GenerateServiceLastAccessedDetails, then GetServiceLastAccessedDetails until COMPLETED, for at
 * most `waitMs` (IAM builds the report in seconds, usually). Evidence never blocks a plan: a
 * report not ready in time, a FAILED job or a refused call comes back as `{ ok: false, why }`, and
 * the plan goes on and says so.
 */
export async function readLastUsed(
  iam: IAMClient,
  arn: string,
  waitMs: number,
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((done) => setTimeout(done, ms)),
): Promise<LastUsedEvidence> {
  const started = Date.now();
  const pollMs = Math.min(1_000, waitMs / 5);
  try {
    const { JobId } = await iam.send(
      new GenerateServiceLastAccessedDetailsCommand({ Arn: arn, Granularity: "SERVICE_LEVEL" }),
    );
    if (!JobId) return { ok: false, why: "IAM returned no report job id" };
    for (;;) {
      const services: ServiceLastUsed[] = [];
      let marker: string | undefined;
      let status: string | undefined;
      do {
        const page = await iam.send(
          new GetServiceLastAccessedDetailsCommand({
            JobId,
            ...(marker ? { Marker: marker } : {}),
          }),
        );
        status = page.JobStatus;
        if (status === "FAILED") {
          return { ok: false, why: `report failed: ${page.Error?.Message ?? "no reason given"}` };
        }
        if (status !== "COMPLETED") break;
        for (const entry of page.ServicesLastAccessed ?? []) {
          services.push({
            service: entry.ServiceNamespace ?? entry.ServiceName ?? "?",
            lastAuthenticated: entry.LastAuthenticated?.toISOString() ?? null,
          });
        }
        marker = page.IsTruncated ? page.Marker : undefined;
      } while (marker);
      if (status === "COMPLETED") return { ok: true, services };
      if (Date.now() - started + pollMs > waitMs) {
        return { ok: false, why: `report not ready within ${waitMs / 1000} s` };
      }
      await sleep(pollMs);
    }
  } catch (error) {
    const { name, message } = error as Error;
    return { ok: false, why: `${name}: ${message}` };
  }
}
