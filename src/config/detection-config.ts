import { z } from "zod";
import { DEFAULT_DETECTION_SETTINGS, type DetectionSettings } from "../domain/detection.ts";
import { globToRegExp } from "../domain/glob.ts";
import type { MetricIdentity } from "../domain/metric.ts";
import type { MetricSelector } from "../ports/metric-source.ts";
import { BUILTIN_SELECTORS, cloudTrailSelectors } from "./metric-sets.ts";

const isoTime = z.iso.datetime({ offset: true });
const DURATION = /^[1-9]\d*(m|h|d)$/;
const DURATION_SECONDS: Record<string, number> = { m: 60, h: 3600, d: 86_400 };

/** "90m", "8h", "2d" (validated by the schema) → seconds. */
export function rearmQuietSeconds(duration: string): number {
  if (duration === "0") return 0;
  return Number(duration.slice(0, -1)) * (DURATION_SECONDS[duration.slice(-1)] as number);
}

/** Every tunable of the baseline engine; all optional so a set or override names only what it changes. */
export const settingsSchema = z
  .object({
    method: z.enum(["mean-sd", "seasonal", "robust", "auto"]),
    k: z.number().positive().max(50),
    windowDays: z.number().int().min(1).max(455),
    /** Any whole number of minutes CloudWatch serves: 60 (1 min), 300, 900, 3600, 86400 … */
    periodSeconds: z
      .number()
      .int()
      .positive()
      .multipleOf(60)
      .max(7 * 86_400),
    direction: z.enum(["up", "down", "both"]),
    missingData: z.enum(["zero", "gap", "auto"]),
    sigmaFloor: z.number().nonnegative(),
    relativeSigmaFloor: z.number().nonnegative().max(10),
    minAbsoluteDelta: z.number().nonnegative(),
    minHistoryPeriods: z.number().int().min(2),
    criticalK: z.number().positive(),
    /** |z| from which a period alerts without confirmation (beyond the extremeSeenBefore tail). */
    extremeK: z.number().positive(),
    confirmPeriods: z.number().int().min(1).max(24),
    /**
     * Confirmation by duration: confirmPeriods periods beyond the band within this long ("1h"),
     * not only in a row; "0" = in a row only.
     */
    confirmWithin: z.string().regex(/^(0|[1-9]\d*(m|h|d))$/, 'a duration such as "1h", or "0"'),
    sustainedPeriods: z.number().int().min(1),
    /**
     * Quiet time that closes an episode: "90m", "8h", "2d" (kept as written, so a parsed config
     * serialises back to itself; rearmQuietSeconds converts it).
     */
    rearmQuiet: z.string().regex(DURATION, 'a duration such as "90m", "8h" or "2d"'),
    /**
     * The same as a count of the metric's periods (the older key, still read): 48 is two days hourly
     * but four hours on a 5-minute metric. The last layer naming either key wins.
     */
    rearmQuietPeriods: z.number().int().min(1),
    /** The level-shift threshold as a fraction of k (0.6: 3σ at k = 5); 0 = off. */
    levelShiftBand: z.number().nonnegative().max(1),
    /** How long a level shift must persist: "6h" (a duration, like rearmQuiet). */
    levelShiftFor: z.string().regex(DURATION, 'a duration such as "90m", "6h" or "1d"'),
    /** The excursion-density threshold as a fraction of k (0.5: 2.5σ at k = 5); 0 = off. */
    densityBand: z.number().nonnegative().max(1),
    /** The stretch the excursion-density rule counts over: "6h". */
    densityFor: z.string().regex(DURATION, 'a duration such as "90m", "6h" or "1d"'),
    /** The "seen before" band: widen to the window's N-th largest deviation on each side; 0 = off. */
    seenBefore: z.number().int().nonnegative().max(1000),
    /** A period past extremeK skips confirmation only beyond the window's N-th largest deviation; 0 = off. */
    extremeSeenBefore: z.number().int().nonnegative().max(1000),
    /** seasonal: weight (periods) of the pooled band when a quiet slot's band narrows; 0 = off. */
    quietSlotPrior: z.number().nonnegative(),
    excludedRanges: z
      .array(z.object({ start: isoTime, end: isoTime, reason: z.string().optional() }).strict())
      .refine((ranges) => ranges.every((r) => Date.parse(r.start) < Date.parse(r.end)), {
        message: "each excluded range must start before it ends",
      }),
  })
  .partial()
  .strict()
  .refine((s) => s.rearmQuiet === undefined || s.rearmQuietPeriods === undefined, {
    message: "give rearmQuiet (a duration) or the older rearmQuietPeriods, not both",
    path: ["rearmQuiet"],
  });

