import { z } from "zod";
import {
  awsAccountId as accountId,
  boundedString,
  isoTime,
  awsRegion as region,
} from "./aws-fields.ts";

export const FINDING_STATUSES = ["ACTIVE", "ARCHIVED", "RESOLVED"] as const;

/**
 * EventBridge "Access Analyzer Finding" (source aws.access-analyzer), external-access findings.
 * Only the fields Vigil reads are validated; action, condition, sources … pass through.
 */
export const accessAnalyzerFindingEventSchema = z.looseObject({
  id: boundedString(256),
  source: z.literal("aws.access-analyzer"),
  "detail-type": z.literal("Access Analyzer Finding"),
  time: isoTime,
  /** The account EventBridge says sent the event: must be the finding's (intake checks). */
  account: accountId.optional(),
  detail: z
    .looseObject({
      id: boundedString(256),
      status: z.enum(FINDING_STATUSES),
      resourceType: boundedString(256),
      resource: boundedString(2048).startsWith("arn:", "must be an ARN"),
      accountId,
      region,
      /** { AWS: "444455556666" }, { AWS: "*" }, { Federated: "…" } …; absent on error findings. */
      principal: z.record(boundedString(256), boundedString(2048)).optional(),
      /** Absent on error findings (AWS's documented sample has neither isPublic nor principal). */
      isPublic: z.boolean().optional(),
      isDeleted: z.boolean().default(false),
      /** "ACCESS_DENIED" or "INTERNAL_ERROR": the analyzer could not analyse the resource. */
      error: boundedString(256).optional(),
      /** "ExternalAccess" when present; other finding types are not remediated. */
      findingType: boundedString(128).optional(),
      updatedAt: isoTime.optional(),
      analyzedAt: isoTime.optional(),
      /**
       * S3 bucket findings: how the access is granted (POLICY, BUCKET_ACL, S3_ACCESS_POINT with the
       * access point's ARN, S3_ACCESS_POINT_ACCOUNT). Absent for other resource types.
       */
      sources: z
        .array(
          z.looseObject({
            type: boundedString(64),
            detail: z
              .looseObject({
                accessPointArn: boundedString(2048).optional(),
                accessPointAccount: boundedString(64).optional(),
              })
              .optional(),
          }),
        )
        .max(100)
        .optional(),
    })
    .refine((d) => d.error !== undefined || d.isPublic !== undefined, {
      // Only an error finding (the analyzer could not read the resource) comes without isPublic.
      path: ["isPublic"],
      message: "required unless the finding is an error finding (detail.error)",
    }),
});

export type AccessAnalyzerFindingEvent = z.infer<typeof accessAnalyzerFindingEventSchema>;
