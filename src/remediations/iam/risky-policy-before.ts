import { z } from "zod";
import type { RemediationContext } from "../../ports/remediation.ts";
import type { PlanWith } from "../define.ts";
import type { riskyPolicySettings } from "./settings.ts";

export const IAM_RISKY_POLICY = "iam-risky-policy";

/** The context iam-risky-policy's phases get: its settings typed. */
export type RiskyPolicyContext = RemediationContext<z.output<typeof riskyPolicySettings>>;

/**
 * What iam-risky-policy saves in plan.before, as zod schemas: undo parses a journal record's
 * before-state with them (defineRemediation) instead of trusting its shape.
 */

const assessed = {
  risky: z.boolean(),
  reasons: z.array(z.string()),
  /** Hits in categories the settings only alert on (absent in records written before them). */
  alerts: z.array(z.string()).optional(),
  categories: z.array(z.string()).optional(),
  /** Actions of the removed hits, for last-used evidence ("*": all). */
  detachActions: z.array(z.string()).optional(),
};

/** A principal's policies as planning read and judged them; risky inline documents kept for undo. */
export const principalBefore = z.object({
  target: z.object({
    type: z.enum(["user", "role", "group"]),
    name: z.string().min(1),
    arn: z.string(),
  }),
  attachedPolicies: z.array(
    z.object({ policyName: z.string(), policyArn: z.string().startsWith("arn:"), ...assessed }),
  ),
  inlinePolicies: z.array(
    z.object({
      policyName: z.string().min(1),
      ...assessed,
      /** JSON text of the document; kept for risky ones (undo re-creates them from it). */
      document: z.string().optional(),
    }),
  ),
});

/** A managed policy judged risky: the entities it was attached to. */
export const policyBefore = z.object({
  target: z.object({ type: z.literal("policy"), name: z.string().min(1), arn: z.string() }),
  defaultVersionId: z.string().nullable(),
  reasons: z.array(z.string()),
  alerts: z.array(z.string()).optional(),
  attachments: z.object({
    users: z.array(z.string()),
    roles: z.array(z.string()),
    groups: z.array(z.string()),
  }),
});

export const riskyPolicyBefore = z.union([principalBefore, policyBefore]);

export type PrincipalBefore = z.input<typeof principalBefore>;
export type PolicyBefore = z.input<typeof policyBefore>;
export type AssessedAttachment = PrincipalBefore["attachedPolicies"][number];
export type AssessedInline = PrincipalBefore["inlinePolicies"][number];
export type RiskyPlan = PlanWith<z.output<typeof riskyPolicyBefore>>;

/** TypeScript does not narrow a union on a nested field: this does. */
export function isPolicyBefore(before: PrincipalBefore | PolicyBefore): before is PolicyBefore {
  return before.target.type === "policy";
}
