import { describe, expect, it } from "vitest";
import { alertingConfigSchema } from "../../src/config/alerting-config.ts";
import { type AlertPolicy, type OpenEpisode, planAlerts } from "../../src/domain/alert-plan.ts";
import type { AnomalyAlert } from "../../src/domain/anomaly-notification.ts";
import type { MetricIdentity } from "../../src/domain/metric.ts";
import type { Notification } from "../../src/domain/notification.ts";
import { alert, bucket, distribution, NOW, PERIOD } from "../support/anomaly-alerts.ts";

const CTX = { now: NOW, account: "123456789012", region: "eu-west-1" };

function policy(input: Record<string, unknown> = {}): AlertPolicy {
  return alertingConfigSchema.parse(input);
}

const openOf = (a: AnomalyAlert): OpenEpisode => ({ metric: a.verdict.metric, episode: a.episode });

describe("planAlerts: digest", () => {
  it("sends one digest ranked by severity, then |z|, then impact, the first N in full", () => {
    const alerts = [
      alert(bucket("warn-big"), { severity: "warning", z: 5, excess: 9e12 }),
      alert(bucket("crit-small-impact"), { z: 9, excess: 1e6 }),
      alert(bucket("crit-big-impact"), { z: 9, excess: 5e9 }),
      alert(bucket("crit-top"), { z: 20 }),
      alert(bucket("old"), { event: "resolved", severity: "critical", z: 30 }),
    ];
    const plan = planAlerts(alerts, [], policy({ digest: { top: 2 } }), CTX);
    const digest = plan.notifications.find((n) => n.details.event === "digest");
    expect(digest?.destinations).toEqual(["sns"]);
    expect(digest?.subject).toBe(
      "[Vigil CRITICAL] 123456789012 eu-west-1 digest: 4 new, 0 escalated, 1 resolved",
    );
    const items = (
      (digest as Notification).details.items as Array<{ resource: string; status: string }>
    ).map((i) => i.resource);
    expect(items).toEqual([
      "s3-bucket crit-top",
      "s3-bucket crit-big-impact",
      "s3-bucket crit-small-impact",
      "s3-bucket warn-big",
      "s3-bucket old",
    ]);
    // Two in full, the other three counted.
    expect(digest?.body).toContain("1. CRITICAL NEW s3-bucket crit-top (egress)");
    expect(digest?.body).toContain("2. CRITICAL NEW s3-bucket crit-big-impact (egress)");
    expect(digest?.body).not.toContain("3. CRITICAL NEW");
    expect(digest?.body).toContain("…and 3 more, each in the JSON below.");
    expect(plan.summary.digest).toBe(true);
  });

  it("sends nothing when no episode started, escalated or ended", () => {
    const plan = planAlerts([], [], policy(), CTX);
    expect(plan.notifications).toEqual([]);
    expect(plan.summary.digest).toBe(false);
  });

  it("pages critical incidents to PagerDuty only (the digest is SNS's copy) and warnings not at all", () => {
    const plan = planAlerts(
      [alert(bucket("a")), alert(bucket("b"), { severity: "warning", z: 4 })],
      [],
      policy(),
      CTX,
    );
    const pages = plan.notifications.filter((n) => n.details.event !== "digest");
    expect(pages.map((p) => [p.dedupKey, p.destinations])).toEqual([
      ["vigil:incident:123456789012/eu-west-1:s3-bucket/a", ["pagerduty"]],
    ]);
  });
});

