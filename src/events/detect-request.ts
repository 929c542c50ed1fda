import { z } from "zod";

/** An EventBridge "Scheduled Event" (a schedule without constant input): a plain tick. */
export const scheduledEventSchema = z
  .object({
    source: z.literal("aws.events"),
    "detail-type": z.literal("Scheduled Event"),
    id: z.string(),
  })
  .loose()
  .transform(() => ({}));

/**
 * What the detect function accepts: the EventBridge schedule's constant input
 * ({"metricSets": [...]}), a raw "Scheduled Event", or a manual invocation ({} / {force: true}).
 */
export const detectRequestSchema = z.union([
  z
    .object({
      metricSets: z.array(z.string().min(1)).min(1).optional(),
      force: z.boolean().optional(),
      dryRun: z.boolean().optional(),
    })
    .strict(),
  scheduledEventSchema,
]);

export type DetectRequestInput = z.infer<typeof detectRequestSchema>;
