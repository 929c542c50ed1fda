import { z } from "zod";
import { awsAccountId as accountId, isoTime, awsRegion as region } from "./aws-fields.ts";

export const COMPLIANCE_TYPES = [
  "COMPLIANT",
  "NON_COMPLIANT",
  "NOT_APPLICABLE",
  "INSUFFICIENT_DATA",
] as const;
export type ComplianceType = (typeof COMPLIANCE_TYPES)[number];

/**
 * EventBridge "Config Rules Compliance Change" (source aws.config). Only the fields Vigil reads are
 * validated; everything else (oldEvaluationResult, configRuleARN, annotations …) passes through.
 */
export const configComplianceChangeEventSchema = z.looseObject({
  id: z.string().min(1),
  source: z.literal("aws.config"),
  "detail-type": z.literal("Config Rules Compliance Change"),
  time: isoTime,
  detail: z.looseObject({
    configRuleName: z.string().min(1),
    resourceType: z.string().min(1),
    resourceId: z.string().min(1),
    awsAccountId: accountId,
    awsRegion: region,
    notificationCreationTime: isoTime.optional(),
    newEvaluationResult: z.looseObject({
      complianceType: z.enum(COMPLIANCE_TYPES),
      resultRecordedTime: isoTime.optional(),
    }),
    /** Absent when the resource is evaluated for the first time. */
    oldEvaluationResult: z.looseObject({ complianceType: z.enum(COMPLIANCE_TYPES) }).optional(),
  }),
});

export type ConfigComplianceChangeEvent = z.infer<typeof configComplianceChangeEventSchema>;
