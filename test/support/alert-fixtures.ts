/**
 * Real notifications for alerting tests, built by the domain's own builders: an anomaly (new,
 * escalated, resolved) and remediation outcomes (applied, would-change, resolved).
 */
import { anomalyNotification } from "../../src/domain/anomaly-notification.ts";
import type { Episode, Verdict } from "../../src/domain/detection.ts";
import type { JournalRecord } from "../../src/domain/journal-record.ts";
import type { Notification } from "../../src/domain/notification.ts";
import {
  remediationNotification,
  resolvedNotification,
} from "../../src/domain/remediation-notification.ts";
import { change, makeFinding } from "../usecases/fakes.ts";

/** A well-formed Events API v2 integration key (32 letters and digits), made up for tests. */
export const ROUTING_KEY = "R0UT1NGKEYt3st0nly0123456789abcd";

const metric = {
  namespace: "AWS/S3",
  metricName: "BytesDownloaded",
  dimensions: { BucketName: "acme-raw-landing-prod", FilterId: "EntireBucket" },
  stat: "Sum",
};
const start = Date.parse("2026-11-24T07:00:00Z");

function verdict(severity: "warning" | "critical"): Verdict {
  return {
    metric,
    timestamp: start,
    periodSeconds: 3600,
    status: "anomalous",
    observed: 9.1e9,
    expected: 1.2e9,
    sigma: 1.1e9,
    z: severity === "critical" ? 7.2 : 4.1,
    upperThreshold: 4.5e9,
    lowerThreshold: null,
    severity,
    why: "observed 9.1G is 7.2σ above expected 1.2G",
    baselinePeriods: 720,
  };
}

export const CONSOLE_URL =
  "https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#metricsV2:graph=~()";

export function anomaly(
  severity: "warning" | "critical" = "critical",
  event: "new-episode" | "escalated" | "resolved" = "new-episode",
): Notification {
  const v = verdict(severity);
  const episode: Episode = {
    metric,
    start,
    end: start,
    anomalousPeriods: 1,
    severity,
    peak: v,
    open: event !== "resolved",
  };
  return anomalyNotification({
    event,
    metricSet: "egress",
    account: "123456789012",
    region: "eu-west-1",
    verdict: event === "resolved" ? { ...v, status: "normal", severity: null, z: 0.3 } : v,
    episode,
    method: "seasonal",
    k: 3,
    windowDays: 30,
    consoleUrl: CONSOLE_URL,
  });
}

export function remediation(outcome: JournalRecord["outcome"] = "applied"): Notification {
  const finding = makeFinding();
  const changes = [change(1)];
  return remediationNotification({
    id: "20261120T100000Z-0a0b0c0d",
    time: "2026-11-20T10:00:00.000Z",
    findingId: finding.id,
    eventId: finding.eventId,
    resourceArn: finding.resourceArn,
    account: finding.account,
    region: finding.region,
    rule: finding.rule,
    kind: finding.kind,
    finding,
    remediation: "s3-default-encryption",
    mode: "enforce",
    dryRun: outcome === "would-change",
    outcome,
    reason: "mode enforce: applying 1 change(s)",
    plan: {
      remediation: "s3-default-encryption",
      finding,
      summary: "set SSE-KMS",
      changes,
      before: { encryption: null },
      tags: {},
      reason: "no default encryption",
    },
    before: { encryption: "AES256" },
    after: { encryption: "aws:kms" },
    applied: outcome === "applied" ? changes : [],
    steps: [],
    undoCommand: outcome === "applied" ? "vigil undo 20261120T100000Z-0a0b0c0d" : null,
  });
}

export function remediationResolved(): Notification {
  return resolvedNotification(makeFinding(), "Config reports COMPLIANT");
}
