import { redactDocuments } from "./document-redaction.ts";
import type { Finding } from "./finding.ts";
import type { JournalRecord } from "./journal-record.ts";
import { jsonBlock, type Notification } from "./notification.ts";
import type { JournalOutcome } from "./outcomes.ts";
import { OUTCOMES } from "./outcomes.ts";

/** One incident per resource and rule, whatever event or sweep reported it. */
export function remediationDedupKey(
  finding: Pick<Finding, "account" | "region" | "resourceId" | "rule">,
): string {
  return `vigil:remediation:${finding.account}/${finding.region}/${finding.resourceId}/${finding.rule}`;
}

export function shouldNotify(
  record: Pick<JournalRecord, "outcome" | "exemptionProblem" | "securityAlert">,
): boolean {
  return (
    OUTCOMES[record.outcome].notify ||
    record.exemptionProblem !== undefined ||
    record.securityAlert !== undefined
  );
}

/** Errors meaning the resource is gone: worth a warning, not a page. */
const NOT_FOUND = /^(NoSuchBucket|NoSuchEntity|NoSuchEntityException|NotFound)$/;

function severityOf(record: JournalRecord): Notification["severity"] {
  // Someone may be working against Vigil (forged claim, squatted quarantine policy): page.
  if (record.securityAlert) return "critical";
  switch (record.outcome) {
    case "loop-detected":
    case "verify-failed":
    case "undo-failed":
      return "critical";
    case "failed":
      return NOT_FOUND.test(record.error?.name ?? "") ? "warning" : "critical";
    case "rate-limited": // a fix held back (decoys may have burnt the budget): a person decides
      return "critical";
    case "notified":
    case "protected":
    case "intentionally-public":
      return "warning";
    default:
      return record.exemptionProblem ? "warning" : "info";
  }
}

