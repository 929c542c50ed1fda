/**
 * Size (≈540 lines, to split: search / re-judge / ranking): one search (grid, re-judging, budget, the largest-anomaly guard) over
 * replay()'s verdicts; the replay itself lives in ./replay.ts.
 *
 * Threshold tuning: finds per-metric settings that keep a metric within an alert budget (episodes
 * per week) over its history, changing as little as possible and still catching its largest
 * anomalies. Pure code: the caller brings the series and the current settings.
 *
 * Search. A small grid over method (current, other), seenBefore (current, 5, 10, 30 periods and
 * off: the tail is measured by the engine, so it runs once per method × seenBefore), k (current and
 * larger), sigmaFloor and minAbsoluteDelta (current and larger, candidates derived from the metric's
 * typical level: the median of its non-zero values). Each seenBefore's own figures (flagged periods,
 * episodes, episodes per week with the other settings as today) come with the suggestion. Evaluating
 * the engine once per grid cell would cost thousands of evaluateRange calls per metric, so the
 * engine runs ONCE per method and seenBefore with every floor at 0 — its
 * verdicts then carry the raw expected value and raw σ, which do not depend on k or the floors — and
 * each cell re-applies the floors, k and the minimum change to those numbers (`rejudgeStatuses`, the
 * same arithmetic as the engine's judge step; a test checks both agree). The chosen cell is then
 * evaluated for real, and its real numbers are what the suggestion reports.
 *
 * Preference among cells within budget, in order:
 *  1. keep detecting the confirmed incidents (episodes overlapping `excludedRanges`) and the single
 *     largest anomaly of the current settings (the episode with the largest peak |z|);
 *  2. the fewest settings changed;
 *  3. keep detecting more of the other large anomalies (the next episodes by peak |z|: at most 3 in
 *     all, and at most as many as the budget allows over the history);
 *  4. the smallest change (k by ratio, floors relative to the typical level, a method switch counts 1);
 *  5. the most sensitive: the most episodes still within budget.
 * Confirmed incidents are the alerts a team wants: their episodes do not count against the budget.
 */

import type { TimeSpan } from "./backtest-compare.ts";
import { evaluateRange } from "./baseline.ts";
import {
  confirmWindowPeriods,
  type DetectionSettings,
  levelShiftPeriods,
  type Method,
  rearmQuietPeriods,
  type Verdict,
  type VerdictStatus,
} from "./detection.ts";
import { buildEpisodes } from "./episodes.ts";
import { type MetricSeries, seriesPoints } from "./metric.ts";
import { replay } from "./replay.ts";

/** The settings tune may change. */
export type TunedKey = "method" | "k" | "sigmaFloor" | "minAbsoluteDelta" | "seenBefore";
export type SettingsChange = Partial<Pick<DetectionSettings, TunedKey>>;

export interface TuneInput {
  /** The metric's history at settings.periodSeconds, covering the baseline window before `range`. */
  series: MetricSeries;
  /** The metric's current effective settings (excludedRanges = confirmed incidents). */
  settings: DetectionSettings;
  /** Evaluated range: epoch ms, start inclusive, end exclusive, aligned to the period. */
  range: TimeSpan;
  /** Alert episodes allowed per week (≥ 0). */
  budgetPerWeek: number;
  /**
   * Accept a suggestion that no longer flags the largest anomaly (or a confirmed incident). Off by
   * default: a quieter metric that misses its one real spike is not a tuning, it is a blind spot.
   */
  allowMissingLargest?: boolean;
}

export interface TuneCounts {
  flaggedPeriods: number;
  episodes: number;
  /** Episodes that count against the budget: all but those overlapping confirmed incidents. */
  countedEpisodes: number;
  episodesPerWeek: number;
}

export type TuneStatus = "within-budget" | "tuned" | "over-budget" | "not-enough-data";

