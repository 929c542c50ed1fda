import { assertPeriodSeconds } from "./baseline/validate.ts";
import type { MetricIdentity } from "./metric.ts";

export type Method = "mean-sd" | "seasonal" | "robust" | "auto";
/** Which side of the baseline is anomalous: egress only "up"; API calls "both" (a drop can mean logging was turned off). */
export type Direction = "up" | "down" | "both";
/**
 * How a period with no datapoint is read: egress with nothing transferred is a real zero; some
 * metrics only have gaps. "auto" reads it by the metric's statistic (missingReadsAsZero).
 */
export type MissingData = "zero" | "gap" | "auto";
export type Severity = "warning" | "critical";

export interface DetectionSettings {
  method: Method;
  /** Sigma multiplier: flag when |observed - expected| > k·σ. */
  k: number;
  /** Baseline length in days before the evaluated period. */
  windowDays: number;
  /** 3600 (hourly) or 86400 (daily). */
  periodSeconds: number;
  direction: Direction;
  missingData: MissingData;
  /** Absolute σ floor in the metric's unit (σ = 0 on flat baselines must not flag every wiggle). */
  sigmaFloor: number;
  /** σ floor relative to the expected value (0.05 = 5 % of expected). */
  relativeSigmaFloor: number;
  /** A deviation smaller than this (metric unit) is never an anomaly, whatever z says. */
  minAbsoluteDelta: number;
  /** Fewer baseline periods than this → "insufficient-data", no alert. */
  minHistoryPeriods: number;
  /** |z| at or beyond this makes an anomalous period critical: it pages. */
  criticalK: number;
  /**
   * |z| at or beyond this is anomalous at once, without confirmPeriods, when it also goes beyond
   * the window's extremeSeenBefore-th largest deviation on its side. Apart from criticalK on
   * purpose: a single 7σ burst the metric never made is worth an alert now, not yet a page (it pages
   * when it reaches criticalK or lasts sustainedPeriods). Measured against σ before the
   * minAbsoluteDelta floor, like criticalK.
   */
  extremeK: number;
  /**
   * A deviation beyond k·σ but below extremeK is anomalous only when this many periods in a row
   * (this one included) are beyond the band on the same side; an extreme one (|z| ≥ extremeK,
   * beyond the extremeSeenBefore tail) is anomalous at once. 1 = every period beyond the band.
   */
  confirmPeriods: number;
  /**
   * Confirmation by duration: a deviation below extremeK is also confirmed when confirmPeriods
   * periods beyond the band (same side, this one included) fall within this long, not only in a
   * row. A 5-minute metric whose incident crosses the band every few periods then pages; an hourly
   * one with 2 h behaves as before. Seconds, whole periods of the metric; 0 = in a row only.
   */
  confirmWithinSeconds: number;
  /**
   * This many anomalous periods in one episode make it critical (short normal blips inside it do not
   * reset the count). Periods only the level-shift rule flagged do not count: a lasting shift stays
   * a warning unless it reaches criticalK or the k·σ band.
   */
  sustainedPeriods: number;
  /**
   * Quiet time that closes an episode (re-arms the alert), in seconds: this long without an
   * anomalous period, counted in whole periods of the metric (rearmQuietPeriods). A duration, not a
   * count, so one setting means the same on 5-minute and hourly metrics.
   */
  rearmQuietSeconds: number;
  /**
   * The level-shift rule: when every period of the last levelShiftSeconds is beyond
   * expected ± levelShiftBand·k·σ (same side), the period is anomalous even inside the k·σ band — a
   * shift too small to page at once that persists. A fraction of k, so tuning k tunes both. 0 = off.
   */
  levelShiftBand: number;
  /** How long a level shift must persist (seconds, whole periods of the metric). */
  levelShiftSeconds: number;
  /**
   * The excursion-density rule: a period beyond expected ± densityBand·k·σ is anomalous when the
   * last densitySeconds hold so many such periods (same side) that the baseline window's own share
   * of them makes that count improbable (binomial tail below DENSITY_SIGNIFICANCE): moderate bursts
   * that became frequent, each inside the k·σ band. A metric that was always that spiky has a high
   * share and never trips it. A fraction of k, like levelShiftBand; 0 = off. Engines with a raw
   * sorted window only (robust, auto); a warning, never escalated through sustainedPeriods. Not
   * tunable: `vigil tune` re-judges stored numbers, and the window's count is not among them.
   */
  densityBand: number;
  /** The stretch the excursion-density rule counts over (seconds, whole periods of the metric). */
  densitySeconds: number;
  /**
   * "Extreme" must be extreme for this metric: a period past extremeK σ alerts at once, without
   * confirmPeriods, only when it also goes beyond the window's extremeSeenBefore-th largest deviation
   * on that side (measured like seenBefore's tail). A single burst the metric has made twice in
   * 30 days is not worth paging unconfirmed; one bigger than all but one of them is. It still
   * counts when it persists (confirmPeriods). 0 = off (extremeK alone). With the at-once path at
   * 9σ, 3 took NAB from 67.4 / 7.8 to 69.0 / 5.1 false episodes per 100 metric-days (1: 67.9 / 4.1;
   * 5: 68.3 / 5.7; 10: 68.6 / 6.7). It also made a lower at-once bar affordable: extremeK 7 with 2
   * (the default) scores 70.5 / 4.9 (README, round eight); the fleet keeps every critical incident
   * paged within one period.
   */
  extremeSeenBefore: number;
  /**
   * The "seen before" band: the threshold on each side widens to the window's seenBefore-th largest
   * deviation on that side when that is beyond k·σ, so a metric whose bursts routinely go to 20σ
   * does not page for its next ordinary burst ("the last 30 days went this far 10 times"); a burst
   * beyond anything the window saw that often still pages. 0 = off. Measured per engine on its own
   * residuals (robust: from the median; seasonal: from the slot); mean-sd has no tail.
   */
  seenBefore: number;
  /**
   * `seasonal` at a quiet slot (level below the window's average): its band, normally the
   * window-average level's, narrows toward the spread of its own time of day's history, weighted by
   * how many such residuals there are against this many periods of prior weight for the pooled band,
   * on a log scale: log σ = (n·log σ_own + prior·log σ_pooled) / (n + prior). Never below the pooled
   * relative spread at the slot's own level. 0 = off: the band never narrows.
   */
  quietSlotPrior: number;
  /** Time ranges (epoch ms, start inclusive, end exclusive) left out of baselines: confirmed incidents. */
  excludedRanges: ReadonlyArray<{ start: number; end: number }>;
}

