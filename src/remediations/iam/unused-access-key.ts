import {
  type AccessKeyMetadata,
  GetAccessKeyLastUsedCommand,
  type IAMClient,
  paginateListAccessKeys,
  UpdateAccessKeyCommand,
} from "@aws-sdk/client-iam";
import { z } from "zod";
import { InputError } from "../../domain/errors.ts";
import type { RemediationPlan, VerifyResult } from "../../domain/remediation-plan.ts";
import { defineRemediation } from "../define.ts";
import { collect, USER_API } from "./iam-principals.ts";
import { unusedAccessSettings } from "./settings.ts";
import {
  GET_FINDING_ACTION,
  lastUsedText,
  readUnusedAccessDetails,
} from "./unused-access-details.ts";

/**
 * Deactivates an IAM user's access key that Access Analyzer reports unused
 * (UnusedIAMUserAccessKey): UpdateAccessKey Status=Inactive, never DeleteAccessKey, so undo can
 * make it Active again. The key comes from the analyzer (GetFindingV2) and must be one of the
 * user's own keys (ListAccessKeys); a key used since the analyzer looked (GetAccessKeyLastUsed) is
 * left alone. Apply and undo read the key again right before they write.
 */
export const IAM_UNUSED_ACCESS_KEY = "iam-unused-access-key";

/** IAM's access key id: 16 to 128 word characters (AKIA… for long-term keys). */
const ACCESS_KEY_ID = /^[A-Z0-9]{16,128}$/;
const USER_NAME = /^[\w+=,.@-]{1,128}$/;

const accessKeyBefore = z.object({
  userName: z.string().regex(USER_NAME),
  accessKeyId: z.string().regex(ACCESS_KEY_ID),
  status: z.literal("Active"),
  /** ISO; with the id, what "the same key" means for undo. */
  createDate: z.string().nullable(),
});
type AccessKeyBefore = z.output<typeof accessKeyBefore>;

async function userKeys(iam: IAMClient, UserName: string): Promise<AccessKeyMetadata[]> {
  return collect(paginateListAccessKeys({ client: iam }, { UserName }), (p) => p.AccessKeyMetadata);
}

/** The key as IAM lists it under the user now, or undefined when the user has no such key. */
async function currentKey(iam: IAMClient, before: AccessKeyBefore) {
  const keys = await userKeys(iam, before.userName);
  return keys.find((key) => key.AccessKeyId === before.accessKeyId);
}

const iso = (date: Date | undefined) => (date ? date.toISOString() : null);

