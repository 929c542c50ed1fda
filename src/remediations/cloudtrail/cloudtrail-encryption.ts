import {
  CloudTrailClient,
  GetTrailCommand,
  ListTagsCommand,
  type ResourceTag,
  type Trail,
  UpdateTrailCommand,
} from "@aws-sdk/client-cloudtrail";
import { GetKeyPolicyCommand, KMSClient } from "@aws-sdk/client-kms";
import { cloudTrailKeyAccess } from "../../domain/cloudtrail-key-policy.ts";
import type { Finding } from "../../domain/finding.ts";
import type { RemediationContext } from "../../ports/remediation.ts";
import { serviceClient } from "../clients.ts";
import { defineEncryptionRemediation, type EncryptionState } from "../encryption-at-rest.ts";
import { configuredKey } from "../kms-key.ts";
import { cloudTrailEncryptionSettings } from "./settings.ts";

/**
 * SSE-KMS of a CloudTrail trail's log files (what CLOUD_TRAIL_ENCRYPTION_ENABLED asks for):
 * UpdateTrail KmsKeyId with the configured key (cloudTrailKmsKeyArn) only. CloudTrail has no AWS
 * managed key, and a key whose policy does not let cloudtrail.amazonaws.com call
 * kms:GenerateDataKey* and kms:DescribeKey would stop log delivery: so with no key configured,
 * or a key whose policy (kms:GetKeyPolicy) does not allow CloudTrail for this trail, nothing
 * changes and people are told.
 *
 * Only a trail this account owns, homed in the finding's region, is changed: an organization
 * trail (changed from the management account only, for every account at once) and a multi-Region
 * trail's copy outside its home region are declined. A trail already on a KMS key keeps it
 * (replaced only with replaceExistingKmsKey). Undo puts the previous key back, or removes
 * encryption (KmsKeyId ""), only while the trail is still on the key Vigil set.
 */
export const CLOUDTRAIL_ENCRYPTION = "cloudtrail-encryption";

const cloudtrail = (ctx: Parameters<typeof serviceClient>[0]) =>
  serviceClient(ctx, CLOUDTRAIL_ENCRYPTION, CloudTrailClient);

async function getTrail(ctx: Parameters<typeof serviceClient>[0], name: string): Promise<Trail> {
  const { Trail: trail } = await cloudtrail(ctx).send(new GetTrailCommand({ Name: name }));
  if (!trail) throw new Error(`cloudtrail:GetTrail ${name} returned no trail`);
  return trail;
}

function stateOf(trail: Trail): EncryptionState {
  return trail.KmsKeyId ? { mode: "kms", key: trail.KmsKeyId } : { mode: "none" };
}

/** Why Vigil must not change this trail from the finding's account and region, if it must not. */
function notOurs(trail: Trail, finding: Finding): string | undefined {
  if (trail.IsOrganizationTrail) {
    return "it is an organization trail: its encryption is set from the organization's management account, for every account at once";
  }
  // The ARN's region is the trail's home region (GetTrail also names it HomeRegion).
  const [, , , region, account] = (trail.TrailARN ?? "").split(":");
  const home = trail.HomeRegion ?? region;
  if (account !== finding.account) {
    return `the trail ${trail.TrailARN ?? "found"} belongs to account ${account ?? "?"}, not ${finding.account}`;
  }
  if (home !== finding.region) {
    return `the trail's home region is ${home}, not ${finding.region}: its encryption is changed there, for every region at once`;
  }
  if (trail.TrailARN !== finding.resourceArn) {
    return `the trail found is ${trail.TrailARN ?? "unnamed"}, not ${finding.resourceArn}`;
  }
  return undefined;
}

