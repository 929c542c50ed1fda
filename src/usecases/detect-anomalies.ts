import type { Logger } from "@aws-lambda-powertools/logger";
import { alertingConfigSchema } from "../config/alerting-config.ts";
import {
  type DetectionConfig,
  type MetricSetConfig,
  selectorsFor,
  setSettings,
  settingsForMetric,
} from "../config/detection-config.ts";
import type { AlertingSummary, AlertPolicy, OpenEpisode } from "../domain/alert-plan.ts";
import type { AnomalyAlert, AnomalyEvent } from "../domain/anomaly-notification.ts";
import { evaluateRange, newestCompletePeriodStart, windowPeriods } from "../domain/baseline.ts";
import { consoleUrlOf, metricWidget } from "../domain/cloudwatch-link.ts";
import {
  type DetectionSettings,
  type Episode,
  episodeLookbackSpan,
  isJudged,
  maxEpisodeLookbackPeriods,
  type Verdict,
} from "../domain/detection.ts";
import { buildEpisodes, episodeStartSeen } from "../domain/episodes.ts";
import {
  hasDatapointAt,
  type MetricIdentity,
  type MetricSeries,
  metricKey,
} from "../domain/metric.ts";
import { chunkMetricsForBudget, metricsPerCall } from "../domain/metric-batching.ts";
import type { MetricSource } from "../ports/metric-source.ts";
import type { Notifier } from "../ports/notifier.ts";
import type { PageLedger } from "../ports/page-ledger.ts";
import { sendRunAlerts } from "./send-run-alerts.ts";

export interface DetectDeps {
  source: MetricSource;
  notifier: Notifier;
  config: DetectionConfig;
  clock: () => number;
  region: string;
  account?: string;
  logger: Pick<Logger, "info" | "warn" | "error">;
  /**
   * Heap for one chunk of fetched series (bytes): the Lambda wiring derives it from the function's
   * memory size so the run fits whatever the metric count. Default: 4 GetMetricData calls a chunk.
   */
  fetchChunkBytes?: number;
  /** Digest or per-episode, page budget, silences, grouping, routes (default: the config defaults). */
  alerting?: AlertPolicy;
  /** Under fan-out: which part of the account this run judges (splits the page budget). */
  part?: { index: number; count: number };
  /**
   * Page slots per account-hour shared with every other run, shard and remediation (the journal
   * bucket), and the storms to resolve. Absent: each run keeps its own share of the budget.
   */
  pages?: PageLedger;
}

/** The alerting section's defaults: digest, 10 in full, 5 pages per hour, no silences. */
export const DEFAULT_ALERT_POLICY: AlertPolicy = alertingConfigSchema.parse({});

/** As parsed from the event: a field left undefined is not given. */
export interface DetectRequest {
  /** Only these metric sets (default: all enabled). */
  metricSets?: string[] | undefined;
  /** Evaluate every selected set now, even one whose period did not just end (CLI, backfills). */
  force?: boolean | undefined;
  /** Evaluate and report, but send no notification. */
  dryRun?: boolean | undefined;
}

export interface MetricResult {
  metricSet: string;
  metric: MetricIdentity;
  verdict: Verdict;
  /** The episode the newest period belongs to (or just closed), if any. */
  episode?: Episode;
  /** The notification this run produced for the metric, if any. */
  alert?: AnomalyEvent;
}

export interface DetectReport {
  now: string;
  evaluated: Array<{
    metricSet: string;
    periodStart: string;
    periodSeconds: number;
    metrics: number;
  }>;
  skipped: Array<{ metricSet: string; reason: string }>;
  results: MetricResult[];
  notificationsSent: number;
  notificationFailures: Array<{ dedupKey: string; error: string }>;
  /** What was paged, folded into the storm incident, silenced or held: the run's alert journal. */
  alerting: AlertingSummary;
  fetchFailures: Array<{ metricSet: string; metric: MetricIdentity; error: string }>;
  stats: { listMetricsCalls: number; getMetricDataCalls: number; datapoints: number };
  /** Some metric could not be evaluated or some alert not delivered: never a silent gap. */
  partialFailure: boolean;
}

interface PlannedSet {
  set: MetricSetConfig;
  settings: DetectionSettings;
  periodStart: number;
}