/**
 * The defaults, chosen on the labelled NAB benchmark (`npm run bench quality`, README): k = 5, a
 * moderate deviation confirmed by a second period, an extreme one (|z| ≥ extremeK 7, beyond the
 * window's 2nd largest deviation on its side: extremeSeenBefore) alerting at once (paging from
 * criticalK 9), and
 * 48 quiet periods before an episode closes (two days hourly), so an incident that flickers around
 * its threshold, or comes back the next day, stays one alert: on the benchmark that cut false
 * episodes from 24.1 to 14.2 per 100 metric-days and raised the score (k 4, rearm 12: 44.5; k 5,
 * rearm 48: 50.0). Method `auto`: `robust` (best on the benchmark, whose series are mostly shorter
 * than 3 weeks) until a metric has 3 weeks of history, then `seasonal`, so an 8× burst at a quiet
 * hour of a daily-cycling egress metric still stands out; from day 3 a strong daily cycle is
 * compared by time of day. missingData `auto`: a missing Average is a gap, a missing Sum is 0.
 * Together 60.4 with 11.1 false episodes per 100 metric-days; a rearm of 8 hours (a duration, so
 * the same on 5-minute and hourly metrics: 96 or 8 periods) made it 61.5 with 10.1 (README,
 * "Detection quality"; 16 h and 1 d cut false episodes further but swallow labelled windows).
 * The level-shift rule (0.6 · k σ for 6 h, i.e. 3σ) then caught the slow failures of the
 * known-cause series: 65.5 with 10.5 (on, as a warning, below). The seen-before band (each side's
 * threshold widened to the window's 20th largest deviation when that is beyond k σ) then made it
 * 63.5 with 7.4 false episodes per 100 metric-days: most false episodes were bursts of a kind the
 * window had already seen ten times or more (tweet volumes, a CPU's recurring spikes to 100 %);
 * 10 cut them to 5.6 but lost 4 labelled windows, 20 loses one.
 * Two opt-in rules stay off, measured the same way (README, "Detection quality", round five):
 * confirmWithin 30 min (61.9, but 10.9 false episodes: tweets) and quietSlotPrior 10 (60.4 / 11.2:
 * narrower night bands page the tweets' unlabelled night bursts).
 * Round eight: the at-once bar (extremeK) 9σ → 7σ, apart from criticalK, with extremeSeenBefore
 * 3 → 2 (70.5 / 4.9 from 69.0 / 5.1): a single 7σ burst alerts at once unless the metric's window
 * went further twice; it pages from 9σ as before (NAB's false pages 60 → 58 where criticalK 7 made
 * them 70).
 */
