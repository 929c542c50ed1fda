import { z } from "zod";

/**
 * What the hourly remediation digest accepts: the EventBridge schedule's input ({}), a raw
 * Scheduled Event, or `{ "hour": "2026-12-04T10" }` to send a past hour's digest by hand (still
 * once per account-hour).
 */
export const remediationDigestRequestSchema = z.union([
  z
    .object({
      hour: z
        .string()
        .regex(/^\d{4}-\d{2}-\d{2}T\d{2}$/, "a UTC hour such as 2026-12-04T10")
        .optional(),
    })
    .strict(),
  z.looseObject({
    id: z.string(),
    source: z.literal("aws.events"),
    "detail-type": z.literal("Scheduled Event"),
  }),
]);

export type RemediationDigestRequest = z.infer<typeof remediationDigestRequestSchema>;
