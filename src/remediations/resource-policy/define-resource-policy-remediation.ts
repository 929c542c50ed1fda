import { z } from "zod";
import { InputError, VigilError } from "../../domain/errors.ts";
import type { Finding, FindingKind, ResourceType } from "../../domain/finding.ts";
import { plural } from "../../domain/format.ts";
import { canonicalJson } from "../../domain/iam-policy.ts";
import {
  isPolicyResourceType,
  type PolicyResourceRef,
  policyResourceOf,
} from "../../domain/policy-resources.ts";
import type { PlannedChange, VerifyResult } from "../../domain/remediation-plan.ts";
import {
  classifyPolicy,
  describeSummary,
  type PolicyOwner,
  parsePolicy,
  policyDiff,
  removeStatements,
  type StatementVerdict,
} from "../../domain/resource-policy/index.ts";
import type { AwsClientClass, RemediationContext } from "../../ports/remediation.ts";
import { type DefinedRemediation, defineRemediation } from "../define.ts";
import { resourcePolicySettings } from "./settings.ts";

/**
 * One shape for every remediation whose exposure lives in a resource policy document (SQS queue,
 * SNS topic, KMS key, Secrets Manager secret…). A service module says only how to find its
 * resource, read, write and (where the API allows) delete the policy, and which IAM actions those
 * calls need; the judgement is the shared src/domain/resource-policy module, the same as the S3
 * bucket-policy remediation's:
 *
 *   plan    read the policy; the PUBLIC statements go, EXTERNAL-account ones only with
 *           `stripExternalAccounts`; statements a condition narrows to the owner's own values
 *           (organisation, VPC endpoint, source account…) stay. Every other statement and
 *           top-level key is kept as is. No statement left → delete the policy where the API can
 *           (else the service's `emptyPolicy`).
 *   apply   re-read: already the target → nothing; changed since planning → refuse; else write.
 *   verify  re-read and classify again: nothing that should have gone is left.
 *   undo    put the before policy back only when the policy is still what Vigil wrote: a later
 *           change by someone else is never overwritten.
 *
 * Modes, exemptions, the journal and rate limits are the runner's, as for every remediation.
 */

/**
 * The finding's resource checked again where it is acted on (intake checked it already): an
 * InputError, before any AWS call, unless its partition, region and account are the finding's.
 */
export function checkedResource(finding: Finding): PolicyResourceRef {
  if (!isPolicyResourceType(finding.resourceType)) {
    throw new InputError(`${finding.resourceType} has no resource policy Vigil remediates`);
  }
  const ref = policyResourceOf(finding.resourceType, finding.resourceArn, finding);
  if ("problem" in ref) throw new InputError(ref.problem);
  return ref;
}

/** A resource as its service's API addresses it: queue URL, topic ARN, key ARN, secret ARN… */
export interface PolicyResource {
  /** What the API calls take (queue URL, ARN…). */
  id: string;
  /** Short name for summaries and logs. */
  name: string;
}

/** How one service reads and writes its resource policy. */
export interface PolicyStore<Client> {
  Client: AwsClientClass<Client>;
  /**
   * The finding's resource, checked strictly (partition, region and account are the finding's);
   * throws InputError otherwise, before any AWS call.
   */
  locate(finding: Finding, client: Client): PolicyResource | Promise<PolicyResource>;
  /** The resource's tags (the runner judges exemptions from them); none is `{}`. */
  readTags(client: Client, resource: PolicyResource): Promise<Record<string, string>>;
  /** The policy text, or null when the resource has none. */
  read(client: Client, resource: PolicyResource): Promise<string | null>;
  /**
   * The policy and the revision the service gives it, where its writes can be made conditional on
   * that revision (DynamoDB's RevisionId). Apply and undo then read with this, and `write` and
   * `remove` get the revision just read: a policy changed in between is refused by the service
   * itself instead of overwritten (the window between Vigil's read and its write closes).
   */
  readRevision?(
    client: Client,
    resource: PolicyResource,
  ): Promise<{ policy: string | null; revision?: string | undefined }>;
  /**
   * Makes the policy `policy`. `current` is the policy as just read: a service whose API edits
   * statements one by one (Lambda permissions) writes the difference. `revision`: see readRevision.
   */
  write(
    client: Client,
    resource: PolicyResource,
    policy: string,
    current: string | null,
    revision?: string,
  ): Promise<void>;
  /** Deletes the policy. Absent where the API cannot (KMS, SNS): `emptyPolicy` is written instead. */
  remove?(
    client: Client,
    resource: PolicyResource,
    current: string | null,
    revision?: string,
  ): Promise<void>;
  /** What to write when every statement goes and the API cannot delete the policy. */
  emptyPolicy?(finding: Finding, resource: PolicyResource): string;
  /**
   * The last word on the policy about to be written (null: deleted), given the statements it
   * removes: a reason to refuse the whole plan (KMS: never lock the account root out of its key;
   * Lambda: a permission its API could not add back on undo), or undefined.
   */
  refuse?(
    after: string | null,
    owner: PolicyOwner,
    finding: Finding,
    removed: readonly unknown[],
  ): string | undefined;
  /**
   * Why an exposing statement is left to another of the remediation's settings (Lambda: the
   * function URL's public grant, unless lambdaFunctionUrlAuth is "aws-iam"), or undefined to judge
   * it like any other. `settings` is the whole remediation.settings the runner passed.
   */
  hold?(statement: unknown, settings: Readonly<Record<string, unknown>>): string | undefined;
  /**
   * What the plan should also tell about the resource, read at planning (S3 access point: its own
   * public access block is off and, fixed at creation, cannot be turned on), or undefined. Its
   * calls are listed in `actions.locate` (plan only).
   */
  notes?(client: Client, resource: PolicyResource): Promise<string | undefined>;
  /**
   * Whether two policy texts say the same. Default: the same document, key order and whitespace
   * aside. Lambda appends a re-added permission at the end: its statement order does not count.
   */
  same?(a: string | null, b: string | null): boolean;
}

