import { KMSClient } from "@aws-sdk/client-kms";
import { z } from "zod";
import type { Finding, FindingKind, ResourceType } from "../domain/finding.ts";
import type { PlannedChange, VerifyResult } from "../domain/remediation-plan.ts";
import type { RemediationContext, RemediationPermissions } from "../ports/remediation.ts";
import { serviceClient } from "./clients.ts";
import { type DefinedRemediation, defineRemediation } from "./define.ts";
import { assertUsableKey, existingKmsKeyDecision, KMS_KEY_CHECK_ACTIONS } from "./kms-key.ts";

/**
 * Encryption at rest of one resource of a service beyond S3 (SQS queue, SNS topic, Kinesis stream,
 * DynamoDB table, EBS encryption by default): each service says how to find, read and write its
 * encryption; this module decides, applies, verifies and undoes, the same way for all of them.
 *
 * State: "none" (not encrypted), "service" (encrypted with a key the service owns: SSE-SQS,
 * DynamoDB's AWS owned key) or "kms" with a key. The rule, as for S3: a resource on a KMS key keeps
 * it (never downgraded, replaced only with replaceExistingKmsKey and a configured key); anything
 * weaker is brought up to the configured target. Apply refuses a state changed since planning;
 * undo restores the state before only over what Vigil wrote, never over a later change.
 */

export const encryptionState = z.discriminatedUnion("mode", [
  z.object({ mode: z.literal("none") }),
  z.object({ mode: z.literal("service") }),
  z.object({ mode: z.literal("kms"), key: z.string().min(1) }),
]);
export type EncryptionState = z.output<typeof encryptionState>;

/**
 * What the settings ask for: a service key, or a KMS key. A configured key (`check`: the setting
 * that names it) is checked with kms:DescribeKey; an AWS managed alias (alias/aws/sns) is not.
 */
export type EncryptionGoal =
  | { mode: "service"; label: string }
  | {
      mode: "kms";
      key: string;
      label: string;
      check?: { setting: string; region: string };
      /** The resource's state, when the goal already read it (else it is read as usual). */
      state?: EncryptionState;
    }
  /**
   * Nothing may be written to this resource, for `reason` (no key configured and no safe default,
   * a resource Vigil must not change): a resource not on a KMS key is declined (told once). The
   * resource's state when the goal already read it, else it is read as usual.
   */
  | { mode: "declined"; reason: string; state?: EncryptionState };
type WritableGoal = Exclude<EncryptionGoal, { mode: "declined" }>;

const encryptionBefore = z.object({
  /** Where the resource is (queue URL, topic ARN, stream name…), as the service's API takes it. */
  resource: z.string().min(1),
  state: encryptionState,
});
type EncryptionBefore = z.output<typeof encryptionBefore>;

export function describeState(state: EncryptionState): string {
  if (state.mode === "none") return "not encrypted";
  if (state.mode === "service") return "encrypted with a key the service owns";
  return `encrypted with KMS key ${state.key}`;
}

export function sameState(a: EncryptionState, b: EncryptionState): boolean {
  if (a.mode !== b.mode) return false;
  return a.mode !== "kms" || (b.mode === "kms" && sameKey(a.key, b.key));
}

/** Keys are named by id, ARN or alias: the same key id at the end of two ARNs is one key. */
function sameKey(a: string, b: string): boolean {
  if (a === b) return true;
  const id = (key: string) => /key\/([^/]+)$/.exec(key)?.[1] ?? key;
  return id(a) === id(b);
}

export interface EncryptionDecision {
  to?: EncryptionState;
  summary: string;
  reason: string;
  /** Set when nothing is written for a reason people must hear (the plan's `declined`). */
  declined?: string;
}

