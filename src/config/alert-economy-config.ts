import { z } from "zod";

/**
 * Config shapes for silences (maintenance windows, snoozes) and resource groups, the two parts of
 * the `alerting` section that people edit most (`vigil silence add` writes the first).
 */

/** Longest silence: a forgotten snooze must run out on its own. */
export const MAX_SILENCE_DAYS = 30;

const isoTime = z.iso.datetime({ offset: true });

function oneOrMany<T extends z.ZodType>(item: T) {
  return z.union([item, z.array(item).min(1)]).transform((v) => (Array.isArray(v) ? v : [v]));
}

/** Which metrics: every given field must match; dimension values are globs (`analytics-*`). */
const metricMatchSchema = z
  .object({
    namespace: z.string().min(1).optional(),
    metricName: z.string().min(1).optional(),
    dimensions: z.record(z.string(), z.string()).optional(),
  })
  .strict();

export const SILENCE_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;

export const silenceSchema = z
  .object({
    /** Names the silence for `vigil silence remove` and in digests (the CLI generates one). */
    id: z.string().regex(SILENCE_ID_PATTERN, "lowercase letters, digits and dashes").optional(),
    match: metricMatchSchema
      .extend({
        metricSet: oneOrMany(z.string().min(1)).optional(),
        account: oneOrMany(z.string().regex(/^\d{12}$/, "a 12-digit account id")).optional(),
      })
      .strict()
      .refine((m) => Object.values(m).some((v) => v !== undefined), {
        message:
          "a silence must match something (metricSet, account, namespace, metricName or dimensions)",
      }),
    start: isoTime,
    end: isoTime,
    reason: z.string().trim().min(1, "say why: the digest shows it"),
  })
  .strict()
  .refine((s) => Date.parse(s.start) < Date.parse(s.end), {
    message: "end must be after start",
    path: ["end"],
  })
  .refine((s) => Date.parse(s.end) - Date.parse(s.start) <= MAX_SILENCE_DAYS * 86_400_000, {
    message: `a silence lasts at most ${MAX_SILENCE_DAYS} days`,
    path: ["end"],
  });

export type SilenceConfig = z.infer<typeof silenceSchema>;

export const resourceGroupSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, "lowercase letters, digits and dashes"),
    /** Each member names one resource's metrics, e.g. { dimensions: { BucketName: "cdn-assets" } }. */
    members: z.array(metricMatchSchema).min(1),
  })
  .strict();

export type ResourceGroupConfig = z.infer<typeof resourceGroupSchema>;
