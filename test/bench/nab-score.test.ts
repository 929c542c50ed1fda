import { describe, expect, it } from "vitest";
import {
  type LabelledRows,
  normalisedPoints,
  normalisedScore,
  PROFILES,
  probationaryRows,
  scoreFile,
} from "../../bench/quality/nab-score.ts";

const FILE: LabelledRows = { rows: 1000, windows: [{ first: 400, last: 499 }] };
const TWO: LabelledRows = {
  rows: 10_000,
  windows: [
    { first: 2000, last: 2999 },
    { first: 6000, last: 6499 },
  ],
};

describe("NAB scorer", () => {
  it("probationary period: 15 % of the rows, at most 750", () => {
    expect(probationaryRows(1000)).toBe(150);
    expect(probationaryRows(4032)).toBe(604);
    expect(probationaryRows(22_695)).toBe(750);
  });

  it("the null detector scores 0 and a perfect one 100, under every profile", () => {
    for (const profile of Object.values(PROFILES)) {
      const windows = FILE.windows.length + TWO.windows.length;
      const none = scoreFile(FILE, [], profile).raw + scoreFile(TWO, [], profile).raw;
      expect(normalisedScore(none, windows, profile)).toBe(0);
      const perfect =
        scoreFile(FILE, [400], profile).raw + scoreFile(TWO, [2000, 6000], profile).raw;
      expect(normalisedScore(perfect, windows, profile)).toBeCloseTo(100, 10);
    }
  });

  it("scores one file by hand: a detection mid-window, one after it, one before any, one in probation", () => {
    const score = scoreFile(FILE, [100, 200, 450, 470, 600], PROFILES.standard);
    // Row 450 in [400, 499]: y = −(499 − 450 + 1)/100 = −0.5; σ(−0.5) = 2/(1 + e^−2.5) − 1 =
    // 0.848284, over σ(−1) = 0.986614 → 0.859793. Row 470 is later in the same window: ignored.
    // Row 600: (600 − 499)/(100 − 1) = 1.0202 past the window; σ = −0.987893 → × 0.11 = −0.108668.
    // Row 200: no window before it → −0.11. Row 100: probationary (150 rows), ignored.
    expect(score.raw).toBeCloseTo(0.859793 - 0.108668 - 0.11, 5);
    expect(score.windowsHit).toBe(1);
    expect(score.falsePositives).toBe(2);
    expect(score.firstHit).toEqual([450]);
  });

  it("a missed window costs A_FN: twice as much under the low-FN profile; FPs cost twice under low-FP", () => {
    expect(scoreFile(FILE, [], PROFILES.standard).raw).toBe(-1);
    expect(scoreFile(FILE, [], PROFILES.lowFn).raw).toBe(-2);
    expect(scoreFile(FILE, [200], PROFILES.standard).raw).toBeCloseTo(-1.11, 10);
    expect(scoreFile(FILE, [200], PROFILES.lowFp).raw).toBeCloseTo(-1.22, 10);
    // Far past a window (> 3 widths) an FP costs the full weight.
    expect(scoreFile(FILE, [400, 900], PROFILES.standard).raw).toBeCloseTo(1 - 0.11, 10);
  });

  it("says where the points went: missed + late + false add up to 100 − score", () => {
    for (const profile of Object.values(PROFILES)) {
      // TWO: the first window hit mid-way, the second missed; one FP far after the first window.
      const score = scoreFile(TWO, [2500, 5500], profile);
      const { missed, late, falsePositives } = score.lost;
      expect(missed).toBe(profile.tp + profile.fn);
      // Row 2500: y = −(2999 − 2500 + 1)/1000 = −0.5 → 0.859793 of A_TP.
      expect(late).toBeCloseTo(profile.tp * (1 - 0.859793), 5);
      expect(falsePositives).toBeCloseTo(profile.fp, 5);
      const points = (raw: number) => normalisedPoints(raw, TWO.windows.length, profile);
      expect(points(missed) + points(late) + points(falsePositives)).toBeCloseTo(
        100 - normalisedScore(score.raw, TWO.windows.length, profile),
        10,
      );
    }
    expect(scoreFile(FILE, [400], PROFILES.standard).lost).toEqual({
      missed: 0,
      late: 0,
      falsePositives: 0,
    });
  });
});
