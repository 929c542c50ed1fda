import type { AlertDestination, AlertRoute } from "./alert-route.ts";
import type { Notification } from "./notification.ts";

/**
 * Where a notification goes: routes by severity, source and remediation outcome, first match
 * wins. Shared by the routing notifier (one alert at a time) and the detect run (which must know
 * before sending whether an incident would page, to keep the page budget).
 */

function routeMatches(
  route: AlertRoute,
  facts: { severity?: string; source: string; outcome?: string },
): boolean {
  // The route's values are typed enums; the facts are whatever the notification carries.
  const severity: readonly string[] | undefined = route.when.severity;
  const source: readonly string[] | undefined = route.when.source;
  const outcome: readonly string[] | undefined = route.when.outcome;
  if (severity && !(facts.severity && severity.includes(facts.severity))) return false;
  if (source && !source.includes(facts.source)) return false;
  if (outcome && !(facts.outcome && outcome.includes(facts.outcome))) return false;
  return true;
}

/**
 * Destinations for a notification; first matching route wins. A resolve goes to every destination
 * a trigger of its source could have reached (a PagerDuty resolve for an incident that was never
 * opened is a no-op): a remediation resolve does not say what its trigger was, and an anomaly
 * resolve's severity is not the one it paged with once the episode outlasts detect's look-back
 * (a critical episode whose band periods left the look-back resolves as a warning, and routing that
 * by severity left the page open in PagerDuty).
 */
export function destinationsFor(
  routes: readonly AlertRoute[],
  notification: Notification,
): AlertDestination[] {
  const d = notification.details;
  const outcome =
    typeof d.outcome === "string"
      ? d.outcome
      : typeof notification.attributes.outcome === "string"
        ? notification.attributes.outcome
        : undefined;
  if (notification.action === "resolve") {
    const all = new Set<AlertDestination>();
    for (const route of routes) {
      const { source } = route.when;
      if (!source || source.includes(notification.source)) {
        for (const to of route.to) all.add(to);
      }
    }
    return [...all];
  }
  const route = routes.find((r) =>
    routeMatches(r, {
      severity: notification.severity,
      source: notification.source,
      ...(outcome ? { outcome } : {}),
    }),
  );
  return route ? [...route.to] : [];
}
