/**
 * How the report ships a series: 4 significant digits (of the series' largest value) as integers,
 * each stored as the difference from the previous value. A smooth line (expected, thresholds, σ)
 * becomes runs of small numbers that gzip squeezes well; a chart 1,200 px wide cannot show more
 * precision, and the tooltip prints 3 digits. report-client.js holds the browser's twin of unpack.
 *
 * Two more savings keep a report comparing several settings small (issue 15: 50 metrics × 90 days
 * with 4 settings ≤ 1.5 MB):
 * - a band (threshold line) travels as its residual from expected + k·σ, which is 0 wherever the
 *   band is exactly that, so it costs almost nothing; the residual keeps the band's own precision;
 * - a series identical to one another setting already shipped (expected and σ when only k
 *   differs) travels as a reference to it.
 */
export interface PackedSeries {
  /** Decimal exponent: value = integer × 10^e. */
  e: number;
  /** Differences between consecutive integers; null where the series has no value. */
  d: Array<number | null>;
}

/** A band: value = expected + k·σ + residual (null where the residual is null). */
export interface PackedBand {
  k: number;
  r: PackedSeries;
}

/** "Same as this series of setting `same`" (an index into the metric's variants). */
export interface SameAs {
  same: number;
}

const SIGNIFICANT = 4;

/** The exponent that keeps 4 significant digits of the series' largest finite value. */
function exponentFor(values: ArrayLike<number | null>): number {
  let largest = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v === "number" && Number.isFinite(v) && Math.abs(v) > largest) largest = Math.abs(v);
  }
  return largest > 0 ? Math.floor(Math.log10(largest)) - (SIGNIFICANT - 1) : 0;
}

export function packSeries(
  values: ArrayLike<number | null>,
  exponent = exponentFor(values),
): PackedSeries {
  const scale = 10 ** -exponent;
  const d: Array<number | null> = [];
  let previous = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v !== "number" || !Number.isFinite(v)) {
      d.push(null);
      continue;
    }
    const q = Math.round(v * scale);
    d.push(q - previous);
    previous = q;
  }
  return { e: exponent, d };
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

/** expected[i] + k·σ[i], as the page computes it from the unpacked series (0 where either is missing). */
function bandBase(
  k: number,
  expected: ReadonlyArray<number | null>,
  sigma: ReadonlyArray<number | null>,
  i: number,
): number {
  return (expected[i] ?? 0) + k * (sigma[i] ?? 0);
}

/**
 * `band` as a residual from expected + k·σ, where expected and σ are the UNPACKED series the page
 * will see, so the page rebuilds the band to the band's own 4 significant digits.
 */
export function packBand(
  band: ArrayLike<number | null>,
  k: number,
  expected: ReadonlyArray<number | null>,
  sigma: ReadonlyArray<number | null>,
): PackedBand {
  const residual: Array<number | null> = [];
  for (let i = 0; i < band.length; i++) {
    const v = band[i];
    residual.push(
      typeof v === "number" && Number.isFinite(v) ? v - bandBase(k, expected, sigma, i) : null,
    );
  }
  return { k, r: packSeries(residual, exponentFor(band)) };
}

export function unpackBand(
  packed: PackedBand,
  expected: ReadonlyArray<number | null>,
  sigma: ReadonlyArray<number | null>,
): Array<number | null> {
  return unpackSeries(packed.r).map((r, i) =>
    r === null ? null : bandBase(packed.k, expected, sigma, i) + r,
  );
}

/** Each series packed, or a reference to an identical one of an earlier setting (same field). */
export function packDeduplicated(
  series: ReadonlyArray<ArrayLike<number | null>>,
): Array<PackedSeries | SameAs> {
  const seen: string[] = [];
  return series.map((values, index) => {
    const packed = packSeries(values);
    const key = JSON.stringify(packed);
    const same = seen.indexOf(key);
    seen.push(key);
    return same >= 0 && same < index ? { same } : packed;
  });
}

export function isSameAs(value: PackedSeries | SameAs): value is SameAs {
  return "same" in value;
}
