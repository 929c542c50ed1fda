/**
 * Backtest and tune: replay a metric history through the baseline engine with one or several
 * settings, from CloudWatch (one metric, metric sets, or everything the config discovers) or from
 * files, and compare what each setting would have flagged; or suggest per-metric overrides that
 * keep every metric within an alert budget.
 *
 * Ranges. Every metric is judged over an evaluated range shared by all its settings, preceded by
 * each setting's full baseline window, so that every judged period has the baseline it would have
 * had in production:
 *  - CloudWatch: the last `days` days (default 90) up to the newest complete period (after the
 *    config's settle time); the fetch reaches `windowDays` further back. CloudWatch keeps 1-hour
 *    (and daily) data for 455 days, so days + window must fit in 455.
 *  - Files: from the first period with a full baseline window behind it to the file's last complete
 *    period (optionally only the last `days` days). A file shorter than the window is an input error.
 *
 * Cost. Metrics are fetched in chunks of whole GetMetricData calls (the source batches up to 500
 * metrics and 100,800 datapoints per call), once per distinct period, and judged chunk by chunk
 * while the next chunk is fetched, so memory holds two chunks of series at most. A metric
 * discovered by two sets is fetched once.
 */

export { resampleSeries } from "./backtest/histories.ts";
export { runBacktest } from "./backtest/run-backtest.ts";
export { runTune } from "./backtest/run-tune.ts";
export * from "./backtest/types.ts";