export interface TuneSuggestion {
  status: TuneStatus;
  /** Weeks the current settings could judge (the range less periods with too little history). */
  weeks: number;
  budgetPerWeek: number;
  current: TuneCounts;
  /** Only the changed settings; absent when nothing needs (or can) change. */
  change?: SettingsChange;
  /** Real counts with the change applied (status tuned or over-budget). */
  suggested?: TuneCounts;
  /** Reference anomalies (confirmed + largest) the suggestion still flags, of how many. */
  keptLargest?: { kept: number; of: number };
  /** Flagged periods at or above criticalK today that the suggestion no longer flags. */
  droppedCritical?: Array<{ timestamp: number; z: number }>;
  /**
   * What each searched seenBefore would do with every other setting as today (re-judged counts,
   * the first entry is the current value): the figures a team reads to choose the tail by hand.
   */
  seenBefore?: SeenBeforeFigures[];
  /** One line for people. */
  reason: string;
}

export interface SeenBeforeFigures {
  /** Periods (0 = off). */
  seenBefore: number;
  flaggedPeriods: number;
  episodes: number;
  episodesPerWeek: number;
}

/** Tune reads statuses and counts: why-lines only for the flagged periods. */
const QUIET = { explain: "anomalous" } as const;

const K_GRID = [3, 3.5, 4, 4.5, 5, 6, 7, 8, 10, 12, 15, 20];
const FLOOR_FRACTIONS = [0.05, 0.1, 0.2, 0.5];
const DELTA_FRACTIONS = [0.1, 0.25, 0.5, 1, 2];
/**
 * seenBefore candidates (periods; 0 = off) besides the current one. A smaller N widens the
 * threshold to a larger earlier deviation (quieter); off leaves k·σ alone (louder).
 */
const SEEN_BEFORE_GRID = [5, 10, 30, 0];
const MAX_LARGEST_KEPT = 3;
/** Same as the engine's: keeps σ above 0 on flat all-zero baselines. */
const SIGMA_EPSILON = 1e-9;

/** Two significant digits: suggested floors read like a person chose them. */
function roundNice(value: number): number {
  return value > 0 ? Number(value.toPrecision(2)) : 0;
}

function unique<T>(values: T[]): T[] {
  return [...new Set(values)];
}

/** Median of the non-zero values in the range: the metric's typical level (0 if all zero). */
export function typicalLevel(series: MetricSeries, range: TimeSpan): number {
  const values = seriesPoints(series)
    .filter((p) => p.timestamp >= range.start && p.timestamp < range.end && p.value > 0)
    .map((p) => p.value)
    .sort((a, b) => a - b);
  if (values.length === 0) return 0;
  const middle = values.length >> 1;
  return values.length % 2 === 1
    ? (values[middle] as number)
    : ((values[middle - 1] as number) + (values[middle] as number)) / 2;
}

/**
 * Statuses the engine would give with `settings`, from verdicts computed with the same method and
 * every floor (sigmaFloor, relativeSigmaFloor, minAbsoluteDelta) at 0. Mirrors baseline.ts's judge
 * step; exported for the test that keeps the two in step.
 */
