/** Compact number formatting for why-lines, tables and notifications. Pure, no locale. */

/** Decimal (SI) prefixes, one per power of 1000: CloudWatch byte metrics are plain counts, so 1k = 1000. */
const PREFIXES = ["", "k", "M", "G", "T", "P", "E"];

/**
 * Human-sized number with three significant digits and an SI suffix:
 * 1234 → "1.23k", 9.1e9 → "9.1G", 0.5 → "0.5", -2500 → "-2.5k", 999.96 → "1k".
 * Called for every verdict's why-line, so it works on integer digits instead of toPrecision strings.
 */
export function formatNumber(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (!Number.isFinite(value)) return value > 0 ? "∞" : "-∞";
  if (value === 0) return "0";
  const sign = value < 0 ? "-" : "";
  const magnitude = Math.abs(value);
  // Fractions are rare in byte and call counts: "0.5", "0.00123", "1.5e-7".
  if (magnitude < 1) return `${sign}${Number(magnitude.toPrecision(3))}`;

  // magnitude ≈ digits × 10^(exponent − 2) with digits in 100..999.
  let exponent = Math.floor(Math.log10(magnitude));
  let digits = Math.round(
    exponent >= 2 ? magnitude / 10 ** (exponent - 2) : magnitude * 10 ** (2 - exponent),
  );
  if (digits >= 1000) {
    // Rounding carried into a new digit: 999.6 → 1.00e3, so it prints "1k", not "1000".
    digits = Math.round(digits / 10);
    exponent++;
  }
  const group = Math.min(Math.floor(exponent / 3), PREFIXES.length - 1);
  const integerDigits = exponent - 3 * group + 1;
  const text = String(digits);
  if (integerDigits >= 3) return `${sign}${text}${"0".repeat(integerDigits - 3)}${PREFIXES[group]}`;
  const fraction = text.slice(integerDigits).replace(/0+$/, "");
  const number = fraction
    ? `${text.slice(0, integerDigits)}.${fraction}`
    : text.slice(0, integerDigits);
  return `${sign}${number}${PREFIXES[group]}`;
}

/** A z-score for people: 7.23 → "7.2σ", -3 → "-3.0σ", 412.7 → "413σ", 25000 → "25kσ". */
export function formatSigma(z: number): string {
  if (!Number.isFinite(z)) return `${formatNumber(z)}σ`;
  const magnitude = Math.abs(z);
  if (magnitude < 100) {
    const rounded = Number(z.toFixed(1));
    // Avoid "-0.0σ" for tiny negative deviations.
    return `${(rounded === 0 ? 0 : rounded).toFixed(1)}σ`;
  }
  return `${formatNumber(Math.round(z))}σ`;
}

/** How long ago, as people say it: "35 min", "2 h", "3 days". */
export function formatAgo(ms: number): string {
  const minutes = Math.max(0, Math.round(ms / 60_000));
  if (minutes < 90) return `${minutes} min`;
  const hours = Math.round(minutes / 60);
  return hours < 48 ? `${hours} h` : `${Math.round(hours / 24)} days`;
}

/** 1 → "1 change", 3 → "3 changes": English plurals by "s", for counts in plans and alerts. */
export function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? "" : "s"}`;
}
