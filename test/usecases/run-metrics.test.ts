import { readFileSync } from "node:fs";
import { Metrics } from "@aws-lambda-powertools/metrics";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import {
  alarmResources,
  FAILED_REMEDIATION_OUTCOMES,
  METRIC_NAMESPACE,
  normalizedName,
  REMEDIATING_FUNCTIONS,
  serviceName,
} from "../../src/deploy/alarms.ts";
import { dashboardSearches } from "../../src/deploy/dashboard.ts";
import { ROLE_LOGICAL_IDS } from "../../src/deploy/iam-roles.ts";
import type { DetectReport } from "../../src/usecases/detect-anomalies.ts";
import {
  detectRunMetrics,
  fanoutRunMetrics,
  METRICS_NAMESPACE,
  type MetricCount,
  RUN_METRIC_NAMES,
  reconcileRunMetrics,
  remediationRunMetrics,
} from "../../src/usecases/run-metrics.ts";
import { defineHandler } from "../../src/wiring/handler.ts";

type Emf = {
  _aws: { CloudWatchMetrics: { Namespace: string; Dimensions: string[][] }[] };
} & Record<string, unknown>;

/**
 * A Metrics instance that publishes. The test setup turns metrics off everywhere else; the switch
 * stays on for the whole test because each dimensioned count is a fresh single-metric instance.
 */
function publishingMetrics(serviceName: string): Metrics {
  return new Metrics({ namespace: METRICS_NAMESPACE, serviceName });
}

function captureEmf(): { lines: Emf[]; restore(): void } {
  const lines: Emf[] = [];
  const spy = vi.spyOn(process.stdout, "write").mockImplementation((chunk) => {
    for (const line of String(chunk).split("\n"))
      if (line.includes('"_aws"')) lines.push(JSON.parse(line));
    return true;
  });
  return { lines, restore: () => spy.mockRestore() };
}

describe("what a run counts", () => {
  it("detect: metrics read and not read, anomalies by severity, alerts not delivered", () => {
    const verdict = (status: string, severity: string | null) => ({
      verdict: { status, severity },
    });
    const report = {
      results: [
        verdict("normal", null),
        verdict("anomalous", "critical"),
        verdict("anomalous", "critical"),
        verdict("anomalous", "warning"),
      ],
      fetchFailures: [{}],
      notificationFailures: [{}, {}],
      notificationsSent: 1,
      stats: { getMetricDataCalls: 3, listMetricsCalls: 1, datapoints: 10 },
    } as unknown as DetectReport;
    expect(detectRunMetrics(report)).toEqual([
      { name: "MetricsEvaluated", value: 4 },
      { name: "MetricsNotEvaluated", value: 1 },
      { name: "AlertDeliveryFailures", value: 2 },
      { name: "NotificationsSent", value: 1 },
      { name: "GetMetricDataCalls", value: 3 },
      { name: "Anomalies", value: 2, dimension: { name: "Severity", value: "critical" } },
      { name: "Anomalies", value: 1, dimension: { name: "Severity", value: "warning" } },
    ]);
  });

  it("remediation: one count per handled finding, by outcome", () => {
    expect(
      remediationRunMetrics({ ok: true, eventId: "e", outcome: "applied", reason: "fixed" }),
    ).toEqual([
      { name: "Remediations", value: 1, dimension: { name: "Outcome", value: "applied" } },
    ]);
    expect(remediationRunMetrics({ ok: false })).toEqual([]);
  });
});

