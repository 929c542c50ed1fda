/**
 * CloudWatch alarms on Vigil itself: every failure must reach a person. Generated from the
 * function list (one role, one log group, three alarms each) so a new function cannot be
 * deployed unwatched; all of them notify the alerts topic.
 */
import { ROLE_LOGICAL_IDS } from "./iam-roles.ts";

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/** Queues whose depth is a failure: anything in them is work that did not happen. */
export const DEAD_LETTER_QUEUES = ["FailureQueue", "AlertDeadLetterQueue", "ShardDeadLetterQueue"];

/** Namespace of the metrics Vigil's log filters produce. */
export const METRIC_NAMESPACE = "Vigil/${sls:stage}";

/** CloudFormation logical id prefix serverless gives a function: detectWorker → DetectWorker. */
export function normalizedName(fn: string): string {
  return `${fn.charAt(0).toUpperCase()}${fn.slice(1)}`;
}

const toTopic = { AlarmActions: [{ Ref: "AlertsTopic" }], OKActions: [{ Ref: "AlertsTopic" }] };

function lambdaAlarm(fn: string, metric: "Errors" | "Throttles", description: string): Json {
  return {
    Type: "AWS::CloudWatch::Alarm",
    Properties: {
      AlarmName: `vigil-\${sls:stage}-${fn}-${metric.toLowerCase()}`,
      AlarmDescription: description,
      Namespace: "AWS/Lambda",
      MetricName: metric,
      Dimensions: [{ Name: "FunctionName", Value: `vigil-\${sls:stage}-${fn}` }],
      Statistic: "Sum",
      Period: 300,
      EvaluationPeriods: 1,
      Threshold: 1,
      ComparisonOperator: "GreaterThanOrEqualToThreshold",
      TreatMissingData: "notBreaching",
      ...toTopic,
    },
  };
}

/** A metric filter counting matching log events of one function, in Vigil's namespace. */
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
    resources[`${name}ErrorLogsAlarm`] = {
      Type: "AWS::CloudWatch::Alarm",
      Properties: {
        AlarmName: `vigil-\${sls:stage}-${fn}-error-logs`,
        AlarmDescription: `vigil ${fn} logged an ERROR (partial failure): search its log group for level ERROR`,
        Namespace: METRIC_NAMESPACE,
        MetricName: `${fn}ErrorLogs`,
        Statistic: "Sum",
        Period: 300,
        EvaluationPeriods: 1,
        Threshold: 1,
        ComparisonOperator: "GreaterThanOrEqualToThreshold",
        TreatMissingData: "notBreaching",
        ...toTopic,
      },
    };
  }
  for (const queue of DEAD_LETTER_QUEUES) {
    resources[`${queue}DepthAlarm`] = {
      Type: "AWS::CloudWatch::Alarm",
      Properties: {
        AlarmName: { "Fn::Sub": `\${${queue}.QueueName}-depth` },
        AlarmDescription: `messages in ${queue}: work Vigil could not do (inspect, fix, redrive)`,
        Namespace: "AWS/SQS",
        MetricName: "ApproximateNumberOfMessagesVisible",
        Dimensions: [{ Name: "QueueName", Value: { "Fn::GetAtt": [queue, "QueueName"] } }],
        Statistic: "Maximum",
        Period: 300,
        EvaluationPeriods: 1,
        Threshold: 1,
        ComparisonOperator: "GreaterThanOrEqualToThreshold",
        TreatMissingData: "notBreaching",
        ...toTopic,
      },
    };
  }

  // A silent detector is an incident. Each completed run logs one summary line; no such line in
  // two schedule periods (no data counts as breaching) means detection stopped, whatever the
  // reason: schedule disabled, function failing before its summary, config disabling every set.
  const periodSeconds = options.detectEveryMinutes * 60;
  const silence = (fn: string, metricName: string, pattern: string, what: string) => {
    resources[`${normalizedName(fn)}RunsMetric`] = logMetric(fn, metricName, pattern);
    resources[`${normalizedName(fn)}SilentAlarm`] = {
      Type: "AWS::CloudWatch::Alarm",
      Properties: {
        AlarmName: `vigil-\${sls:stage}-${fn}-silent`,
        AlarmDescription: `no ${what} completed in 2 periods of ${options.detectEveryMinutes} min: detection is not running`,
        Namespace: METRIC_NAMESPACE,
        MetricName: metricName,
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
  silence(
    "detect",
    "DetectionRuns",
    '{ $.message = "detection run finished*" }',
    "detection run of the central account",
  );
  silence(
    "detectFanout",
    "FanoutRuns",
    '{ $.message = "detection shards enqueued*" }',
    "member-account fan-out",
  );

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
