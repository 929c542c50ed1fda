import {
  AccessAnalyzerClient,
  type FindingDetails,
  paginateGetFindingV2,
} from "@aws-sdk/client-accessanalyzer";
import { InputError } from "../../domain/errors.ts";
import type { Finding } from "../../domain/finding.ts";
import type { RemediationContext } from "../../ports/remediation.ts";

/**
 * What the analyzer says about one unused-access finding (GetFindingV2, every page of its details):
 * the EventBridge event names neither the key nor the actions. Read-only; authorised as
 * access-analyzer:GetFinding on the analyzer.
 */
export interface UnusedAccessDetails {
  status: string;
  findingType: string;
  resource: string;
  details: FindingDetails[];
}

export const GET_FINDING_ACTION = "access-analyzer:GetFinding";

export async function readUnusedAccessDetails(
  ctx: Pick<RemediationContext, "client">,
  finding: Pick<Finding, "id" | "analyzerArn" | "resourceArn">,
): Promise<UnusedAccessDetails> {
  if (!finding.analyzerArn) {
    throw new InputError(`finding ${finding.id} names no analyzer: its details cannot be read`);
  }
  if (!ctx.client) throw new InputError("no Access Analyzer client in this context");
  const client = ctx.client(AccessAnalyzerClient);
  const found: UnusedAccessDetails = { status: "", findingType: "", resource: "", details: [] };
  const pages = paginateGetFindingV2(
    { client, pageSize: 100 },
    { analyzerArn: finding.analyzerArn, id: finding.id },
  );
  for await (const page of pages) {
    found.status = page.status ?? found.status;
    found.findingType = page.findingType ?? found.findingType;
    found.resource = page.resource ?? found.resource;
    found.details.push(...(page.findingDetails ?? []));
  }
  // The analyzer must describe the very resource the event named: anything else is refused.
  if (found.resource !== finding.resourceArn) {
    throw new InputError(
      `analyzer finding ${finding.id} is about ${found.resource || "nothing"}, not ${finding.resourceArn}: nothing changed`,
    );
  }
  return found;
}

/** "never used", or "last used 2026-08-01 (125 days ago)". */
export function lastUsedText(lastAccessed: Date | undefined, now: number): string {
  if (!lastAccessed) return "never used";
  const days = Math.floor((now - lastAccessed.getTime()) / 86_400_000);
  return `last used ${lastAccessed.toISOString().slice(0, 10)} (${days} days ago)`;
}
