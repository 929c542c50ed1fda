import { JSON_BLOCK_START, type Notification } from "./notification.ts";
import { type JournalOutcome, OUTCOMES } from "./outcomes.ts";

/**
 * Links every alert to the section of docs/oncall-runbook.md that says what it means and what to
 * do. Anchors are GitHub heading slugs ("## Remediation: loop-detected" → remediation-loop-detected);
 * a test checks that every anchor produced here exists in the runbook.
 */

export const RUNBOOK_PATH = "docs/oncall-runbook.md";

/** Section for a failed pager delivery (the SNS copy says nobody was paged). */
export const PAGER_FAILED_ANCHOR = "pager-delivery-failed";

export function runbookAnchor(notification: Notification): string {
  const details = notification.details;
  if (details.event === "test") return "test-alert";
  if (notification.source === "anomaly") {
    const known = ["new-episode", "escalated", "resolved"];
    return `anomaly-${known.includes(String(details.event)) ? details.event : "new-episode"}`;
  }
  if (notification.action === "resolve") return "remediation-resolved";
  const outcome = typeof details.outcome === "string" ? details.outcome : "";
  return (
    (Object.hasOwn(OUTCOMES, outcome) && OUTCOMES[outcome as JournalOutcome].runbook) ||
    "remediation-alerts"
  );
}

/** `base#anchor`; base defaults to the runbook's path in the repository. */
export function runbookLink(anchor: string, base: string = RUNBOOK_PATH): string {
  return `${base.replace(/#.*$/, "")}#${anchor}`;
}

/**
 * Adds the runbook link to the body — after the why and the numbers, before the JSON block — and,
 * for anomalies, says what Vigil did (nothing: detection only alerts). The subject is unchanged.
 */
export function withRunbook(notification: Notification, base?: string): Notification {
  const link = runbookLink(runbookAnchor(notification), base);
  const lines = notification.body.split("\n");
  let jsonAt = lines.indexOf(JSON_BLOCK_START);
  if (jsonAt < 0) jsonAt = lines.length;
  // The runbook closes the text; one blank line stays between the text and the JSON block.
  const runbookAt = jsonAt > 0 && lines[jsonAt - 1] === "" ? jsonAt - 1 : jsonAt;
  lines.splice(runbookAt, 0, `Runbook: ${link}`);
  const isTest = notification.details.event === "test";
  if (notification.source === "anomaly" && notification.action === "trigger" && !isTest) {
    // What Vigil did comes before the next step.
    const nextStep = lines.findIndex((line) => line.startsWith("Next step:"));
    lines.splice(nextStep >= 0 ? nextStep : runbookAt, 0, ANOMALY_ACTION);
  }
  return {
    ...notification,
    body: lines.join("\n"),
    details: { ...notification.details, runbook: link },
  };
}

const ANOMALY_ACTION = "Vigil did: nothing was changed (detection only alerts).";
