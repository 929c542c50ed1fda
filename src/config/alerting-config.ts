import { z } from "zod";
import {
  ALERT_DESTINATIONS,
  ALERT_SEVERITIES,
  ALERT_SOURCES,
  type AlertRoute,
} from "../domain/alert-route.ts";
import { ROUTABLE_OUTCOMES } from "../domain/outcomes.ts";
import { PAGERDUTY_EVENTS_URL } from "../domain/pagerduty-event.ts";
import { resourceGroupSchema, silenceSchema } from "./alert-economy-config.ts";

/**
 * The `alerting` section: where alerts go (SNS, PagerDuty), how they are routed by severity and
 * source, and where the PagerDuty routing key is stored. The key itself never appears here: the
 * config (or the environment) only names the Secrets Manager secret or SSM parameter holding it.
 */

/** One value or a list: `severity: critical` and `severity: [critical, warning]` both work. */
function oneOrMany<T extends z.ZodType>(item: T) {
  return z.union([item, z.array(item).min(1)]).transform((v) => (Array.isArray(v) ? v : [v]));
}

const routeSchema = z
  .object({
    /** Every given field must match; an empty `when` matches everything. */
    when: z
      .object({
        severity: oneOrMany(z.enum(ALERT_SEVERITIES)).optional(),
        source: oneOrMany(z.enum(ALERT_SOURCES)).optional(),
        outcome: oneOrMany(z.enum(ROUTABLE_OUTCOMES)).optional(),
      })
      .strict()
      .prefault({}),
    to: oneOrMany(z.enum(ALERT_DESTINATIONS)),
  })
  .strict();

/**
 * First matching route wins. Critical alerts and every enforced remediation page and go to SNS;
 * everything else goes to SNS only.
 */
export const DEFAULT_ALERT_ROUTES: readonly AlertRoute[] = [
  { when: { severity: ["critical"] }, to: ["pagerduty", "sns"] },
  { when: { source: ["remediation"], outcome: ["applied"] }, to: ["pagerduty", "sns"] },
  { when: {}, to: ["sns"] },
];

const NOT_HERE =
  "never put the routing key in the config: store it in Secrets Manager (alerting.pagerduty.secret) or as an SSM SecureString (alerting.pagerduty.ssmParameter)";

/** Where the key may live: the functions' roles may read only `secret:vigil/*` and `parameter/vigil/*`. */
export const SECRET_NAME_PATTERN =
  /^(vigil\/[\w/+=.@-]+|arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:vigil\/[\w/+=.@-]+)$/;
export const SSM_PARAMETER_PATTERN =
  /^(\/vigil\/[\w/.-]+|arn:aws[a-z-]*:ssm:[a-z0-9-]+:\d{12}:parameter\/vigil\/[\w/.-]+)$/;

export const secretNameSchema = z
  .string()
  .regex(
    SECRET_NAME_PATTERN,
    "must name a Secrets Manager secret under vigil/ (e.g. vigil/pagerduty) or its ARN: the functions may read only secret:vigil/*",
  );
export const ssmParameterSchema = z
  .string()
  .regex(
    SSM_PARAMETER_PATTERN,
    "must name an SSM parameter under /vigil/ (e.g. /vigil/pagerduty-routing-key) or its ARN: the functions may read only parameter/vigil/*",
  );

/** The routing key is sent to this URL: HTTPS only, except a local test server. */
const endpointSchema = z.url().refine(
  (url) => {
    const { protocol, hostname } = new URL(url);
    return protocol === "https:" || ["127.0.0.1", "localhost", "[::1]"].includes(hostname);
  },
  { message: "must be an https:// URL (http:// only for 127.0.0.1 or localhost)" },
);

