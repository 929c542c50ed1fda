import { z } from "zod";
import { awsAccountId, awsRegion, isoTime } from "./aws-fields.ts";

/** One SQS message from the fan-out planner to a detect worker (src/usecases/plan-shards.ts). */

/** A part of a shard's metrics: those whose key hashes to `index` modulo `count`. */
const partSchema = z
  .object({
    index: z.number().int().min(0),
    count: z.number().int().min(1).max(65_536),
  })
  .strict()
  .refine((part) => part.index < part.count, { message: "part index must be below part count" });

export const detectShardSchema = z
  .object({
    version: z.literal(1),
    /** The planner run that made it: logs and role session names carry it. */
    runId: z.string().regex(/^[\w.-]{1,48}$/, "letters, digits, '.', '_' and '-' only"),
    account: awsAccountId,
    region: awsRegion,
    metricSets: z.array(z.string().min(1)).min(1),
    /**
     * The planner's clock: every worker judges the period that was due when the run was planned,
     * however late it picks the message up.
     */
    plannedAt: isoTime,
    force: z.boolean(),
    dryRun: z.boolean(),
    part: partSchema,
  })
  .strict();

export type DetectShard = z.infer<typeof detectShardSchema>;
