import type { Finding } from "./finding.ts";
import type { RemediationOutcomeKind } from "./outcomes.ts";
import type { RemediationPlan } from "./remediation-plan.ts";

/**
 * The runner's safety decisions, as pure functions: which mode applies, whether a resource is
 * protected or exempt, and whether a loop or a burst of changes must stop Vigil. No SDK, no clock:
 * the runner passes `now` and the journal's recent changes in.
 */

export type RemediationMode = "observe" | "notify" | "enforce";
export const REMEDIATION_MODES = ["observe", "notify", "enforce"] as const;

/**
 * IAM-style glob: `*` matches any run of characters (slashes included), `?` one character.
 * Case-insensitive: IAM names are unique regardless of case, and protecting too much is the safe side.
 */
export function globMatch(pattern: string, value: string): boolean {
  const source = pattern
    .split("")
    .map((c) => (c === "*" ? ".*" : c === "?" ? "." : c.replace(/[.+^${}()|[\]\\]/g, "\\$&")))
    .join("");
  return new RegExp(`^${source}$`, "i").test(value);
}

/** Mode for a finding: by rule name, then by finding kind, then the default. */
export function modeFor(
  modes: Readonly<Record<string, RemediationMode>>,
  defaultMode: RemediationMode,
  finding: Pick<Finding, "rule" | "kind">,
): RemediationMode {
  // Own keys only: a rule named "constructor" must not find Object.prototype's.
  const own = (key: string) => (Object.hasOwn(modes, key) ? modes[key] : undefined);
  return own(finding.rule) ?? own(finding.kind) ?? defaultMode;
}

const PRINCIPAL_NAME_KEYS: Record<string, string> = {
  RoleName: "role",
  UserName: "user",
  GroupName: "group",
};

/**
 * ARNs a plan touches: the finding's resource, every ARN in the change parameters and the IAM
 * principals named by RoleName / UserName / GroupName (an admin policy detached from a break-glass
 * role touches that role, not only the policy).
 */
export function touchedArns(
  finding: Pick<Finding, "resourceArn" | "account">,
  changes: RemediationPlan["changes"],
): string[] {
  const partition = finding.resourceArn.split(":")[1] || "aws";
  const arns = new Set<string>([finding.resourceArn]);
  const visit = (value: unknown, key: string | undefined, depth: number): void => {
    if (typeof value === "string") {
      if (value.startsWith("arn:")) arns.add(value);
      const type = key ? PRINCIPAL_NAME_KEYS[key] : undefined;
      if (type) arns.add(`arn:${partition}:iam::${finding.account}:${type}/${value}`);
    } else if (Array.isArray(value) && depth < 4) {
      for (const item of value) visit(item, key, depth + 1);
    } else if (value && typeof value === "object" && depth < 4) {
      for (const [k, v] of Object.entries(value)) visit(v, k, depth + 1);
    }
  };
  for (const change of changes) visit(change.params, undefined, 0);
  return [...arns];
}

/** The first touched ARN that matches a protected pattern. */
export function protectedMatch(
  patterns: readonly string[],
  arns: readonly string[],
): { arn: string; pattern: string } | undefined {
  for (const arn of arns) {
    const pattern = patterns.find((p) => globMatch(p, arn));
    if (pattern) return { arn, pattern };
  }
  return undefined;
}

export interface ExemptionPolicy {
  /** Tag whose value is the reason, e.g. "vigil:exempt". */
  tag: string;
  /** Tag whose value is the expiry, e.g. "vigil:exempt-until". */
  untilTag: string;
  /** An expiry further away than this is refused (no "9999-12-31" exemptions). */
  maxDays: number;
}

/**
 * How resource tags count as exemptions. `off` (default): never; a tagged resource is handled and
 * people are told the tag was ignored. `unverified`: anyone able to tag the resource can exempt it
 * (the owner who made it public, too): only where an SCP keeps vigil:* tags to the security team.
 */
export type TagExemptionMode = "off" | "unverified" | "verified";

/**
 * `verified` mode: whether the last CloudTrail event that set the exemption tags was made by a
 * configured setter (remediation.exemptions.tagSetters). Absent: not checked (not honoured).
 */
export type TagSettingVerdict =
  | { trusted: true; by: string; at: string }
  | { trusted: false; problem: string };