export function rejudgeStatuses(
  raw: readonly Verdict[],
  settings: DetectionSettings,
  /** Leading verdicts (before the range) only there for the confirmation look-back. */
  lead = 0,
): VerdictStatus[] {
  const { k, sigmaFloor, relativeSigmaFloor, minAbsoluteDelta, direction, extremeK } = settings;
  const statuses: VerdictStatus[] = [];
  for (let index = lead; index < raw.length; index++) {
    const verdict = raw[index] as Verdict;
    if (verdict.status !== "normal" && verdict.status !== "anomalous") {
      statuses.push(verdict.status);
      continue;
    }
    const observed = verdict.observed as number;
    const expected = verdict.expected as number;
    const sigma = Math.max(
      verdict.sigma as number,
      sigmaFloor,
      relativeSigmaFloor * Math.abs(expected),
      minAbsoluteDelta / k,
      SIGMA_EPSILON,
    );
    const deviation = observed - expected;
    if (!Number.isFinite(deviation / sigma) || !Number.isFinite(expected + k * sigma)) {
      statuses.push("insufficient-data");
      continue;
    }
    // The "seen before" band: the tail the engine measured does not depend on k or the floors.
    const upper = expected + Math.max(k * sigma, verdict.tailUp ?? 0);
    const lower = expected - Math.max(k * sigma, verdict.tailDown ?? 0);
    const above = direction !== "down" && observed > upper;
    const below = direction !== "up" && observed < lower;
    const statisticalSigma = Math.max(
      verdict.sigma as number,
      sigmaFloor,
      relativeSigmaFloor * Math.abs(expected),
      SIGMA_EPSILON,
    );
    // Past extremeK skips confirmation only beyond the extremeSeenBefore tail (the judge's rule).
    const extremeTail = deviation >= 0 ? verdict.extremeUp : verdict.extremeDown;
    let confirmed =
      Math.abs(deviation) / statisticalSigma >= extremeK &&
      !(extremeTail !== undefined && Math.abs(deviation) <= extremeTail);
    if ((above || below) && !confirmed) {
      // The judge's rule: the periods just before, against this period's band — confirmPeriods in
      // a row, or that many within confirmWindowPeriods.
      const window = confirmWindowPeriods(settings);
      let beyond = 0;
      for (let back = index; back >= 0 && back > index - window; back--) {
        const value = (raw[back] as Verdict).observed;
        if (value !== null && (above ? value > upper : value < lower)) beyond++;
        else if (window === settings.confirmPeriods) break;
      }
      confirmed = beyond >= settings.confirmPeriods;
    }
    const bigEnough = Math.abs(deviation) >= minAbsoluteDelta;
    // The "stopped reporting" rule does not depend on k or σ: only on the minimum change.
    const stopped = verdict.stoppedPeriods !== undefined;
    statuses.push(
      (bigEnough && (above || below) && confirmed) ||
        (bigEnough && (stopped || shiftedAt(raw, index, settings, expected, sigma)))
        ? "anomalous"
        : "normal",
    );
  }
  return statuses;
}

/** The judge's level-shift rule on raw verdicts: the last levelShiftPeriods beyond levelShiftBand·k·σ. */
function shiftedAt(
  raw: readonly Verdict[],
  index: number,
  settings: DetectionSettings,
  expected: number,
  sigma: number,
): boolean {
  const periods = levelShiftPeriods(settings);
  if (periods === 0 || periods > index + 1) return false;
  const shiftK = settings.levelShiftBand * settings.k;
  const upper = expected + shiftK * sigma;
  const lower = expected - shiftK * sigma;
  const observed = raw[index]?.observed ?? Number.NaN;
  const up = settings.direction !== "down" && observed > upper;
  if (!up && !(settings.direction !== "up" && observed < lower)) return false;
  for (let back = index; back > index - periods; back--) {
    const value = (raw[back] as Verdict).observed;
    if (value === null || (up ? !(value > upper) : !(value < lower))) return false;
  }
  return true;
}

/** Periods before a range the re-judging needs: the confirmation and level-shift look-backs. */
export function rejudgeLead(settings: DetectionSettings): number {
  return Math.max(0, confirmWindowPeriods(settings) - 1, levelShiftPeriods(settings) - 1);
}

/**
 * Episode spans from statuses, by buildEpisodes' rules (anomalies open or extend; rearmQuietPeriods
 * normal periods in a row close; unjudged periods change nothing). Exported for its test.
 */
export function episodeSpans(
  statuses: readonly VerdictStatus[],
  timestamps: readonly number[],
  rearmQuietPeriods: number,
): TimeSpan[] {
  const rearmAfter = Math.max(1, rearmQuietPeriods);
  const spans: TimeSpan[] = [];
  let open: TimeSpan | null = null;
  let quiet = 0;
  statuses.forEach((status, index) => {
    const timestamp = timestamps[index] as number;
    if (status === "anomalous") {
      if (open) open.end = timestamp;
      else open = { start: timestamp, end: timestamp };
      quiet = 0;
    } else if (status === "normal" && open) {
      if (++quiet >= rearmAfter) {
        spans.push(open);
        open = null;
        quiet = 0;
      }
    }
  });
  if (open) spans.push(open);
  return spans;
}

/** True when the period span [start, end + period) of an episode overlaps a confirmed incident. */
function isConfirmed(span: TimeSpan, periodMs: number, settings: DetectionSettings): boolean {
  return settings.excludedRanges.some((r) => r.start < span.end + periodMs && span.start < r.end);
}