/** Which episode event, if any, the newest verdict makes: compares the state before and after it. */
export function episodeEvent(
  verdicts: Verdict[],
  settings: DetectionSettings,
): { event?: AnomalyEvent; episode?: Episode } {
  const latest = verdicts.at(-1);
  if (!latest) return {};
  const after = buildEpisodes(verdicts, settings).at(-1);
  const before = buildEpisodes(verdicts.slice(0, -1), settings).at(-1);
  if (latest.status === "anomalous" && after) {
    if (after.start === latest.timestamp) return { event: "new-episode", episode: after };
    if (before?.open && before.severity === "warning" && after.severity === "critical") {
      return { event: "escalated", episode: after };
    }
    return { episode: after };
  }
  if (before?.open && after && !after.open && after.start === before.start) {
    return { event: "resolved", episode: after };
  }
  return after?.open ? { episode: after } : {};
}

/** GetMetricData calls per fetch chunk: bounds memory to this many calls' worth of series. */
const FETCH_CALLS_PER_CHUNK = 4;

interface JudgedItem {
  planned: PlannedSet;
  metric: MetricIdentity;
  settings: DetectionSettings;
}

/**
 * The verdicts of the period starting at `periodStart` and of its look-back (episodeLookbackSpan).
 * Which periods are judged is known only once they are: a first guess counts the periods with a
 * datapoint (exact unless some lack baseline history, after a long gap), and the range reaches
 * further back until its judged periods fill the look-back. Without gaps: one evaluateRange of
 * episodeLookbackPeriods + 1 periods, as before.
 */
export function judgeLookback(
  series: MetricSeries,
  periodStart: number,
  settings: DetectionSettings,
): Verdict[] {
  const periodMs = settings.periodSeconds * 1000;
  const stat = series.metric.stat;
  const hasData = (back: number) => hasDatapointAt(series, periodStart - back * periodMs);
  let back = episodeLookbackSpan(settings, stat, hasData);
  for (;;) {
    // Only the newest verdict and anomalous ones (episode peaks) are ever shown: explain just those.
    const verdicts = evaluateRange(series, periodStart - back * periodMs, periodStart, settings, {
      explain: "anomalous-and-newest",
    });
    const judgedBack = (b: number) => {
      const verdict = verdicts[verdicts.length - 1 - b];
      return verdict ? isJudged(verdict.status) : hasData(b);
    };
    const span = episodeLookbackSpan(settings, stat, judgedBack);
    // Each period's verdict is against its own baseline: a longer range only adds older verdicts.
    if (span <= back) return verdicts.slice(verdicts.length - 1 - span);
    back = span;
  }
}

/** Judges one metric's newest period and says which episode event it makes, if any. */
function judgeMetric(
  deps: Pick<DetectDeps, "account" | "region">,
  item: JudgedItem,
  series: MetricSeries,
): { result: MetricResult; alert?: AnomalyAlert } {
  const periodMs = item.settings.periodSeconds * 1000;
  const verdicts = judgeLookback(series, item.planned.periodStart, item.settings);
  const verdict = verdicts.at(-1) as Verdict;
  const { event, episode } = episodeEvent(verdicts, item.settings);
  const result: MetricResult = { metricSet: item.planned.set.name, metric: item.metric, verdict };
  if (episode) result.episode = episode;
  if (!event || !episode) return { result };
  result.alert = event;
  const graph = metricWidget(item.metric, deps.region, {
    range: { start: episode.start - 2 * 86_400_000, end: verdict.timestamp + periodMs },
    periodSeconds: item.settings.periodSeconds,
    account: deps.account,
    band:
      verdict.expected === null
        ? undefined
        : {
            expected: verdict.expected,
            lower: verdict.lowerThreshold,
            upper: verdict.upperThreshold,
            episodeStart: episode.start,
          },
  });
  const alert: AnomalyAlert = {
    event,
    metricSet: item.planned.set.name,
    ...(deps.account ? { account: deps.account } : {}),
    region: deps.region,
    verdict,
    episode,
    method: item.settings.method,
    k: item.settings.k,
    windowDays: item.settings.windowDays,
    consoleUrl: consoleUrlOf(graph),
    graph,
    ...(episodeStartSeen(verdicts, episode, item.settings) ? {} : { episodeStartSeen: false }),
  };
  return { result, alert };
}

