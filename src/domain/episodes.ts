/**
 * Groups the verdicts of one metric into episodes: one incident = one alert, however many periods it lasts.
 *
 * Rules:
 *  - An anomalous period opens an episode, or extends the open one.
 *  - The episode stays open through up to (rearmQuietPeriods − 1) normal periods in a row and closes at the
 *    rearmQuietPeriods-th; the next anomaly then opens a new episode (the alert is re-armed).
 *    Any normal period counts, however close to the threshold (no recovery margin), on purpose: detection is
 *    stateless and re-evaluates a short look-back (sustainedPeriods + rearmQuietPeriods) each run, so an episode
 *    must close within that look-back after its last anomaly or its "resolved" would never be seen.
 *  - "insufficient-data" and "no-data" periods neither extend nor close an episode and do not reset or advance
 *    the quiet count: a period we could not judge is evidence neither that the incident goes on nor that it is
 *    over (a metric that stops reporting mid-incident must not look resolved).
 *  - Severity: critical when any anomalous period has |z| ≥ criticalK, or when sustainedPeriods of the
 *    episode's anomalous periods fall within one look-back (the period and episodeLookbackSpan before
 *    it: episodeLookbackPeriods judged periods, the no-data and insufficient-data ones skipped, the
 *    short normal blips an open episode tolerates included); warning otherwise. The count is bounded by
 *    the look-back because that is all detect re-reads each run: an episode escalates here at the very
 *    period detect first escalates it (counted over the whole episode, a long episode with scattered
 *    band periods was critical here while detect kept it a warning). Periods only the level-shift rule
 *    flagged (verdict.rule "level-shift", or "excursion-density") are part of the episode but do not
 *    count towards sustainedPeriods: a lasting shift inside the k·σ band (a deploy that moved the level) stays a
 *    warning; it escalates once its periods pass the band.
 *  - Expiry: an open episode whose last anomalous period is more than maxEpisodeLookbackPeriods
 *    periods back ends there (open false, expired true) even though too few judged periods came to
 *    close it: detect's look-back, which reaches across gaps up to that far, no longer holds it.
 *    Detect sends no resolve for it (a metric that stopped reporting must not look resolved; its page
 *    stays open), and its next anomaly opens a new episode (a new trigger of the same dedup key).
 *    Only a metric silent (or unjudged) for longer than GAP_BRIDGE_SECONDS gets there.
 *  - Periods are cells of one period each (what evaluateRange and the replay columns give).
 *  - peak: the anomalous verdict with the largest |z| (the first one on ties).
 *  - open: not closed by rearmQuietPeriods normal periods by the last verdict.
 */
import {
  type DetectionSettings,
  type Episode,
  episodeLookbackSpan,
  maxEpisodeLookbackPeriods,
  rearmQuietPeriods,
  type Verdict,
} from "./detection.ts";
import { metricKey } from "./metric.ts";
import { STATUS } from "./verdict-columns.ts";

interface Draft {
  start: number;
  end: number;
  /** The cell of `end`. */
  endCell: number;
  anomalousPeriods: number;
  /**
   * Cells of the anomalous periods that count towards sustainedPeriods (all but level-shift-only
   * ones) within the look-back of the newest one.
   */
  escalatingCells: number[];
  /** sustainedPeriods escalating periods fell within one look-back, or a |z| reached criticalK. */
  critical: boolean;
  peak: Verdict;
  peakMagnitude: number;
}

export function buildEpisodes(
  verdicts: readonly Verdict[],
  settings: DetectionSettings,
): Episode[] {
  const first = verdicts[0];
  if (!first) return [];
  const key = metricKey(first.metric);
  for (const verdict of verdicts) {
    // Same object: same metric (the common case, and cheap); otherwise compare keys.
    if (verdict.metric !== first.metric && metricKey(verdict.metric) !== key) {
      throw new Error(
        `buildEpisodes takes the verdicts of one metric, got ${key} and ${metricKey(verdict.metric)}`,
      );
    }
  }
  // Callers pass ascending verdicts; sorting a copy makes a mistake there harmless.
  const ordered = [...verdicts].sort((a, b) => a.timestamp - b.timestamp);
  const statuses = Uint8Array.from(ordered, (verdict) => STATUS[verdict.status]);
  return episodesOf(
    statuses,
    ordered.filter((verdict) => verdict.status === "anomalous"),
    settings,
  );
}