interface Candidate {
  change: SettingsChange;
  settings: DetectionSettings;
  changedCount: number;
  magnitude: number;
}

function candidates(settings: DetectionSettings, level: number): Candidate[] {
  const methods: Method[] = [
    settings.method,
    settings.method === "seasonal" ? "mean-sd" : "seasonal",
  ];
  const ks = unique([settings.k, ...K_GRID.filter((k) => k > settings.k)]);
  const floors = unique([
    settings.sigmaFloor,
    ...FLOOR_FRACTIONS.map((f) => roundNice(level * f)).filter((v) => v > settings.sigmaFloor),
  ]);
  const deltas = unique([
    settings.minAbsoluteDelta,
    ...DELTA_FRACTIONS.map((f) => roundNice(level * f)).filter(
      (v) => v > settings.minAbsoluteDelta,
    ),
  ]);
  const tails = seenBeforeCandidates(settings);
  const relative = (value: number, current: number) =>
    level > 0 ? (value - current) / level : value > current ? 1 : 0;
  const all: Candidate[] = [];
  for (const method of methods) {
    for (const seenBefore of tails) {
      for (const k of ks) {
        for (const sigmaFloor of floors) {
          for (const minAbsoluteDelta of deltas) {
            const change: SettingsChange = {};
            if (method !== settings.method) change.method = method;
            if (seenBefore !== settings.seenBefore) change.seenBefore = seenBefore;
            if (k !== settings.k) change.k = k;
            if (sigmaFloor !== settings.sigmaFloor) change.sigmaFloor = sigmaFloor;
            if (minAbsoluteDelta !== settings.minAbsoluteDelta)
              change.minAbsoluteDelta = minAbsoluteDelta;
            all.push({
              change,
              settings: { ...settings, method, seenBefore, k, sigmaFloor, minAbsoluteDelta },
              changedCount: Object.keys(change).length,
              magnitude:
                (method !== settings.method ? 1 : 0) +
                seenBeforeStep(seenBefore, settings.seenBefore) +
                Math.log2(k / settings.k) +
                relative(sigmaFloor, settings.sigmaFloor) +
                relative(minAbsoluteDelta, settings.minAbsoluteDelta),
            });
          }
        }
      }
    }
  }
  return all;
}

function seenBeforeCandidates(settings: DetectionSettings): number[] {
  return unique([settings.seenBefore, ...SEEN_BEFORE_GRID]);
}

/** A seenBefore change by ratio (10 → 5 weighs like k ×2); switching the tail on or off counts 1. */
function seenBeforeStep(value: number, current: number): number {
  if (value === current) return 0;
  if (value === 0 || current === 0) return 1;
  return Math.abs(Math.log2(value / current));
}

function countsOf(
  verdicts: readonly Verdict[],
  settings: DetectionSettings,
  weeks: number,
): TuneCounts & { spans: TimeSpan[] } {
  const periodMs = settings.periodSeconds * 1000;
  const episodes = buildEpisodes(verdicts, settings);
  const spans = episodes.map((e) => ({ start: e.start, end: e.end }));
  const counted = spans.filter((s) => !isConfirmed(s, periodMs, settings)).length;
  return {
    flaggedPeriods: verdicts.filter((v) => v.status === "anomalous").length,
    episodes: episodes.length,
    countedEpisodes: counted,
    episodesPerWeek: weeks > 0 ? counted / weeks : 0,
    spans,
  };
}

function describeChange(change: SettingsChange, settings: DetectionSettings): string {
  return (Object.keys(change) as TunedKey[])
    .map((key) => `${key} ${settings[key]} → ${change[key]}`)
    .join(", ");
}

const perWeek = (value: number) => `${value.toFixed(value < 10 ? 2 : 1)}/week`;

