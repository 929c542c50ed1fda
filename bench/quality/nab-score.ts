/**
 * The Numenta Anomaly Benchmark's scoring, as NAB defines it (numenta/NAB: nab/sweeper.py and
 * config/profiles.json), on row indices. Pure code.
 *
 *  - Probationary period: the first min(⌊0.15·rows⌋, 750) rows; detections there are ignored.
 *  - A detection inside a window scores σ(y)/σ(−1) with σ(y) = 2/(1 + e^{5y}) − 1 and
 *    y = −(last − row + 1)/width (−1 at the window's first row, ~0 at its last); only the best
 *    (earliest) detection of a window counts, times A_TP. A window without one scores −A_FN.
 *  - A detection outside every window scores A_FP · σ(distance past the preceding window's last row
 *    / (that window's width − 1)), which is −1 beyond 3 widths; −A_FP when no window precedes it.
 *  - Normalised: 100 · (S − S_null)/(S_perfect − S_null); null = −A_FN per window, perfect = +A_TP.
 */

export interface Profile {
  tp: number;
  fp: number;
  fn: number;
}

/** config/profiles.json of NAB. */
export const PROFILES = {
  standard: { tp: 1, fp: 0.11, fn: 1 },
  lowFp: { tp: 1, fp: 0.22, fn: 1 },
  lowFn: { tp: 1, fp: 0.11, fn: 2 },
} as const satisfies Record<string, Profile>;

export type ProfileName = keyof typeof PROFILES;

/** An anomaly window: first and last row, inclusive. */
export interface RowWindow {
  first: number;
  last: number;
}

export interface LabelledRows {
  rows: number;
  /** Ascending, disjoint. */
  windows: readonly RowWindow[];
}

export interface FileScore {
  /** Raw NAB score of the file under the profile. */
  raw: number;
  windowsHit: number;
  /** Scored detections outside every window (after the probationary period). */
  falsePositives: number;
  /** Earliest scored detection row of each window, or undefined when missed. */
  firstHit: Array<number | undefined>;
  /**
   * Where the raw score fell short of perfect (every window hit at its first row, nothing else),
   * in raw points; the three add up to perfect − raw: windows missed (A_TP + A_FN each), hit windows
   * detected after their first row (A_TP · (1 − score)), detections outside every window.
   */
  lost: { missed: number; late: number; falsePositives: number };
}

function scaledSigmoid(position: number): number {
  if (position > 3) return -1;
  return 2 / (1 + Math.exp(5 * position)) - 1;
}

const MAX_TP = scaledSigmoid(-1);

export function probationaryRows(rows: number): number {
  return Math.min(Math.floor(0.15 * rows), 750);
}

/** Scores one file's detections (row indices, any order, duplicates ignored). */
export function scoreFile(
  labelled: LabelledRows,
  detections: readonly number[],
  profile: Profile,
): FileScore {
  const probation = probationaryRows(labelled.rows);
  const { windows } = labelled;
  const best: number[] = windows.map(() => Number.NEGATIVE_INFINITY);
  const firstHit: Array<number | undefined> = windows.map(() => undefined);
  let fpScore = 0;
  let falsePositives = 0;
  const rows = [...new Set(detections)].sort((a, b) => a - b);
  for (const row of rows) {
    if (row < probation || row >= labelled.rows) continue;
    const inside = windows.findIndex((w) => row >= w.first && row <= w.last);
    if (inside >= 0) {
      const window = windows[inside] as RowWindow;
      const width = window.last - window.first + 1;
      const score = scaledSigmoid(-(window.last - row + 1) / width) / MAX_TP;
      if (score > (best[inside] as number)) best[inside] = score;
      if (firstHit[inside] === undefined) firstHit[inside] = row;
      continue;
    }
    falsePositives++;
    let preceding: RowWindow | undefined;
    for (const window of windows) if (window.last < row) preceding = window;
    if (!preceding) {
      fpScore -= profile.fp;
    } else {
      const width = preceding.last - preceding.first + 1;
      fpScore += profile.fp * scaledSigmoid((row - preceding.last) / Math.max(1, width - 1));
    }
  }
  let raw = fpScore;
  let windowsHit = 0;
  const lost = { missed: 0, late: 0, falsePositives: Math.abs(fpScore) };
  for (const score of best) {
    if (score === Number.NEGATIVE_INFINITY) {
      raw -= profile.fn;
      lost.missed += profile.tp + profile.fn;
    } else {
      raw += profile.tp * score;
      lost.late += profile.tp * (1 - score);
      windowsHit++;
    }
  }
  return { raw, windowsHit, falsePositives, firstHit, lost };
}

/** NAB's normalised score of a corpus: 0 = never detects, 100 = every window at its first row. */
export function normalisedScore(raw: number, windows: number, profile: Profile): number {
  const nullScore = -profile.fn * windows;
  const perfect = profile.tp * windows;
  if (perfect === nullScore) return 0;
  return (100 * (raw - nullScore)) / (perfect - nullScore);
}

/** Raw points expressed on the normalised scale (what they cost of the 100). */
export function normalisedPoints(raw: number, windows: number, profile: Profile): number {
  const span = (profile.tp + profile.fn) * windows;
  return span === 0 ? 0 : (100 * raw) / span;
}