describe("planAlerts: page budget", () => {
  const eight = Array.from({ length: 8 }, (_, i) => alert(bucket(`b${i}`), { z: 10 + i }));

  it("pages the budget's worth, folds the rest into one storm incident per account and hour", () => {
    const plan = planAlerts(eight, [], policy({ pageBudget: 5 }), CTX);
    const toPager = plan.notifications.filter((n) => n.destinations?.includes("pagerduty"));
    expect(toPager).toHaveLength(6);
    const storm = toPager.find((n) => n.details.event === "storm");
    expect(storm?.dedupKey).toBe("vigil:storm:123456789012:2026-11-24T08");
    // The most urgent paged on their own; the three least urgent listed in the storm.
    expect(plan.summary.pages.paged.map((k) => k.split(":")[3])).toEqual([
      "s3-bucket/b7",
      "s3-bucket/b6",
      "s3-bucket/b5",
      "s3-bucket/b4",
      "s3-bucket/b3",
    ]);
    expect(plan.summary.pages.folded).toHaveLength(3);
    expect(
      ((storm as Notification).details.folded as Array<{ dedupKey: string }>).map(
        (f) => f.dedupKey,
      ),
    ).toEqual(plan.summary.pages.folded);
    expect(storm?.body).toContain("none dropped");
    const digest = plan.notifications.find((n) => n.details.event === "digest");
    expect(digest?.body).toContain(
      "Paged: 5 incident(s) on their own; 3 more folded into the storm incident vigil:storm:123456789012:2026-11-24T08 (page budget 5 per hour).",
    );
  });

  it("splits the budget across the shards of an account (none left: everything in the storm)", () => {
    const twoParts = planAlerts(eight, [], policy({ pageBudget: 5 }), {
      ...CTX,
      part: { index: 0, count: 2 },
    });
    expect(twoParts.summary.pages.allowance).toBe(2);
    expect(twoParts.summary.pages.paged).toHaveLength(2);
    const sixParts = planAlerts(eight, [], policy({ pageBudget: 5 }), {
      ...CTX,
      part: { index: 3, count: 6 },
    });
    expect(sixParts.summary.pages.paged).toEqual([]);
    expect(sixParts.summary.pages.folded).toHaveLength(8);
    expect(sixParts.summary.pages.storm).toBe("vigil:storm:123456789012:2026-11-24T08");
  });
});

describe("planAlerts: grouping by resource", () => {
  it("one incident for a bucket and its CloudFront distribution, one for an instance's metrics", () => {
    const instance = (metricName: string): MetricIdentity => ({
      namespace: "AWS/EC2",
      metricName,
      dimensions: { InstanceId: "i-0abc" },
      stat: "Sum",
    });
    const plan = planAlerts(
      [
        alert(bucket("cdn-assets"), { z: 12 }),
        alert(distribution("E2QWRUHAPOMQZL"), { z: 9 }),
        alert(instance("NetworkOut"), { z: 7 }),
        alert(instance("NetworkPacketsOut"), { z: 6.5 }),
      ],
      [],
      policy({
        resourceGroups: [
          {
            name: "cdn-assets",
            members: [
              { dimensions: { BucketName: "cdn-assets" } },
              { dimensions: { DistributionId: "E2QWRUHAPOMQZL" } },
            ],
          },
        ],
      }),
      CTX,
    );
    const pages = plan.notifications.filter((n) => n.details.event !== "digest");
    expect(pages.map((p) => p.dedupKey)).toEqual([
      "vigil:incident:123456789012/eu-west-1:group/cdn-assets",
      "vigil:incident:123456789012/eu-west-1:ec2-instance/i-0abc",
    ]);
    expect(pages[0]?.subject).toMatch(/^\[Vigil CRITICAL\] 2 on group cdn-assets: /);
    expect(pages[0]?.body).toContain(
      "2 anomalies on group cdn-assets in this period, one incident:",
    );
    expect(pages[0]?.body).toContain(
      "AWS/CloudFront BytesDownloaded DistributionId=E2QWRUHAPOMQZL",
    );
    expect(plan.summary.incidents).toBe(2);
  });

  it("names the resource's other open episodes, and holds a resolve while a sibling is open", () => {
    const earlier = PERIOD - 3 * 3600_000;
    const netOut = alert(
      {
        namespace: "AWS/EC2",
        metricName: "NetworkOut",
        dimensions: { InstanceId: "i-1" },
        stat: "Sum",
      },
      { start: earlier, event: "resolved" },
    );
    const stillOpen = alert(
      {
        namespace: "AWS/EC2",
        metricName: "NetworkPacketsOut",
        dimensions: { InstanceId: "i-1" },
        stat: "Sum",
      },
      { start: earlier },
    );
    const fresh = alert({
      namespace: "AWS/EC2",
      metricName: "CPUCreditUsage",
      dimensions: { InstanceId: "i-1" },
      stat: "Sum",
    });
    const plan = planAlerts([netOut, fresh], [openOf(stillOpen), openOf(fresh)], policy(), CTX);
    expect(plan.summary.heldResolves).toEqual([
      "vigil:incident:123456789012/eu-west-1:ec2-instance/i-1",
    ]);
    expect(
      plan.notifications.some((n) => n.action === "resolve" && n.details.event !== "digest"),
    ).toBe(false);
    const page = plan.notifications.find((n) => n.details.event === "new-episode");
    expect(page?.body).toContain(
      "Also open on ec2-instance i-1: AWS/EC2 NetworkPacketsOut InstanceId=i-1 since 2026-11-24T04:00:00.000Z",
    );
  });
});

