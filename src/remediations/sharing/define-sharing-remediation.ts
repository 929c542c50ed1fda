import { z } from "zod";
import { InputError, VigilError } from "../../domain/errors.ts";
import type { Finding, FindingKind } from "../../domain/finding.ts";
import {
  isRegionalResourceType,
  REGIONAL_RESOURCE_TYPE_NAMES,
  type RegionalResourceType,
  regionalResource,
} from "../../domain/regional-resources.ts";
import type { PlannedChange, VerifyResult } from "../../domain/remediation-plan.ts";
import { classifyShares, ownerOf, sharesToRemove } from "../../domain/resource-policy/index.ts";
import type { AwsClientClass, RemediationContext } from "../../ports/remediation.ts";
import { type DefinedRemediation, defineRemediation } from "../define.ts";
import { sharingSettings } from "./settings.ts";

/**
 * One shape for resources shared by an attribute listing accounts or "all" (EBS snapshots'
 * createVolumePermission, RDS DB and cluster snapshots' `restore`). A service module says how to
 * read, add to and remove from the list, and which IAM actions that takes; the judgement is the
 * shared src/domain/resource-policy module's (the same "trusted" set as every policy):
 *
 *   plan    read the list: "all" goes; accounts outside the owner and trustedAccounts go only with
 *           `stripExternalAccounts`; the owner's own accounts stay.
 *   apply   re-read: already the target → nothing; changed since planning → refuse; else remove.
 *   verify  re-read: nothing that should have gone is left.
 *   undo    re-add exactly what was removed, and only when the list is still what Vigil left: a
 *           share someone changed since is theirs.
 *
 * Organisation membership is not read: an attribute names accounts, and listing the
 * organisation's accounts takes its management account. Put partner and member accounts that may
 * keep a share in trustedAccounts.
 */

/** The resource as its API addresses it. */
const sharedResource = z.object({
  type: z.enum(REGIONAL_RESOURCE_TYPE_NAMES),
  /** Snapshot id or identifier, as the API takes it. */
  id: z.string().min(1),
  arn: z.string().min(1),
});
export type SharedResource = z.output<typeof sharedResource>;

const sharingBefore = z.object({
  resource: sharedResource,
  /** Accounts (and "all") the resource was shared with, as read. */
  shares: z.array(z.string()),
});

const changeParams = z.object({ resource: sharedResource, remove: z.array(z.string()).min(1) });

/** How one service reads and changes who a resource is shared with. */
export interface ShareStore<Client> {
  Client: AwsClientClass<Client>;
  /** Shares and tags; throws (the service's not-found error) when the resource is gone. */
  readWithTags(
    client: Client,
    resource: SharedResource,
  ): Promise<{ shares: string[]; tags: Record<string, string>; owner?: string }>;
  readShares(client: Client, resource: SharedResource): Promise<string[]>;
  add(client: Client, resource: SharedResource, values: string[]): Promise<void>;
  remove(client: Client, resource: SharedResource, values: string[]): Promise<void>;
}

export interface SharingRemediationDefinition<Client> {
  name: string;
  description: string;
  kind: FindingKind;
  resourceTypes: readonly RegionalResourceType[];
  /** "snapshot", "DB snapshot"… */
  noun: string;
  store: ShareStore<Client>;
  /** The IAM actions of the store's calls (the generated roles hold exactly these). */
  actions: { read: string[]; readTags: string[]; modify: string[] };
  /** The IAM action of the change to this resource, when it depends on it (default modify[0]). */
  changeAction?(resource: SharedResource): string;
}

type Settings = z.output<typeof sharingSettings>;
type Ctx = RemediationContext<Settings>;

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  const left = new Set(a);
  const right = new Set(b);
  return left.size === right.size && [...left].every((value) => right.has(value));
}

function unique(actions: readonly string[]): string[] {
  return [...new Set(actions)];
}

function describeShares(values: readonly string[]): string {
  return values
    .map((value) => (value === "all" ? "everyone (all)" : `account ${value}`))
    .join(", ");
}