/** One entry of the central exemption list (remediation.exemptions.list). */
export interface CentralExemption {
  /** Resource ARN glob (`*`, `?`), e.g. arn:aws:s3:::acme-public-site. */
  resource: string;
  reason: string;
  /** Who approved it (a person or a ticket): shown with every exemption honoured. */
  approver: string;
  /** ISO date or date-time; at most `maxDays` away. */
  until: string;
  /** Where the entry came from when not the config file, e.g. "SSM /vigil/exemptions/site". */
  origin?: string;
}

/** The exemption sources: the central list first, then the resource's tags if they count. */
export interface ExemptionSources extends ExemptionPolicy {
  tags: TagExemptionMode;
  list: readonly CentralExemption[];
  /** `verified` mode: who set the tags, as CloudTrail tells it. */
  tagSetting?: TagSettingVerdict;
}

export type Exemption =
  | { status: "none" }
  | {
      status: "valid";
      reason: string;
      until: string;
      /** What granted it: "list" (approved centrally) or "tags" (set on the resource). */
      source?: "list" | "tags";
    }
  /** Tags present but unusable: NOT exempt (fail closed), and people are told why. */
  | { status: "invalid"; problem: string };

const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * Parses an exemption expiry. A date alone ("2026-12-31") is valid through the end of that day
 * (UTC); a date-time needs a zone. Returns the first instant the exemption no longer holds.
 */
export function parseExemptionUntil(value: string): number | undefined {
  const trimmed = value.trim();
  const dateOnly = DATE_ONLY.exec(trimmed);
  if (dateOnly) {
    const [y, m, d] = [Number(dateOnly[1]), Number(dateOnly[2]), Number(dateOnly[3])];
    const start = Date.UTC(y, m - 1, d);
    const check = new Date(start);
    // Rejects 2026-02-30 and the like, which Date.UTC would roll over silently.
    if (check.getUTCFullYear() !== y || check.getUTCMonth() !== m - 1 || check.getUTCDate() !== d)
      return undefined;
    return start + 86_400_000;
  }
  if (!DATE_TIME.test(trimmed)) return undefined;
  const parsed = Date.parse(trimmed);
  return Number.isNaN(parsed) ? undefined : parsed;
}

function findTag(tags: Readonly<Record<string, string>>, key: string) {
  if (key in tags) return { key, value: tags[key] as string };
  const lower = key.toLowerCase();
  const near = Object.keys(tags).find((k) => k.toLowerCase() === lower);
  return near === undefined ? undefined : { key: near, value: tags[near] as string };
}

export function evaluateExemption(
  tags: Readonly<Record<string, string>>,
  policy: ExemptionPolicy,
  now: number,
): Exemption {
  const reasonTag = findTag(tags, policy.tag);
  const untilTag = findTag(tags, policy.untilTag);
  if (!reasonTag && !untilTag) return { status: "none" };
  for (const [found, wanted] of [
    [reasonTag, policy.tag],
    [untilTag, policy.untilTag],
  ] as const) {
    if (found && found.key !== wanted) {
      return {
        status: "invalid",
        problem: `tag "${found.key}" must be spelled exactly "${wanted}"`,
      };
    }
  }
  if (!reasonTag || reasonTag.value.trim() === "") {
    return {
      status: "invalid",
      problem: `"${policy.tag}" tag missing or empty: an exemption needs a reason`,
    };
  }
  if (!untilTag) {
    return {
      status: "invalid",
      problem: `"${policy.untilTag}" tag missing: an exemption needs an expiry date`,
    };
  }
  const until = parseExemptionUntil(untilTag.value);
  if (until === undefined) {
    return {
      status: "invalid",
      problem: `"${policy.untilTag}" is "${untilTag.value}", not an ISO date (YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ)`,
    };
  }
  const untilIso = new Date(until).toISOString();
  if (until <= now) {
    return { status: "invalid", problem: `exemption expired at ${untilIso}` };
  }
  if (until - now > policy.maxDays * 86_400_000) {
    return {
      status: "invalid",
      problem: `exemption until ${untilIso} is more than ${policy.maxDays} days away`,
    };
  }
  return { status: "valid", reason: reasonTag.value.trim(), until: untilIso };
}

/** The expiry of a central entry, checked like a tag's. */
function expiryProblem(
  value: string,
  now: number,
  maxDays: number,
): { problem: string } | { until: string } {
  const until = parseExemptionUntil(value);
  if (until === undefined) return { problem: `until "${value}" is not an ISO date` };
  const untilIso = new Date(until).toISOString();
  if (until <= now) return { problem: `exemption expired at ${untilIso}` };
  if (until - now > maxDays * 86_400_000) {
    return { problem: `exemption until ${untilIso} is more than ${maxDays} days away` };
  }
  return { until: untilIso };
}