const HEADLINES: Partial<Record<JournalOutcome, string>> = {
  applied: "fixed",
  "would-change": "would fix (dry run)",
  notified: "fix planned (notify mode)",
  observed: "observed",
  protected: "protected principal, not changed",
  "intentionally-public": "public on purpose? not changed",
  "loop-detected": "LOOP stopped",
  "rate-limited": "rate limit, not changed",
  exempt: "exempt, not changed",
  declined: "left as is (told once)",
  failed: "remediation FAILED",
  "verify-failed": "fix did NOT take",
  undone: "undone",
  "undo-failed": "undo FAILED",
};

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 3)}...`;
}

/** Every leaf of a JSON value by path: `Rules[0].SSEAlgorithm` → "aws:kms". */
function leaves(
  value: unknown,
  path = "",
  into = new Map<string, unknown>(),
): Map<string, unknown> {
  if (Array.isArray(value) && value.length > 0) {
    value.forEach((item, i) => {
      leaves(item, `${path}[${i}]`, into);
    });
  } else if (typeof value === "object" && value !== null && Object.keys(value).length > 0) {
    for (const [key, item] of Object.entries(value))
      leaves(item, path ? `${path}.${key}` : key, into);
  } else {
    into.set(path || "(whole)", value);
  }
  return into;
}

/** A value as a person reads it: on/off, "not set", a short string; never escaped JSON. */
function inWords(value: unknown): string {
  if (value === undefined || value === null) return "not set";
  if (value === true) return "on";
  if (value === false) return "off";
  if (Array.isArray(value)) return "none";
  if (typeof value === "object") return "empty";
  return truncate(String(value), 120);
}

const MAX_CHANGE_LINES = 12;

function capped(lines: string[]): string[] {
  if (lines.length <= MAX_CHANGE_LINES) return lines;
  return [
    ...lines.slice(0, MAX_CHANGE_LINES),
    `  … and ${lines.length - MAX_CHANGE_LINES} more (in the JSON block)`,
  ];
}

/** One state in words, one line per setting. */
export function stateInWords(state: unknown): string[] {
  return capped([...leaves(state)].map(([path, value]) => `  ${path}: ${inWords(value)}`));
}

/**
 * Before → after in words, one line per setting that differs:
 *   "BlockPublicAcls: off → on", "encryption: not set → aws:kms".
 * Settings that did not change are left out; the JSON block keeps everything.
 */
export function changesInWords(before: unknown, after: unknown): string[] {
  const was = leaves(before ?? {});
  const now = leaves(after ?? {});
  const paths = [...new Set([...was.keys(), ...now.keys()])];
  const lines = paths
    .filter((path) => JSON.stringify(was.get(path)) !== JSON.stringify(now.get(path)))
    .map((path) => `  ${path}: ${inWords(was.get(path))} → ${inWords(now.get(path))}`);
  return capped(lines);
}

function opening(record: JournalRecord, where: string): string {
  const what = `${record.kind} on ${record.resourceArn} (${where})`;
  const name = record.remediation ?? "no remediation";
  switch (record.outcome) {
    case "applied":
      return `Vigil applied ${name} to ${what}.`;
    case "would-change":
      return `Dry run: Vigil would have applied ${name} to ${what}; nothing was changed.`;
    case "notified":
      return `Vigil planned ${name} for ${what} and did not apply it (mode notify): a person should act.`;
    case "observed":
      return `Vigil observed ${what}; nothing was changed (mode observe).`;
    case "declined":
      return `Vigil will not change ${what}: ${record.reason.replace(/^not changed: /, "")} You will not be told again while it stays so.`;
    case "protected":
      return `Vigil found ${what} but the change would touch a protected principal: nothing was changed.`;
    case "intentionally-public":
      return `Vigil found ${what}, which looks public on purpose: nothing was changed.`;
    case "loop-detected":
      return `CRITICAL: Vigil keeps fixing ${what} and something keeps reverting it (IaC or a person?). Vigil stopped.`;
    case "rate-limited":
      return `Vigil reached its rate limit in account ${record.account}: ${name} on ${what} was NOT applied.`;
    case "failed":
      return `Vigil could not remediate ${what} with ${name}.`;
    case "verify-failed":
      return `CRITICAL: Vigil applied ${name} to ${what} but reading it back shows the fix did not take.`;
    case "undone":
      return `Vigil undid ${name} on ${what} (journal record ${record.undoOf}).`;
    case "undo-failed":
      return `CRITICAL: undoing ${name} on ${what} (journal record ${record.undoOf}) did not restore the previous state.`;
    default:
      return `Vigil: ${record.outcome} for ${what}.`;
  }
}

/**
 * The message people read for a journal record: subject says what and where, the body says why,
 * what changed (before → after) and how to undo it, then the details as JSON.
 */
export function remediationNotification(record: JournalRecord): Notification {
  const severity = severityOf(record);
  const finding = record.finding;
  const where = `${record.account} ${record.region}`;
  const subject = truncate(
    `[Vigil ${severity.toUpperCase()}] ${HEADLINES[record.outcome] ?? record.outcome}: ${record.kind} on ${finding.resourceName} (${where})`,
    100,
  );
  const appliedIndexes = new Set(
    record.steps.filter((s) => s.status === "applied").map((s) => s.index),
  );
  const failedStep = record.steps.find((s) => s.status === "failed");
  const changes = record.plan?.changes ?? [];
  const details = {
    outcome: record.outcome,
    reason: record.reason,
    journalId: record.id,
    ...(record.undoOf ? { undoOf: record.undoOf } : {}),
    remediation: record.remediation,
    mode: record.mode,
    dryRun: record.dryRun,
    finding: {
      id: finding.id,
      source: finding.source,
      rule: finding.rule,
      kind: finding.kind,
      resourceType: finding.resourceType,
      resourceArn: finding.resourceArn,
      account: finding.account,
      region: finding.region,
      observedAt: finding.observedAt,
      ...(finding.principal ? { principal: finding.principal } : {}),
    },
    // Documents by hash only (redactDocuments); the change descriptions carry the statement diff.
    plan: record.plan
      ? {
          summary: record.plan.summary,
          reason: record.plan.reason,
          changes: redactDocuments(changes),
          ...(record.plan.notes?.length ? { notes: record.plan.notes } : {}),
        }
      : null,
    applied: redactDocuments(record.applied),
    before: redactDocuments(record.before),
    after: redactDocuments(record.after),
    ...(record.exemptionProblem ? { exemptionProblem: record.exemptionProblem } : {}),
    ...(record.securityAlert ? { securityAlert: record.securityAlert } : {}),
    ...(record.error ? { error: record.error } : {}),
    undo: record.undoCommand,
  };
  const lines = [opening(record, where), ""];
  if (record.plan) lines.push(`What: ${record.plan.summary}`);
  if (record.plan?.notes?.length) {
    lines.push("Notes:", ...capped(record.plan.notes.map((note) => `  - ${note}`)));
  }
  lines.push(
    `Why: rule ${finding.rule} (${finding.source}) reported ${finding.kind}. ${record.reason}`,
  );
  if (record.securityAlert) lines.push(`SECURITY: ${record.securityAlert}`);
  if (record.exemptionProblem) {
    lines.push(`Exemption NOT honoured: ${record.exemptionProblem}`);
  }
  if (record.remediation) {
    lines.push(
      `Remediation: ${record.remediation}, mode ${record.mode ?? "-"}${record.dryRun ? " (dry run)" : ""}`,
    );
  }
  if (record.undoOf) {
    lines.push(`Changes undone (from ${record.undoOf}):`);
    record.applied.forEach((change, index) => {
      lines.push(`  ${index + 1}. ${change.action}: ${change.description}`);
    });
  } else if (changes.length > 0) {
    lines.push("Changes:");
    changes.forEach((change, index) => {
      const status = appliedIndexes.has(index)
        ? "applied"
        : failedStep?.index === index
          ? "FAILED"
          : "not applied";
      lines.push(`  ${index + 1}. [${status}] ${change.action}: ${change.description}`);
    });
  }
  if (record.before && record.after) {
    const changed = changesInWords(redactDocuments(record.before), redactDocuments(record.after));
    lines.push(
      changed.length > 0 ? "Before → after:" : "Before → after: no setting differs",
      ...changed,
    );
  } else if (record.before || record.after) {
    lines.push(
      record.before ? "Before:" : "After:",
      ...stateInWords(redactDocuments(record.before ?? record.after)),
    );
  }
  if (record.error) lines.push(`Error: ${record.error.name}: ${record.error.message}`);
  if (record.undoCommand) lines.push(`Undo: ${record.undoCommand}`);
  if (record.outcome === "undone") {
    lines.push(
      `Vigil may remediate it again on the next finding: to keep it as is, ask security for an entry in remediation.exemptions.list (reason, approver, expiry).`,
    );
  }
  lines.push(`Journal record: ${record.id}`, "", ...jsonBlock(details));
  return {
    action: "trigger",
    dedupKey: remediationDedupKey(finding),
    severity,
    source: "remediation",
    subject,
    body: lines.join("\n"),
    details,
    attributes: {
      outcome: record.outcome,
      kind: record.kind,
      account: record.account,
      ...(record.remediation ? { remediation: record.remediation } : {}),
    },
  };
}

/** Closes the incident for a resource and rule once the source says it is fine again. */
export function resolvedNotification(
  resource: Pick<Finding, "account" | "region" | "resourceId" | "rule">,
  why: string,
): Notification {
  const where = `${resource.account} ${resource.region}`;
  const details = { ...resource, why };
  return {
    action: "resolve",
    dedupKey: remediationDedupKey(resource),
    severity: "info",
    source: "remediation",
    subject: truncate(
      `[Vigil INFO] resolved: ${resource.rule} on ${resource.resourceId} (${where})`,
      100,
    ),
    body: [
      `${resource.resourceId} (${where}) is no longer reported by ${resource.rule}: ${why}.`,
      "",
      ...jsonBlock(details),
    ].join("\n"),
    details,
    attributes: { outcome: "resolved", account: resource.account },
  };
}

/**
 * An event refused because its source cannot be trusted (a Config rule not written by AWS): nothing
 * was changed, but someone may be trying to aim Vigil at a resource, so a person is paged.
 */
export function refusedSourceNotification(
  resource: Pick<Finding, "account" | "region" | "resourceId" | "rule">,
  why: string,
): Notification {
  const where = `${resource.account} ${resource.region}`;
  const details = { ...resource, why };
  return {
    action: "trigger",
    dedupKey: `vigil:refused-source:${resource.account}/${resource.region}/${resource.rule}`,
    severity: "critical",
    source: "remediation",
    subject: truncate(
      `[Vigil CRITICAL] untrusted finding refused: ${resource.rule} (${where})`,
      100,
    ),
    body: [
      `An event from ${resource.rule} about ${resource.resourceId} (${where}) was refused and nothing was changed: ${why}.`,
      "Check who created or changed this Config rule (CloudTrail: PutConfigRule, PutEvaluations).",
      "",
      ...jsonBlock(details),
    ].join("\n"),
    details,
    attributes: { outcome: "refused", account: resource.account },
  };
}

/**
 * A central exemption source that could not be used as it is: an entry ignored (malformed), or
 * the whole source unreadable. Nothing was exempted from it (fail closed); people are told once.
 */
export function exemptionSourceNotification(source: string, problem: string): Notification {
  const details = { source, problem };
  return {
    action: "trigger",
    dedupKey: `vigil:exemption-source:${source}`,
    severity: "warning",
    source: "remediation",
    subject: truncate(`[Vigil WARNING] exemption source: ${problem}`, 100),
    body: [
      `${source}: ${problem}. No exemption was granted from it: resources it meant to exempt are handled like any other until it is fixed.`,
      "",
      ...jsonBlock(details),
    ].join("\n"),
    details,
    attributes: { outcome: "exemption-source", account: "central" },
  };
}