export type SettingsInput = z.infer<typeof settingsSchema>;

const selectorSchema = z
  .object({
    namespace: z.string().min(1),
    metricName: z.string().min(1),
    stat: z.string().min(1).default("Sum"),
    dimensionNames: z.array(z.string().min(1)).default([]),
    fixedDimensions: z.record(z.string(), z.string()).optional(),
  })
  .strict();

const metricMatchSchema = z
  .object({
    namespace: z.string().optional(),
    metricName: z.string().optional(),
    /** Dimension value globs: { BucketName: "analytics-*" }. */
    dimensions: z.record(z.string(), z.string()).optional(),
  })
  .strict();

const metricSetSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, "lowercase letters, digits and dashes"),
    /** Built-in selectors to include: "egress" or "api-calls". */
    builtin: z.enum(["egress", "api-calls"]).optional(),
    /** Extra metrics to discover with ListMetrics. */
    selectors: z.array(selectorSchema).default([]),
    /** Custom metrics produced by CloudTrail metric filters. */
    cloudTrail: z
      .object({ namespace: z.string().min(1), metricNames: z.array(z.string().min(1)).min(1) })
      .strict()
      .optional(),
    /** Settings for this set (over the detection defaults). */
    settings: settingsSchema.default({}),
    /** Per-metric settings, applied in order over the set's settings. */
    overrides: z
      .array(
        z
          .object({ match: metricMatchSchema, settings: settingsSchema })
          .strict()
          .refine((o) => o.settings.periodSeconds === undefined, {
            message: "periodSeconds is chosen per metric set, not per metric",
            path: ["settings", "periodSeconds"],
          }),
      )
      .default([]),
    enabled: z.boolean().default(true),
  })
  .strict()
  .refine((set) => set.builtin || set.selectors.length > 0 || set.cloudTrail, {
    message: "a metric set needs `builtin`, `selectors` or `cloudTrail`",
  });

export const detectionConfigSchema = z
  .object({
    /** How often the detect function runs; a set is evaluated on the tick after its period ends. */
    scheduleMinutes: z.number().int().min(1).max(1440).default(60),
    /** CloudWatch publishes late: a period is evaluated only this long after it ended. */
    settleMinutes: z.number().int().min(0).max(180).default(10),
    defaults: settingsSchema.default({}),
    metricSets: z.array(metricSetSchema).min(1),
  })
  .strict()
  .refine((c) => new Set(c.metricSets.map((s) => s.name)).size === c.metricSets.length, {
    message: "metric set names must be unique",
    path: ["metricSets"],
  })
  .superRefine((c, context) => {
    // The detect function judges a set's newest period on each run: a period shorter than the
    // schedule would leave the periods between runs unjudged.
    const scheduleSeconds = c.scheduleMinutes * 60;
    c.metricSets.forEach((set, index) => {
      const period =
        set.settings.periodSeconds ??
        c.defaults.periodSeconds ??
        DEFAULT_DETECTION_SETTINGS.periodSeconds;
      if (period % scheduleSeconds !== 0) {
        context.addIssue({
          code: "custom",
          path: ["metricSets", index, "settings", "periodSeconds"],
          message: `a ${period} s period must be a whole multiple of the ${c.scheduleMinutes}-minute schedule (every period is judged on the run after it ends): lower scheduleMinutes or lengthen the period`,
        });
      }
    });
  });