/**
 * The exemption that holds for `resourceArn`, if any: a valid central entry first (the recommended
 * source: an owner cannot grant it himself), then the resource's tags when they count. Unusable
 * entries or ignored tags come back as `invalid`, so people hear that someone tried.
 */
export function evaluateExemptions(
  resourceArn: string,
  tags: Readonly<Record<string, string>>,
  sources: ExemptionSources,
  now: number,
): Exemption {
  const problems: string[] = [];
  for (const entry of sources.list) {
    if (!globMatch(entry.resource, resourceArn)) continue;
    const expiry = expiryProblem(entry.until, now, sources.maxDays);
    if ("problem" in expiry) {
      problems.push(`central exemption ${entry.resource}: ${expiry.problem}`);
      continue;
    }
    return {
      status: "valid",
      reason: `${entry.reason} (approved by ${entry.approver}${entry.origin ? `, ${entry.origin}` : ""})`,
      until: expiry.until,
      source: "list",
    };
  }
  const fromTags = evaluateExemption(tags, sources, now);
  if (fromTags.status !== "none" && sources.tags === "off") {
    problems.push(
      `exemption tags "${sources.tag}"/"${sources.untilTag}" are not honoured (remediation.exemptions.tags is off): an exemption is an entry in remediation.exemptions.list, approved by security`,
    );
  } else if (fromTags.status === "valid" && sources.tags === "verified") {
    const setting = sources.tagSetting;
    if (setting?.trusted) {
      return {
        ...fromTags,
        reason: `${fromTags.reason} (tags set by ${setting.by} at ${setting.at})`,
        source: "tags",
      };
    }
    problems.push(
      `exemption tags are not honoured (remediation.exemptions.tags is verified): ${setting?.problem ?? "who set them was not checked"}`,
    );
  } else if (fromTags.status === "valid") {
    return { ...fromTags, source: "tags" };
  } else if (fromTags.status === "invalid") {
    problems.push(fromTags.problem);
  }
  return problems.length > 0
    ? { status: "invalid", problem: problems.join("; ") }
    : { status: "none" };
}

/** One change Vigil applied, as the journal's indexes know it. */
export interface AppliedChangeRef {
  journalId: string;
  findingId: string;
  /** Epoch ms of the run that applied it. */
  time: number;
  /** How many changes that run planned (index entries written before this was kept: 1). */
  changes?: number;
}

/**
 * How many distinct findings changed something since `since`, not counting `exceptFindingId`
 * (a retry of the current finding is not a second change).
 */
export function countRecentChanges(
  changes: readonly AppliedChangeRef[],
  since: number,
  exceptFindingId: string,
): number {
  const findings = new Set<string>();
  for (const c of changes) {
    if (c.time >= since && c.findingId !== exceptFindingId) findings.add(c.findingId);
  }
  return findings.size;
}

/**
 * How many changes Vigil made since `since`, by the runs' planned change counts, not counting
 * `exceptFindingId` (a retry of the current finding is not a second change): the rate limit
 * counts changes, so one finding touching 25 principals spends 25 (issue 14 item 8).
 */
export function sumRecentChanges(
  changes: readonly AppliedChangeRef[],
  since: number,
  exceptFindingId: string,
): number {
  const runs = new Map<string, number>();
  for (const c of changes) {
    if (c.time >= since && c.findingId !== exceptFindingId) runs.set(c.journalId, c.changes ?? 1);
  }
  return [...runs.values()].reduce((sum, n) => sum + n, 0);
}

export interface GuardInput {
  finding: Finding;
  plan: Pick<RemediationPlan, "changes" | "tags" | "intentionallyPublic">;
  mode: RemediationMode;
  dryRun: boolean;
  now: number;
  protectedPrincipals: readonly string[];
  exemption: ExemptionSources;
  remediateIntentionallyPublic: boolean;
  /** Changes Vigil applied to this resource (at least the loop-breaker window). */
  recentResourceChanges: readonly AppliedChangeRef[];
  /** Changes Vigil applied in this account (at least the rate-limit window). */
  recentAccountChanges: readonly AppliedChangeRef[];
  loopBreaker: { maxRemediations: number; windowMinutes: number };
  rateLimit: { maxChanges: number; windowMinutes: number; maxChangesPerFinding: number };
}