/**
 * Whether `verdicts` (a look-back, ascending) show where `episode` began: an earlier episode closed
 * inside them, or rearmQuietPeriods normal periods come before its first anomaly. Otherwise the
 * episode may have begun before the look-back, and its start is only the earliest anomaly seen.
 */
export function episodeStartSeen(
  verdicts: readonly Verdict[],
  episode: Pick<Episode, "start">,
  settings: DetectionSettings,
): boolean {
  const before = verdicts.filter((verdict) => verdict.timestamp < episode.start);
  if (before.some((verdict) => verdict.status === "anomalous")) return true;
  const normal = before.filter((verdict) => verdict.status === "normal").length;
  return normal >= rearmQuietPeriods(settings);
}

/**
 * buildEpisodes over a replay's columns: `statuses` holds every period's status code, ascending
 * (VerdictColumns.status), and `flagged` the anomalous periods' verdicts in the same order.
 */
export function episodesOf(
  statuses: ArrayLike<number>,
  flagged: readonly Verdict[],
  settings: DetectionSettings,
): Episode[] {
  const first = flagged[0];
  if (!first) return [];
  const rearmAfter = rearmQuietPeriods(settings);
  const furthest = maxEpisodeLookbackPeriods(settings, first.metric.stat);

  const episodes: Episode[] = [];
  let draft: Draft | null = null;
  let quietPeriods = 0;
  let nextFlagged = 0;

  const finish = (episode: Draft, open: boolean, expired?: true): Episode => ({
    metric: first.metric,
    start: episode.start,
    end: episode.end,
    anomalousPeriods: episode.anomalousPeriods,
    severity: episode.critical ? "critical" : "warning",
    peak: episode.peak,
    open,
    ...(expired ? { expired } : {}),
  });

  for (let cell = 0; cell < statuses.length; cell++) {
    const status = statuses[cell];
    if (draft !== null && draft.endCell < cell - furthest) {
      // Its last anomaly left the furthest look-back detect can re-read, with too few judged
      // periods since to close it: detect no longer sees it (and sends nothing), so it ends here.
      episodes.push(finish(draft, false, true));
      draft = null;
      quietPeriods = 0;
    }
    if (status === STATUS.anomalous) {
      const verdict = flagged[nextFlagged++];
      if (!verdict) throw new Error("internal: fewer flagged verdicts than anomalous periods");
      const magnitude = Math.abs(verdict.z ?? 0);
      const extreme = magnitude >= settings.criticalK || verdict.severity === "critical";
      if (draft === null) {
        draft = {
          start: verdict.timestamp,
          end: verdict.timestamp,
          endCell: cell,
          anomalousPeriods: 0,
          escalatingCells: [],
          critical: false,
          peak: verdict,
          peakMagnitude: magnitude,
        };
      } else if (magnitude > draft.peakMagnitude) {
        draft.peak = verdict;
        draft.peakMagnitude = magnitude;
      }
      draft.end = verdict.timestamp;
      draft.endCell = cell;
      draft.anomalousPeriods++;
      if (verdict.rule !== "level-shift" && verdict.rule !== "excursion-density") {
        const cells = draft.escalatingCells;
        cells.push(cell);
        // Only what the look-back of this period holds (detect's view when it judges this period):
        // it reaches across unjudged periods. Before the first cell counts as judged: nothing there
        // to count (and detect's view is its own look-back).
        const span = episodeLookbackSpan(settings, first.metric.stat, (back) => {
          const before = cell - back;
          return (
            before < 0 ||
            statuses[before] === STATUS.normal ||
            statuses[before] === STATUS.anomalous
          );
        });
        while ((cells[0] as number) < cell - span) cells.shift();
      }
      draft.critical ||= extreme || draft.escalatingCells.length >= settings.sustainedPeriods;
      quietPeriods = 0;
    } else if (status === STATUS.normal && draft !== null) {
      quietPeriods++;
      if (quietPeriods >= rearmAfter) {
        episodes.push(finish(draft, false));
        draft = null;
        quietPeriods = 0;
      }
    }
    // insufficient-data / no-data: deliberately no change (see the module comment).
  }
  if (draft !== null) episodes.push(finish(draft, true));
  return episodes;
}