export const DEFAULT_DETECTION_SETTINGS: DetectionSettings = {
  method: "auto",
  k: 5,
  windowDays: 30,
  periodSeconds: 3600,
  direction: "up",
  missingData: "auto",
  sigmaFloor: 0,
  relativeSigmaFloor: 0.02,
  minAbsoluteDelta: 0,
  minHistoryPeriods: 7,
  criticalK: 9,
  extremeK: 7,
  confirmPeriods: 2,
  confirmWithinSeconds: 0,
  sustainedPeriods: 3,
  rearmQuietSeconds: 8 * 3600,
  // On: +4 NAB (61.5 → 65.5; false episodes 10.1 → 10.5 per 100 metric-days). It shipped off while
  // sustainedPeriods made every lasting shift critical (fleet 4.43 → 5.53 pages a day, past ≤ 5);
  // now a shift inside the k·σ band stays a warning (SNS, no page): 2,000-metric fleet 3.17 pages a
  // day with it and without it. 0 turns it off.
  levelShiftBand: 0.6,
  levelShiftSeconds: 6 * 3600,
  densityBand: 0,
  densitySeconds: 6 * 3600,
  seenBefore: 20,
  extremeSeenBefore: 2,
  quietSlotPrior: 0,
  excludedRanges: [],
};

/** Normal periods in a row that close an episode: rearmQuietSeconds in whole periods, at least 1. */
export function rearmQuietPeriods(
  settings: Pick<DetectionSettings, "rearmQuietSeconds" | "periodSeconds">,
): number {
  return Math.max(1, Math.ceil(settings.rearmQuietSeconds / settings.periodSeconds));
}

/**
 * Judged periods before the evaluated one that detect re-judges each run to know where an episode
 * started, escalated or ended (it keeps no state); across gaps it reaches further back until it has
 * them (episodeLookbackSpan). Escalation through sustainedPeriods counts only inside this look-back
 * (see episodes.ts), so backtest escalates an episode exactly when detect first does.
 */
export function episodeLookbackPeriods(
  settings: Pick<DetectionSettings, "sustainedPeriods" | "rearmQuietSeconds" | "periodSeconds">,
): number {
  return settings.sustainedPeriods + rearmQuietPeriods(settings);
}

/** Baseline length in periods: windowDays · 86400 / periodSeconds (720 for 30 days hourly). */
export function windowPeriods(
  settings: Pick<DetectionSettings, "windowDays" | "periodSeconds">,
): number {
  assertPeriodSeconds(settings.periodSeconds);
  const periods = Math.floor((settings.windowDays * 86_400) / settings.periodSeconds);
  if (!Number.isFinite(periods) || periods < 1) {
    throw new RangeError(
      `windowDays ${settings.windowDays} is shorter than one ${settings.periodSeconds}s period`,
    );
  }
  return periods;
}

