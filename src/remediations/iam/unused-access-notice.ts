import type { FindingDetails } from "@aws-sdk/client-accessanalyzer";
import { z } from "zod";
import type { Finding } from "../../domain/finding.ts";
import type { RemediationPlan } from "../../domain/remediation-plan.ts";
import { defineRemediation } from "../define.ts";
import { unusedAccessSettings } from "./settings.ts";
import {
  GET_FINDING_ACTION,
  lastUsedText,
  readUnusedAccessDetails,
} from "./unused-access-details.ts";

/**
 * Unused access Vigil tells about and never changes: a console password (UnusedIAMUserPassword:
 * a deleted login profile's password is gone for good, so no undo could give it back), a role
 * nobody assumed (UnusedIAMRole) and permissions granted but unused (UnusedPermission: the alert
 * proposes the narrowed grant, services and actions from the analyzer's GetFindingV2). Each is
 * told once (the plan's `declined`), and told again when what the analyzer reports changes.
 */
export const IAM_UNUSED_ACCESS_NOTICE = "iam-unused-access-notice";

const NOTICE_KINDS: Partial<Record<Finding["kind"], readonly Finding["resourceType"][]>> = {
  "iam-unused-password": ["AWS::IAM::User"],
  "iam-unused-role": ["AWS::IAM::Role"],
  "iam-unused-permission": ["AWS::IAM::User", "AWS::IAM::Role"],
};

/** Services and actions to take away, one line each, most unused first (at most `max` lines). */
export function narrowedGrantLines(details: FindingDetails[], now: number, max = 20): string[] {
  const lines = details
    .map((d) => d.unusedPermissionDetails)
    .filter((d) => d !== undefined)
    .map((d) => {
      const actions = (d.actions ?? []).map((a) => a.action).filter((a) => a !== undefined);
      const what =
        actions.length > 0
          ? `remove ${actions.sort().join(", ")}`
          : `remove every ${d.serviceNamespace} action (${d.serviceNamespace}:*)`;
      return {
        line: `${what}: ${lastUsedText(d.lastAccessed, now)}`,
        at: d.lastAccessed?.getTime() ?? 0,
      };
    })
    .sort((a, b) => a.at - b.at || a.line.localeCompare(b.line))
    .map((entry) => entry.line);
  if (lines.length <= max) return lines;
  return [...lines.slice(0, max), `… and ${lines.length - max} more (GetFindingV2 lists them all)`];
}

function noticeFor(finding: Finding, details: FindingDetails[], now: number) {
  const who = `${finding.resourceType === "AWS::IAM::User" ? "user" : "role"} ${finding.resourceName}`;
  if (finding.kind === "iam-unused-password") {
    const last = details.find((d) => d.unusedIamUserPasswordDetails)?.unusedIamUserPasswordDetails;
    return {
      declined: `${who} has a console password ${lastUsedText(last?.lastAccessed, now)}: Vigil never deletes a login profile (a password cannot be recovered, so it could not be undone). If the user no longer signs in, delete it: aws iam delete-login-profile --user-name ${finding.resourceName}`,
      notes: [],
    };
  }
  if (finding.kind === "iam-unused-role") {
    const last = details.find((d) => d.unusedIamRoleDetails)?.unusedIamRoleDetails;
    return {
      declined: `${who} is unused (${lastUsedText(last?.lastAccessed, now)}): Vigil leaves roles in place; delete it, or archive the finding if it is kept on purpose`,
      notes: [],
    };
  }
  const lines = narrowedGrantLines(details, now);
  return {
    declined: `${who} has permissions it does not use; Vigil proposes the narrowed grant and never applies it:\n${lines.map((line) => `- ${line}`).join("\n")}`,
    notes: lines,
  };
}

export const iamUnusedAccessNotice = defineRemediation({
  name: IAM_UNUSED_ACCESS_NOTICE,
  description:
    "Tell about an unused password, role or permissions, with the narrowed grant proposed (never changes anything)",
  handles: (finding) => NOTICE_KINDS[finding.kind]?.includes(finding.resourceType) === true,
  settings: unusedAccessSettings,
  before: z.object({}),
  permissions: { plan: [GET_FINDING_ACTION], apply: [], verify: [], undo: [] },

  async plan(ctx, finding): Promise<RemediationPlan> {
    const found = await readUnusedAccessDetails(ctx, finding);
    const base = {
      remediation: IAM_UNUSED_ACCESS_NOTICE,
      finding,
      before: {},
      tags: {},
      changes: [],
    };
    if (found.status !== "ACTIVE") {
      const reason = `analyzer finding is ${found.status}: nothing to tell`;
      return { ...base, summary: reason, reason };
    }
    const { declined, notes } = noticeFor(finding, found.details, Date.now());
    return {
      ...base,
      summary: declined.split("\n")[0] ?? declined,
      reason: declined,
      declined,
      notes,
    };
  },
  async apply() {
    throw new Error(`${IAM_UNUSED_ACCESS_NOTICE} plans no changes: nothing to apply`);
  },
  async verify() {
    return { ok: true, after: {}, detail: "nothing was changed" };
  },
  async undo() {
    return { ok: true, after: {}, detail: "nothing was changed" };
  },
});
