/**
 * `npm run bench quality -- --windows`: one line per labelled window that was missed or hit late
 * (more than 2 h after its start): what the series does there and why the judge did not fire.
 * For exploring the detector, not for the README table.
 */
import type { VariantTrace } from "../../src/usecases/backtest.ts";
import type { NabFile } from "./nab-corpus.ts";

const HOUR = 3_600_000;
/** A hit later than this after the window's start is listed as late. */
const LATE_HOURS = 2;

export interface WindowOutcome {
  /** Row of the first detection inside the window; undefined = missed. */
  firstHit: number | undefined;
}

const iso = (ms: number) => new Date(ms).toISOString().slice(0, 16);
const fixed = (value: number) => (Number.isFinite(value) ? value.toFixed(1) : "-");

function stats(values: readonly number[]): { mean: number; sd: number } {
  const finite = values.filter(Number.isFinite);
  if (finite.length === 0) return { mean: Number.NaN, sd: Number.NaN };
  const mean = finite.reduce((a, b) => a + b, 0) / finite.length;
  const variance = finite.reduce((a, b) => a + (b - mean) ** 2, 0) / finite.length;
  return { mean, sd: Math.sqrt(variance) };
}

/** Longest run of (nearly) identical consecutive values, in periods. */
function longestFlat(values: readonly number[], tolerance: number): number {
  let best = 0;
  let run = 0;
  for (let i = 1; i < values.length; i++) {
    run = Math.abs((values[i] as number) - (values[i - 1] as number)) <= tolerance ? run + 1 : 0;
    best = Math.max(best, run);
  }
  return best;
}

/** Lines describing the missed and late windows of one file under one setting. */
export function describeWindows(
  file: NabFile,
  trace: VariantTrace,
  firstHits: readonly (number | undefined)[],
  criticalK: number,
  k: number,
): string[] {
  const periodMs = trace.periodSeconds * 1000;
  const cellOf = (ms: number) => Math.floor((ms - trace.start) / periodMs);
  const lines: string[] = [];
  file.windows.forEach((window, index) => {
    const start = file.timestamps[window.first] as number;
    const end = file.timestamps[window.last] as number;
    const hitRow = firstHits[index];
    const delay =
      hitRow === undefined ? undefined : ((file.timestamps[hitRow] as number) - start) / HOUR;
    if (delay !== undefined && delay <= LATE_HOURS) return;
    const first = Math.max(0, cellOf(start));
    const last = Math.min(trace.z.length - 1, cellOf(end));
    let peak = 0;
    let peakCell = first;
    for (let cell = first; cell <= last; cell++) {
      const z = trace.z[cell] as number;
      if (Math.abs(z) > Math.abs(peak)) {
        peak = z;
        peakCell = cell;
      }
    }
    let runs = 0;
    for (let cell = first; cell <= last; cell++) {
      if (Math.abs(trace.z[cell] as number) > k) runs++;
    }
    const inside = Array.from(trace.observed.subarray(first, last + 1));
    const before = Array.from(
      trace.observed.subarray(Math.max(0, first - (last - first + 1)), first),
    );
    const b = stats(before);
    const w = stats(inside);
    const historyDays = (start - trace.start) / 86_400_000;
    const flat = longestFlat(inside, Math.max(1e-9, 1e-6 * Math.abs(b.mean)));
    const shape = [
      `level ${fixed((w.mean - b.mean) / (b.sd || 1))}σ`,
      `spread ×${fixed(w.sd / (b.sd || 1))}`,
      `flat ${flat} p`,
    ].join(", ");
    // NAB centres each window on its labelled instant: a hit before the label is early, not late.
    const label = file.labels.find((t) => t >= start && t <= end);
    const afterLabel =
      label === undefined || hitRow === undefined
        ? ""
        : ` (${fixed(((file.timestamps[hitRow] as number) - label) / HOUR)} h after the label)`;
    const labelAt = label === undefined ? "" : `, label at +${fixed((label - start) / HOUR)} h`;
    const status =
      hitRow === undefined ? "MISSED" : `late ${fixed(delay as number)} h${afterLabel}`;
    const peakWhen = `${iso(trace.start + peakCell * periodMs)} (+${fixed((trace.start + peakCell * periodMs - start) / HOUR)} h)`;
    lines.push(
      `  ${file.name.padEnd(50)} ${iso(start)}..${iso(end)}${labelAt} ${status.padEnd(11)} max z ${fixed(peak).padStart(6)} at ${peakWhen}, ${runs} periods |z|>k, critical ${Math.abs(peak) >= criticalK}; history ${fixed(historyDays)} d; ${shape}; σ ${fixed(trace.sigma[peakCell] as number)} exp ${fixed(trace.expected[peakCell] as number)}`,
    );
  });
  return lines;
}