export const iamUnusedAccessKey = defineRemediation({
  name: IAM_UNUSED_ACCESS_KEY,
  description: "Deactivate an IAM user access key Access Analyzer reports unused (reversible)",
  handles: (finding) =>
    finding.kind === "iam-unused-access-key" && finding.resourceType === "AWS::IAM::User",
  settings: unusedAccessSettings,
  before: accessKeyBefore,
  permissions: {
    plan: [
      GET_FINDING_ACTION,
      "iam:ListAccessKeys",
      "iam:GetAccessKeyLastUsed",
      "iam:ListUserTags",
    ],
    apply: ["iam:ListAccessKeys", "iam:UpdateAccessKey"],
    verify: ["iam:ListAccessKeys"],
    undo: ["iam:ListAccessKeys", "iam:UpdateAccessKey"],
  },

  async plan(ctx, finding): Promise<RemediationPlan> {
    const userName = finding.resourceName;
    if (!USER_NAME.test(userName)) throw new InputError(`${userName} is not an IAM user name`);
    const base = { remediation: IAM_UNUSED_ACCESS_KEY, finding, before: {}, tags: {} };
    const found = await readUnusedAccessDetails(ctx, finding);
    if (found.status !== "ACTIVE" || found.findingType !== "UnusedIAMUserAccessKey") {
      const reason = `analyzer finding is ${found.status} ${found.findingType}, not an active unused access key`;
      return { ...base, summary: reason, changes: [], reason };
    }
    const detail = found.details.find(
      (d) => d.unusedIamUserAccessKeyDetails,
    )?.unusedIamUserAccessKeyDetails;
    const accessKeyId = detail?.accessKeyId ?? "";
    if (!ACCESS_KEY_ID.test(accessKeyId)) {
      throw new InputError(`analyzer finding ${finding.id} names no valid access key id`);
    }
    const [keys, tags] = await Promise.all([
      userKeys(ctx.iam, userName),
      USER_API.listTags(ctx.iam, userName),
    ]);
    const key = keys.find((k) => k.AccessKeyId === accessKeyId);
    if (!key) {
      // The finding names a key the user does not have (deleted since, or a forged pairing).
      const reason = `access key ${accessKeyId} is not a key of user ${userName} (ListAccessKeys): nothing to deactivate`;
      return { ...base, tags, summary: reason, changes: [], reason };
    }
    if (key.Status !== "Active") {
      const reason = `access key ${accessKeyId} of user ${userName} is already ${key.Status}`;
      return { ...base, tags, summary: reason, changes: [], reason };
    }
    const lastUsed = (
      await ctx.iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: accessKeyId }))
    ).AccessKeyLastUsed?.LastUsedDate;
    const analyzed = detail?.lastAccessed?.getTime() ?? 0;
    if (lastUsed && lastUsed.getTime() > analyzed) {
      const reason = `access key ${accessKeyId} of user ${userName} was used ${lastUsed.toISOString()}, after the analyzer's look: not unused any more`;
      return { ...base, tags, summary: reason, changes: [], reason };
    }
    const used = lastUsedText(detail?.lastAccessed, Date.now());
    const before: AccessKeyBefore = {
      userName,
      accessKeyId,
      status: "Active",
      createDate: iso(key.CreateDate),
    };
    return {
      ...base,
      before,
      tags,
      summary: `deactivate unused access key ${accessKeyId} of user ${userName} (${used})`,
      changes: [
        {
          action: "iam:UpdateAccessKey",
          description: `set access key ${accessKeyId} of user ${userName} Inactive (not deleted: undo makes it Active again)`,
          params: { UserName: userName, AccessKeyId: accessKeyId, Status: "Inactive" },
        },
      ],
      reason: `Access Analyzer reports the key unused (${used})`,
    };
  },

  async apply(ctx, plan) {
    const { before } = plan;
    const key = await currentKey(ctx.iam, before);
    if (!key) {
      throw new InputError(
        `access key ${before.accessKeyId} is no longer a key of user ${before.userName}: nothing changed`,
      );
    }
    if (key.Status === "Inactive") return; // already done (a retry)
    await ctx.iam.send(
      new UpdateAccessKeyCommand({
        UserName: before.userName,
        AccessKeyId: before.accessKeyId,
        Status: "Inactive",
      }),
    );
  },

  async verify(ctx, plan): Promise<VerifyResult> {
    const key = await currentKey(ctx.iam, plan.before);
    const status = key?.Status ?? "missing";
    return {
      ok: status === "Inactive",
      after: { accessKeyId: plan.before.accessKeyId, status },
      detail: `access key ${plan.before.accessKeyId} of user ${plan.before.userName} is ${status}`,
    };
  },

  async undo(ctx, plan, applied): Promise<VerifyResult> {
    const { before } = plan;
    const key = await currentKey(ctx.iam, before);
    const status = key?.Status ?? "missing";
    const after = { accessKeyId: before.accessKeyId, status };
    if (applied.length === 0) return { ok: true, after, detail: "nothing was applied" };
    if (!key || iso(key.CreateDate) !== before.createDate) {
      return {
        ok: false,
        after,
        detail: `access key ${before.accessKeyId} of user ${before.userName} is gone or not the key Vigil deactivated: not re-activated`,
      };
    }
    if (key.Status !== "Inactive") {
      return {
        ok: true,
        after,
        detail: `access key ${before.accessKeyId} is ${key.Status} already`,
      };
    }
    await ctx.iam.send(
      new UpdateAccessKeyCommand({
        UserName: before.userName,
        AccessKeyId: before.accessKeyId,
        Status: "Active",
      }),
    );
    const back = (await currentKey(ctx.iam, before))?.Status ?? "missing";
    return {
      ok: back === "Active",
      after: { accessKeyId: before.accessKeyId, status: back },
      detail: `access key ${before.accessKeyId} of user ${before.userName} is ${back}`,
    };
  },
});
