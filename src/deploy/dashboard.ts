/**
 * The CloudWatch dashboard of a Vigil stage, drawn from the metrics its functions publish about
 * themselves (src/usecases/run-metrics.ts, EMF, namespace Vigil/<stage>): did each function run, fail
 * or reject events; what detection read and flagged; what remediation did; whether alerts left.
 * SEARCH expressions pick up every function and every severity/outcome without a hand-kept list.
 */
import { RUN_METRIC_NAMES } from "../usecases/run-metrics.ts";
import { METRIC_NAMESPACE } from "./alarms.ts";

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

const PERIOD = 3600;

function search(dimensions: string[], metricNames: readonly string[], stat = "Sum"): string {
  const names = metricNames.map((name) => `MetricName="${name}"`).join(" OR ");
  return `SEARCH('{${[METRIC_NAMESPACE, ...dimensions].join(",")}} ${names}', '${stat}', ${PERIOD})`;
}

function widget(title: string, expression: string, position: { x: number; y: number }): Json {
  return {
    type: "metric",
    ...position,
    width: 12,
    height: 6,
    properties: {
      title,
      region: "${AWS::Region}",
      view: "timeSeries",
      stacked: false,
      period: PERIOD,
      metrics: [[{ expression, id: "e1", label: "" }]],
    },
  };
}

/** The searches the dashboard draws (exported for the test that checks every name is published). */
export function dashboardSearches(): { title: string; expression: string }[] {
  return [
    { title: "Runs by function", expression: search(["service"], ["Runs"]) },
    {
      title: "Failed runs and rejected events",
      expression: search(["service"], ["RunsFailed", "EventsRejected"]),
    },
    {
      title: "Anomalies by severity",
      expression: search(["service", "Severity"], [RUN_METRIC_NAMES.bySeverity]),
    },
    {
      title: "Remediations by outcome",
      expression: search(["service", "Outcome"], [RUN_METRIC_NAMES.byOutcome]),
    },
    {
      title: "Metrics evaluated / not evaluated",
      expression: search(["service"], ["MetricsEvaluated", "MetricsNotEvaluated"]),
    },
    {
      title: "Alerts sent / not delivered",
      expression: search(["service"], RUN_METRIC_NAMES.alerting),
    },
    {
      title: "Detection fan-out: shards enqueued, not enqueued, failed",
      expression: search(["service"], ["ShardsEnqueued", "ShardsNotEnqueued", "ShardsFailed"]),
    },
    {
      title: "Run duration (ms, maximum)",
      expression: search(["service"], [RUN_METRIC_NAMES.duration], "Maximum"),
    },
  ];
}

export function dashboardResources(): { Resources: Record<string, Json> } {
  const widgets = dashboardSearches().map(({ title, expression }, i) =>
    widget(title, expression, { x: (i % 2) * 12, y: Math.floor(i / 2) * 6 }),
  );
  return {
    Resources: {
      VigilDashboard: {
        Type: "AWS::CloudWatch::Dashboard",
        Properties: {
          DashboardName: "vigil-${sls:stage}",
          DashboardBody: { "Fn::Sub": JSON.stringify({ widgets }) },
        },
      },
    },
  };
}
