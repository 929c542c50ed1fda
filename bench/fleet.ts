/**
 * `npm run bench fleet`: the alert economy of one 10,000-metric account over 30 evaluated days
 * (60 days of hourly history), through the real detect → episodes → alert plan → routing path with
 * in-memory SNS and PagerDuty. Prints messages and pages per day, the worst hour, how many
 * injected incidents were paged and how fast, and a JSON line.
 *
 * To keep it to minutes on a small machine, each hour's run is given only the metrics that could
 * alert in it: a first pass judges every metric over the 30 days with the same engine and keeps,
 * for each hour, the metrics with an anomalous period within the episode look-back before it. A
 * metric without one cannot start, escalate, resolve or hold an episode in that run. The bench
 * checks this on the busiest hour by running it again with every metric.
 */
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Logger } from "@aws-lambda-powertools/logger";
import { MemoryPageLedger } from "../src/adapters/memory-page-ledger.ts";
import type { PagerDutySender } from "../src/adapters/pagerduty-notifier.ts";
import { RoutingNotifier } from "../src/adapters/routing-notifier.ts";
import { MemoryNotifier } from "../src/adapters/sns-notifier.ts";
import { alertingConfigSchema } from "../src/config/alerting-config.ts";
import { settingsForMetric } from "../src/config/detection-config.ts";
import { loadConfigFile } from "../src/config/load.ts";
import { resourceOf } from "../src/domain/alert-grouping.ts";
import { incidentDedupKey } from "../src/domain/alert-incident.ts";
import { evaluateRange, windowPeriods } from "../src/domain/baseline.ts";
import { type DetectionSettings, rearmQuietPeriods } from "../src/domain/detection.ts";
import {
  type MetricIdentity,
  type MetricSeries,
  metricKey,
  seriesFromPoints,
} from "../src/domain/metric.ts";
import type { PagerDutyEvent } from "../src/domain/pagerduty-event.ts";
import type { FetchResult, MetricSelector, MetricSource } from "../src/ports/metric-source.ts";
import { detectAnomalies } from "../src/usecases/detect-anomalies.ts";
import {
  buildFleet,
  type Fleet,
  type FleetMetric,
  generateValues,
  HOUR,
  levelAt,
  nabNoiseLevels,
} from "./fleet-shapes.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const ACCOUNT = "123456789012";
const REGION = "eu-west-1";

/** A metric's series between two period indexes, as CloudWatch returns it (no point for zero). */
function seriesOf(
  metric: MetricIdentity,
  values: Float64Array,
  from: number,
  to: number,
  start: number,
): MetricSeries {
  const points = [];
  for (let p = Math.max(0, from); p < Math.min(values.length, to); p++) {
    const value = values[p] as number;
    if (value !== 0) points.push({ timestamp: start + p * HOUR, value });
  }
  return seriesFromPoints(metric, 3600, points, start + Math.max(0, from) * HOUR);
}

/** Serves the fleet's history; discovery returns the metrics chosen for the current hour. */
class FleetSource implements MetricSource {
  current: number[] = [];
  private readonly byKey = new Map<string, number>();

  constructor(
    private readonly fleet: Fleet,
    private readonly values: Float64Array[],
  ) {
    for (const [i, m] of fleet.metrics.entries()) this.byKey.set(metricKey(m.metric), i);
  }

  async discover(selectors: MetricSelector[]) {
    const metrics = this.current
      .map((i) => this.fleet.metrics[i]?.metric as MetricIdentity)
      .filter((m) =>
        selectors.some((s) => s.namespace === m.namespace && s.metricName === m.metricName),
      );
    return { metrics, listMetricsCalls: 0 };
  }

  async fetch(
    metrics: MetricIdentity[],
    range: { start: number; end: number },
  ): Promise<FetchResult> {
    const from = Math.round((range.start - this.fleet.start) / HOUR);
    const to = Math.round((range.end - this.fleet.start) / HOUR);
    const series = metrics.map((metric) =>
      seriesOf(
        metric,
        this.values[this.byKey.get(metricKey(metric)) as number] as Float64Array,
        from,
        to,
        this.fleet.start,
      ),
    );
    return { series, failures: [], stats: { getMetricDataCalls: 0, datapoints: 0 } };
  }
}

/**
 * The NAB corpus sits next to the repository (../shared/datasets/nab, as in CI); a git worktree one
 * level deeper finds it one more level up; VIGIL_NAB_DIR overrides both.
 */
