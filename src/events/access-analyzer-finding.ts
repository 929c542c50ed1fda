import { z } from "zod";
import { awsAccountId as accountId, isoTime, awsRegion as region } from "./aws-fields.ts";

export const FINDING_STATUSES = ["ACTIVE", "ARCHIVED", "RESOLVED"] as const;

/**
 * EventBridge "Access Analyzer Finding" (source aws.access-analyzer), external-access findings.
 * Only the fields Vigil reads are validated; action, condition, sources … pass through.
 */
export const accessAnalyzerFindingEventSchema = z.looseObject({
  id: z.string().min(1),
  source: z.literal("aws.access-analyzer"),
  "detail-type": z.literal("Access Analyzer Finding"),
  time: isoTime,
  detail: z.looseObject({
    id: z.string().min(1),
    status: z.enum(FINDING_STATUSES),
    resourceType: z.string().min(1),
    resource: z.string().startsWith("arn:", "must be an ARN"),
    accountId,
    region,
    /** { AWS: "444455556666" }, { AWS: "*" }, { Federated: "…" } …; absent on error findings. */
    principal: z.record(z.string(), z.string()).optional(),
    isPublic: z.boolean(),
    isDeleted: z.boolean().default(false),
    /** e.g. "ACCESS_DENIED": the analyzer could not read the resource. */
    error: z.string().optional(),
    /** "ExternalAccess" when present; other finding types are not remediated. */
    findingType: z.string().optional(),
    updatedAt: isoTime.optional(),
    analyzedAt: isoTime.optional(),
  }),
});

export type AccessAnalyzerFindingEvent = z.infer<typeof accessAnalyzerFindingEventSchema>;