describe("planAlerts: silences", () => {
  const silence = (start: string, end: string, id = "deploy-window") => ({
    id,
    match: { metricSet: "egress", dimensions: { BucketName: "backfill-*" } },
    start,
    end,
    reason: "nightly backfill",
  });

  it("shows a silenced anomaly in the digest and never pages it", () => {
    const plan = planAlerts(
      [alert(bucket("backfill-2026")), alert(bucket("raw"))],
      [],
      policy({ silences: [silence("2026-11-24T06:00:00Z", "2026-11-24T10:00:00Z")] }),
      CTX,
    );
    expect(plan.summary.silenced).toEqual([
      {
        incident: "vigil:incident:123456789012/eu-west-1:s3-bucket/backfill-2026",
        silence: "deploy-window",
      },
    ]);
    expect(plan.summary.pages.paged).toEqual([
      "vigil:incident:123456789012/eu-west-1:s3-bucket/raw",
    ]);
    const digest = plan.notifications.find((n) => n.details.event === "digest");
    expect(digest?.subject).toContain("1 silenced");
    expect(digest?.body).toContain(
      "[silenced by deploy-window until 2026-11-24T10:00:00Z: nightly backfill]",
    );
  });

  it("ignores an expired silence and says so; a silence not yet started does nothing", () => {
    const plan = planAlerts(
      [alert(bucket("backfill-2026"))],
      [],
      policy({
        silences: [
          silence("2026-11-20T00:00:00Z", "2026-11-21T00:00:00Z", "old"),
          silence("2026-11-25T00:00:00Z", "2026-11-26T00:00:00Z", "later"),
        ],
      }),
      CTX,
    );
    expect(plan.summary.silenced).toEqual([]);
    expect(plan.summary.pages.paged).toHaveLength(1);
    expect(plan.summary.expiredSilences).toEqual(["old"]);
    const digest = plan.notifications.find((n) => n.details.event === "digest");
    expect(digest?.body).toContain(
      'Silence old ("nightly backfill") expired 2026-11-21T00:00:00Z: ignored.',
    );
  });
});

describe("planAlerts: per-episode mode", () => {
  it("one message per incident through the routes; folded and silenced ones to SNS only", () => {
    const alerts = [
      alert(bucket("a"), { z: 30 }),
      alert(bucket("b"), { z: 20 }),
      alert(bucket("quiet"), { severity: "warning", z: 4 }),
      alert(bucket("backfill-1"), { z: 50 }),
    ];
    const plan = planAlerts(
      alerts,
      [],
      policy({
        mode: "per-episode",
        pageBudget: 1,
        silences: [
          {
            match: { dimensions: { BucketName: "backfill-*" } },
            start: "2026-11-24T00:00:00Z",
            end: "2026-11-25T00:00:00Z",
            reason: "backfill",
          },
        ],
      }),
      CTX,
    );
    expect(plan.notifications.map((n) => [n.details.event, n.destinations ?? "routes"])).toEqual([
      ["new-episode", "routes"],
      ["new-episode", ["sns"]],
      ["new-episode", "routes"],
      ["storm", "routes"],
      ["new-episode", ["sns"]],
    ]);
    expect(plan.notifications[4]?.subject).toMatch(/^\[Vigil CRITICAL, silenced\]/);
    expect(plan.summary.digest).toBe(false);
  });
});
