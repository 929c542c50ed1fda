/**
 * A replay's verdicts as columns: one cell per judged period, typed arrays instead of one Verdict
 * object per period. A 90-day hourly backtest of 1,000 metrics judges 2.16 million periods and
 * reports a few hundred of them; the judge writes every period's numbers here and builds Verdict
 * objects (with their why-lines) only for the anomalous ones.
 */
import type { VerdictStatus } from "./detection.ts";

/** Status codes of the `status` column. */
export const STATUS = { normal: 0, anomalous: 1, "insufficient-data": 2, "no-data": 3 } as const;
export type StatusCode = (typeof STATUS)[VerdictStatus];
const STATUS_NAMES: readonly VerdictStatus[] = [
  "normal",
  "anomalous",
  "insufficient-data",
  "no-data",
];

export class VerdictColumns {
  readonly status: Uint8Array;
  /** The judged value; NaN = no datapoint (missing data read as a gap). */
  readonly observed: Float64Array;
  /** NaN where the period was not judged (no-data, insufficient-data) or a side is not watched. */
  readonly expected: Float64Array;
  /** Effective σ after floors. */
  readonly sigma: Float64Array;
  readonly z: Float64Array;
  readonly upper: Float64Array;
  readonly lower: Float64Array;
  /** The seen-before tails (Verdict.tailUp / tailDown); NaN where the verdict has none. */
  readonly tailUp: Float64Array;
  readonly tailDown: Float64Array;
  /** The extremeSeenBefore tails (Verdict.extremeUp / extremeDown); NaN where the verdict has none. */
  readonly extremeUp: Float64Array;
  readonly extremeDown: Float64Array;

  /** `start`: epoch ms of cell 0; cell i is the period start + i·periodMs. */
  constructor(
    readonly start: number,
    readonly periodMs: number,
    readonly length: number,
  ) {
    this.status = new Uint8Array(length);
    const column = () => new Float64Array(length).fill(Number.NaN);
    this.observed = column();
    this.expected = column();
    this.sigma = column();
    this.z = column();
    this.upper = column();
    this.lower = column();
    this.tailUp = column();
    this.tailDown = column();
    this.extremeUp = column();
    this.extremeDown = column();
  }

  /** A judged period (normal or anomalous); a threshold of a side not watched is null. */
  judged(
    cell: number,
    status: StatusCode,
    observed: number,
    expected: number,
    sigma: number,
    z: number,
    upper: number | null,
    lower: number | null,
  ): void {
    this.status[cell] = status;
    this.observed[cell] = observed;
    this.expected[cell] = expected;
    this.sigma[cell] = sigma;
    this.z[cell] = z;
    if (upper !== null) this.upper[cell] = upper;
    if (lower !== null) this.lower[cell] = lower;
  }

  /** The seen-before tails of a judged period (only when the rule is on and the engine has one). */
  tails(cell: number, up: number, down: number): void {
    this.tailUp[cell] = up;
    this.tailDown[cell] = down;
  }

  /** The extremeSeenBefore tails of a judged period (when the rule is on and measured). */
  extremeTails(cell: number, up: number, down: number): void {
    this.extremeUp[cell] = up;
    this.extremeDown[cell] = down;
  }

  /** A period not judged: only its status and observed value (NaN when none). */
  unjudged(cell: number, status: StatusCode, observed: number): void {
    this.status[cell] = status;
    this.observed[cell] = observed;
  }

  statusAt(cell: number): VerdictStatus {
    return STATUS_NAMES[this.status[cell] as number] as VerdictStatus;
  }

  timestampAt(cell: number): number {
    return this.start + cell * this.periodMs;
  }

  /** Periods per status. */
  counts(): Record<VerdictStatus, number> {
    const counts = [0, 0, 0, 0];
    for (const code of this.status) (counts[code] as number)++;
    return {
      normal: counts[0] as number,
      anomalous: counts[1] as number,
      "insufficient-data": counts[2] as number,
      "no-data": counts[3] as number,
    };
  }
}
