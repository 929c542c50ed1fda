import { canonicalJson } from "./iam-policy.ts";
import { describeValue, differingPaths } from "./journal-integrity.ts";

/**
 * What `vigil undo --dry-run` shows for one setting of the resource: what it was before Vigil,
 * what Vigil left, what it is now, and what undo would set. Pure.
 */
export interface UndoDiffRow {
  /** Dotted path in the remediation's read-back state, e.g. "publicAccessBlock.BlockPublicAcls". */
  path: string;
  before: string;
  afterVigil: string;
  now: string;
  undoSets: string;
}

/**
 * The settings an undo would touch or that moved since Vigil's change. Compared over the keys of
 * the state read back now (`verify`'s shape): `before` may hold more (the bucket's name, website
 * settings) that undo does not restore.
 */
export function undoDiff(
  before: Record<string, unknown>,
  afterVigil: Record<string, unknown> | null,
  now: Record<string, unknown>,
): UndoDiffRow[] {
  const pick = (state: Record<string, unknown> | null) =>
    Object.fromEntries(Object.keys(now).map((key) => [key, state?.[key]]));
  const target = pick(before);
  const recorded = pick(afterVigil);
  const paths = new Set([
    ...differingPaths(now, target).map((d) => d.path),
    ...differingPaths(recorded, now).map((d) => d.path),
  ]);
  return [...paths].sort().map((path) => ({
    path,
    before: describeValue(at(target, path)),
    afterVigil: afterVigil === null ? "not recorded" : describeValue(at(recorded, path)),
    now: describeValue(at(now, path)),
    undoSets:
      canonicalJson(at(now, path) ?? null) === canonicalJson(at(target, path) ?? null)
        ? "unchanged"
        : describeValue(at(target, path)),
  }));
}

function at(state: unknown, path: string): unknown {
  if (path === "(state)") return state;
  let value = state;
  for (const key of path.split(".")) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}
