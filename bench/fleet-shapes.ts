/**
 * The simulated fleet: 10,000 metrics of one account modelled on the shapes real CloudWatch series
 * have (daily and weekly seasonality of varying strength, sparse counters, level shifts from
 * deploys, nightly backups, fleet-wide noisy hours), noise levels measured on the NAB real-world
 * series, and injected incidents (exfiltration bursts, API-call storms, logging turned off).
 * Deterministic: the same seed gives the same fleet on every machine.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { median, medianAbsoluteDeviation } from "simple-statistics";
import { mulberry32 } from "../sandbox/synthetic.ts";
import type { MetricIdentity } from "../src/domain/metric.ts";

export const HOUR = 3_600_000;

/**
 * Noise levels of real series: each NAB real* file summed to hours, divided by its median for the
 * same hour of day, and the robust spread (1.4826 · MAD) of that ratio. One level per file.
 */
export function nabNoiseLevels(nabDir: string): number[] {
  const levels: number[] = [];
  for (const group of readdirSync(nabDir).filter((d) => d.startsWith("real"))) {
    for (const file of readdirSync(join(nabDir, group)).filter((f) => f.endsWith(".csv"))) {
      const hours = new Map<number, number>();
      for (const line of readFileSync(join(nabDir, group, file), "utf8")
        .split("\n")
        .slice(1)) {
        const [time, value] = line.split(",");
        const t = Date.parse(`${time?.replace(" ", "T")}Z`);
        const v = Number(value);
        if (!Number.isFinite(t) || !Number.isFinite(v)) continue;
        const hour = Math.floor(t / HOUR) * HOUR;
        hours.set(hour, (hours.get(hour) ?? 0) + v);
      }
      if (hours.size < 24 * 7) continue;
      const byHourOfDay: number[][] = Array.from({ length: 24 }, () => []);
      for (const [t, v] of hours) byHourOfDay[new Date(t).getUTCHours()]?.push(v);
      const typical = byHourOfDay.map((values) => (values.length > 0 ? median(values) : 0));
      const ratios: number[] = [];
      for (const [t, v] of hours) {
        const expected = typical[new Date(t).getUTCHours()] ?? 0;
        if (expected > 0) ratios.push(v / expected - 1);
      }
      if (ratios.length < 24) continue;
      const level = 1.4826 * medianAbsoluteDeviation(ratios);
      if (Number.isFinite(level) && level > 0) levels.push(Math.min(level, 1));
    }
  }
  if (levels.length === 0) throw new Error(`no NAB real* series under ${nabDir}`);
  return levels.sort((a, b) => a - b);
}

export type IncidentKind = "exfiltration" | "api-call-storm" | "logging-off";

export interface Incident {
  id: number;
  kind: IncidentKind;
  /** Indexes into the fleet's metrics: an exfiltration can hit a bucket and its distribution. */
  metrics: number[];
  /** Period index (hours since the fleet's start). */
  start: number;
  periods: number;
  /** Paged at once when it starts (|z| far past criticalK); logging-off grows critical as it lasts. */
  criticalAtStart: boolean;
}

export interface FleetMetric {
  metric: MetricIdentity;
  metricSet: "egress" | "api-calls";
  base: number;
  daily: number;
  weekly: number;
  noise: number;
  sparse: boolean;
  shift?: { at: number; factor: number };
  backup?: { hour: number; factor: number };
}

export interface Fleet {
  start: number;
  periods: number;
  metrics: FleetMetric[];
  incidents: Incident[];
  /** Hours where many metrics move together (a deploy, a backfill): not incidents, still noise. */
  noisyHours: Array<{
    at: number;
    periods: number;
    metrics: number[];
    factor: number;
    what: string;
  }>;
  /** bucket ↔ distribution pairs, for alerting.resourceGroups. */
  groups: Array<{ name: string; members: Array<{ dimensions: Record<string, string> }> }>;
}

function gaussian(random: () => number): number {
  const u1 = Math.max(random(), Number.MIN_VALUE);
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * random());
}

function poisson(lambda: number, random: () => number): number {
  // Knuth: small λ only (sparse counters).
  const limit = Math.exp(-lambda);
  let k = 0;
  let p = random();
  while (p > limit) {
    k++;
    p *= random();
  }
  return k;
}

const pick = <T>(items: readonly T[], random: () => number): T =>
  items[Math.floor(random() * items.length)] as T;

const API_SERVICES = ["S3", "IAM", "STS", "KMS", "EC2", "DynamoDB", "SecretsManager", "Lambda"];

