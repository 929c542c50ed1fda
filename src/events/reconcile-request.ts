import { z } from "zod";

/** What the reconcile function accepts: the EventBridge schedule's input ({}) or a raw Scheduled Event. */
export const reconcileRequestSchema = z.union([
  z.object({}).strict(),
  z.looseObject({
    id: z.string(),
    source: z.literal("aws.events"),
    "detail-type": z.literal("Scheduled Event"),
  }),
]);
