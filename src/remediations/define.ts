import { z } from "zod";
import { InputError, VigilError } from "../domain/errors.ts";
import type { Finding } from "../domain/finding.ts";
import type { PlannedChange, RemediationPlan, VerifyResult } from "../domain/remediation-plan.ts";
import type {
  Remediation,
  RemediationContext,
  RemediationPermissions,
} from "../ports/remediation.ts";

/**
 * The one shape of a remediation (Cloud Custodian's, typed): a name, the settings it reads (a zod
 * schema with defaults, composed into `remediation.settings` by src/remediations/settings.ts), the
 * state it saves for undo (a zod schema), the IAM actions of each phase, and the phases. The
 * phases get their settings typed and `plan.before` parsed: undo reads a journal record written
 * by an earlier run and never trusts its shape.
 */

/** A plan whose `before` has the remediation's own type. */
export type PlanWith<Before> = Omit<RemediationPlan, "before"> & { before: Before };

type SettingsSchema = z.ZodObject;
type BeforeSchema = z.ZodType<Record<string, unknown>, Record<string, unknown>>;

export interface RemediationDefinition<S extends SettingsSchema, B extends BeforeSchema> {
  name: string;
  description: string;
  handles(finding: Finding): boolean;
  /** The settings this remediation reads, with their defaults (flat keys of remediation.settings). */
  settings: S;
  /** What plan saves in `plan.before` and undo restores from. */
  before: B;
  permissions: RemediationPermissions;
  /** Read-only. Its `before` is checked against the `before` schema before the runner sees it. */
  plan(ctx: RemediationContext<z.output<S>>, finding: Finding): Promise<RemediationPlan>;
  apply(
    ctx: RemediationContext<z.output<S>>,
    plan: PlanWith<z.output<B>>,
    change: PlannedChange,
  ): Promise<void>;
  verify(ctx: RemediationContext<z.output<S>>, plan: PlanWith<z.output<B>>): Promise<VerifyResult>;
  undo(
    ctx: RemediationContext<z.output<S>>,
    plan: PlanWith<z.output<B>>,
    applied: PlannedChange[],
  ): Promise<VerifyResult>;
  undoHazards?(plan: PlanWith<z.output<B>>, applied: PlannedChange[]): string[];
}

/** What defineRemediation returns: the port, plus its schemas for config and tests. */
export type DefinedRemediation<S extends SettingsSchema, B extends BeforeSchema> = Remediation<
  z.output<S>
> & { settings: S; before: B };

export function defineRemediation<S extends SettingsSchema, B extends BeforeSchema>(
  definition: RemediationDefinition<S, B>,
): DefinedRemediation<S, B> {
  const { name, before: beforeSchema } = definition;
  const parseBefore = (plan: RemediationPlan): z.output<B> => {
    const parsed = beforeSchema.safeParse(plan.before);
    if (!parsed.success) {
      throw new InputError(
        `${name}: the saved before-state of ${plan.finding.resourceArn} does not match its schema, nothing changed:\n${z.prettifyError(parsed.error)}`,
      );
    }
    return parsed.data;
  };
  const typed = (plan: RemediationPlan): PlanWith<z.output<B>> => ({
    ...plan,
    before: parseBefore(plan),
  });
  const remediation: DefinedRemediation<S, B> = {
    name,
    description: definition.description,
    handles: (finding) => definition.handles(finding),
    settings: definition.settings,
    before: beforeSchema,
    permissions: definition.permissions,
    parseBefore,
    async plan(ctx, finding) {
      const plan = await definition.plan(ctx, finding);
      // Refuse a plan whose before-state its own undo could not read back: a bug, caught before
      // anything is changed. The plan keeps what was read, exactly as read, for the journal.
      const checked = beforeSchema.safeParse(plan.before);
      if (!checked.success) {
        throw new VigilError(
          `${name} planned a before-state its undo could not read: ${z.prettifyError(checked.error)}`,
        );
      }
      return plan;
    },
    // async: a before-state that does not parse rejects like any other failure of the phase.
    apply: async (ctx, plan, change) => definition.apply(ctx, typed(plan), change),
    verify: async (ctx, plan) => definition.verify(ctx, typed(plan)),
    undo: async (ctx, plan, applied) => definition.undo(ctx, typed(plan), applied),
  };
  const { undoHazards } = definition;
  if (undoHazards) {
    remediation.undoHazards = (plan, applied) => undoHazards(typed(plan), applied);
  }
  return remediation;
}