export function buildFleet(options: {
  metrics: number;
  days: number;
  evaluatedDays: number;
  incidents: number;
  noiseLevels: readonly number[];
  seed?: number;
}): Fleet {
  const random = mulberry32(options.seed ?? 20261124);
  const periods = options.days * 24;
  const start = Date.parse("2026-11-25T00:00:00Z") - periods * HOUR;
  const firstEvaluated = periods - options.evaluatedDays * 24;
  const metrics: FleetMetric[] = [];
  const counts = {
    bucket: Math.round(options.metrics * 0.3),
    instance: Math.round(options.metrics * 0.25),
    nat: Math.round(options.metrics * 0.03),
    distribution: Math.round(options.metrics * 0.02),
  };
  const api = options.metrics - counts.bucket - counts.instance - counts.nat - counts.distribution;
  const shape = (
    metric: MetricIdentity,
    metricSet: FleetMetric["metricSet"],
    base: number,
    sparse = false,
  ) => {
    const m: FleetMetric = {
      metric,
      metricSet,
      base,
      daily: random() < 0.7 ? random() * 0.8 : random() * 0.1,
      weekly: random() < 0.5 ? random() * 0.5 : 0,
      noise: pick(options.noiseLevels, random),
      sparse,
    };
    // Deploys move a metric's level now and then.
    if (random() < 0.1) {
      m.shift = { at: Math.floor(random() * periods), factor: 0.6 + random() * 1.2 };
    }
    if (metricSet === "egress" && random() < 0.05) {
      m.backup = { hour: 1 + Math.floor(random() * 3), factor: 3 + random() * 7 };
    }
    metrics.push(m);
  };
  const logNormal = (median: number, spread: number) =>
    median * Math.exp(spread * gaussian(random));
  for (let i = 0; i < counts.bucket; i++) {
    shape(
      {
        namespace: "AWS/S3",
        metricName: "BytesDownloaded",
        dimensions: { BucketName: `data-${i}`, FilterId: "EntireBucket" },
        stat: "Sum",
      },
      "egress",
      logNormal(2e9, 1.5),
    );
  }
  for (let i = 0; i < counts.instance; i++) {
    shape(
      {
        namespace: "AWS/EC2",
        metricName: "NetworkOut",
        dimensions: { InstanceId: `i-${(0x10000 + i).toString(16)}` },
        stat: "Sum",
      },
      "egress",
      logNormal(5e8, 1.2),
    );
  }
  for (let i = 0; i < counts.nat; i++) {
    shape(
      {
        namespace: "AWS/NATGateway",
        metricName: "BytesOutToDestination",
        dimensions: { NatGatewayId: `nat-${i}` },
        stat: "Sum",
      },
      "egress",
      logNormal(2e10, 1),
    );
  }
  for (let i = 0; i < counts.distribution; i++) {
    shape(
      {
        namespace: "AWS/CloudFront",
        metricName: "BytesDownloaded",
        dimensions: { DistributionId: `E${i}CDN`, Region: "Global" },
        stat: "Sum",
      },
      "egress",
      logNormal(1e10, 1),
    );
  }
  for (let i = 0; i < api; i++) {
    const sparse = random() < 0.3;
    shape(
      {
        namespace: "AWS/Usage",
        metricName: "CallCount",
        dimensions: {
          Class: "None",
          Resource: `Op${i}`,
          Service: pick(API_SERVICES, random),
          Type: "API",
        },
        stat: "Sum",
      },
      "api-calls",
      sparse ? 0.2 + random() * 3 : logNormal(2000, 1.2),
      sparse,
    );
  }

  // Buckets served through a distribution: one resource group each.
  const bucketIndex = (i: number) => i;
  const distributionIndex = (i: number) => counts.bucket + counts.instance + counts.nat + i;
  const groups = Array.from({ length: counts.distribution }, (_, i): Fleet["groups"][number] => ({
    name: `cdn-${i}`,
    members: [
      { dimensions: { BucketName: `data-${i}` } },
      { dimensions: { DistributionId: `E${i}CDN` } },
    ],
  }));

  const incidents: Incident[] = [];
  const when = () => firstEvaluated + 24 + Math.floor(random() * (options.evaluatedDays * 24 - 48));
  const egressCount = counts.bucket + counts.instance + counts.nat;
  const apiStart = egressCount + counts.distribution;
  // One incident per metric: a second one inside the first's open episode would only extend it,
  // and could not be told apart from it (a small fleet drew such pairs).
  const used = new Set<number>();
  const draw = (from: number, count: number, fits: (index: number) => boolean = () => true) => {
    let index = from + Math.floor(random() * count);
    while (used.has(index) || !fits(index)) index = from + Math.floor(random() * count);
    return index;
  };
  for (let id = 0; id < options.incidents; id++) {
    const roll = id % 5;
    let incident: Incident;
    if (roll <= 1) {
      // Exfiltration; every fifth through a bucket and its CloudFront distribution at once.
      const paired = id % 10 === 0 && counts.distribution > 0;
      const d = paired
        ? draw(0, counts.distribution, (i) => !used.has(distributionIndex(i)))
        : Math.floor(random() * counts.distribution);
      incident = {
        id,
        kind: "exfiltration",
        metrics: paired ? [bucketIndex(d), distributionIndex(d)] : [draw(0, egressCount)],
        start: when(),
        periods: 1 + Math.floor(random() * 4),
        criticalAtStart: true,
      };
    } else if (roll <= 3) {
      incident = {
        id,
        kind: "api-call-storm",
        metrics: [draw(apiStart, api, (i) => !metrics[i]?.sparse)],
        start: when(),
        periods: 1 + Math.floor(random() * 3),
        criticalAtStart: true,
      };
    } else {
      // Logging turned off on a busy API at a busy hour.
      const index = draw(
        apiStart,
        api,
        (i) => !metrics[i]?.sparse && (metrics[i]?.base ?? 0) >= 500,
      );
      const day = Math.floor(when() / 24);
      incident = {
        id,
        kind: "logging-off",
        metrics: [index],
        start: day * 24 + 14,
        periods: 8,
        criticalAtStart: false,
      };
    }
    for (const index of incident.metrics) used.add(index);
    incidents.push(incident);
  }

  const noisyHours: Fleet["noisyHours"] = [];
  const instances = Array.from({ length: counts.instance }, (_, i) => counts.bucket + i);
  for (let k = 0; k < 2; k++) {
    noisyHours.push({
      at: when(),
      periods: 2,
      metrics: instances.filter(() => random() < 0.15),
      factor: 1.8,
      what: "deploy: a sixth of the instances send more for two hours",
    });
  }
  noisyHours.push({
    at: when(),
    periods: 3,
    metrics: Array.from({ length: counts.bucket }, (_, i) => i).filter(() => random() < 0.05),
    factor: 5,
    what: "backfill: buckets read five times as much for three hours",
  });
  return { start, periods, metrics, incidents, noisyHours, groups };
}