/**
 * How much time without judged periods detect's look-back reaches across, beyond its
 * episodeLookbackPeriods: a metric that went silent mid-episode for up to this long (a weekend
 * without traffic) is still the same episode when it reports again, in detect as in backtest.
 * Detect fetches this much more of a metric whose missing periods are gaps (only those can have
 * no-data periods), whatever its gaps: the range is fixed before the fetch. Bounded, not the whole baseline window, because the fetch is:
 * a look-back reaching 30 days back needs 30 more days of data to judge those periods against their
 * own baselines, which halves the metrics one GetMetricData call holds (137 → 69, hourly); three
 * days cost 137 → 125.
 */
export const GAP_BRIDGE_SECONDS = 3 * 86_400;

/**
 * The furthest back, in periods before the evaluated one, that detect's look-back can reach:
 * episodeLookbackPeriods when a missing period reads as 0 (no period lacks data), else that plus
 * GAP_BRIDGE_SECONDS, never beyond the baseline window. Detect fetches the baseline window before it.
 */
export function maxEpisodeLookbackPeriods(
  settings: Pick<
    DetectionSettings,
    "sustainedPeriods" | "rearmQuietSeconds" | "periodSeconds" | "windowDays" | "missingData"
  >,
  stat: string,
): number {
  const lookback = episodeLookbackPeriods(settings);
  if (missingReadsAsZero(settings.missingData, stat)) return lookback;
  const bridge = Math.ceil(GAP_BRIDGE_SECONDS / settings.periodSeconds);
  return Math.max(lookback, Math.min(windowPeriods(settings), lookback + bridge));
}

/**
 * Periods before the evaluated one that its look-back spans, counted in judged periods: back until
 * episodeLookbackPeriods of them were judged (normal or anomalous), at most maxEpisodeLookbackPeriods.
 * Periods without a judgement (no-data: a gap; insufficient-data: too little baseline, e.g. after a
 * long gap) are skipped, as episodes skip them. Without gaps this is episodeLookbackPeriods. Detect
 * re-judges this span; backtest counts escalation within it (episodes.ts), so both see one look-back.
 * `judged(back)`: whether the period `back` periods before the evaluated one was judged.
 */
export function episodeLookbackSpan(
  settings: Parameters<typeof maxEpisodeLookbackPeriods>[0],
  stat: string,
  judged: (back: number) => boolean,
): number {
  const wanted = episodeLookbackPeriods(settings);
  const most = maxEpisodeLookbackPeriods(settings, stat);
  let count = 0;
  for (let back = 1; back <= most; back++) {
    if (judged(back)) count++;
    if (count >= wanted) return back;
  }
  return most;
}

/** Whether a period was judged: normal or anomalous, not no-data or insufficient-data. */
export function isJudged(status: VerdictStatus): boolean {
  return status === "normal" || status === "anomalous";
}

/**
 * Periods the confirmation rule looks back (this one included): confirmWithinSeconds in whole
 * periods, never fewer than confirmPeriods (then it is "confirmPeriods in a row").
 */
export function confirmWindowPeriods(
  settings: Pick<DetectionSettings, "confirmPeriods" | "confirmWithinSeconds" | "periodSeconds">,
): number {
  const within = Math.floor(settings.confirmWithinSeconds / settings.periodSeconds);
  return Math.max(1, settings.confirmPeriods, Number.isFinite(within) ? within : 0);
}

/** Periods the level-shift rule looks back: levelShiftSeconds in whole periods; 0 when the rule is off. */
export function levelShiftPeriods(
  settings: Pick<DetectionSettings, "levelShiftBand" | "levelShiftSeconds" | "periodSeconds">,
): number {
  if (!(settings.levelShiftBand > 0) || !(settings.levelShiftSeconds > 0)) return 0;
  return Math.max(1, Math.ceil(settings.levelShiftSeconds / settings.periodSeconds));
}

/** Periods the excursion-density rule counts over; 0 when the rule is off. */
export function densityPeriods(
  settings: Pick<DetectionSettings, "densityBand" | "densitySeconds" | "periodSeconds">,
): number {
  if (!(settings.densityBand > 0) || !(settings.densitySeconds > 0)) return 0;
  return Math.max(1, Math.ceil(settings.densitySeconds / settings.periodSeconds));
}

