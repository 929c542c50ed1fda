/**
 * `npm run bench quality [-- --setting "k=4" … --only-settings --per-file]`: detection quality on the
 * labelled NAB series. --per-file adds each file's windows hit, false episodes and raw score;
 * --false-episodes lists every false episode with what the window had already seen.
 * --windows describes every missed or late window (bench/quality/windows.ts).
 *
 * Every file goes through what `vigil backtest --input FILE --stat Average` does with the shipped
 * vigil.config.yaml (file reader, backtest use case, baseline engine, episodes), watching both
 * directions (NAB labels rises and drops). A detection is an episode start: what pages a person.
 * One configuration for every file; nothing is keyed on a file.
 *
 * Prints per corpus and overall: NAB score under the standard, low-FP and low-FN profiles, windows
 * hit, false episodes per 100 metric-days (after NAB's probationary period), median delay from a
 * window's start to its first detection; then one JSON line.
 */
import { readFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { median } from "simple-statistics";
import { parseMetricFile } from "../src/adapters/file-metric-source.ts";
import { parseSettingVariant } from "../src/cli/backtest.ts";
import { parseConfigText } from "../src/config/load.ts";
import type { Episode } from "../src/domain/detection.ts";
import { type MetricSeries, seriesPoints } from "../src/domain/metric.ts";
import { runBacktest, type SettingsVariant } from "../src/usecases/backtest.ts";
import { loadNab, type NabFile, rowAtOrAfter } from "./quality/nab-corpus.ts";
import {
  type FileScore,
  normalisedPoints,
  normalisedScore,
  PROFILES,
  type ProfileName,
  probationaryRows,
  scoreFile,
} from "./quality/nab-score.ts";
import { describeWindows } from "./quality/windows.ts";

const CONFIG_PATH = resolve(dirname(fileURLToPath(import.meta.url)), "../vigil.config.yaml");
const HOUR = 3_600_000;
const DAY = 86_400_000;

/** Reference detectors on the same 41 files (the corpus README, NAB standard profile). */
export const REFERENCES = { ARTime: 76.7, "Numenta HTM": 68.9, "Windowed Gaussian": 42.6 };

interface FileOutcome {
  file: NabFile;
  scores: Record<ProfileName, FileScore>;
  /** Days from the end of the probationary period to the last row. */
  scoredDays: number;
  /** Hours from each hit window's first row to its first detection. */
  delaysHours: number[];
  /** One line per false episode (--false-episodes). */
  falseEpisodes: string[];
  /** Hours from each hit window's labelled instant to its first detection (negative: before it). */
  afterLabelHours: number[];
  /** --windows: the missed and late windows described (bench/quality/windows.ts). */
  windowLines: string[];
}

export interface QualityRow {
  corpus: string;
  files: number;
  windows: number;
  windowsHit: number;
  standard: number;
  lowFp: number;
  lowFn: number;
  falseEpisodesPer100Days: number;
  medianDelayHours: number | null;
  /** Standard-profile points short of 100, by cause (they add up to 100 − standard). */
  pointsLost: { missedWindows: number; lateInWindow: number; falseEpisodes: number };
}

function summarise(corpus: string, outcomes: readonly FileOutcome[]): QualityRow {
  const windows = outcomes.reduce((n, o) => n + o.file.windows.length, 0);
  const score = (profile: ProfileName) =>
    normalisedScore(
      outcomes.reduce((sum, o) => sum + o.scores[profile].raw, 0),
      windows,
      PROFILES[profile],
    );
  const falseEpisodes = outcomes.reduce((n, o) => n + o.scores.standard.falsePositives, 0);
  const days = outcomes.reduce((n, o) => n + o.scoredDays, 0);
  const delays = outcomes.flatMap((o) => o.delaysHours);
  const lost = (cause: keyof FileScore["lost"]) =>
    round(
      normalisedPoints(
        outcomes.reduce((sum, o) => sum + o.scores.standard.lost[cause], 0),
        windows,
        PROFILES.standard,
      ),
    );
  return {
    corpus,
    files: outcomes.length,
    windows,
    windowsHit: outcomes.reduce((n, o) => n + o.scores.standard.windowsHit, 0),
    standard: round(score("standard")),
    lowFp: round(score("lowFp")),
    lowFn: round(score("lowFn")),
    falseEpisodesPer100Days: round((100 * falseEpisodes) / days),
    medianDelayHours: delays.length > 0 ? round(median(delays)) : null,
    pointsLost: {
      missedWindows: lost("missed"),
      lateInWindow: lost("late"),
      falseEpisodes: lost("falsePositives"),
    },
  };
}

const round = (value: number) => Math.round(value * 10) / 10;

async function evaluateFile(
  file: NabFile,
  config: ReturnType<typeof parseConfigText>,
  variants: SettingsVariant[],
  args: readonly string[],
): Promise<FileOutcome[]> {
  const windowDays = config.detection.defaults.windowDays ?? 30;
  const windowsWanted = args.includes("--windows");
  const series = parseMetricFile(file.text, "csv", file.name, { stat: "Average" });
  const report = await runBacktest(
    { clock: () => Date.now() },
    {
      target: { kind: "series", series: [series], sources: [file.name] },
      config: config.detection,
      base: { direction: "both" },
      variants,
      keepTraces: windowsWanted,
    },
  );
  const [metric] = report.metrics;
  if (!metric) throw new Error(`${file.name}: not evaluated`);
  return metric.variants.map((variant) => {
    const detections = variant.episodes.map((e) => rowAtOrAfter(file.timestamps, e.start));
    const scores = {
      standard: scoreFile(file, detections, PROFILES.standard),
      lowFp: scoreFile(file, detections, PROFILES.lowFp),
      lowFn: scoreFile(file, detections, PROFILES.lowFn),
    };
    const probationEnd = file.timestamps[probationaryRows(file.rows)] as number;
    const delaysHours = scores.standard.firstHit.flatMap((row, index) =>
      row === undefined
        ? []
        : [
            ((file.timestamps[row] as number) -
              (file.timestamps[file.windows[index]?.first as number] as number)) /
              HOUR,
          ],
    );
    const afterLabelHours = scores.standard.firstHit.flatMap((row, index) => {
      const window = file.windows[index];
      if (row === undefined || !window) return [];
      const start = file.timestamps[window.first] as number;
      const end = file.timestamps[window.last] as number;
      const label = file.labels.find((t) => t >= start && t <= end);
      return label === undefined ? [] : [((file.timestamps[row] as number) - label) / HOUR];
    });
    const windowLines =
      windowsWanted && variant.trace
        ? describeWindows(
            file,
            variant.trace,
            scores.standard.firstHit,
            variant.settings.criticalK,
            variant.settings.k,
          )
        : [];
    return {
      file,
      scores,
      falseEpisodes: args.includes("--false-episodes")
        ? describeFalseEpisodes(
            file,
            series,
            variant.episodes,
            windowDays,
            variant.settings.extremeK,
          )
        : [],
      windowLines,
      afterLabelHours,
      scoredDays: ((file.timestamps.at(-1) as number) - probationEnd) / DAY,
      delaysHours,
    };
  });
}

/**
 * --false-episodes: one line per scored false episode, to see where they come from: start, length,
 * peak z, the rule and engine that fired (from the why-line), hours since the previous episode of
 * the file ended (a re-fire of one incident after the rearm?), and how far the window before it
 * already went on the same side, in the peak's σ: its largest residual and how many separate
 * bursts (runs of periods) reached k σ and half the peak's |z|.
 */
function describeFalseEpisodes(
  file: NabFile,
  series: MetricSeries,
  episodes: readonly Episode[],
  windowDays: number,
  extremeK: number,
): string[] {
  const points = seriesPoints(series);
  const probation = probationaryRows(file.rows);
  const lines: string[] = [];
  let previousEnd: number | undefined;
  for (const episode of episodes) {
    const row = rowAtOrAfter(file.timestamps, episode.start);
    const gap = previousEnd === undefined ? "-" : ((episode.start - previousEnd) / HOUR).toFixed(0);
    previousEnd = episode.end;
    if (row < probation || file.windows.some((w) => row >= w.first && row <= w.last)) continue;
    const { peak } = episode;
    const z = peak.z ?? 0;
    const side = Math.sign(z);
    const expected = peak.expected ?? 0;
    const sigma = peak.sigma ?? 1;
    const k = Math.abs((peak.upperThreshold ?? peak.lowerThreshold ?? expected) - expected) / sigma;
    let maxResidual = 0;
    const runs = { k: 0, half: 0 };
    let inRun = { k: false, half: false };
    for (const point of points) {
      if (point.timestamp < episode.start - windowDays * DAY) continue;
      if (point.timestamp >= episode.start) break;
      const residual = (side * (point.value - expected)) / sigma;
      maxResidual = Math.max(maxResidual, residual);
      const now = { k: residual > k, half: residual >= Math.abs(z) / 2 };
      if (now.k && !inRun.k) runs.k++;
      if (now.half && !inRun.half) runs.half++;
      inRun = now;
    }
    const rule = peak.why.startsWith("level shift")
      ? "shift"
      : peak.why.startsWith("stopped")
        ? "stopped"
        : Math.abs(z) >= extremeK
          ? "band-extreme"
          : "band-confirmed";
    const engine = peak.why.includes("strong daily cycle")
      ? "daily"
      : peak.why.includes("robust:")
        ? "robust"
        : "seasonal";
    lines.push(
      `FALSE ${file.name} ${new Date(episode.start).toISOString().slice(0, 16)} dur ${((episode.end - episode.start) / HOUR + peak.periodSeconds / 3600).toFixed(1)}h n ${episode.anomalousPeriods} z ${z.toFixed(1)} ${rule} ${engine} gap ${gap}h winMax ${maxResidual.toFixed(1)} runs>k ${runs.k} runs>=z/2 ${runs.half} ${episode.severity}`,
    );
  }
  return lines;
}

/** NAB standard score of detections exactly at the labelled instants (combined_labels.json). */
function atLabels(files: readonly NabFile[]): number {
  let raw = 0;
  let windows = 0;
  for (const file of files) {
    const detections = file.labels.map((label) => rowAtOrAfter(file.timestamps, label));
    raw += scoreFile(file, detections, PROFILES.standard).raw;
    windows += file.windows.length;
  }
  return normalisedScore(raw, windows, PROFILES.standard);
}

function table(rows: readonly QualityRow[]): string {
  const header = [
    "corpus",
    "files",
    "windows hit",
    "standard",
    "low FP",
    "low FN",
    "false ep./100 d",
    "median delay h",
  ];
  const body = rows.map((r) => [
    r.corpus,
    String(r.files),
    `${r.windowsHit}/${r.windows}`,
    r.standard.toFixed(1),
    r.lowFp.toFixed(1),
    r.lowFn.toFixed(1),
    r.falseEpisodesPer100Days.toFixed(1),
    r.medianDelayHours === null ? "-" : r.medianDelayHours.toFixed(1),
  ]);
  const widths = header.map((h, i) =>
    Math.max(h.length, ...body.map((row) => row[i]?.length ?? 0)),
  );
  return [header, ...body]
    .map((row) =>
      row
        .map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0)))
        .join("  "),
    )
    .join("\n");
}

