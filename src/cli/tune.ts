/**
 * `vigil tune --budget N`: per metric, the least change to k, sigmaFloor, minAbsoluteDelta or method
 * that keeps it within N alert episodes a week over its history, written as config overrides.
 *
 * Output: the configuration file itself with the suggestions merged into each metric set's
 * `overrides:` (comments and layout of the original kept, each suggestion commented with its
 * numbers), so `--write vigil.config.yaml` then `git diff` is the review. An existing override that
 * matches exactly the same metric is updated instead of duplicated. The result is validated against
 * the config schema before anything is printed or written; --write replaces the file atomically.
 */
import { Document, isMap, isSeq, parseDocument, type YAMLMap, type YAMLSeq } from "yaml";
import { ConfigError, parseConfigText } from "../config/load.ts";
import { type MetricIdentity, metricLabel } from "../domain/metric.ts";
import type { SettingsChange } from "../domain/tune.ts";
import { writeFileAtomic } from "../report/write-atomic.ts";
import { type MetricTuning, runTune, type TuneReport } from "../usecases/backtest.ts";
import {
  type BacktestCliDeps,
  checkOutputPath,
  defaultBacktestDeps,
  metricJson,
  progressReporter,
  reportInputError,
  resolveTarget,
  type TargetOptions,
  UsageError,
  useCaseInput,
} from "./backtest.ts";
import { type CliIo, EXIT } from "./io.ts";
import { formatTable } from "./table.ts";

export interface TuneCommandOptions extends TargetOptions {
  /** Alert episodes allowed per week, per metric. */
  budget: string;
  /** Write the tuned config here (atomically) instead of printing it. */
  write?: string;
  json?: boolean;
  /** Accept a suggestion that no longer flags the largest anomaly (off: never suggested). */
  allowMissingLargest?: boolean;
}

export const TUNE_HELP = `
Searches, per metric over budget, a small grid — k (current and up to 20), sigmaFloor and
minAbsoluteDelta (current and fractions of the metric's typical level), method (current, seasonal)
— and suggests the cell that still flags the largest anomalies and confirmed incidents
(--exclude / excludedRanges, which do not count against the budget), with the fewest and smallest
changes. It never gives up the largest anomaly or a confirmed incident to meet the budget (it says
"over-budget" instead) unless --allow-missing-largest, and warns on stderr when a suggestion stops
flagging a period at or above criticalK. Rates are per week the settings could judge.
Prints the config with the suggestions as overrides (YAML), or writes it with --write.
Targets and --days/--exclude as for \`vigil backtest\`; with one -i FILE, --metric names the
real metric the file holds, so the overrides match it.`;

const NEW_SET_FOR_FILES = "files";
const NEW_SET_FOR_OTHERS = "tuned";

