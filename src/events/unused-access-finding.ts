import { z } from "zod";
import { FINDING_STATUSES } from "./access-analyzer-finding.ts";
import {
  awsAccountId as accountId,
  boundedString,
  isoTime,
  awsRegion as region,
} from "./aws-fields.ts";

export const UNUSED_ACCESS_DETAIL_TYPE = "Unused Access Finding for IAM entities";

/** The unused-access finding types IAM Access Analyzer reports (FindingType in its API). */
export const UNUSED_FINDING_TYPES = [
  "UnusedIAMRole",
  "UnusedIAMUserAccessKey",
  "UnusedIAMUserPassword",
  "UnusedPermission",
] as const;
export type UnusedFindingType = (typeof UNUSED_FINDING_TYPES)[number];

/**
 * EventBridge "Unused Access Finding for IAM entities" (source aws.access-analyzer), as in the IAM
 * User Guide's sample (test/fixtures/events/aws-doc-unused-access-finding.json). Unlike the
 * external-access event the finding id is `findingId`, the detail has no region (the envelope's is
 * the analyzer's) and names neither the access key nor the unused actions: those come from
 * GetFindingV2 on the analyzer, which the envelope's `resources` names.
 */
export const unusedAccessFindingEventSchema = z.looseObject({
  id: boundedString(256),
  source: z.literal("aws.access-analyzer"),
  "detail-type": z.literal(UNUSED_ACCESS_DETAIL_TYPE),
  time: isoTime,
  /** The account EventBridge says sent the event: must be the finding's (intake checks). */
  account: accountId.optional(),
  region,
  /** The analyzer's ARN. */
  resources: z.array(boundedString(2048)).max(16).default([]),
  detail: z.looseObject({
    findingId: boundedString(256),
    status: z.enum(FINDING_STATUSES),
    resourceType: boundedString(256),
    resource: boundedString(2048).startsWith("arn:", "must be an ARN"),
    accountId,
    /** A type Vigil does not know (AWS adds some) is answered, not rejected as malformed. */
    findingType: boundedString(128),
    isDeleted: z.boolean().default(false),
    createdAt: isoTime.optional(),
    updatedAt: isoTime.optional(),
    analyzedAt: isoTime.optional(),
    numberOfUnusedServices: z.number().int().nonnegative().optional(),
    numberOfUnusedActions: z.number().int().nonnegative().optional(),
  }),
});

export type UnusedAccessFindingEvent = z.infer<typeof unusedAccessFindingEventSchema>;