export type GuardVerdict =
  | "apply"
  | Extract<
      RemediationOutcomeKind,
      | "protected"
      | "exempt"
      | "intentionally-public"
      | "loop-detected"
      | "rate-limited"
      | "observed"
      | "notified"
      | "would-change"
    >;

export interface GuardDecision {
  verdict: GuardVerdict;
  reason: string;
  /** Exemption tags that were present but not honoured (malformed, expired …). */
  exemptionProblem?: string;
  /** The exemption honoured (verdict "exempt"): what people are told once. */
  exemption?: { source: "list" | "tags"; reason: string; until: string };
}

/**
 * Decides what happens to a plan that has changes, in a fixed order: protected principals,
 * exemption, intentionally public, then (enforce only) loop breaker and rate limit, then mode and
 * dry run. Loop and rate guards only matter when Vigil is about to change something.
 */
export function decide(input: GuardInput): GuardDecision {
  const { finding, plan } = input;
  const guarded = protectedMatch(input.protectedPrincipals, touchedArns(finding, plan.changes));
  if (guarded) {
    return {
      verdict: "protected",
      reason: `${guarded.arn} is protected (matches ${guarded.pattern}): Vigil never changes it`,
    };
  }

  const exemption = evaluateExemptions(finding.resourceArn, plan.tags, input.exemption, input.now);
  if (exemption.status === "valid") {
    const source = exemption.source ?? "tags";
    return {
      verdict: "exempt",
      reason: `exempt until ${exemption.until}: ${exemption.reason} [${source === "list" ? "central exemption list" : "resource tags"}]`,
      exemption: { source, reason: exemption.reason, until: exemption.until },
    };
  }
  const problem = exemption.status === "invalid" ? { exemptionProblem: exemption.problem } : {};
  const notHonoured =
    exemption.status === "invalid" ? ` (exemption not honoured: ${exemption.problem})` : "";

  if (plan.intentionallyPublic && !input.remediateIntentionallyPublic) {
    return {
      verdict: "intentionally-public",
      reason: `looks public on purpose (${plan.intentionallyPublic}): not changed; confirm it with an entry in remediation.exemptions.list or fix it by hand${notHonoured}`,
      ...problem,
    };
  }

  if (input.mode === "enforce") {
    const loopSince = input.now - input.loopBreaker.windowMinutes * 60_000;
    const resourceChanges = countRecentChanges(input.recentResourceChanges, loopSince, finding.id);
    if (resourceChanges >= input.loopBreaker.maxRemediations) {
      return {
        verdict: "loop-detected",
        reason: `Vigil already changed this resource for ${resourceChanges} findings in the last ${input.loopBreaker.windowMinutes} min: something keeps reverting it (IaC or a person?); stopped${notHonoured}`,
        ...problem,
      };
    }
    const planned = plan.changes.length;
    if (planned > input.rateLimit.maxChangesPerFinding) {
      // None of them, not the first N: a half-applied plan leaves the finding open and its undo
      // partial, and an attacker who inflates a plan would choose which part is cut.
      return {
        verdict: "rate-limited",
        reason: `the plan has ${planned} changes, more than maxChangesPerFinding ${input.rateLimit.maxChangesPerFinding}: none applied, the whole plan goes to people instead${notHonoured}`,
        ...problem,
      };
    }
    const rateSince = input.now - input.rateLimit.windowMinutes * 60_000;
    const accountChanges = sumRecentChanges(input.recentAccountChanges, rateSince, finding.id);
    // This plan's own changes count too: one finding cannot spend more than the window allows.
    if (accountChanges + planned > input.rateLimit.maxChanges) {
      return {
        verdict: "rate-limited",
        reason: `rate limit: ${accountChanges} changes in account ${finding.account} in the last ${input.rateLimit.windowMinutes} min, ${planned} more planned (max ${input.rateLimit.maxChanges}): not applied, people notified instead${notHonoured}`,
        ...problem,
      };
    }
  }

  switch (input.mode) {
    case "observe":
      return {
        verdict: "observed",
        reason: `mode observe: plan logged only${notHonoured}`,
        ...problem,
      };
    case "notify":
      return {
        verdict: "notified",
        reason: `mode notify: change planned, not applied${notHonoured}`,
        ...problem,
      };
    case "enforce":
      return input.dryRun
        ? {
            verdict: "would-change",
            reason: `dry run: would have applied ${plan.changes.length} change(s)${notHonoured}`,
            ...problem,
          }
        : {
            verdict: "apply",
            reason: `mode enforce: applying ${plan.changes.length} change(s)${notHonoured}`,
            ...problem,
          };
  }
}