/** Pure: what (if anything) to write, given the resource's state and the configured goal. */
export function decideEncryptionAtRest(options: {
  noun: string;
  name: string;
  current: EncryptionState;
  goal: WritableGoal;
  replaceExisting: boolean;
}): EncryptionDecision {
  const { noun, name, current, goal, replaceExisting } = options;
  const was = describeState(current);
  const to: EncryptionState =
    goal.mode === "kms" ? { mode: "kms", key: goal.key } : { mode: "service" };
  if (current.mode === "kms") {
    const existing = existingKmsKeyDecision({
      noun,
      // Only a key the operator configured replaces a resource's own: an AWS managed default
      // (alias/aws/sns…) never does, replaceExistingKmsKey or not.
      target: goal.mode === "kms" && goal.check ? goal.key : undefined,
      targetLabel: goal.label,
      isTarget: sameState(current, to),
      replaceExisting,
      setting: "replaceExistingKmsKey",
    });
    if (existing.keep) {
      return {
        summary: `${noun} ${name} already ${was}: no change`,
        reason: `${noun} ${name} is already ${was}; ${existing.why}.`,
      };
    }
    return {
      to,
      summary: `replace the KMS key of ${noun} ${name} with ${goal.label} (was ${current.key})`,
      reason: `${noun} ${name} uses KMS key ${current.key}; replaceExistingKmsKey is on, so it moves to ${goal.label}. Data already written stays encrypted with the old key, which must stay enabled.`,
    };
  }
  if (current.mode === "service" && goal.mode === "service") {
    return {
      summary: `${noun} ${name} already ${was}: no change`,
      reason: `${noun} ${name} is already ${was}, the configured encryption.`,
    };
  }
  return {
    to,
    summary: `encrypt ${noun} ${name} with ${goal.label} (was ${was})`,
    reason: `${noun} ${name} is ${was}; the configured encryption is ${goal.label}.`,
  };
}

/** A declined goal: a resource already on a KMS key keeps it quietly; anything else is told once. */
export function declinedDecision(
  noun: string,
  name: string,
  current: EncryptionState,
  reason: string,
): EncryptionDecision {
  const was = describeState(current);
  if (current.mode === "kms") {
    return {
      summary: `${noun} ${name} already ${was}: no change`,
      reason: `${noun} ${name} is already ${was}; Vigil leaves its key as is (${reason}).`,
    };
  }
  return {
    summary: `${noun} ${name} ${was}: left as is (${reason})`,
    reason,
    declined: reason,
  };
}

export interface EncryptionService<S extends z.ZodObject> {
  name: string;
  description: string;
  kind: FindingKind;
  resourceType: ResourceType;
  /** "queue", "topic"… in plans and alerts. */
  noun: string;
  settings: S;
  /** Declared actions of the service's own calls; kms:DescribeKey is added to plan. */
  permissions: RemediationPermissions;
  /** The IAM action of the one change (journaled as the change's action). */
  writeAction: string;
  /**
   * What the settings ask for, for the finding's resource. Throws InputError on bad settings.
   * May ask AWS (`ctx`): DynamoDB reports its AWS managed key by ARN, so the alias is resolved.
   */
  goal(
    settings: z.output<S>,
    finding: Finding,
    ctx: RemediationContext<z.output<S>>,
  ): EncryptionGoal | Promise<EncryptionGoal>;
  /** Finds the resource: what read/write take (queue URL, topic ARN, stream name…). */
  locate(ctx: RemediationContext<z.output<S>>, finding: Finding): Promise<string>;
  read(ctx: RemediationContext<z.output<S>>, resource: string): Promise<EncryptionState>;
  /** Tags (exemptions are read from them); none: `{}`. */
  tags?(ctx: RemediationContext<z.output<S>>, resource: string): Promise<Record<string, string>>;
  /** Moves the resource from `from` to `to`. */
  write(
    ctx: RemediationContext<z.output<S>>,
    resource: string,
    to: EncryptionState,
    from: EncryptionState,
  ): Promise<void>;
  /** A caveat the plan's reason carries when it changes something (who must be able to use the key). */
  caveat?(goal: WritableGoal): string | undefined;
  /**
   * Why the goal must not be applied to this resource: the plan changes nothing and says why, once
   * (the plan's `declined`).
   */
  refuse?(
    ctx: RemediationContext<z.output<S>>,
    resource: string,
    goal: WritableGoal,
  ): Promise<string | undefined>;
}

function targetOf(change: PlannedChange): EncryptionState {
  return encryptionState.parse((change.params as { to?: unknown }).to);
}

