/**
 * CloudWatch alarms on Vigil itself: every failure must reach a person. Generated from the
 * function list (one role, one log group, three alarms each) so a new function cannot be
 * deployed unwatched; all of them notify the alerts topic. Where a function counts the thing
 * itself (its EMF metrics, src/usecases/run-metrics.ts: runs, remediation outcomes, alerts not
 * delivered) the alarm reads that count instead of matching log text.
 */
import { OUTCOMES, type RemediationOutcomeKind } from "../domain/outcomes.ts";
import { RUN_METRIC_NAMES } from "../usecases/run-metrics.ts";
import { ROLE_LOGICAL_IDS } from "./iam-roles.ts";

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/** Queues whose depth is a failure: anything in them is work that did not happen. */
export const DEAD_LETTER_QUEUES = ["FailureQueue", "AlertDeadLetterQueue", "ShardDeadLetterQueue"];

/** Namespace of Vigil's own metrics: the functions' EMF counts and the log filters' metrics. */
export const METRIC_NAMESPACE = "Vigil/${sls:stage}";

/** The `service` dimension of a function's EMF metrics: its handler's serviceName. */
export function serviceName(fn: string): string {
  return `vigil-${fn.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

/** Functions that run remediations and count each decision's outcome (Remediations by Outcome). */
export const REMEDIATING_FUNCTIONS = [
  "onConfigComplianceChange",
  "onAccessAnalyzerFinding",
  "reconcile",
];

/**
 * Outcomes of the runner that failed (OUTCOMES ok: false): each one needs a person. Read-only: the
 * generated alarms follow its order (a caller's in-place sort once made deploy/alarms.json differ).
 */
export const FAILED_REMEDIATION_OUTCOMES: readonly RemediationOutcomeKind[] = (
  Object.keys(OUTCOMES) as RemediationOutcomeKind[]
).filter((outcome) => OUTCOMES[outcome].runner && !OUTCOMES[outcome].ok);

/** CloudFormation logical id prefix serverless gives a function: detectWorker → DetectWorker. */
export function normalizedName(fn: string): string {
  return `${fn.charAt(0).toUpperCase()}${fn.slice(1)}`;
}

const toTopic = { AlarmActions: [{ Ref: "AlertsTopic" }], OKActions: [{ Ref: "AlertsTopic" }] };

/**
 * The common alarm shape: any occurrence in 5 minutes is one too many (no data = nothing wrong).
 * `metric` holds the metric's own keys: Namespace, MetricName and Dimensions.
 */
function anyInFiveMinutes(
  name: Json,
  description: string,
  metric: Record<string, Json>,
  statistic: "Sum" | "Maximum" = "Sum",
): Json {
  return {
    Type: "AWS::CloudWatch::Alarm",
    Properties: {
      AlarmName: name,
      AlarmDescription: description,
      ...metric,
      Statistic: statistic,
      Period: 300,
      EvaluationPeriods: 1,
      Threshold: 1,
      ComparisonOperator: "GreaterThanOrEqualToThreshold",
      TreatMissingData: "notBreaching",
      ...toTopic,
    },
  };
}

function lambdaAlarm(fn: string, metric: "Errors" | "Throttles", description: string): Json {
  return anyInFiveMinutes(`vigil-\${sls:stage}-${fn}-${metric.toLowerCase()}`, description, {
    Namespace: "AWS/Lambda",
    MetricName: metric,
    Dimensions: [{ Name: "FunctionName", Value: `vigil-\${sls:stage}-${fn}` }],
  });
}

function logMetric(fn: string, metricName: string, pattern: string): Json {
  return {
    Type: "AWS::Logs::MetricFilter",
    Properties: {
      LogGroupName: { Ref: `${normalizedName(fn)}LogGroup` },
      FilterPattern: pattern,
      MetricTransformations: [
        { MetricNamespace: METRIC_NAMESPACE, MetricName: metricName, MetricValue: "1" },
      ],
    },
  };
}

/** One of Vigil's own EMF metrics, as a function publishes it (dimension `service` only). */
function emfMetric(fn: string, metricName: string): Record<string, Json> {
  return {
    Namespace: METRIC_NAMESPACE,
    MetricName: metricName,
    Dimensions: [{ Name: "service", Value: serviceName(fn) }],
  };
}

export interface AlarmOptions {
  /** detection.scheduleMinutes: how often detect and the fan-out planner run. */
  detectEveryMinutes: number;
}

/** Alarms and the log metric filters they read. */
export function alarmResources(options: AlarmOptions): { Resources: Record<string, Json> } {
  const resources: Record<string, Json> = {};
  for (const fn of Object.keys(ROLE_LOGICAL_IDS)) {
    const name = normalizedName(fn);
    resources[`${name}ErrorsAlarm`] = lambdaAlarm(
      fn,
      "Errors",
      `vigil ${fn} failed (an exception, a timeout or a bad config): see its log group`,
    );
    resources[`${name}ThrottlesAlarm`] = lambdaAlarm(
      fn,
      "Throttles",
      `vigil ${fn} was throttled: invocations were refused (reserved concurrency reached)`,
    );
    // Anything Vigil logs at ERROR is something a person must look at: a metric that could not
    // be evaluated, an alert not delivered, a remediation that failed, an event rejected.
    resources[`${name}ErrorLogsMetric`] = logMetric(fn, `${fn}ErrorLogs`, '{ $.level = "ERROR" }');
    resources[`${name}ErrorLogsAlarm`] = anyInFiveMinutes(
      `vigil-\${sls:stage}-${fn}-error-logs`,
      `vigil ${fn} logged an ERROR (partial failure): search its log group for level ERROR`,
      { Namespace: METRIC_NAMESPACE, MetricName: `${fn}ErrorLogs` },
    );
  }
  for (const queue of DEAD_LETTER_QUEUES) {
    resources[`${queue}DepthAlarm`] = anyInFiveMinutes(
      { "Fn::Sub": `\${${queue}.QueueName}-depth` },
      `messages in ${queue}: work Vigil could not do (inspect, fix, redrive)`,
      {
        Namespace: "AWS/SQS",
        MetricName: "ApproximateNumberOfMessagesVisible",
        Dimensions: [{ Name: "QueueName", Value: { "Fn::GetAtt": [queue, "QueueName"] } }],
      },
      "Maximum",
    );
  }

  // A silent detector is an incident. Each run that finishes counts Runs=1 under its service; none
  // in two schedule periods (no data counts as breaching) means detection stopped, whatever the
  // reason: schedule disabled, function failing before it finishes, config disabling every set.
  const periodSeconds = options.detectEveryMinutes * 60;
  const silence = (fn: string, what: string) => {
    resources[`${normalizedName(fn)}SilentAlarm`] = {
      Type: "AWS::CloudWatch::Alarm",
      Properties: {
        AlarmName: `vigil-\${sls:stage}-${fn}-silent`,
        AlarmDescription: `no ${what} completed in 2 periods of ${options.detectEveryMinutes} min: detection is not running`,
        ...emfMetric(fn, "Runs"),
        Statistic: "Sum",
        Period: periodSeconds,
        EvaluationPeriods: 2,
        DatapointsToAlarm: 2,
        Threshold: 1,
        ComparisonOperator: "LessThanThreshold",
        TreatMissingData: "breaching",
        ...toTopic,
      },
    };
  };
  silence("detect", "detection run of the central account");
  silence("detectFanout", "member-account fan-out");

  // Alerts that reached nobody: the detector counts each notification it could not deliver.
  resources.DetectAlertDeliveryFailuresAlarm = anyInFiveMinutes(
    "vigil-${sls:stage}-detect-alert-delivery-failures",
    "detect could not deliver an alert (SNS or PagerDuty): inspect the alert dead-letter queue and `vigil redrive`",
    emfMetric("detect", "AlertDeliveryFailures"),
  );

  // Remediations that failed, did not take, or were stopped as a loop: one alarm per function over
  // the sum of those outcomes (each is its own Outcome dimension value).
  for (const fn of REMEDIATING_FUNCTIONS) {
    const queries: Json[] = FAILED_REMEDIATION_OUTCOMES.map((outcome, i) => ({
      Id: `m${i}`,
      ReturnData: false,
      MetricStat: {
        Metric: {
          Namespace: METRIC_NAMESPACE,
          MetricName: RUN_METRIC_NAMES.byOutcome,
          Dimensions: [
            { Name: "service", Value: serviceName(fn) },
            { Name: "Outcome", Value: outcome },
          ],
        },
        Period: 300,
        Stat: "Sum",
      },
    }));
    queries.push({
      Id: "failed",
      Label: `remediations ${FAILED_REMEDIATION_OUTCOMES.join(" / ")}`,
      Expression: "SUM(METRICS())",
      ReturnData: true,
    });
    resources[`${normalizedName(fn)}RemediationFailuresAlarm`] = {
      Type: "AWS::CloudWatch::Alarm",
      Properties: {
        AlarmName: `vigil-\${sls:stage}-${fn}-remediation-failures`,
        AlarmDescription: `vigil ${fn}: a remediation ended ${FAILED_REMEDIATION_OUTCOMES.join(", ")}: \`vigil journal list --outcome ${FAILED_REMEDIATION_OUTCOMES.join(" ")}\``,
        Metrics: queries,
        EvaluationPeriods: 1,
        Threshold: 1,
        ComparisonOperator: "GreaterThanOrEqualToThreshold",
        TreatMissingData: "notBreaching",
        ...toTopic,
      },
    };
  }

  // Workers falling behind: shards older than half a period will not finish within it.
  resources.ShardQueueBacklogAlarm = {
    Type: "AWS::CloudWatch::Alarm",
    Properties: {
      AlarmName: { "Fn::Sub": "${ShardQueue.QueueName}-backlog" },
      AlarmDescription:
        "detection shards wait longer than half a schedule period: raise workerConcurrency",
      Namespace: "AWS/SQS",
      MetricName: "ApproximateAgeOfOldestMessage",
      Dimensions: [{ Name: "QueueName", Value: { "Fn::GetAtt": ["ShardQueue", "QueueName"] } }],
      Statistic: "Maximum",
      Period: 300,
      EvaluationPeriods: 1,
      Threshold: Math.max(60, periodSeconds / 2),
      ComparisonOperator: "GreaterThanOrEqualToThreshold",
      TreatMissingData: "notBreaching",
      ...toTopic,
    },
  };
  return { Resources: resources };
}