/** Runs the benchmark; `args` are extra --setting values compared side by side with "current". */
export async function benchQuality(args: readonly string[] = []): Promise<number> {
  const loaded = await loadNab();
  if ("missing" in loaded) {
    console.error(`bench quality: ${loaded.missing}`);
    console.log(JSON.stringify({ bench: "quality", skipped: loaded.missing }));
    return 2;
  }
  const settings: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === "--setting" && args[i + 1] !== undefined) settings.push(args[++i] as string);
  }
  // --only-settings: compare the given settings without the (slower) shipped one.
  const variants: SettingsVariant[] = [
    ...(args.includes("--only-settings") ? [] : [{ label: "current", changes: {} }]),
    ...settings.map(parseSettingVariant),
  ];
  const config = parseConfigText(await readFile(CONFIG_PATH, "utf8"), CONFIG_PATH);
  const started = performance.now();
  const perVariant: FileOutcome[][] = variants.map(() => []);
  for (const file of loaded.files) {
    const outcomes = await evaluateFile(file, config, variants, args);
    outcomes.forEach((outcome, index) => {
      perVariant[index]?.push(outcome);
    });
  }
  const seconds = (performance.now() - started) / 1000;
  const defaults = config.detection.defaults;
  const lines: object[] = [];
  variants.forEach((variant, index) => {
    const outcomes = perVariant[index] ?? [];
    const corpora = [...new Set(outcomes.map((o) => o.file.corpus))];
    const rows = [
      ...corpora.map((c) =>
        summarise(
          c,
          outcomes.filter((o) => o.file.corpus === c),
        ),
      ),
      summarise("overall", outcomes),
    ];
    console.log(
      `\nNAB (${outcomes.length} files), setting "${variant.label}" over vigil.config.yaml defaults ${JSON.stringify(defaults)}, direction both:`,
    );
    console.log(table(rows));
    const overall = rows.at(-1) as QualityRow;
    const lost = overall.pointsLost;
    console.log(
      `Standard points short of 100: ${lost.missedWindows} missed windows (${overall.windows - overall.windowsHit}), ${lost.lateInWindow} detections after a window's start, ${lost.falseEpisodes} false episodes.`,
    );
    // --per-file: where the misses and false episodes are (for exploring, not for the table).
    if (args.includes("--per-file")) {
      for (const o of outcomes) {
        const s = o.scores.standard;
        console.log(
          `  ${o.file.name.padEnd(56)} hit ${s.windowsHit}/${o.file.windows.length}  false ${String(s.falsePositives).padStart(3)}  raw ${s.raw.toFixed(2)}`,
        );
      }
    }
    if (args.includes("--false-episodes")) {
      for (const o of outcomes) for (const line of o.falseEpisodes) console.log(line);
    }
    if (args.includes("--windows")) {
      const afterLabel = outcomes.flatMap((o) => o.afterLabelHours);
      console.log(
        `  hits: median ${afterLabel.length > 0 ? round(median(afterLabel)) : "-"} h after the labelled instant (${afterLabel.filter((h) => h > 1).length} of ${afterLabel.length} more than 1 h after it); missed and late (> 2 h from the window's start) windows:`,
      );
      for (const o of outcomes) for (const line of o.windowLines) console.log(line);
    }
    lines.push({
      bench: "quality",
      setting: variant.label,
      overall: rows.at(-1),
      corpora: rows.slice(0, -1),
    });
  });
  console.log(
    `\nA detector that fires exactly at every labelled instant and nowhere else scores ${atLabels(loaded.files).toFixed(1)}: the windows are centred on the labels, so what a detector cannot see before the anomaly starts costs it the rest.`,
  );
  console.log(
    `References (standard): ${Object.entries(REFERENCES)
      .map(([name, score]) => `${name} ${score}`)
      .join(
        ", ",
      )}; null 0. ${loaded.files.length} files × ${variants.length} settings in ${seconds.toFixed(1)} s.`,
  );
  for (const line of lines) console.log(JSON.stringify(line));
  return 0;
}
