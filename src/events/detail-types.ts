/**
 * The detail-types Vigil handles per EventBridge source. The same sources send others (Access
 * Analyzer: "Internal Access Finding", "Access Preview State Change"; Config: "Config
 * Configuration Item Change" …): those are named as unsupported instead of being checked field by
 * field against a schema they were never meant to match.
 */
export const HANDLED_DETAIL_TYPES: Readonly<Record<string, readonly string[]>> = {
  "aws.config": ["Config Rules Compliance Change"],
  "aws.access-analyzer": ["Access Analyzer Finding", "Unused Access Finding for IAM entities"],
};

/** Why an event of a known source is not one Vigil handles, if it is not. */
export function unsupportedDetailType(event: unknown): string | undefined {
  const raw = event as { source?: unknown; "detail-type"?: unknown } | null | undefined;
  const source = raw?.source;
  if (typeof source !== "string" || !Object.hasOwn(HANDLED_DETAIL_TYPES, source)) return undefined;
  const detailType = raw?.["detail-type"];
  const handled = HANDLED_DETAIL_TYPES[source];
  // A missing or non-string detail-type is a malformed event: the schema says what is wrong.
  if (typeof detailType !== "string" || handled?.includes(detailType)) return undefined;
  const shown = JSON.stringify(detailType.slice(0, 128));
  const names = handled?.map((name) => `"${name}"`).join(" and ");
  return `unsupported detail-type ${shown} from ${source}: Vigil handles ${names} only`;
}
