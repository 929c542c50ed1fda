import { globToRegExp } from "./glob.ts";
import { asList, isRecord, parsePolicy, statementLabel } from "./resource-policy/document.ts";

/**
 * Whether a KMS key policy lets CloudTrail encrypt a trail's log files: the CloudTrail User Guide
 * ("Configure AWS KMS key policies for CloudTrail") requires the key policy to let the service
 * principal cloudtrail.amazonaws.com call kms:GenerateDataKey* (encrypt) and kms:DescribeKey
 * (describe the key). A trail pointed at a key that does not allow it stops delivering logs
 * (UpdateTrail fails with InsufficientEncryptionPolicy at best), so Vigil only sets a key whose
 * policy it has read and understood.
 *
 * Conservative by design: an Allow counts only when its conditions are ones CloudTrail's own
 * documented key policy uses (the trail's encryption context, aws:SourceArn, aws:SourceAccount)
 * and they match this trail; any Deny that could apply to CloudTrail refuses the key.
 */

const CLOUDTRAIL = "cloudtrail.amazonaws.com";
/** What CloudTrail must be allowed, each as the policy's reader names it. */
const NEEDED: ReadonlyArray<{
  label: string;
  actions: readonly string[];
  /** Whether CloudTrail's request carries the trail's encryption context (data keys only). */
  withContext: boolean;
}> = [
  {
    label: "kms:GenerateDataKey*",
    actions: ["kms:GenerateDataKey", "kms:GenerateDataKeyWithoutPlaintext"],
    withContext: true,
  },
  { label: "kms:DescribeKey", actions: ["kms:DescribeKey"], withContext: false },
];
const CONTEXT_KEY = "kms:encryptioncontext:aws:cloudtrail:arn";
const IF_EXISTS = "IfExists";

/** Condition keys CloudTrail's key policy uses, and the value each must match (lower-case keys). */
type Known = "trailArn" | "account";
const KNOWN_KEYS: Readonly<Record<string, Known>> = {
  "kms:encryptioncontext:aws:cloudtrail:arn": "trailArn",
  "aws:sourcearn": "trailArn",
  "aws:sourceaccount": "account",
};
const OPERATORS: Readonly<Record<string, "exact" | "glob">> = {
  StringEquals: "exact",
  ArnEquals: "exact",
  StringLike: "glob",
  ArnLike: "glob",
};

export type CloudTrailKeyAccess = { allowed: true } | { allowed: false; why: string };

function matchesAny(patterns: readonly string[], value: string): boolean {
  return patterns.some((p) => globToRegExp(p.toLowerCase()).test(value.toLowerCase()));
}

function namesCloudTrail(statement: Record<string, unknown>): boolean {
  if (statement.Principal === "*") return true;
  if (!isRecord(statement.Principal)) return false;
  const { Service, AWS } = statement.Principal;
  return asList(Service).includes(CLOUDTRAIL) || asList(AWS).includes("*");
}

function covers(statement: Record<string, unknown>, needed: readonly string[]): boolean {
  const actions = asList(statement.Action);
  return needed.every((action) => matchesAny(actions, action));
}

/**
 * Why the statement's conditions may not hold for this trail's request; undefined when they do.
 *
 * `…IfExists` operators hold when the key is absent from the request, else compare as the plain
 * operator. CloudTrail's requests carry aws:SourceArn and aws:SourceAccount, and its data-key
 * requests the trail's encryption context: those values must match either way. kms:DescribeKey
 * carries no encryption context, so a plain condition on it never holds there, an IfExists one
 * always does.
 */
function conditionProblem(
  condition: unknown,
  trail: { arn: string; account: string },
  withContext: boolean,
): string | undefined {
  if (condition === undefined) return undefined;
  if (!isRecord(condition)) return "a condition Vigil cannot read";
  for (const [operator, entries] of Object.entries(condition)) {
    const ifExists = operator.endsWith(IF_EXISTS);
    const how = OPERATORS[ifExists ? operator.slice(0, -IF_EXISTS.length) : operator];
    if (!how || !isRecord(entries)) return `condition operator ${operator}`;
    for (const [key, values] of Object.entries(entries)) {
      const known = KNOWN_KEYS[key.toLowerCase()];
      if (!known) return `condition key ${key}`;
      if (!withContext && key.toLowerCase() === CONTEXT_KEY) {
        if (ifExists) continue;
        return `${operator} ${key}: kms:DescribeKey requests carry no encryption context`;
      }
      const value = known === "trailArn" ? trail.arn : trail.account;
      const list = asList(values);
      const ok =
        how === "exact"
          ? list.some((v) => v.toLowerCase() === value.toLowerCase())
          : matchesAny(list, value);
      if (!ok)
        return `${operator} ${key} ${JSON.stringify(values)}, which this trail does not match`;
    }
  }
  return undefined;
}

export function cloudTrailKeyAccess(
  policy: string,
  trail: { arn: string; account: string },
): CloudTrailKeyAccess {
  let statements: unknown[];
  try {
    statements = parsePolicy(policy).statements;
  } catch (error) {
    return { allowed: false, why: `its key policy cannot be read (${(error as Error).message})` };
  }
  for (const { label, actions, withContext } of NEEDED) {
    let allowed = false;
    const unmet: string[] = [];
    for (const [index, statement] of statements.entries()) {
      if (!isRecord(statement) || !namesCloudTrail(statement) || !covers(statement, actions)) {
        continue;
      }
      if (statement.Effect === "Deny") {
        return {
          allowed: false,
          why: `its key policy's ${statementLabel(statement, index)} denies ${CLOUDTRAIL} ${label}`,
        };
      }
      if (statement.Effect !== "Allow") continue;
      const problem = conditionProblem(statement.Condition, trail, withContext);
      if (problem === undefined) allowed = true;
      else unmet.push(`${statementLabel(statement, index)} (${problem})`);
    }
    if (!allowed) {
      const near = unmet.length > 0 ? `; not counted: ${unmet.join(", ")}` : "";
      return {
        allowed: false,
        why: `its key policy does not let ${CLOUDTRAIL} use ${label} for this trail${near}`,
      };
    }
  }
  return { allowed: true };
}
