/**
 * How the report ships a series: 4 significant digits (of the series' largest value) as integers,
 * each stored as the difference from the previous value. A smooth line (expected, thresholds, σ)
 * becomes runs of small numbers that gzip squeezes well; a chart 1,200 px wide cannot show more
 * precision, and the tooltip prints 3 digits. report-client.js holds the browser's twin of unpack.
 */
export interface PackedSeries {
  /** Decimal exponent: value = integer × 10^e. */
  e: number;
  /** Differences between consecutive integers; null where the series has no value. */
  d: Array<number | null>;
}

const SIGNIFICANT = 4;

export function packSeries(values: ArrayLike<number>): PackedSeries {
  let largest = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (Number.isFinite(v) && Math.abs(v) > largest) largest = Math.abs(v);
  }
  const e = largest > 0 ? Math.floor(Math.log10(largest)) - (SIGNIFICANT - 1) : 0;
  const scale = 10 ** -e;
  const d: Array<number | null> = [];
  let previous = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (!Number.isFinite(v)) {
      d.push(null);
      continue;
    }
    const q = Math.round(v * scale);
    d.push(q - previous);
    previous = q;
  }
  return { e, d };
}

export function unpackSeries(packed: PackedSeries): Array<number | null> {
  const scale = 10 ** packed.e;
  let q = 0;
  return packed.d.map((delta) => {
    if (delta === null) return null;
    q += delta;
    return q * scale;
  });
}