const pagerDutySchema = z
  .object({
    /** Secrets Manager secret name or ARN (env VIGIL_PAGERDUTY_SECRET overrides). */
    secret: secretNameSchema.optional(),
    /** SSM SecureString parameter name or ARN (env VIGIL_PAGERDUTY_SSM_PARAMETER overrides). */
    ssmParameter: ssmParameterSchema.optional(),
    routingKey: z.never({ error: NOT_HERE }).optional(),
    routing_key: z.never({ error: NOT_HERE }).optional(),
    endpoint: endpointSchema.default(PAGERDUTY_EVENTS_URL),
    /** Per HTTP attempt. */
    timeoutSeconds: z.number().positive().max(60).default(5),
    /** Attempts for 429, 5xx, timeouts and network errors (400 is never retried). */
    maxAttempts: z.number().int().min(1).max(10).default(4),
    /** Total time one alert may spend on PagerDuty before it falls back to SNS and the queue. */
    deadlineSeconds: z.number().positive().max(600).default(25),
    /** How long the routing key is cached (a rotated key is picked up after this). */
    cacheSeconds: z.number().int().min(0).max(3600).default(300),
    /**
     * Attach an anomaly's graph with its band to the incident (PagerDuty `images`): rendered with
     * CloudWatch GetMetricWidgetImage, kept in the journal bucket under graph-images/, linked by
     * a presigned URL that works for linkHours (or until the function's credentials expire,
     * whichever is first; the CloudWatch link stays). Off by default: the roles get the
     * permissions only when it is on.
     */
    graphImage: z
      .object({
        enabled: z.boolean().default(false),
        linkHours: z.number().int().min(1).max(12).default(6),
      })
      .strict()
      .optional(),
  })
  .strict()
  .refine((p) => !(p.secret && p.ssmParameter), {
    message: "set secret or ssmParameter, not both",
    path: ["ssmParameter"],
  });

export type PagerDutyConfig = z.infer<typeof pagerDutySchema>;

export const alertingConfigSchema = z
  .object({
    /** SNS topic for alerts; the deployed functions get it from VIGIL_TOPIC_ARN. */
    topicArn: z.string().startsWith("arn:").optional(),
    pagerduty: pagerDutySchema.optional(),
    /** SQS queue for PagerDuty events that could not be delivered (env VIGIL_ALERT_DLQ_URL). */
    deadLetterQueueUrl: z.url().optional(),
    /** Base URL of docs/oncall-runbook.md (e.g. on your Git host); alerts link its sections. */
    runbookUrl: z.url().optional(),
    /** First match wins; default DEFAULT_ALERT_ROUTES. */
    routes: z
      .array(routeSchema)
      .min(1)
      .default(() => DEFAULT_ALERT_ROUTES.map((r) => structuredClone(r) as AlertRoute)),
    /**
     * digest (default): one SNS message per detect run and account/region listing what is new,
     * escalated and resolved; pages go to PagerDuty one by one. per-episode: one SNS message per
     * episode event, as before the digest existed.
     */
    mode: z.enum(["digest", "per-episode"]).default("digest"),
    digest: z
      .object({
        /** Items shown in full at the top of a digest; the rest are counted and listed in its JSON. */
        top: z.number().int().min(1).max(100).default(10),
      })
      .strict()
      .prefault({}),
    /**
     * Pages per hour per account. Past it, one "storm" incident per account and hour lists what
     * was folded in: an alert is never dropped, only folded.
     */
    pageBudget: z.number().int().min(1).max(100).default(5),
    /** Maintenance windows and snoozes: matching anomalies are shown in the digest, never paged. */
    silences: z.array(silenceSchema).default([]),
    /**
     * Resources that belong together (a bucket and its CloudFront distribution, an instance and
     * its NAT gateway): their anomalies in one run form one incident.
     */
    resourceGroups: z.array(resourceGroupSchema).default([]),
  })
  .strict()
  .refine(
    (c) => {
      const ids = c.silences.flatMap((s) => (s.id ? [s.id] : []));
      return new Set(ids).size === ids.length;
    },
    { message: "silence ids must be unique", path: ["silences"] },
  );

export type AlertingConfig = z.infer<typeof alertingConfigSchema>;
export type AlertingConfigInput = z.input<typeof alertingConfigSchema>;