/**
 * Whether a period without a datapoint counts as 0 for this metric. "auto": only for Sum and
 * SampleCount. CloudWatch publishes nothing for a period without events, so an absent Sum of bytes
 * or calls is 0; an absent Average, Maximum, Minimum or percentile is undefined, not 0 (a
 * temperature or latency with a hole in its data did not drop to 0). On the labelled benchmark,
 * reading the holes of Average series as zeros made 24 false episodes per 100 metric-days on
 * traffic sensors and widened their bands until no real drop showed (README, "Detection quality").
 */
export function missingReadsAsZero(missingData: MissingData, stat: string): boolean {
  if (missingData !== "auto") return missingData === "zero";
  return stat === "Sum" || stat === "SampleCount";
}

export type VerdictStatus = "normal" | "anomalous" | "insufficient-data" | "no-data";

/** The engine's judgement of one period of one metric. */
export interface Verdict {
  metric: MetricIdentity;
  /** Period start, epoch ms. */
  timestamp: number;
  periodSeconds: number;
  status: VerdictStatus;
  /** null when the period has no datapoint and missing data is a gap. */
  observed: number | null;
  expected: number | null;
  /** Effective σ after floors. */
  sigma: number | null;
  /** (observed - expected) / sigma. */
  z: number | null;
  /** Values beyond these are anomalous; null on a side not watched (direction). */
  upperThreshold: number | null;
  lowerThreshold: number | null;
  /** Only on anomalous verdicts. */
  severity: Severity | null;
  /** One line a person can read: "observed 9.1 GB is 7.2σ above expected 1.2 GB (threshold 4.5 GB)". */
  why: string;
  /** How many baseline periods the expectation was computed from. */
  baselinePeriods: number;
  /**
   * Set when the metric reported nothing (0 or no datapoint) for this many periods in a row, ending
   * here, and its baseline window never went silent that long: the "stopped reporting" rule, which
   * makes the period anomalous whatever the band says (unless the drop is below minAbsoluteDelta).
   */
  stoppedPeriods?: number;
  /** Only on anomalous verdicts: the rule that flagged the period (see AnomalyRule). */
  rule?: AnomalyRule;
  /**
   * Set when the seenBefore rule is on and the engine measured a tail: the window's seenBefore-th
   * largest deviation above / below expected (metric unit). The thresholds are widened to it when
   * it exceeds k·σ; `vigil tune` re-judges candidate k and floors against it.
   */
  tailUp?: number;
  tailDown?: number;
  /**
   * Set when extremeSeenBefore is on and the engine measured it: the window's extremeSeenBefore-th
   * largest deviation above / below expected, which a period past criticalK must also exceed to
   * skip confirmation. `vigil tune` re-judges against it.
   */
  extremeUp?: number;
  extremeDown?: number;
}

/**
 * Which rule made a period anomalous: beyond the k·σ band (confirmed or extreme), the level-shift
 * rule alone (inside the band, but beyond levelShiftBand·k·σ for levelShiftSeconds), or the
 * stopped-reporting rule. Episodes escalate through sustainedPeriods on every rule but the level
 * shift: a benign new level (a deploy) is worth a message, not a page.
 */
export type AnomalyRule = "band" | "level-shift" | "excursion-density" | "stopped-reporting";

/** Consecutive anomalous periods of one metric, counted as one incident. */
export interface Episode {
  metric: MetricIdentity;
  /** First anomalous period, epoch ms. */
  start: number;
  /** Last anomalous period, epoch ms. */
  end: number;
  anomalousPeriods: number;
  severity: Severity;
  /** The verdict with the largest |z| in the episode. */
  peak: Verdict;
  /** True when the episode has not been closed by rearmQuietPeriods normal periods. */
  open: boolean;
  /**
   * Set when the episode ended without being closed: its last anomaly left the furthest look-back
   * detect re-reads (maxEpisodeLookbackPeriods) during a long gap. Detect sends no resolve for it.
   */
  expired?: true;
}
