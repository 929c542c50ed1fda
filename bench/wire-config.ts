/** Kept apart from wire-bench.ts: the bundled backtest imports it, and must not pull esbuild in. */

/** The configuration both benches run: the builtin egress set, hourly, mean-sd. */
export const WIRE_CONFIG = {
  detection: {
    metricSets: [
      { name: "egress", builtin: "egress", settings: { periodSeconds: 3600, method: "mean-sd" } },
    ],
  },
};
