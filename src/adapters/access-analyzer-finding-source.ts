import {
  type AccessAnalyzerClient,
  GetFindingV2Command,
  paginateListAnalyzers,
  paginateListFindingsV2,
} from "@aws-sdk/client-accessanalyzer";
import type {
  ExternalAccessFinding,
  ExternalAccessFindingSource,
} from "../ports/access-analyzer-findings.ts";

/** IAM actions (ListFindingsV2 and GetFindingV2 are authorised as ListFindings and GetFinding). */
export const ACCESS_ANALYZER_FINDING_ACTIONS = [
  "access-analyzer:ListAnalyzers",
  "access-analyzer:ListFindings",
  "access-analyzer:GetFinding",
];

/** The analyzer types that report external access (the unused/internal ones report other things). */
const EXTERNAL_ACCESS_TYPES = ["ACCOUNT", "ORGANIZATION"] as const;

export class AccessAnalyzerFindingSource implements ExternalAccessFindingSource {
  constructor(
    private readonly client: AccessAnalyzerClient,
    private readonly pageSize = 100,
  ) {}

  async *active(): AsyncIterable<ExternalAccessFinding> {
    for (const type of EXTERNAL_ACCESS_TYPES) {
      for await (const page of paginateListAnalyzers({ client: this.client }, { type })) {
        for (const analyzer of page.analyzers ?? []) {
          if (analyzer.status !== "ACTIVE" || !analyzer.arn) continue;
          yield* this.findingsOf(analyzer.arn);
        }
      }
    }
  }

  private async *findingsOf(analyzerArn: string): AsyncIterable<ExternalAccessFinding> {
    const pages = paginateListFindingsV2(
      { client: this.client, pageSize: this.pageSize },
      { analyzerArn, filter: { status: { eq: ["ACTIVE"] } } },
    );
    for await (const page of pages) {
      for (const summary of page.findings ?? []) {
        if (!summary.id || !summary.resource || !summary.resourceType) continue;
        if (!summary.resourceOwnerAccount || !summary.updatedAt) continue;
        const details = summary.error
          ? undefined
          : (await this.client.send(new GetFindingV2Command({ analyzerArn, id: summary.id })))
              .findingDetails?.[0]?.externalAccessDetails;
        yield {
          id: summary.id,
          resource: summary.resource,
          resourceType: summary.resourceType,
          account: summary.resourceOwnerAccount,
          status: summary.status ?? "ACTIVE",
          updatedAt: summary.updatedAt,
          ...(summary.analyzedAt ? { analyzedAt: summary.analyzedAt } : {}),
          ...(summary.error ? { error: summary.error } : {}),
          ...(summary.findingType ? { findingType: summary.findingType } : {}),
          ...(details?.principal ? { principal: details.principal } : {}),
          ...(details?.isPublic !== undefined ? { isPublic: details.isPublic } : {}),
        };
      }
    }
  }
}