/**
 * One detection run: discover the metrics of each due metric set, fetch their windows in as few
 * GetMetricData calls as the API allows, judge the newest complete period, then alert on new,
 * escalated and resolved episodes as the alerting policy says (one digest per run by default, pages
 * within the budget). Stateless: CloudWatch is the source of truth.
 */
export async function detectAnomalies(
  deps: DetectDeps,
  request: DetectRequest = {},
): Promise<DetectReport> {
  const now = deps.clock();
  const { config } = deps;
  const settleMs = config.settleMinutes * 60_000;
  const report: DetectReport = {
    now: new Date(now).toISOString(),
    evaluated: [],
    skipped: [],
    results: [],
    notificationsSent: 0,
    notificationFailures: [],
    alerting: {
      mode: (deps.alerting ?? DEFAULT_ALERT_POLICY).mode,
      alerts: 0,
      incidents: 0,
      pages: {
        budgetPerHour: 0,
        allowance: 0,
        shared: false,
        paged: [],
        folded: [],
        storm: null,
      },
      stormsResolved: [],
      silenced: [],
      heldResolves: [],
      expiredSilences: [],
      digest: false,
    },
    fetchFailures: [],
    stats: { listMetricsCalls: 0, getMetricDataCalls: 0, datapoints: 0 },
    partialFailure: false,
  };

  const wanted = request.metricSets;
  const unknown = (wanted ?? []).filter((name) => !config.metricSets.some((s) => s.name === name));
  for (const name of unknown) {
    report.skipped.push({ metricSet: name, reason: "no metric set with this name in the config" });
    report.partialFailure = true;
  }

  const planned: PlannedSet[] = [];
  for (const set of config.metricSets) {
    if (wanted && !wanted.includes(set.name)) continue;
    if (!set.enabled) {
      report.skipped.push({ metricSet: set.name, reason: "disabled in config" });
      continue;
    }
    const settings = setSettings(config, set);
    const periodMs = settings.periodSeconds * 1000;
    const periodStart = newestCompletePeriodStart(now - settleMs, settings.periodSeconds);
    const endedAgoMs = now - settleMs - (periodStart + periodMs);
    if (!request.force && endedAgoMs >= config.scheduleMinutes * 60_000) {
      report.skipped.push({
        metricSet: set.name,
        reason: `not due: its ${settings.periodSeconds / 3600} h period ended ${Math.round(endedAgoMs / 60_000)} min ago, evaluated on an earlier run`,
      });
      continue;
    }
    planned.push({ set, settings, periodStart });
  }

  // Discover all due sets' metrics at once.
  const discoveries = await Promise.all(
    planned.map(async (p) => {
      try {
        return await deps.source.discover(selectorsFor(p.set));
      } catch (error) {
        report.skipped.push({
          metricSet: p.set.name,
          reason: `metric discovery failed: ${(error as Error).name}: ${(error as Error).message}`,
        });
        report.partialFailure = true;
        return undefined;
      }
    }),
  );

  // Sets that share a period and a fetch range share GetMetricData calls.
  const groups = new Map<
    string,
    {
      range: { start: number; end: number };
      periodSeconds: number;
      items: JudgedItem[];
    }
  >();
  planned.forEach((p, index) => {
    const discovery = discoveries[index];
    if (!discovery) return;
    report.stats.listMetricsCalls += discovery.listMetricsCalls;
    const perMetric = discovery.metrics.map((metric) => ({
      planned: p,
      metric,
      settings: settingsForMetric(config, p.set, metric),
    }));
    report.evaluated.push({
      metricSet: p.set.name,
      periodStart: new Date(p.periodStart).toISOString(),
      periodSeconds: p.settings.periodSeconds,
      metrics: perMetric.length,
    });
    if (perMetric.length === 0) return;
    const periodMs = p.settings.periodSeconds * 1000;
    // The baseline window before the furthest period a look-back may reach (across gaps).
    const periodsBack = Math.max(
      ...perMetric.map(
        (m) => windowPeriods(m.settings) + maxEpisodeLookbackPeriods(m.settings, m.metric.stat),
      ),
    );
    const range = { start: p.periodStart - periodsBack * periodMs, end: p.periodStart + periodMs };
    const key = `${p.settings.periodSeconds}:${range.start}:${range.end}`;
    const group = groups.get(key) ?? { range, periodSeconds: p.settings.periodSeconds, items: [] };
    group.items.push(...perMetric);
    groups.set(key, group);
  });

  const alerts: AnomalyAlert[] = [];
  for (const group of groups.values()) {
    // A metric can appear in two sets; fetch it once.
    const unique = new Map<string, MetricIdentity>();
    const itemsByKey = new Map<string, typeof group.items>();
    for (const item of group.items) {
      const key = metricKey(item.metric);
      unique.set(key, item.metric);
      itemsByKey.set(key, [...(itemsByKey.get(key) ?? []), item]);
    }
    // Fetch and judge in chunks so memory holds one chunk of series, not all of them. A chunk is a
    // whole number of full GetMetricData calls, so chunking adds no call.
    const points = Math.round((group.range.end - group.range.start) / (group.periodSeconds * 1000));
    const chunkSize =
      deps.fetchChunkBytes === undefined
        ? metricsPerCall(points) * FETCH_CALLS_PER_CHUNK
        : chunkMetricsForBudget(points, deps.fetchChunkBytes);
    const metrics = [...unique.values()];
    // One buffer for every chunk's columns: a chunk is judged before the next is fetched, and no
    // result keeps a series.
    const into = new Float64Array(Math.min(chunkSize, metrics.length) * points);
    for (let offset = 0; offset < metrics.length; offset += chunkSize) {
      const chunk = metrics.slice(offset, offset + chunkSize);
      const fetched = await deps.source.fetch(chunk, group.range, group.periodSeconds, { into });
      report.stats.getMetricDataCalls += fetched.stats.getMetricDataCalls;
      report.stats.datapoints += fetched.stats.datapoints;
      for (const failure of fetched.failures) {
        for (const item of itemsByKey.get(metricKey(failure.metric)) ?? []) {
          report.fetchFailures.push({
            metricSet: item.planned.set.name,
            metric: item.metric,
            error: failure.error,
          });
          report.partialFailure = true;
        }
      }
      const returned = new Set<string>();
      for (const series of fetched.series) {
        const key = metricKey(series.metric);
        returned.add(key);
        for (const item of itemsByKey.get(key) ?? []) {
          const judged = judgeMetric(deps, item, series);
          report.results.push(judged.result);
          if (judged.alert) alerts.push(judged.alert);
        }
      }
      const failed = new Set(fetched.failures.map((f) => metricKey(f.metric)));
      for (const metric of chunk) {
        const key = metricKey(metric);
        if (returned.has(key) || failed.has(key)) continue;
        for (const item of itemsByKey.get(key) ?? []) {
          report.fetchFailures.push({
            metricSet: item.planned.set.name,
            metric,
            error: "no series returned for this metric",
          });
          report.partialFailure = true;
        }
      }
    }
  }

  // Every metric is judged: now decide what to send, all at once (digest, pages, storm).
  const open: OpenEpisode[] = report.results.flatMap((r) =>
    r.episode?.open ? [{ metric: r.metric, episode: r.episode }] : [],
  );
  const sent = await sendRunAlerts(
    { ...deps, policy: deps.alerting ?? DEFAULT_ALERT_POLICY },
    {
      alerts,
      open,
      judged: report.results.map((r) => r.metric),
      now,
      dryRun: request.dryRun === true,
    },
  );
  report.alerting = sent.summary;
  report.notificationsSent = sent.notificationsSent;
  report.notificationFailures.push(...sent.notificationFailures);
  if (sent.partialFailure) report.partialFailure = true;

  for (const failure of report.fetchFailures) {
    deps.logger.error("metric not evaluated", {
      metricSet: failure.metricSet,
      metric: failure.metric,
      error: failure.error,
    });
  }
  for (const failure of report.notificationFailures) {
    deps.logger.error("alert not delivered", failure);
  }
  const anomalies = report.results.filter((r) => r.verdict.status === "anomalous");
  const summary = {
    evaluated: report.evaluated,
    skipped: report.skipped,
    metrics: report.results.length,
    anomalies: anomalies.length,
    notificationsSent: report.notificationsSent,
    alerting: report.alerting,
    fetchFailures: report.fetchFailures.length,
    stats: report.stats,
    partialFailure: report.partialFailure,
  };
  if (report.partialFailure) deps.logger.error("detection run finished with failures", summary);
  else deps.logger.info("detection run finished", summary);
  return report;
}