/** Suggests the least change that keeps the metric within budget (see the module comment). */
export function suggestTuning(input: TuneInput): TuneSuggestion {
  const { series, settings, range, budgetPerWeek } = input;
  if (!(budgetPerWeek >= 0) || !Number.isFinite(budgetPerWeek)) {
    throw new RangeError(`budget must be a finite number ≥ 0, got ${budgetPerWeek}`);
  }
  const periodMs = settings.periodSeconds * 1000;
  const to = range.end - periodMs;
  const currentReplay = replay(series, range, settings);
  const currentVerdicts = currentReplay.verdicts;
  const weeks = currentReplay.evaluatedWeeks;
  const current = countsOf(currentVerdicts, settings, weeks);
  const base = { weeks, budgetPerWeek, current: stripSpans(current) };
  const judged = currentVerdicts.filter(
    (v) => v.status === "normal" || v.status === "anomalous",
  ).length;
  if (judged === 0 || weeks === 0) {
    return {
      ...base,
      status: "not-enough-data",
      reason: "no period could be judged (too little history)",
    };
  }
  const allowed = budgetPerWeek * weeks;
  // A hair of slack so 1.0/week over exactly 4 weeks accepts 4 episodes despite float rounding.
  const withinBudget = (counted: number) => counted <= allowed + 1e-9;
  if (withinBudget(current.countedEpisodes)) {
    return {
      ...base,
      status: "within-budget",
      reason: `${perWeek(current.episodesPerWeek)} is within the budget of ${perWeek(budgetPerWeek)}`,
    };
  }

  // Reference anomalies: confirmed incidents, then the largest current episodes by peak |z|.
  const episodes = buildEpisodes(currentVerdicts, settings);
  const confirmed = episodes.filter((e) => isConfirmed(e, periodMs, settings));
  // The largest is always a reference, even when the budget allows less than one episode over the
  // history: a budget of 0.1/week must not silently buy quiet with the only real spike.
  const largest = episodes
    .filter((e) => !isConfirmed(e, periodMs, settings))
    .sort((a, b) => Math.abs(b.peak.z ?? 0) - Math.abs(a.peak.z ?? 0))
    .slice(0, Math.max(1, Math.min(MAX_LARGEST_KEPT, Math.floor(allowed))));
  const mustKeep = input.allowMissingLargest !== true;

  const level = typicalLevel(series, range);
  // The engine runs once per (method, seenBefore): the tail it measures depends on both.
  const rawByEngine = new Map<string, Verdict[]>();
  // Verdicts before the range, for the confirmation look-back of its first periods.
  const lead = rejudgeLead(settings);
  const rawFor = (method: Method, seenBefore: number): Verdict[] => {
    const key = `${method}/${seenBefore}`;
    let raw = rawByEngine.get(key);
    if (!raw) {
      raw = evaluateRange(
        series,
        range.start - lead * periodMs,
        to,
        {
          ...settings,
          method,
          seenBefore,
          sigmaFloor: 0,
          relativeSigmaFloor: 0,
          minAbsoluteDelta: 0,
        },
        QUIET,
      );
      rawByEngine.set(key, raw);
    }
    return raw;
  };
  const timestamps = currentVerdicts.map((v) => v.timestamp);
  const seenBefore: SeenBeforeFigures[] = seenBeforeCandidates(settings).map((n) => {
    const statuses = rejudgeStatuses(
      rawFor(settings.method, n),
      { ...settings, seenBefore: n },
      lead,
    );
    const spans = episodeSpans(statuses, timestamps, rearmQuietPeriods(settings));
    const counted = spans.filter((s) => !isConfirmed(s, periodMs, settings)).length;
    return {
      seenBefore: n,
      flaggedPeriods: statuses.filter((status) => status === "anomalous").length,
      episodes: spans.length,
      episodesPerWeek: counted / weeks,
    };
  });

  interface Scored {
    candidate: Candidate;
    counted: number;
    keptConfirmed: number;
    keptTop: number;
    keptLargest: number;
  }
  let bestFeasible: Scored | undefined;
  let leastNoisy: Scored | undefined;
  const better = (a: Scored, b: Scored) =>
    a.keptConfirmed - b.keptConfirmed ||
    a.keptTop - b.keptTop ||
    b.candidate.changedCount - a.candidate.changedCount ||
    a.keptLargest - b.keptLargest ||
    b.candidate.magnitude - a.candidate.magnitude ||
    a.counted - b.counted;
  for (const candidate of candidates(settings, level)) {
    if (candidate.changedCount === 0) continue;
    const statuses = rejudgeStatuses(
      rawFor(candidate.settings.method, candidate.settings.seenBefore),
      candidate.settings,
      lead,
    );
    const spans = episodeSpans(statuses, timestamps, rearmQuietPeriods(settings));
    const counted = spans.filter((s) => !isConfirmed(s, periodMs, settings)).length;
    const flags = (reference: TimeSpan) =>
      statuses.some(
        (status, index) =>
          status === "anomalous" &&
          (timestamps[index] as number) >= reference.start &&
          (timestamps[index] as number) <= reference.end,
      );
    const scored: Scored = {
      candidate,
      counted,
      keptConfirmed: confirmed.filter(flags).length,
      keptTop: largest[0] && flags(largest[0]) ? 1 : 0,
      keptLargest: largest.filter(flags).length,
    };
    const keepsReferences =
      scored.keptConfirmed === confirmed.length && (largest.length === 0 || scored.keptTop === 1);
    if (mustKeep && !keepsReferences) continue;
    if (withinBudget(counted)) {
      if (!bestFeasible || better(scored, bestFeasible) > 0) bestFeasible = scored;
    } else if (
      !leastNoisy ||
      counted < leastNoisy.counted ||
      (counted === leastNoisy.counted && better(scored, leastNoisy) > 0)
    ) {
      leastNoisy = scored;
    }
  }

  const chosen = bestFeasible ?? leastNoisy;
  if (!chosen) {
    return {
      ...base,
      status: "over-budget",
      seenBefore,
      reason: mustKeep
        ? "every setting searched misses the largest anomaly or a confirmed incident (--allow-missing-largest to accept that)"
        : "no candidate setting to try",
    };
  }
  // Report the real engine's numbers for the chosen settings, not the re-judged estimate.
  const realReplay = replay(series, range, chosen.candidate.settings);
  const real = countsOf(realReplay.verdicts, chosen.candidate.settings, weeks);
  // Periods extreme enough to page at once today (|z| ≥ criticalK) that the suggestion drops.
  const droppedCritical = currentVerdicts
    .filter(
      (v, index) =>
        v.status === "anomalous" &&
        Math.abs(v.z ?? 0) >= settings.criticalK &&
        realReplay.verdicts[index]?.status !== "anomalous",
    )
    .map((v) => ({ timestamp: v.timestamp, z: v.z as number }));
  const change = chosen.candidate.change;
  const reference = confirmed.length + largest.length;
  const keptLargest = { kept: chosen.keptConfirmed + chosen.keptLargest, of: reference };
  const withinAfter = withinBudget(real.countedEpisodes);
  const keptNote =
    reference > 0 ? `, still flags ${keptLargest.kept} of the ${reference} largest anomalies` : "";
  const droppedNote =
    droppedCritical.length > 0
      ? `; WARNING: no longer flags ${droppedCritical.length} period${droppedCritical.length === 1 ? "" : "s"} at or above criticalK ${settings.criticalK} (largest z ${Math.max(...droppedCritical.map((d) => Math.abs(d.z))).toFixed(1)})`
      : "";
  return {
    ...base,
    status: withinAfter ? "tuned" : "over-budget",
    change,
    suggested: stripSpans(real),
    keptLargest,
    ...(droppedCritical.length > 0 ? { droppedCritical } : {}),
    seenBefore,
    reason: withinAfter
      ? `${perWeek(current.episodesPerWeek)} → ${perWeek(real.episodesPerWeek)} with ${describeChange(change, settings)}${keptNote}${droppedNote}`
      : `still ${perWeek(real.episodesPerWeek)} at the quietest settings searched that keep the largest anomaly (${describeChange(change, settings)}): consider excluding confirmed incidents or a larger budget${droppedNote}`,
  };
}

function stripSpans(counts: TuneCounts & { spans?: TimeSpan[] }): TuneCounts {
  const { flaggedPeriods, episodes, countedEpisodes, episodesPerWeek } = counts;
  return { flaggedPeriods, episodes, countedEpisodes, episodesPerWeek };
}