function nabDir(): string {
  const candidates = [
    process.env.VIGIL_NAB_DIR,
    resolve(ROOT, "../shared/datasets/nab"),
    resolve(ROOT, "../../shared/datasets/nab"),
  ].filter((c): c is string => Boolean(c));
  const found = candidates.find((c) => existsSync(c));
  if (!found) throw new Error(`NAB data set not found; looked in ${candidates.join(", ")}`);
  return found;
}

class RecordingPager implements PagerDutySender {
  readonly events: PagerDutyEvent[] = [];
  async send(event: PagerDutyEvent) {
    this.events.push(event);
    return { dedupKey: event.dedup_key, attempts: 1 };
  }
}

const quantile = (sorted: number[], q: number) =>
  sorted.length === 0
    ? null
    : (sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number);

export async function benchFleet(
  options: {
    metrics?: number;
    days?: number;
    evaluatedDays?: number;
    incidents?: number;
    /** List every injected incident (how it was judged in its first period, when it paged). */
    verbose?: boolean;
  } = {},
) {
  const started = performance.now();
  const evaluatedDays = options.evaluatedDays ?? 30;
  const noiseLevels = nabNoiseLevels(nabDir());
  const fleet = buildFleet({
    metrics: options.metrics ?? 10_000,
    days: options.days ?? 60,
    evaluatedDays,
    incidents: options.incidents ?? 60,
    noiseLevels,
  });
  // What users run: the shipped config's detection and alerting, plus the fleet's resource groups.
  const shipped = await loadConfigFile(join(ROOT, "vigil.config.yaml"));
  const detection = shipped.detection;
  const alerting = alertingConfigSchema.parse({
    ...shipped.alerting,
    resourceGroups: fleet.groups,
  });
  const sets = new Map(detection.metricSets.map((s) => [s.name, s]));
  const settings: DetectionSettings[] = fleet.metrics.map((m) =>
    settingsForMetric(detection, sets.get(m.metricSet) as never, m.metric),
  );
  const values = fleet.metrics.map((_, i) => generateValues(fleet, i));
  const firstEvaluated = fleet.periods - evaluatedDays * 24;

  // Pass 1: which metrics could alert in which hour.
  const prescreenStarted = performance.now();
  const candidates: Array<Set<number>> = Array.from({ length: fleet.periods }, () => new Set());
  fleet.metrics.forEach((m, i) => {
    const s = settings[i] as DetectionSettings;
    const lookback = s.sustainedPeriods + rearmQuietPeriods(s);
    const from = firstEvaluated - lookback;
    const series = seriesOf(
      m.metric,
      values[i] as Float64Array,
      from - windowPeriods(s),
      fleet.periods,
      fleet.start,
    );
    const verdicts = evaluateRange(
      series,
      fleet.start + from * HOUR,
      fleet.start + (fleet.periods - 1) * HOUR,
      s,
    );
    verdicts.forEach((v, offset) => {
      if (v.status !== "anomalous") return;
      // Twice the look-back: a margin over what episodeEvent re-reads.
      for (let h = from + offset; h <= from + offset + 2 * lookback && h < fleet.periods; h++)
        candidates[h]?.add(i);
    });
  });
  const prescreenMs = performance.now() - prescreenStarted;

  // Pass 2: one real detect run per hour.
  const source = new FleetSource(fleet, values);
  const sns = new MemoryNotifier();
  const pager = new RecordingPager();
  const logger = new Logger({ serviceName: "bench-fleet", logLevel: "SILENT" });
  const notifier = new RoutingNotifier({
    routes: alerting.routes,
    sns,
    pagerDuty: pager,
    logger,
    now: () => new Date(0),
  });
  // Pages counted per account-hour in a ledger shared by every run, as deployed (journal bucket).
  const pages = new MemoryPageLedger();
  const runHour = async (
    h: number,
    metrics: number[],
    target = { sns, pager, notifier, pages },
  ) => {
    source.current = metrics;
    return detectAnomalies(
      {
        source,
        notifier: target.notifier,
        config: detection,
        clock: () => fleet.start + (h + 1) * HOUR + 15 * 60_000,
        region: REGION,
        account: ACCOUNT,
        logger,
        alerting,
        pages: target.pages,
      },
      { force: true },
    );
  };
  const perHour: Array<{ hour: number; sns: number; pages: number; candidates: number }> = [];
  // PagerDuty's view: a trigger opens an incident unless its key is open; a resolve closes it.
  // Keys are per metric or resource, so one key opens an incident per episode.
  const pageHours = new Map<string, number[]>();
  const foldedHours = new Map<string, number[]>();
  const openIncidents = new Map<string, number>();
  let resolvesOfUnknownIncidents = 0;
  // Incident keys with an episode still open after the last run: their pages may stay open.
  const stillAnomalous = new Set<string>();
  const note = (hours: Map<string, number[]>, key: string, h: number) =>
    hours.set(key, [...(hours.get(key) ?? []), h]);
  const runsStarted = performance.now();
  for (let h = firstEvaluated; h < fleet.periods; h++) {
    const snsBefore = sns.sent.length;
    const pagerBefore = pager.events.length;
    const report = await runHour(h, [...(candidates[h] ?? [])]);
    if (h === fleet.periods - 1) {
      for (const r of report.results) {
        if (!r.episode?.open) continue;
        const resource = resourceOf(r.metric, alerting.resourceGroups);
        stillAnomalous.add(
          incidentDedupKey(r.metric, resource, { account: ACCOUNT, region: REGION }),
        );
      }
    }
    let pages = 0;
    for (const event of pager.events.slice(pagerBefore)) {
      if (event.event_action === "resolve") {
        if (!openIncidents.delete(event.dedup_key)) resolvesOfUnknownIncidents++;
        continue;
      }
      if (event.event_action !== "trigger") continue;
      if (!openIncidents.has(event.dedup_key)) {
        openIncidents.set(event.dedup_key, h);
        note(pageHours, event.dedup_key, h);
        pages++;
      }
      const folded = event.payload?.custom_details?.folded;
      if (Array.isArray(folded)) {
        for (const f of folded as Array<{ dedupKey: string }>) note(foldedHours, f.dedupKey, h);
      }
    }
    perHour.push({
      hour: h,
      sns: sns.sent.length - snsBefore,
      pages,
      candidates: candidates[h]?.size ?? 0,
    });
  }
  const runsMs = performance.now() - runsStarted;

  // The busiest hour again with every metric: the pre-screen must not change what is sent.
  const busiest = perHour.reduce((a, b) => (b.candidates > a.candidates ? b : a));
  const check = async (metrics: number[]) => {
    const target = {
      sns: new MemoryNotifier(),
      pager: new RecordingPager(),
      notifier: undefined as unknown as RoutingNotifier,
      pages: new MemoryPageLedger(),
    };
    target.notifier = new RoutingNotifier({
      routes: alerting.routes,
      sns: target.sns,
      pagerDuty: target.pager,
      logger,
      now: () => new Date(0),
    });
    await runHour(busiest.hour, metrics, target);
    return JSON.stringify([target.sns.sent.map((n) => n.body), target.pager.events]);
  };
  const prescreenExact =
    (await check([...(candidates[busiest.hour] ?? [])])) ===
    (await check(fleet.metrics.map((_, i) => i)));

  // An incident's first period, per metric: its z for an oracle that knows the generator's level
  // and noise there (is it detectable at all in one period?), and the engine's verdict.
  const firstPeriod = (metrics: readonly number[], p: number) =>
    metrics.map((i) => {
      const m = fleet.metrics[i] as FleetMetric;
      const s = settings[i] as DetectionSettings;
      const observed = (values[i] as Float64Array)[p] as number;
      const oracle = levelAt(fleet, m, p);
      const series = seriesOf(
        m.metric,
        values[i] as Float64Array,
        p - windowPeriods(s),
        p + 1,
        fleet.start,
      );
      const [verdict] = evaluateRange(series, fleet.start + p * HOUR, fleet.start + p * HOUR, s);
      return {
        metric: metricKey(m.metric),
        observed,
        oracleZ: Number(((observed - oracle.level) / oracle.sigma).toFixed(1)),
        expected: verdict?.expected ?? null,
        z: verdict?.z === null || verdict?.z === undefined ? null : Number(verdict.z.toFixed(1)),
        status: verdict?.status ?? "no-data",
        severity: verdict?.severity ?? null,
      };
    });

  // Incidents: paged (own page, or listed in a storm page) within one period of their start? An
  // incident's key is computed the way the plan computes it.
  const incidentResults = fleet.incidents.map((incident) => {
    let firstPaged: number | undefined;
    let via: "page" | "storm" | undefined;
    for (const i of incident.metrics) {
      const metric = fleet.metrics[i]?.metric as MetricIdentity;
      const resource = resourceOf(metric, alerting.resourceGroups);
      const key = incidentDedupKey(metric, resource, { account: ACCOUNT, region: REGION });
      for (const [hours, how] of [
        [pageHours, "page"],
        [foldedHours, "storm"],
      ] as const) {
        // Paged (or folded) from just before the incident's start to its end.
        const at = (hours.get(key) ?? []).find(
          (hour) => hour >= incident.start - 1 && hour < incident.start + incident.periods,
        );
        if (at !== undefined && (firstPaged === undefined || at < firstPaged)) {
          firstPaged = at;
          via = how;
        }
      }
    }
    return {
      ...incident,
      delay: firstPaged === undefined ? null : firstPaged - incident.start,
      via,
      first: firstPeriod(incident.metrics, incident.start),
    };
  });
  const critical = incidentResults.filter((i) => i.criticalAtStart);
  const delays = incidentResults
    .flatMap((i) => (i.delay === null ? [] : [i.delay]))
    .sort((a, b) => a - b);
  const days = evaluatedDays;
  const totalPages = perHour.reduce((n, h) => n + h.pages, 0);
  const worst = perHour.reduce((a, b) =>
    b.pages > a.pages || (b.pages === a.pages && b.sns > a.sns) ? b : a,
  );
  const digests = sns.sent.filter((n) => n.details.event === "digest");
  const summary = {
    bench: "fleet",
    metrics: fleet.metrics.length,
    historyDays: fleet.periods / 24,
    evaluatedDays: days,
    noiseLevelsFromNab: {
      series: noiseLevels.length,
      median: Number((quantile(noiseLevels, 0.5) ?? 0).toFixed(3)),
      max: Number((noiseLevels.at(-1) ?? 0).toFixed(3)),
    },
    injectedIncidents: fleet.incidents.length,
    snsMessagesPerDay: Number((sns.sent.length / days).toFixed(2)),
    pagesPerDay: Number((totalPages / days).toFixed(2)),
    worstHour: {
      at: new Date(fleet.start + worst.hour * HOUR).toISOString(),
      pages: worst.pages,
      snsMessages: worst.sns,
    },
    maxSnsMessagesInAnHour: Math.max(...perHour.map((h) => h.sns)),
    newEpisodesPerMetricDay: Number(
      (
        digests.reduce((n, d) => n + ((d.details.counts as { new: number }).new ?? 0), 0) /
        fleet.metrics.length /
        days
      ).toFixed(3),
    ),
    criticalIncidentsPagedWithinOnePeriod: `${critical.filter((i) => i.delay !== null && i.delay <= 1).length}/${critical.length}`,
    // The weakest critical incident's first period for an oracle knowing the true noise: a
    // critical one should stand far past criticalK, or no detector could page it at once.
    criticalOracleZMin: Math.min(
      ...critical.map((i) => Math.max(...i.first.map((f) => f.oracleZ))),
    ),
    incidentsPaged: `${incidentResults.filter((i) => i.delay !== null).length}/${incidentResults.length}`,
    incidentsOnlyInStorm: incidentResults.filter((i) => i.via === "storm").length,
    // Storm incidents opened, and closed by a later run (PagerDuty resolve) once nothing was open.
    storms: new Set(
      pager.events
        .filter((e) => e.event_action === "trigger" && e.dedup_key.startsWith("vigil:storm:"))
        .map((e) => e.dedup_key),
    ).size,
    stormsResolved: new Set(
      pager.events
        .filter((e) => e.event_action === "resolve" && e.dedup_key.startsWith("vigil:storm:"))
        .map((e) => e.dedup_key),
    ).size,
    incidentsNeverPaged: incidentResults.filter((i) => i.delay === null).length,
    // A page PagerDuty never hears resolved stays open until someone closes it by hand: count the
    // anomaly pages triggered more than a day before the end that no later run resolved, and the
    // resolves sent for a key nothing triggered (they land nowhere).
    pagesNeverResolved: [...openIncidents.keys()].filter(
      (key) => !key.startsWith("vigil:storm:") && !stillAnomalous.has(key),
    ).length,
    pagesOpenAtTheEnd: [...openIncidents.keys()].filter((key) => stillAnomalous.has(key)).length,
    resolvesOfUnknownIncidents,
    detectionDelayPeriods: {
      median: quantile(delays, 0.5),
      p90: quantile(delays, 0.9),
      max: delays.at(-1) ?? null,
    },
    byKind: Object.fromEntries(
      (["exfiltration", "api-call-storm", "logging-off"] as const).map((kind) => {
        const of = incidentResults.filter((i) => i.kind === kind);
        return [
          kind,
          {
            injected: of.length,
            paged: of.filter((i) => i.delay !== null).length,
            maxDelay: Math.max(...of.map((i) => i.delay ?? Number.POSITIVE_INFINITY)),
          },
        ];
      }),
    ),
    criticalLate: critical
      .filter((i) => i.delay !== null && i.delay > 1)
      .map((i) => ({
        kind: i.kind,
        start: new Date(fleet.start + i.start * HOUR).toISOString(),
        periods: i.periods,
        delay: i.delay,
        via: i.via,
        metrics: i.metrics.map((m) => metricKey(fleet.metrics[m]?.metric as MetricIdentity)),
      })),
    notPaged: incidentResults
      .filter((i) => i.delay === null)
      .map((i) => {
        const m = fleet.metrics[i.metrics[0] as number];
        return {
          kind: i.kind,
          start: new Date(fleet.start + i.start * HOUR).toISOString(),
          metric: metricKey(m?.metric as MetricIdentity),
          // Relative noise of the metric: a drop to zero is 1/noise σ deep.
          noise: Number((m?.noise ?? 0).toFixed(2)),
        };
      }),
    ...(options.verbose
      ? {
          incidents: incidentResults.map((i) => ({
            id: i.id,
            kind: i.kind,
            start: new Date(fleet.start + i.start * HOUR).toISOString(),
            periods: i.periods,
            criticalAtStart: i.criticalAtStart,
            delay: i.delay,
            via: i.via ?? null,
            first: i.first,
          })),
        }
      : {}),
    prescreenExact,
    prescreenMs: Math.round(prescreenMs),
    runsMs: Math.round(runsMs),
    totalMs: Math.round(performance.now() - started),
    peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
  };
  return summary;
}