/**
 * A metric's noise-free level in period p (seasonality, deploy shift, nightly backup) and the
 * standard deviation of its noise there: what an oracle knowing the generator would expect.
 */
export function levelAt(fleet: Fleet, m: FleetMetric, p: number): { level: number; sigma: number } {
  const date = new Date(fleet.start + p * HOUR);
  const hour = date.getUTCHours();
  const weekend = date.getUTCDay() === 0 || date.getUTCDay() === 6;
  let level =
    m.base *
    (1 + m.daily * Math.cos(((hour - 14) / 24) * 2 * Math.PI)) *
    (weekend ? 1 - m.weekly : 1);
  if (m.shift && p >= m.shift.at) level *= m.shift.factor;
  if (m.backup && hour === m.backup.hour) level += m.base * m.backup.factor;
  return { level, sigma: m.sparse ? Math.sqrt(level) : level * m.noise };
}

/** One metric's hourly values over the whole fleet history, incidents and noisy hours applied. */
export function generateValues(fleet: Fleet, index: number): Float64Array {
  const m = fleet.metrics[index] as FleetMetric;
  const random = mulberry32(0x9e3779b9 ^ (index * 2654435761));
  const values = new Float64Array(fleet.periods);
  for (let p = 0; p < fleet.periods; p++) {
    const { level } = levelAt(fleet, m, p);
    values[p] = m.sparse
      ? poisson(level, random)
      : Math.max(0, level * (1 + m.noise * gaussian(random)));
  }
  for (const noisy of fleet.noisyHours) {
    if (!noisy.metrics.includes(index)) continue;
    for (let p = noisy.at; p < noisy.at + noisy.periods; p++)
      values[p] = (values[p] ?? 0) * noisy.factor;
  }
  for (const incident of fleet.incidents) {
    if (!incident.metrics.includes(index)) continue;
    for (let p = incident.start; p < incident.start + incident.periods && p < fleet.periods; p++) {
      const v = values[p] ?? 0;
      if (incident.kind === "exfiltration")
        values[p] = v + Math.max(m.base * (8 + 20 * random()), 5e9);
      else if (incident.kind === "api-call-storm") {
        // Calls added on top of the service's own: 10–40 times what it does in that hour or on
        // average, whichever is more. Scaling the hour's noisy value instead made a night storm
        // whose hour the noise had pulled near 0 a few thousand calls, below any band (issue 11).
        const { level } = levelAt(fleet, m, p);
        values[p] = v + (10 + 30 * random()) * Math.max(level, m.base) + 5000;
      } else values[p] = 0;
    }
  }
  return values;
}