export function defineSharingRemediation<Client>(
  definition: SharingRemediationDefinition<Client>,
): DefinedRemediation<typeof sharingSettings, typeof sharingBefore> {
  const { name, noun, store, actions } = definition;
  const clientOf = (ctx: Ctx): Client => {
    if (!ctx.client) throw new VigilError(`${name}: the runner gave no AWS client factory`);
    return ctx.client(store.Client);
  };
  const toRemove = (ctx: Ctx, finding: Finding, shares: readonly string[]) =>
    sharesToRemove(
      classifyShares(
        shares,
        ownerOf(finding.account, { trustedAccounts: ctx.settings.trustedAccounts }),
      ),
      ctx.settings.stripExternalAccounts,
    );
  const locate = (finding: Finding): SharedResource => {
    const type = finding.resourceType;
    if (!isRegionalResourceType(type) || !definition.resourceTypes.includes(type)) {
      throw new InputError(`${name} does not handle ${type}`);
    }
    const resource = regionalResource(type, finding.resourceArn, finding);
    if ("problem" in resource) throw new InputError(`${name}: ${resource.problem}`);
    return { type, id: resource.id, arn: resource.arn };
  };
  const removedBy = (applied: readonly PlannedChange[]) =>
    unique(applied.flatMap((change) => changeParams.parse(change.params).remove));

  return defineRemediation({
    name,
    description: definition.description,
    settings: sharingSettings,
    before: sharingBefore,
    handles: (finding) =>
      finding.kind === definition.kind &&
      (definition.resourceTypes as readonly string[]).includes(finding.resourceType),
    permissions: {
      plan: unique([...actions.read, ...actions.readTags]),
      // The read guards against undoing a change someone made since planning.
      apply: unique([...actions.read, ...actions.modify]),
      verify: [...actions.read],
      undo: unique([...actions.read, ...actions.modify]),
    },

    async plan(ctx, finding) {
      const resource = locate(finding);
      const { shares, tags, owner } = await store.readWithTags(clientOf(ctx), resource);
      const before = { resource, shares };
      const base = { remediation: name, finding, before, tags };
      if (owner !== undefined && owner !== finding.account) {
        throw new InputError(`${noun} ${resource.id} is owned by ${owner}, not ${finding.account}`);
      }
      const verdicts = classifyShares(
        shares,
        ownerOf(finding.account, { trustedAccounts: ctx.settings.trustedAccounts }),
      );
      const remove = toRemove(ctx, finding, shares);
      const external = verdicts
        .filter((verdict) => verdict.access === "external" && !remove.includes(verdict.value))
        .map((verdict) => verdict.value);
      const note =
        external.length > 0
          ? ` Kept: shared with ${describeShares(external)} outside the owner and trustedAccounts (set stripExternalAccounts to remove).`
          : "";
      if (remove.length === 0) {
        return {
          ...base,
          summary: `${noun} ${resource.id} is shared with no one to remove: no change`,
          changes: [],
          reason:
            shares.length === 0
              ? `${noun} ${resource.id} is not shared.`
              : `Shared with ${describeShares(shares)}.${note}`,
        };
      }
      const change: PlannedChange = {
        action: definition.changeAction?.(resource) ?? actions.modify[0] ?? name,
        description: `stop sharing ${noun} ${resource.id} with ${describeShares(remove)}`,
        params: { resource, remove },
      };
      return {
        ...base,
        summary: `stop sharing ${noun} ${resource.id} with ${describeShares(remove)}`,
        changes: [change],
        reason: `Shared with ${describeShares(shares)}.${note}`,
      };
    },

    async apply(ctx, plan, change) {
      const { resource, remove } = changeParams.parse(change.params);
      if (resource.id !== plan.before.resource.id || resource.type !== plan.before.resource.type) {
        throw new InputError(
          `${name}: the change names ${resource.id}, the plan ${plan.before.resource.id}`,
        );
      }
      const client = clientOf(ctx);
      const target = plan.before.shares.filter((value) => !remove.includes(value));
      const current = await store.readShares(client, plan.before.resource);
      if (sameSet(current, target)) return; // already applied
      if (!sameSet(current, plan.before.shares)) {
        throw new Error(
          `who ${noun} ${resource.id} is shared with changed since planning; plan again`,
        );
      }
      await store.remove(client, plan.before.resource, remove);
    },

    async verify(ctx, plan): Promise<VerifyResult> {
      const { resource } = plan.before;
      const shares = await store.readShares(clientOf(ctx), resource);
      const left = plan.changes.length > 0 ? toRemove(ctx, plan.finding, shares) : [];
      return {
        ok: left.length === 0,
        after: { shares },
        detail:
          left.length > 0
            ? `${noun} ${resource.id} is still shared with ${describeShares(left)}`
            : plan.changes.length === 0
              ? `nothing was planned for ${resource.id}`
              : `${noun} ${resource.id}: no longer shared with what was removed`,
      };
    },

    async undo(ctx, plan, applied): Promise<VerifyResult> {
      const client = clientOf(ctx);
      const { resource, shares: before } = plan.before;
      const removed = removedBy(applied);
      const after = before.filter((value) => !removed.includes(value));
      let current = await store.readShares(client, resource);
      if (removed.length > 0 && !sameSet(current, before)) {
        if (!sameSet(current, after)) {
          return {
            ok: false,
            after: { shares: current },
            detail: `who ${noun} ${resource.id} is shared with changed since Vigil removed ${describeShares(removed)}: not restored`,
          };
        }
        await store.add(client, resource, removed);
        current = await store.readShares(client, resource);
      }
      const restored = sameSet(current, before);
      return {
        ok: restored,
        after: { shares: current },
        detail: restored
          ? `${noun} ${resource.id}: shared again with ${describeShares(removed) || "what it was"}`
          : `${noun} ${resource.id} is shared with ${describeShares(current) || "no one"}, not as before`,
      };
    },
  });
}
