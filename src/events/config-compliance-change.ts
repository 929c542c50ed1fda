import { z } from "zod";
import {
  awsAccountId as accountId,
  boundedString,
  isoTime,
  awsRegion as region,
} from "./aws-fields.ts";

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
  id: boundedString(256),
  source: z.literal("aws.config"),
  "detail-type": z.literal("Config Rules Compliance Change"),
  time: isoTime,
  /** The account EventBridge says sent the event: must be the finding's (intake checks). */
  account: accountId.optional(),
  detail: z.looseObject({
    configRuleName: boundedString(128),
    /** The rule's ARN: a rule deleted and re-created under the same name has another one. */
    configRuleARN: boundedString(512).startsWith("arn:", "must be an ARN").optional(),
    resourceType: boundedString(256),
    /** Bucket name, IAM unique id or ARN: Config allows 768 characters. */
    resourceId: boundedString(768),
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
