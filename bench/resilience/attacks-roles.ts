/**
 * Issue 14 item 6: the remediator roles carried undo's power. The attack: whoever controls an
 * always-on remediator (a forged finding, a bug, stolen function credentials) asks it to attach an
 * admin policy to his own user. Replayed with an IAM policy simulator
 * (@cloud-copilot/iam-simulate) on the generated templates as deployed (deploy/iam-roles.json,
 * deploy/member-account.yaml): IAM's own semantics, not a list comparison. Blocked when no
 * always-on role can attach or put an identity policy, and the operator roles still can (undo
 * must keep working).
 */
import { readFile } from "node:fs/promises";
import { runSimulation } from "@cloud-copilot/iam-simulate";
import { parse } from "yaml";
import type { Attack } from "./attacks.ts";

const HOME = "111122223333";
const MEMBER = "444455556666";

type Json = unknown;

/** The templates' intrinsics resolved enough to simulate: names of Vigil's own resources. */
function resolver(account: string) {
  const names: Record<string, string> = {
    "AWS::Partition": "aws",
    "AWS::AccountId": account,
    "AWS::Region": "eu-west-1",
    CentralAccountId: HOME,
    VigilStage: "prod",
    "sls:stage": "prod",
  };
  const resolve = (value: Json): Json => {
    if (Array.isArray(value)) return value.map(resolve);
    if (value === null || typeof value !== "object") return value;
    const object = value as Record<string, Json>;
    if ("Fn::Sub" in object) {
      return (object["Fn::Sub"] as string).replace(
        /\$\{([^}]+)\}/g,
        (_, n: string) => names[n] ?? `arn:aws:vigil:eu-west-1:${account}:${n}`,
      );
    }
    if ("Fn::GetAtt" in object) {
      const [id] = object["Fn::GetAtt"] as [string];
      return `arn:aws:vigil:eu-west-1:${account}:${id}`;
    }
    if ("Ref" in object) return `vigil-${String(object.Ref)}`;
    return Object.fromEntries(Object.entries(object).map(([k, v]) => [k, resolve(v)]));
  };
  return resolve;
}

interface Role {
  name: string;
  account: string;
  policies: Json[];
}

type Resources = Record<string, { Type: string; Properties: Record<string, Json> }>;

function rolesOf(resources: Resources, account: string): Role[] {
  const resolve = resolver(account);
  return Object.entries(resources)
    .filter(([, r]) => r.Type === "AWS::IAM::Role")
    .map(([id, r]) => ({
      name: id,
      account,
      policies: ((r.Properties.Policies ?? []) as { PolicyDocument: Json }[]).map((p) =>
        resolve(p.PolicyDocument),
      ),
    }));
}

async function allowed(role: Role, action: string, resource: string): Promise<boolean> {
  const result = await runSimulation(
    {
      identityPolicies: role.policies.map((policy, i) => ({ name: `p${i}`, policy })) as never,
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      request: {
        action,
        principal: `arn:aws:iam::${role.account}:role/${role.name}`,
        resource: { resource, accountId: role.account },
        contextVariables: {},
      },
    },
    {},
  );
  if (result.resultType === "error") throw new Error(JSON.stringify(result.errors));
  return result.overallResult === "Allowed";
}

/** Calls that grant access to a principal: undo's, and what an attacker wants. */
const GRANTS = (account: string): [string, string][] => [
  ["iam:AttachUserPolicy", `arn:aws:iam::${account}:user/mallory`],
  ["iam:AttachRolePolicy", `arn:aws:iam::${account}:role/mallory-ci`],
  ["iam:AttachGroupPolicy", `arn:aws:iam::${account}:group/mallory-friends`],
  ["iam:PutUserPolicy", `arn:aws:iam::${account}:user/mallory`],
  ["iam:PutGroupPolicy", `arn:aws:iam::${account}:group/mallory-friends`],
];

export const ROLE_ATTACKS: readonly Attack[] = [
  {
    item: 6,
    name: "an always-on remediator role (home or member) attaches an admin policy to the attacker's user",
    async replay() {
      const home = JSON.parse(await readFile("deploy/iam-roles.json", "utf8")) as {
        Resources: Resources;
      };
      const member = parse(await readFile("deploy/member-account.yaml", "utf8")) as {
        Resources: Resources;
      };
      const roles = [...rolesOf(home.Resources, HOME), ...rolesOf(member.Resources, MEMBER)];
      const operators = new Set(["VigilOperatorRole"]);
      const granting: string[] = [];
      const operatorMissing: string[] = [];
      for (const role of roles) {
        for (const [action, target] of GRANTS(role.account)) {
          const can = await allowed(role, action, target);
          if (can && !operators.has(role.name)) granting.push(`${role.name} ${action}`);
          if (!can && operators.has(role.name)) operatorMissing.push(`${role.name} ${action}`);
        }
      }
      const operatorRoles = roles.filter((r) => operators.has(r.name)).length;
      return {
        blocked: granting.length === 0 && operatorMissing.length === 0 && operatorRoles === 2,
        detail: `always-on roles that can grant: ${granting.join(", ") || "none"}; operator roles (${operatorRoles}) missing: ${operatorMissing.join(", ") || "none"}`,
      };
    },
  },
];