export function printFleet(summary: Awaited<ReturnType<typeof benchFleet>>): void {
  const lines = [
    `fleet: ${summary.metrics} metrics, ${summary.historyDays} days hourly, ${summary.evaluatedDays} days evaluated, ${summary.injectedIncidents} injected incidents`,
    `  SNS messages/day        ${summary.snsMessagesPerDay}   (target <= 24)`,
    `  pages/day               ${summary.pagesPerDay}   (target <= 5)`,
    `  worst hour              ${summary.worstHour.at}: ${summary.worstHour.pages} pages, ${summary.worstHour.snsMessages} SNS messages`,
    `  critical paged <= 1 period  ${summary.criticalIncidentsPagedWithinOnePeriod} (weakest first period: oracle z ${summary.criticalOracleZMin})`,
    `  pages never resolved    ${summary.pagesNeverResolved} (open in PagerDuty after the last run, their episode over; ${summary.pagesOpenAtTheEnd} with the episode still open; ${summary.resolvesOfUnknownIncidents} resolves found no open incident: warnings', a no-op)`,
    `  incidents paged         ${summary.incidentsPaged} (${summary.incidentsOnlyInStorm} via the storm incident; ${summary.incidentsNeverPaged} never detected)`,
    `  storm incidents         ${summary.storms} opened, ${summary.stormsResolved} auto-resolved`,
    `  detection delay         median ${summary.detectionDelayPeriods.median}, p90 ${summary.detectionDelayPeriods.p90}, max ${summary.detectionDelayPeriods.max} periods`,
    `  new episodes/metric-day ${summary.newEpisodesPerMetricDay}`,
    `  pre-screen exact on the busiest hour: ${summary.prescreenExact}; ${Math.round(summary.totalMs / 1000)} s`,
  ];
  for (const i of summary.incidents ?? []) {
    lines.push(
      `  #${i.id} ${i.kind} ${i.start} ${i.periods}h${i.criticalAtStart ? " critical" : ""}: ${i.delay === null ? "never paged" : `paged after ${i.delay} (${i.via})`}`,
    );
    for (const f of i.first) {
      lines.push(
        `      ${f.metric}: first period ${f.status}${f.severity ? ` ${f.severity}` : ""}, z ${f.z} (oracle ${f.oracleZ}), observed ${f.observed.toPrecision(3)} vs expected ${f.expected?.toPrecision(3)}`,
      );
    }
  }
  for (const line of lines) console.log(line);
  console.log(JSON.stringify(summary));
}