export interface ResourcePolicyRemediationDefinition<Client> {
  name: string;
  description: string;
  kind: FindingKind;
  resourceTypes: readonly ResourceType[];
  /** "queue policy", "key policy"… */
  noun: string;
  store: PolicyStore<Client>;
  /** The IAM actions of the store's calls (resource-scoped in the generated roles). */
  actions: {
    /** Calls `locate` and `notes` make (plan only), e.g. sqs:GetQueueUrl. */
    locate?: string[];
    read: string[];
    readTags: string[];
    write: string[];
    remove?: string[];
    /** What undo's write calls, where it differs from apply's (Lambda: AddPermission). */
    restore?: string[];
  };
}

/** What plan saves for undo: the resource as addressed, and the policy text exactly as read. */
const resourcePolicyBefore = z.object({
  resource: z.object({ id: z.string().min(1), name: z.string().min(1) }),
  policy: z.string().nullable(),
});

/** The planned policy: the text to write, or null to delete it. */
const changeParams = z.object({
  resource: z.object({ id: z.string().min(1), name: z.string().min(1) }),
  policy: z.string().nullable(),
});

type Settings = z.output<typeof resourcePolicySettings>;
type Ctx = RemediationContext<Settings>;

/** Reads of the account's organisation and VPCs, made only for policies whose conditions name them. */
const ACCOUNT_FACT_ACTIONS = [
  "organizations:DescribeOrganization",
  "ec2:DescribeVpcEndpoints",
  "ec2:DescribeVpcs",
];

/** Condition keys whose values are checked against the account's organisation, VPCs, endpoints. */
const ACCOUNT_FACT_KEYS = /aws:(PrincipalOrg|SourceOrg|SourceVpc)/i;

/** The resource's owner as its policy is judged (the same inputs as the S3 bucket policy's). */
async function ownerFor(ctx: Ctx, finding: Finding, policy: string | null): Promise<PolicyOwner> {
  const needsFacts = policy !== null && ACCOUNT_FACT_KEYS.test(policy);
  const facts = needsFacts && ctx.accountFacts ? await ctx.accountFacts.read() : undefined;
  return {
    account: finding.account,
    trustedAccounts: ctx.settings.trustedAccounts,
    trustedIpRanges: ctx.settings.trustedIpRanges,
    vpcEndpointIds: [],
    vpcIds: [],
    ...(facts ?? {}),
  };
}

function toStrip(
  verdicts: readonly StatementVerdict[],
  settings: Settings,
  held: ReadonlySet<number> = new Set(),
): StatementVerdict[] {
  return verdicts.filter(
    (verdict) =>
      !held.has(verdict.index) &&
      (verdict.access === "public" ||
        (verdict.access === "external" && settings.stripExternalAccounts)),
  );
}

/** Same document regardless of key order and whitespace (services re-serialise what they store). */
export function samePolicy(a: string | null, b: string | null): boolean {
  if (a === null || b === null) return a === b;
  try {
    return canonicalJson(JSON.parse(a)) === canonicalJson(JSON.parse(b));
  } catch {
    return a === b;
  }
}

function unique(actions: readonly string[]): string[] {
  return [...new Set(actions)];
}

