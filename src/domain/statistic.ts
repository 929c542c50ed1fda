/**
 * Combining several values of one period into one, as CloudWatch's statistic would have: repeated
 * timestamps and irregular spacing in exported files, and re-aggregation to a longer period.
 */
import { quantile } from "simple-statistics";

export type Combine = (values: readonly number[]) => number;

const PERCENTILE = /^p(\d{1,2}(?:\.\d+)?|100)$/i;

/**
 * How `stat` combines values of one period, or undefined when it cannot be done from the values
 * alone (TrimmedMean, IQM, …). Average is the mean of the values (without sample counts, a mean of
 * means is the best there is); pN is the N-th percentile of the values (an approximation of the
 * percentile of the underlying samples).
 */
export function combinerFor(stat: string): Combine | undefined {
  switch (stat) {
    case "Sum":
    case "SampleCount":
      return (values) => {
        let total = 0;
        for (const value of values) total += value;
        return total;
      };
    case "Average":
      return (values) => {
        let total = 0;
        for (const value of values) total += value;
        return total / values.length;
      };
    case "Maximum":
      return (values) => values.reduce((a, b) => (b > a ? b : a));
    case "Minimum":
      return (values) => values.reduce((a, b) => (b < a ? b : a));
  }
  const percentile = PERCENTILE.exec(stat);
  if (percentile) {
    const p = Number(percentile[1]) / 100;
    if (p >= 0 && p <= 1) return (values) => quantile([...values], p);
  }
  return undefined;
}