describe("defineHandler publishes Vigil's own metrics (EMF) for every invocation", () => {
  let capture: ReturnType<typeof captureEmf> | undefined;
  beforeEach(() => {
    process.env.POWERTOOLS_METRICS_DISABLED = "false";
  });
  afterEach(() => {
    capture?.restore();
    process.env.POWERTOOLS_METRICS_DISABLED = "true";
  });

  function toyHandler(run: (n: number) => Promise<number>) {
    return defineHandler({
      serviceName: "vigil-toy",
      schema: z.object({ n: z.number() }),
      metrics: publishingMetrics("vigil-toy"),
      build: async () => ({}),
      run: (_deps, input) => run(input.n),
      measure: (n) => [
        { name: "Widgets", value: n },
        { name: "Anomalies", value: 1, dimension: { name: "Severity", value: "critical" } },
      ],
      respond: (n) => ({ ok: true, n }),
      reject: (error) => ({ ok: false, n: 0, error }),
    });
  }

  it("a finished run: Runs, its duration and what it measured, in the Vigil namespace by service", async () => {
    const toy = toyHandler(async (n) => n);
    toy.logger.setLogLevel("SILENT");
    capture = captureEmf();
    await toy.handler({ n: 7 });
    capture.restore();
    const all = Object.assign({}, ...capture.lines) as Record<string, unknown>;
    expect(all).toMatchObject({ service: "vigil-toy", Runs: 1, Widgets: 7, Anomalies: 1 });
    expect(all.RunDuration).toEqual(expect.any(Number));
    for (const line of capture.lines) {
      expect(line._aws.CloudWatchMetrics[0]?.Namespace).toBe("Vigil");
    }
    const severityLine = capture.lines.find((l) => "Severity" in l);
    expect(severityLine?._aws.CloudWatchMetrics[0]?.Dimensions[0]).toEqual(
      expect.arrayContaining(["service", "Severity"]),
    );
  });

  it("an invalid event counts as rejected, a thrown run as failed", async () => {
    const toy = toyHandler(async () => {
      throw new Error("boom");
    });
    toy.logger.setLogLevel("SILENT");
    capture = captureEmf();
    await toy.handler({ n: "seven" });
    await expect(toy.handler({ n: 1 })).rejects.toThrow("boom");
    capture.restore();
    expect(
      capture.lines.map((l) =>
        "Runs" in l
          ? "Runs"
          : "EventsRejected" in l
            ? "EventsRejected"
            : "RunsFailed" in l
              ? "RunsFailed"
              : "?",
      ),
    ).toEqual(["EventsRejected", "RunsFailed"]);
  });
});

describe("the dashboard draws what the functions publish", () => {
  const published = new Set<string>(Object.values(RUN_METRIC_NAMES).flat());

  it("every count a run can publish is a known name", () => {
    const report = {
      results: [{ verdict: { status: "anomalous", severity: "critical" } }],
      fetchFailures: [],
      notificationFailures: [],
      notificationsSent: 0,
      stats: { getMetricDataCalls: 0, listMetricsCalls: 0, datapoints: 0 },
    } as unknown as DetectReport;
    const names = [
      ...detectRunMetrics(report),
      ...remediationRunMetrics({ ok: true, eventId: "e", outcome: "applied", reason: "" }),
      ...reconcileRunMetrics({ evaluations: 1, errors: [], outcomes: { applied: 1 } } as never),
      ...fanoutRunMetrics({ enqueued: 1, failed: [] } as never),
    ].map((m) => m.name);
    for (const name of names) expect(published, name).toContain(name);
  });

  it("every dashboard search names only published metrics, in the stage's namespace", () => {
    for (const { title, expression } of dashboardSearches()) {
      expect(expression, title).toContain(`{${METRIC_NAMESPACE},`);
      const names = [...expression.matchAll(/MetricName="([^"]+)"/g)].map((m) => m[1] as string);
      expect(names.length, title).toBeGreaterThan(0);
      for (const name of names) expect(published, `${title}: ${name}`).toContain(name);
    }
  });
});