export function defineResourcePolicyRemediation<Client>(
  definition: ResourcePolicyRemediationDefinition<Client>,
): DefinedRemediation<typeof resourcePolicySettings, typeof resourcePolicyBefore> {
  const { name, noun, store, actions } = definition;
  const same = store.same ?? samePolicy;
  const removeActions = store.remove ? (actions.remove ?? []) : [];
  const clientOf = (ctx: Ctx): Client => {
    if (!ctx.client) throw new VigilError(`${name}: the runner gave no AWS client factory`);
    return ctx.client(store.Client);
  };
  /** Statement index → why it is left to another setting (see PolicyStore.hold). */
  const heldIn = (policy: string, settings: Settings): Map<number, string> => {
    const held = new Map<number, string>();
    if (!store.hold) return held;
    parsePolicy(policy).statements.forEach((statement, index) => {
      const why = store.hold?.(statement, settings);
      if (why) held.set(index, why);
    });
    return held;
  };
  /** The policy as just read, with its revision where the store gives one (see readRevision). */
  const readNow = async (
    client: Client,
    resource: PolicyResource,
  ): Promise<{ policy: string | null; revision?: string | undefined }> =>
    store.readRevision
      ? store.readRevision(client, resource)
      : { policy: await store.read(client, resource) };
  const strippable = async (ctx: Ctx, finding: Finding, policy: string | null) => {
    if (policy === null) return [];
    const verdicts = classifyPolicy(policy, await ownerFor(ctx, finding, policy));
    return toStrip(verdicts, ctx.settings, new Set(heldIn(policy, ctx.settings).keys()));
  };

  return defineRemediation({
    name,
    description: definition.description,
    settings: resourcePolicySettings,
    before: resourcePolicyBefore,
    handles: (finding) =>
      finding.kind === definition.kind && definition.resourceTypes.includes(finding.resourceType),
    permissions: {
      plan: unique([
        ...(actions.locate ?? []),
        ...actions.read,
        ...actions.readTags,
        ...ACCOUNT_FACT_ACTIONS,
      ]),
      // The read guards against overwriting a policy changed since planning.
      apply: unique([...actions.write, ...removeActions, ...actions.read]),
      verify: unique([...actions.read, ...ACCOUNT_FACT_ACTIONS]),
      undo: unique([...(actions.restore ?? actions.write), ...actions.read]),
    },

    async plan(ctx, finding) {
      const client = clientOf(ctx);
      const resource = await store.locate(finding, client);
      const [policy, tags, told] = await Promise.all([
        store.read(client, resource),
        store.readTags(client, resource),
        store.notes?.(client, resource),
      ]);
      const before = { resource, policy };
      const base = { remediation: name, finding, before, tags };
      const also = told ? ` ${told}` : "";
      if (policy === null) {
        return {
          ...base,
          summary: `${resource.name} has no ${noun}: no change`,
          changes: [],
          reason: `Nothing public found: ${resource.name} has no ${noun}.${also}`,
        };
      }
      const owner = await ownerFor(ctx, finding, policy);
      let verdicts: StatementVerdict[];
      try {
        verdicts = classifyPolicy(policy, owner);
      } catch (error) {
        throw new InputError(`${noun} of ${resource.name}: ${(error as Error).message}`);
      }
      const exposing = verdicts.filter((verdict) => verdict.access !== "internal");
      const held = heldIn(policy, ctx.settings);
      const stripping = toStrip(verdicts, ctx.settings, new Set(held.keys()));
      const heldExposing = exposing.filter((verdict) => held.has(verdict.index));
      const kept = exposing.filter(
        (verdict) => !stripping.includes(verdict) && !held.has(verdict.index),
      );
      const label = (verdict: StatementVerdict) => verdict.sid ?? `#${verdict.index + 1}`;
      const notes =
        (kept.length > 0
          ? ` Note: ${plural(kept.length, "external-account statement")} kept (${kept.map(label).join(", ")}; set stripExternalAccounts to remove them).`
          : "") +
        heldExposing
          .map((verdict) => ` Kept ${label(verdict)}: ${held.get(verdict.index)}.`)
          .join("");
      const found =
        exposing.length > 0
          ? `Found: ${exposing.map((verdict) => verdict.reason).join("; ")}.`
          : "Nothing public found.";
      if (stripping.length === 0) {
        return {
          ...base,
          summary: `${noun} of ${resource.name} grants nothing to remove: no change`,
          changes: [],
          reason: `${found}${notes}${also}`,
        };
      }
      const indexes = stripping.map((verdict) => verdict.index);
      const stripped = removeStatements(policy, indexes);
      const after =
        stripped === null && !store.remove
          ? (store.emptyPolicy?.(finding, resource) ?? null)
          : stripped;
      if (after === null && !store.remove) {
        throw new VigilError(`${name}: the ${noun} cannot be deleted and has no empty form`);
      }
      const { statements } = parsePolicy(policy);
      const removedStatements = indexes.map((index) => statements[index]);
      const refusal = store.refuse?.(after, owner, finding, removedStatements);
      if (refusal) {
        return {
          ...base,
          summary: `${noun} of ${resource.name} is exposed, but Vigil will not change it: ${refusal}`,
          changes: [],
          reason: `${found} Refused: ${refusal}.${notes}${also}`,
        };
      }
      // The change names statements by summary and documents by hash: never the policy itself.
      const diff = policyDiff(policy, indexes);
      const removed = diff.removed.map(describeSummary).join("; ");
      const keptList = diff.kept.map(describeSummary).join("; ");
      const hashes = `${noun} ${diff.beforeHash} → ${diff.afterHash}`;
      const change: PlannedChange =
        after === null
          ? {
              action: actions.remove?.[0] ?? actions.write[0] ?? name,
              description: `delete the ${noun} of ${resource.name}: every statement is to be removed (removed: ${removed}; ${hashes})`,
              params: { resource, policy: null },
            }
          : {
              action: actions.write[0] ?? name,
              description: `remove ${plural(stripping.length, "statement")} from the ${noun} of ${resource.name}, keeping ${diff.kept.length} (removed: ${removed}; kept: ${keptList || "none"}; ${hashes})`,
              params: { resource, policy: after },
            };
      return {
        ...base,
        summary:
          after === null
            ? `delete the ${noun} of ${resource.name}`
            : `remove ${plural(stripping.length, "statement")} from the ${noun} of ${resource.name}`,
        changes: [change],
        reason: `${found}${notes}${also}`,
      };
    },

    async apply(ctx, plan, change) {
      const params = changeParams.parse(change.params);
      const client = clientOf(ctx);
      const { resource } = plan.before;
      if (params.resource.id !== resource.id) {
        throw new InputError(
          `${name}: the change names ${params.resource.id}, the plan ${resource.id}`,
        );
      }
      const { policy: current, revision } = await readNow(client, resource);
      if (same(current, params.policy)) return; // already applied
      if (!same(current, plan.before.policy)) {
        throw new Error(`the ${noun} of ${resource.name} changed since planning; plan again`);
      }
      if (params.policy === null) {
        if (!store.remove) throw new VigilError(`${name} cannot delete a ${noun}`);
        await store.remove(client, resource, current, revision);
      } else {
        await store.write(client, resource, params.policy, current, revision);
      }
    },

    async verify(ctx, plan): Promise<VerifyResult> {
      const { resource } = plan.before;
      const policy = await store.read(clientOf(ctx), resource);
      const left = plan.changes.length > 0 ? await strippable(ctx, plan.finding, policy) : [];
      const what = ctx.settings.stripExternalAccounts ? "public or external" : "public";
      return {
        ok: left.length === 0,
        after: { policy },
        detail:
          left.length > 0
            ? `${noun} of ${resource.name} still has ${plural(left.length, `${what} statement`)}`
            : plan.changes.length === 0
              ? `nothing was planned for ${resource.name}`
              : `${noun} of ${resource.name}: ${plural(plan.changes.length, "change")} confirmed`,
      };
    },

    async undo(ctx, plan, applied): Promise<VerifyResult> {
      const client = clientOf(ctx);
      const { resource, policy: beforePolicy } = plan.before;
      const written = applied.map((change) => changeParams.parse(change.params).policy);
      const read = await readNow(client, resource);
      let current = read.policy;
      if (applied.length > 0 && !same(current, beforePolicy)) {
        // Only what Vigil wrote is put back: a policy someone changed since is theirs.
        if (!written.some((policy) => same(current, policy))) {
          return {
            ok: false,
            after: { policy: current },
            detail: `${noun} of ${resource.name} changed since Vigil wrote it: not restored`,
          };
        }
        // A resource without a policy is never planned a change: before is always a policy.
        if (beforePolicy === null)
          throw new InputError(`no previous ${noun} recorded for ${resource.name}`);
        await store.write(client, resource, beforePolicy, current, read.revision);
        current = await store.read(client, resource);
      }
      const restored = same(current, beforePolicy);
      return {
        ok: restored,
        after: { policy: current },
        detail: restored
          ? `${noun} of ${resource.name}: ${plural(applied.length, "change")} undone`
          : `${noun} of ${resource.name} differs from before`,
      };
    },
  });
}
