import {
  type AccessAnalyzerClient,
  GetFindingV2Command,
  paginateListAnalyzers,
  paginateListFindingsV2,
} from "@aws-sdk/client-accessanalyzer";
import type { AnalyzerFinding, AnalyzerFindingSource } from "../ports/access-analyzer-findings.ts";

// The wiring imports this module when a sweep first lists findings and builds the client from it.
export { AccessAnalyzerClient } from "@aws-sdk/client-accessanalyzer";

/** IAM actions (ListFindingsV2 and GetFindingV2 are authorised as ListFindings and GetFinding). */
export const ACCESS_ANALYZER_FINDING_ACTIONS = [
  "access-analyzer:ListAnalyzers",
  "access-analyzer:ListFindings",
  "access-analyzer:GetFinding",
];

/** The analyzer types Vigil acts on (internal-access analyzers report nothing it remediates). */
const ANALYZER_TYPES = [
  ["ACCOUNT", "external-access"],
  ["ORGANIZATION", "external-access"],
  ["ACCOUNT_UNUSED_ACCESS", "unused-access"],
  ["ORGANIZATION_UNUSED_ACCESS", "unused-access"],
] as const;

export class AccessAnalyzerFindingSource implements AnalyzerFindingSource {
  constructor(
    private readonly client: AccessAnalyzerClient,
    private readonly pageSize = 100,
  ) {}

  async *active(): AsyncIterable<AnalyzerFinding> {
    for (const [type, kind] of ANALYZER_TYPES) {
      for await (const page of paginateListAnalyzers({ client: this.client }, { type })) {
        for (const analyzer of page.analyzers ?? []) {
          if (analyzer.status !== "ACTIVE" || !analyzer.arn) continue;
          yield* this.findingsOf(analyzer.arn, kind);
        }
      }
    }
  }

  private async *findingsOf(
    analyzerArn: string,
    kind: AnalyzerFinding["analyzer"]["kind"],
  ): AsyncIterable<AnalyzerFinding> {
    const pages = paginateListFindingsV2(
      { client: this.client, pageSize: this.pageSize },
      { analyzerArn, filter: { status: { eq: ["ACTIVE"] } } },
    );
    for await (const page of pages) {
      for (const summary of page.findings ?? []) {
        if (!summary.id || !summary.resource || !summary.resourceType) continue;
        if (!summary.resourceOwnerAccount || !summary.updatedAt) continue;
        // Unused access: the remediation reads the finding's details itself (GetFindingV2).
        const details =
          summary.error || kind === "unused-access"
            ? undefined
            : (await this.client.send(new GetFindingV2Command({ analyzerArn, id: summary.id })))
                .findingDetails?.[0]?.externalAccessDetails;
        yield {
          analyzer: { arn: analyzerArn, kind },
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
          ...(details?.sources?.length
            ? {
                sources: details.sources.map((source) => ({
                  type: source.type ?? "",
                  ...(source.detail?.accessPointArn
                    ? { detail: { accessPointArn: source.detail.accessPointArn } }
                    : {}),
                })),
              }
            : {}),
        };
      }
    }
  }
}