export type DetectionConfig = z.infer<typeof detectionConfigSchema>;
export type MetricSetConfig = DetectionConfig["metricSets"][number];

/** Built-in defaults per built-in set: what the issue and a security team would expect. */
const BUILTIN_SET_DEFAULTS: Record<"egress" | "api-calls", SettingsInput> = {
  egress: { direction: "up", missingData: "zero", minAbsoluteDelta: 100 * 1024 * 1024 },
  "api-calls": { direction: "both", missingData: "zero", minAbsoluteDelta: 50 },
};

export function selectorsFor(set: MetricSetConfig): MetricSelector[] {
  return [
    ...(set.builtin ? BUILTIN_SELECTORS[set.builtin] : []),
    ...set.selectors,
    ...(set.cloudTrail
      ? cloudTrailSelectors(set.cloudTrail.namespace, set.cloudTrail.metricNames)
      : []),
  ];
}

function matches(match: z.infer<typeof metricMatchSchema>, metric: MetricIdentity): boolean {
  if (match.namespace !== undefined && match.namespace !== metric.namespace) return false;
  if (match.metricName !== undefined && match.metricName !== metric.metricName) return false;
  for (const [name, glob] of Object.entries(match.dimensions ?? {})) {
    const value = metric.dimensions[name];
    if (value === undefined || !globToRegExp(glob).test(value)) return false;
  }
  return true;
}

function resolveSettings(layers: SettingsInput[]): DetectionSettings {
  const merged: DetectionSettings = { ...DEFAULT_DETECTION_SETTINGS };
  // rearmQuietPeriods counts periods: converted with the period the layers end with.
  let rearmPeriods: number | undefined;
  for (const layer of layers) {
    for (const [key, value] of Object.entries(layer)) {
      if (value === undefined) continue;
      if (key === "rearmQuiet") {
        merged.rearmQuietSeconds = rearmQuietSeconds(value as string);
        rearmPeriods = undefined;
      } else if (key === "levelShiftFor") {
        merged.levelShiftSeconds = rearmQuietSeconds(value as string);
      } else if (key === "densityFor") {
        merged.densitySeconds = rearmQuietSeconds(value as string);
      } else if (key === "confirmWithin") {
        merged.confirmWithinSeconds = rearmQuietSeconds(value as string);
      } else if (key === "rearmQuietPeriods") {
        rearmPeriods = value as number;
      } else if (key === "excludedRanges") {
        merged.excludedRanges = [
          ...merged.excludedRanges,
          ...(value as NonNullable<SettingsInput["excludedRanges"]>).map((r) => ({
            start: Date.parse(r.start),
            end: Date.parse(r.end),
          })),
        ];
      } else {
        (merged as unknown as Record<string, unknown>)[key] = value;
      }
    }
  }
  if (rearmPeriods !== undefined) merged.rearmQuietSeconds = rearmPeriods * merged.periodSeconds;
  return merged;
}

/** Settings of a set before per-metric overrides (period, direction … shared by the set). */
export function setSettings(config: DetectionConfig, set: MetricSetConfig): DetectionSettings {
  return resolveSettings([
    set.builtin ? BUILTIN_SET_DEFAULTS[set.builtin] : {},
    config.defaults,
    set.settings,
  ]);
}

/**
 * Effective settings for one metric: engine defaults ← built-in set defaults ← config defaults ←
 * set settings ← matching overrides in order. The period always stays the set's (one fetch per set).
 */
export function settingsForMetric(
  config: DetectionConfig,
  set: MetricSetConfig,
  metric: MetricIdentity,
): DetectionSettings {
  const base = setSettings(config, set);
  const overrides = set.overrides.filter((o) => matches(o.match, metric)).map((o) => o.settings);
  if (overrides.length === 0) return base;
  const resolved = resolveSettings([
    set.builtin ? BUILTIN_SET_DEFAULTS[set.builtin] : {},
    config.defaults,
    set.settings,
    ...overrides,
  ]);
  return { ...resolved, periodSeconds: base.periodSeconds };
}