describe("the alarms read what the functions publish", () => {
  let capture: ReturnType<typeof captureEmf> | undefined;
  beforeEach(() => {
    process.env.POWERTOOLS_METRICS_DISABLED = "false";
  });
  afterEach(() => {
    capture?.restore();
    process.env.POWERTOOLS_METRICS_DISABLED = "true";
  });

  /** The metrics (name + exact dimensions) one finished run of `fn` publishes. */
  async function published(fn: string, measure: () => MetricCount[]) {
    const handler = defineHandler({
      serviceName: serviceName(fn),
      metrics: publishingMetrics(serviceName(fn)),
      build: async () => ({}),
      run: async () => 1,
      measure,
      respond: () => ({}),
      reject: () => ({}),
    });
    handler.logger.setLogLevel("SILENT");
    capture = captureEmf();
    await handler.handler({});
    capture.restore();
    return capture.lines.flatMap((line) => {
      const [directive] = line._aws.CloudWatchMetrics as unknown as Array<{
        Dimensions: string[][];
        Metrics: { Name: string }[];
      }>;
      const dimensions = (directive?.Dimensions[0] ?? [])
        .map((name) => ({ Name: name, Value: line[name] }))
        .sort((a, b) => a.Name.localeCompare(b.Name));
      return (directive?.Metrics ?? []).map((m) => ({ MetricName: m.Name, dimensions }));
    });
  }

  const sorted = (dimensions: Array<{ Name: string; Value: unknown }>) =>
    [...dimensions].sort((a, b) => a.Name.localeCompare(b.Name));
  const { Resources: alarms } = alarmResources({ detectEveryMinutes: 15 });
  type AlarmProps = {
    MetricName?: string;
    Dimensions?: Array<{ Name: string; Value: unknown }>;
    Metrics?: Array<{
      MetricStat?: {
        Metric: { MetricName: string; Dimensions: Array<{ Name: string; Value: unknown }> };
      };
    }>;
  };
  const props = (id: string) => (alarms[id] as { Properties: AlarmProps }).Properties;

  it("each function's `service` dimension is its handler's serviceName", () => {
    for (const fn of Object.keys(ROLE_LOGICAL_IDS)) {
      const file = `functions/${serviceName(fn).replace(/^vigil-/, "")}.ts`;
      expect(readFileSync(file, "utf8"), file).toContain(`serviceName: "${serviceName(fn)}"`);
    }
  });

  it("silent-detector alarms: the Runs count detect and the fan-out publish", async () => {
    for (const fn of ["detect", "detectFanout"]) {
      const lines = await published(fn, () => []);
      const alarm = props(`${normalizedName(fn)}SilentAlarm`);
      expect(lines).toContainEqual({
        MetricName: alarm.MetricName,
        dimensions: sorted(alarm.Dimensions ?? []),
      });
    }
  });

  it("alert delivery failures: the count detect publishes", async () => {
    const lines = await published("detect", () => [{ name: "AlertDeliveryFailures", value: 1 }]);
    const alarm = props("DetectAlertDeliveryFailuresAlarm");
    expect(alarm.MetricName).toBe("AlertDeliveryFailures");
    expect(lines).toContainEqual({
      MetricName: alarm.MetricName,
      dimensions: sorted(alarm.Dimensions ?? []),
    });
  });

  it("remediation failures: every failed outcome a remediating function publishes, and no other", async () => {
    expect([...FAILED_REMEDIATION_OUTCOMES].sort()).toEqual([
      "failed",
      "loop-detected",
      "verify-failed",
    ]);
    for (const fn of REMEDIATING_FUNCTIONS) {
      const watched = (props(`${normalizedName(fn)}RemediationFailuresAlarm`).Metrics ?? [])
        .flatMap((q) => (q.MetricStat ? [q.MetricStat.Metric] : []))
        .map((m) => ({ MetricName: m.MetricName, dimensions: sorted(m.Dimensions) }));
      expect(watched).toHaveLength(FAILED_REMEDIATION_OUTCOMES.length);
      for (const outcome of FAILED_REMEDIATION_OUTCOMES) {
        const lines = await published(fn, () =>
          remediationRunMetrics({ ok: false, eventId: "e", outcome, reason: "" } as never),
        );
        const line = lines.find((l) => l.MetricName === "Remediations");
        expect(watched, `${fn} ${outcome}`).toContainEqual(line);
      }
    }
  });
});