export function defineEncryptionRemediation<S extends z.ZodObject>(
  service: EncryptionService<S>,
): DefinedRemediation<S, typeof encryptionBefore> {
  const { name, noun } = service;
  const permissions: RemediationPermissions = {
    ...service.permissions,
    plan: [...new Set([...service.permissions.plan, ...KMS_KEY_CHECK_ACTIONS])],
  };
  const resourceLabel = (plan: { finding: Finding }) => `${noun} ${plan.finding.resourceName}`;

  /** The shared rule, then the service's own refusal of a change it judges unsafe. */
  async function decide(
    ctx: RemediationContext<z.output<S>>,
    finding: Finding,
    resource: string,
    current: EncryptionState,
    goal: WritableGoal,
  ): Promise<EncryptionDecision> {
    const decision = decideEncryptionAtRest({
      noun,
      name: finding.resourceName,
      current,
      goal,
      replaceExisting: Boolean(
        (ctx.settings as { replaceExistingKmsKey?: boolean }).replaceExistingKmsKey,
      ),
    });
    const refused = decision.to ? await service.refuse?.(ctx, resource, goal) : undefined;
    if (!refused) return decision;
    return {
      summary: `${noun} ${finding.resourceName} ${describeState(current)}: left as is (${refused})`,
      reason: refused,
      declined: refused,
    };
  }

  return defineRemediation({
    name,
    description: service.description,
    handles: (finding) =>
      finding.kind === service.kind && finding.resourceType === service.resourceType,
    settings: service.settings,
    before: encryptionBefore,
    permissions,

    async plan(ctx, finding) {
      // Configuration first: a bad or unusable key fails before the resource is read.
      const goal = await service.goal(ctx.settings, finding, ctx);
      if (goal.mode === "kms" && goal.check) {
        const { setting, region } = goal.check;
        await assertUsableKey(
          serviceClient(ctx, name, KMSClient),
          { arn: goal.key, region },
          setting,
        );
      }
      const resource = await service.locate(ctx, finding);
      const [state, tags] = await Promise.all([
        goal.mode !== "service" && goal.state ? goal.state : service.read(ctx, resource),
        service.tags ? service.tags(ctx, resource) : Promise.resolve({}),
      ]);
      const before: EncryptionBefore = { resource, state };
      const decision =
        goal.mode === "declined"
          ? declinedDecision(noun, finding.resourceName, state, goal.reason)
          : await decide(ctx, finding, resource, state, goal);
      const caveat = decision.to && goal.mode !== "declined" ? service.caveat?.(goal) : undefined;
      const changes: PlannedChange[] = decision.to
        ? [
            {
              action: service.writeAction,
              description: decision.summary,
              params: { resource, from: state, to: decision.to },
            },
          ]
        : [];
      return {
        remediation: name,
        finding,
        summary: decision.summary,
        changes,
        before,
        tags,
        reason: caveat ? `${decision.reason} ${caveat}` : decision.reason,
        ...(decision.declined ? { declined: decision.declined } : {}),
      };
    },

    async apply(ctx, plan, change) {
      if (change.action !== service.writeAction) {
        throw new Error(`${name} cannot apply action ${change.action}`);
      }
      const { resource, state: previous } = plan.before;
      const to = targetOf(change);
      const current = await service.read(ctx, resource);
      if (sameState(current, to)) return; // already applied
      // Refuse to overwrite a state someone changed since planning (it could now be a KMS key).
      if (!sameState(current, previous)) {
        throw new Error(
          `encryption of ${resourceLabel(plan)} changed since planning (was ${describeState(previous)}, now ${describeState(current)}); plan again`,
        );
      }
      await service.write(ctx, resource, to, current);
    },

    async verify(ctx, plan): Promise<VerifyResult> {
      const current = await service.read(ctx, plan.before.resource);
      const last = plan.changes.at(-1);
      if (!last) {
        return {
          ok: true,
          after: { state: current },
          detail: `nothing was planned; ${resourceLabel(plan)} is ${describeState(current)}`,
        };
      }
      const to = targetOf(last);
      const ok = sameState(current, to);
      return {
        ok,
        after: { state: current },
        detail: ok
          ? `${resourceLabel(plan)} is now ${describeState(current)}`
          : `${resourceLabel(plan)} is ${describeState(current)}, expected ${describeState(to)}`,
      };
    },

    async undo(ctx, plan, applied): Promise<VerifyResult> {
      const { resource, state: previous } = plan.before;
      const last = applied.at(-1);
      let current = await service.read(ctx, resource);
      if (last) {
        if (last.action !== service.writeAction) {
          throw new Error(`${name} cannot undo action ${last.action}`);
        }
        const wrote = targetOf(last);
        // Only over what Vigil wrote: a later change (someone's new key) is never undone.
        if (!sameState(current, wrote)) {
          return {
            ok: false,
            after: { state: current },
            detail: `${resourceLabel(plan)} is ${describeState(current)}, not what Vigil set (${describeState(wrote)}): changed since, left as is`,
          };
        }
        if (!sameState(current, previous)) {
          await service.write(ctx, resource, previous, current);
          current = await service.read(ctx, resource);
        }
      }
      const ok = sameState(current, previous);
      return {
        ok,
        after: { state: current },
        detail: ok
          ? `${resourceLabel(plan)} restored to ${describeState(previous)}`
          : `${resourceLabel(plan)} is ${describeState(current)}, expected ${describeState(previous)}`,
      };
    },
  });
}
