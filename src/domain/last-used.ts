/**
 * IAM's "service last accessed" data as evidence in a plan: "last used 3 days ago for s3, never
 * for iam". Pure: the reads are in src/remediations/iam/last-accessed.ts.
 */

export interface ServiceLastUsed {
  /** Service namespace as in IAM actions: "s3", "iam". */
  service: string;
  /** ISO time of the last authenticated use, or null: not used within IAM's tracking period. */
  lastAuthenticated: string | null;
}

/** What planning learnt, or why it has nothing (it proceeds either way). */
export type LastUsedEvidence =
  | { ok: true; services: ServiceLastUsed[] }
  | { ok: false; why: string };

/** The services a grant covers: namespaces, or "all" (Action *, or a policy judged by name only). */
export type ServiceScope = readonly string[] | "all";

const DAY_MS = 86_400_000;
const MAX_NAMED = 6;

function daysAgo(iso: string, now: number): number {
  return Math.max(0, Math.floor((now - Date.parse(iso)) / DAY_MS));
}

function relevant(evidence: ServiceLastUsed[], scope: ServiceScope): ServiceLastUsed[] {
  if (scope === "all") return evidence;
  const wanted = new Set(scope.map((service) => service.toLowerCase()));
  const known = evidence.filter((entry) => wanted.has(entry.service.toLowerCase()));
  // A service IAM lists nothing for is one never used through this principal.
  const listed = new Set(known.map((entry) => entry.service.toLowerCase()));
  const unlisted = [...wanted]
    .filter((service) => !listed.has(service))
    .map((service) => ({ service, lastAuthenticated: null }));
  return [...known, ...unlisted];
}

/** Services of actions ("iam:PassRole" → "iam"); "*" anywhere means all. */
export function servicesOf(actions: readonly string[]): ServiceScope {
  if (actions.some((action) => action.trim().startsWith("*"))) return "all";
  return [...new Set(actions.map((action) => action.split(":")[0]?.toLowerCase() ?? ""))]
    .filter((service) => service !== "")
    .sort();
}

/**
 * One line: "last used 3 days ago for s3, today for lambda; never for iam, sts (IAM last
 * accessed, 400-day window)". Used services first, most recent first; bounded.
 */
export function lastUsedLine(
  subject: string,
  evidence: LastUsedEvidence,
  scope: ServiceScope,
  now: number,
): string {
  if (!evidence.ok)
    return `${subject}: no last-used evidence (${evidence.why}); planned without it`;
  const entries = relevant(evidence.services, scope);
  const used = entries
    .filter((entry): entry is ServiceLastUsed & { lastAuthenticated: string } =>
      Boolean(entry.lastAuthenticated),
    )
    .sort((a, b) => Date.parse(b.lastAuthenticated) - Date.parse(a.lastAuthenticated));
  const never = entries
    .filter((entry) => !entry.lastAuthenticated)
    .map((e) => e.service)
    .sort();
  const when = (iso: string) => {
    const days = daysAgo(iso, now);
    return days === 0 ? "today" : days === 1 ? "1 day ago" : `${days} days ago`;
  };
  const parts: string[] = [];
  if (used.length > 0) {
    const named = used
      .slice(0, MAX_NAMED)
      .map((e) => `${when(e.lastAuthenticated)} for ${e.service}`);
    const more = used.length > MAX_NAMED ? ` (+${used.length - MAX_NAMED} more)` : "";
    parts.push(`last used ${named.join(", ")}${more}`);
  }
  if (never.length > 0) {
    const shown = never.slice(0, MAX_NAMED).join(", ");
    const more = never.length > MAX_NAMED ? ` (+${never.length - MAX_NAMED} more)` : "";
    parts.push(`never for ${shown}${more}`);
  }
  if (parts.length === 0) parts.push("no service listed");
  return `${subject}: ${parts.join("; ")} (IAM service last accessed, 400-day window)`;
}

/** True when one of the scope's services was used within the last `days` days. */
export function usedWithinDays(
  evidence: LastUsedEvidence,
  scope: ServiceScope,
  days: number,
  now: number,
): boolean {
  if (!evidence.ok) return false;
  return relevant(evidence.services, scope).some(
    (entry) =>
      entry.lastAuthenticated !== null && now - Date.parse(entry.lastAuthenticated) < days * DAY_MS,
  );
}