export const cloudTrailEncryption = defineEncryptionRemediation({
  name: CLOUDTRAIL_ENCRYPTION,
  description:
    "Encrypts a CloudTrail trail's log files with the configured KMS key (checked with DescribeKey, its key policy must let CloudTrail use it); declines organization trails, trails homed elsewhere and a missing key; never replaces a trail's own KMS key.",
  kind: "cloudtrail-encryption",
  resourceType: "AWS::CloudTrail::Trail",
  noun: "trail",
  settings: cloudTrailEncryptionSettings,
  permissions: {
    plan: ["cloudtrail:GetTrail", "cloudtrail:ListTags", "kms:GetKeyPolicy"],
    apply: ["cloudtrail:GetTrail", "cloudtrail:UpdateTrail"],
    verify: ["cloudtrail:GetTrail"],
    undo: ["cloudtrail:GetTrail", "cloudtrail:UpdateTrail"],
  },
  writeAction: "cloudtrail:UpdateTrail",

  async goal(settings, finding, ctx: RemediationContext) {
    // By name: a multi-Region trail's copy or an organization trail is found, and declined.
    const trail = await getTrail(ctx, finding.resourceName);
    const refused = notOurs(trail, finding);
    if (refused) return { mode: "declined", reason: refused, state: stateOf(trail) };
    if (!settings.cloudTrailKmsKeyArn) {
      return {
        mode: "declined",
        reason:
          "no cloudTrailKmsKeyArn is configured: CloudTrail has no AWS managed key, so Vigil needs a customer managed key whose policy lets cloudtrail.amazonaws.com call kms:GenerateDataKey* and kms:DescribeKey",
        state: stateOf(trail),
      };
    }
    const key = configuredKey(settings.cloudTrailKmsKeyArn, "cloudTrailKmsKeyArn", finding.region);
    return {
      mode: "kms",
      key: key.arn,
      label: `KMS key ${key.arn}`,
      check: { setting: "cloudTrailKmsKeyArn", region: finding.region },
      // Read above, and checked to be this trail: planning does not read it again.
      state: stateOf(trail),
    };
  },

  async refuse(ctx, trailArn, goal) {
    if (goal.mode !== "kms") return undefined;
    const { Policy } = await serviceClient(ctx, CLOUDTRAIL_ENCRYPTION, KMSClient).send(
      new GetKeyPolicyCommand({ KeyId: goal.key, PolicyName: "default" }),
    );
    const account = trailArn.split(":")[4] ?? "";
    const access = cloudTrailKeyAccess(Policy ?? "", { arn: trailArn, account });
    return access.allowed
      ? undefined
      : `cloudTrailKmsKeyArn ${goal.key} cannot encrypt this trail: ${access.why}; CloudTrail would stop delivering its logs`;
  },

  caveat() {
    return "Whoever reads the log files (people, SIEM, Athena) then needs kms:Decrypt on the key; files already delivered stay as they are.";
  },

  async locate(_ctx, finding) {
    return finding.resourceArn;
  },

  async read(ctx, trailArn) {
    return stateOf(await getTrail(ctx, trailArn));
  },

  async tags(ctx, trailArn) {
    let ResourceTagList: ResourceTag[] = [];
    try {
      ({ ResourceTagList = [] } = await cloudtrail(ctx).send(
        new ListTagsCommand({ ResourceIdList: [trailArn] }),
      ));
    } catch (error) {
      // No trail of that ARN here (a copy of a trail homed elsewhere, an organization trail):
      // the goal already declined it and says why; there are no tags of ours to read.
      if ((error as { name?: string }).name !== "ResourceNotFoundException") throw error;
    }
    const list = ResourceTagList.find((r) => r.ResourceId === trailArn)?.TagsList ?? [];
    return Object.fromEntries(list.map((tag) => [tag.Key ?? "", tag.Value ?? ""]));
  },

  async write(ctx, trailArn, to) {
    // By ARN: UpdateTrail only succeeds in the trail's home region. An empty KmsKeyId turns
    // SSE-KMS off (undo of a trail that had none).
    await cloudtrail(ctx).send(
      new UpdateTrailCommand({ Name: trailArn, KmsKeyId: to.mode === "kms" ? to.key : "" }),
    );
  },
});