/** The override `match` that selects exactly this metric. */
export function matchFor(metric: MetricIdentity): Record<string, unknown> {
  const names = Object.keys(metric.dimensions).sort();
  const dimensions: Record<string, string> = {};
  for (const name of names) dimensions[name] = metric.dimensions[name] as string;
  return {
    namespace: metric.namespace,
    metricName: metric.metricName,
    ...(names.length > 0 ? { dimensions } : {}),
  };
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value && typeof value === "object") {
    return `{${Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonical((value as Record<string, unknown>)[key])}`)
      .join(",")}}`;
  }
  return JSON.stringify(value);
}

const perWeek = (value: number) => value.toFixed(2);

function overrideComment(tuning: MetricTuning, date: string): string {
  const { suggestion } = tuning;
  const lines = [
    ` vigil tune ${date}, budget ${suggestion.budgetPerWeek}/week over ${suggestion.weeks.toFixed(1)} weeks: ${suggestion.reason}`,
  ];
  if (Object.values(tuning.metric.dimensions).some((v) => /[*?]/.test(v))) {
    lines.push(
      " note: a dimension value holds * or ?, which match works as a glob: check what else it matches",
    );
  }
  return lines.join("\n");
}

/** A metric set that discovers exactly these metrics (for metrics the config does not hold yet). */
function selectorFor(metric: MetricIdentity) {
  const names = Object.keys(metric.dimensions).sort();
  return {
    namespace: metric.namespace,
    metricName: metric.metricName,
    stat: metric.stat,
    dimensionNames: names,
    ...(names.length > 0 ? { fixedDimensions: matchFor(metric).dimensions } : {}),
  };
}

/**
 * The config text with every suggested change merged into its metric set's overrides. `configText`
 * absent (files without a config) → a new config holding just those metrics.
 */
export function applySuggestions(
  configText: { path: string; text: string } | undefined,
  tunings: readonly MetricTuning[],
  date: string,
): string {
  const doc = configText
    ? parseDocument(configText.text)
    : new Document({ detection: { metricSets: [] } });
  if (doc.errors.length > 0) {
    throw new ConfigError(`cannot parse ${configText?.path}: ${doc.errors[0]?.message}`);
  }
  let sets = doc.getIn(["detection", "metricSets"]);
  if (!isSeq(sets)) {
    doc.setIn(["detection", "metricSets"], doc.createNode([]));
    sets = doc.getIn(["detection", "metricSets"]);
  }
  const setNodes = sets as YAMLSeq;
  const findSet = (name: string) =>
    setNodes.items.find((item): item is YAMLMap => isMap(item) && item.get("name") === name);

  for (const tuning of tunings) {
    const change = tuning.suggestion.change;
    if (!change || Object.keys(change).length === 0) continue;
    let setName = tuning.metricSet;
    let setNode = findSet(setName);
    if (!setNode) {
      // The metric is in no set of the config (a file, or a --metric no set discovers).
      setName = tuning.source !== undefined ? NEW_SET_FOR_FILES : NEW_SET_FOR_OTHERS;
      setNode = findSet(setName);
      if (!setNode) {
        setNode = doc.createNode({ name: setName, selectors: [] }) as YAMLMap;
        setNode.commentBefore = ` added by vigil tune: metrics no metric set held`;
        setNodes.add(setNode);
      }
      const selectors = setNode.get("selectors");
      if (isSeq(selectors)) {
        const selector = selectorFor(tuning.metric);
        const present = selectors.items.some(
          (item) => isMap(item) && canonical(item.toJSON()) === canonical(selector),
        );
        if (!present) selectors.add(doc.createNode(selector, { flow: true }));
      }
    }
    let overrides = setNode.get("overrides");
    if (!isSeq(overrides)) {
      setNode.set("overrides", doc.createNode([]));
      overrides = setNode.get("overrides");
    }
    const match = matchFor(tuning.metric);
    const existing = (overrides as YAMLSeq).items.find((item): item is YAMLMap => {
      if (!isMap(item)) return false;
      const itemMatch = item.get("match");
      return isMap(itemMatch) && canonical(itemMatch.toJSON()) === canonical(match);
    });
    const comment = overrideComment(tuning, date);
    if (existing) {
      let settings = existing.get("settings");
      if (!isMap(settings)) {
        existing.set("settings", doc.createNode({}, { flow: true }));
        settings = existing.get("settings");
      }
      for (const [key, value] of Object.entries(change as SettingsChange)) {
        (settings as YAMLMap).set(key, value);
      }
      existing.commentBefore = comment;
    } else {
      const node = doc.createNode({ match, settings: change }) as YAMLMap;
      const matchNode = node.get("match", true);
      const settingsNode = node.get("settings", true);
      if (isMap(matchNode)) matchNode.flow = true;
      if (isMap(settingsNode)) settingsNode.flow = true;
      node.commentBefore = comment;
      (overrides as YAMLSeq).add(node);
    }
  }
  const text = doc.toString({ lineWidth: 0 });
  // Never hand out a config Vigil would refuse.
  parseConfigText(text, "the tuned config");
  return text;
}

function renderSummary(report: TuneReport): string {
  const rows = [...report.metrics]
    .sort((a, b) => b.suggestion.current.episodesPerWeek - a.suggestion.current.episodesPerWeek)
    .map((t) => {
      const s = t.suggestion;
      return [
        t.source ?? metricLabel(t.metric),
        t.metricSet,
        perWeek(s.current.episodesPerWeek),
        s.suggested ? perWeek(s.suggested.episodesPerWeek) : "",
        s.change
          ? Object.entries(s.change)
              .map(([key, value]) => `${key}=${value}`)
              .join(" ")
          : "",
        s.status,
        // What each seenBefore searched would do, the other settings as today ("20:1.50 off:3.00").
        (s.seenBefore ?? [])
          .map(
            (f) => `${f.seenBefore === 0 ? "off" : f.seenBefore}:${f.episodesPerWeek.toFixed(2)}`,
          )
          .join(" "),
      ];
    });
  const lines = [
    `Budget ${report.budgetPerWeek} alert episodes/week per metric.`,
    formatTable(
      ["metric", "set", "now/wk", "suggested/wk", "change", "status", "seenBefore→/wk"],
      rows,
    ),
  ];
  for (const s of report.skipped) {
    lines.push(`- skipped ${s.metric ? metricLabel(s.metric) : ""}: ${s.reason}`);
  }
  for (const f of report.fetchFailures)
    lines.push(`! ${metricLabel(f.metric)} not evaluated: ${f.error}`);
  return lines.join("\n");
}

function tuneJson(report: TuneReport) {
  return {
    generatedAt: report.generatedAt,
    budgetPerWeek: report.budgetPerWeek,
    metrics: report.metrics.map((t) => ({
      ...metricJson(t),
      ...t.suggestion,
      ...(t.suggestion.change ? { match: matchFor(t.metric) } : {}),
    })),
    skipped: report.skipped.map((s) => ({
      ...(s.metric ? { metric: metricLabel(s.metric) } : {}),
      reason: s.reason,
    })),
    fetchFailures: report.fetchFailures.map((f) => ({
      metric: metricLabel(f.metric),
      error: f.error,
    })),
    stats: report.stats,
  };
}

export async function runTuneCommand(
  options: TuneCommandOptions,
  io: CliIo,
  deps: BacktestCliDeps = defaultBacktestDeps(),
): Promise<number> {
  try {
    const budget = Number(options.budget);
    if (String(options.budget).trim() === "" || !Number.isFinite(budget) || budget < 0) {
      throw new UsageError(
        `--budget must be a number of alert episodes per week ≥ 0, got "${options.budget}"`,
      );
    }
    if (options.write !== undefined) await checkOutputPath(options.write);
    const resolved = await resolveTarget(options, deps, (line) => io.err(`vigil tune: ${line}`));
    const progress = progressReporter(deps.progress);
    const input = useCaseInput(resolved, deps, (p) => progress.update(p));
    const report = await runTune(input.deps, {
      ...input.request,
      budgetPerWeek: budget,
      allowMissingLargest: options.allowMissingLargest === true,
    });
    progress.finish();
    for (const tuning of report.metrics) {
      const dropped = tuning.suggestion.droppedCritical ?? [];
      if (dropped.length === 0) continue;
      const when = dropped
        .slice(0, 3)
        .map((d) => `${new Date(d.timestamp).toISOString()} (z ${d.z.toFixed(1)})`)
        .join(", ");
      io.err(
        `vigil tune: WARNING ${tuning.source ?? metricLabel(tuning.metric)}: the suggestion no longer flags ${dropped.length} period(s) at or above criticalK ${tuning.settings.criticalK}: ${when}${dropped.length > 3 ? ", …" : ""}`,
      );
    }
    const failed = report.fetchFailures.length > 0 ? EXIT.failure : EXIT.ok;
    if (options.json) {
      io.out(JSON.stringify(tuneJson(report), null, 2));
      return failed;
    }
    const changed = report.metrics.filter((t) => t.suggestion.change);
    if (changed.length === 0) {
      io.out(renderSummary(report));
      io.out(`All ${report.metrics.length} metrics are within the budget: nothing to change.`);
      return failed;
    }
    const text = applySuggestions(
      resolved.configText,
      report.metrics,
      report.generatedAt.slice(0, 10),
    );
    if (options.write !== undefined) {
      const output = options.write.toLowerCase().endsWith(".json")
        ? `${JSON.stringify(parseDocument(text).toJSON(), null, 2)}\n`
        : text;
      try {
        await writeFileAtomic(options.write, output);
      } catch (error) {
        throw new UsageError(`cannot write ${options.write}: ${(error as Error).message}`);
      }
      io.out(renderSummary(report));
      io.out(
        `Wrote ${changed.length} suggested override${changed.length === 1 ? "" : "s"} to ${options.write}: review with git diff.`,
      );
    } else {
      io.out(text.trimEnd());
      io.err(renderSummary(report));
    }
    return failed;
  } catch (error) {
    return reportInputError("tune", error, io);
  }
}
