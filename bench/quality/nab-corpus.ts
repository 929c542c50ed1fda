/**
 * The labelled NAB series shared beside the repository (../shared/datasets/nab, or $VIGIL_NAB_DIR):
 * files, their rows' timestamps and their anomaly windows as row indices.
 */
import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { LabelledRows, RowWindow } from "./nab-score.ts";

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/** Where the corpus is: $VIGIL_NAB_DIR, else ../shared/datasets/nab beside the repository. */
export function nabDirectory(env: NodeJS.ProcessEnv = process.env): string {
  return env.VIGIL_NAB_DIR ?? resolve(REPO_ROOT, "../shared/datasets/nab");
}

export interface NabFile extends LabelledRows {
  /** "realKnownCause/nyc_taxi.csv" */
  name: string;
  corpus: string;
  text: string;
  /** Epoch ms of each row (timestamps read as UTC, as NAB's README says). */
  timestamps: Float64Array;
  /** The labelled anomaly instants (combined_labels.json), epoch ms; each window is centred on one. */
  labels: number[];
}

/** NAB writes "2014-02-19 10:50:00" (rows) and "2014-02-19 10:50:00.000000" (windows), UTC. */
function parseNabTime(text: string): number {
  const value = Date.parse(`${text.trim().slice(0, 19).replace(" ", "T")}Z`);
  if (!Number.isFinite(value)) throw new Error(`unparseable NAB timestamp "${text}"`);
  return value;
}

/** First row at or after `time` (rows ascending). */
export function rowAtOrAfter(timestamps: Float64Array, time: number): number {
  let low = 0;
  let high = timestamps.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((timestamps[middle] as number) < time) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** Every labelled file of the corpus, or undefined with the reason when the data is missing. */
export async function loadNab(
  directory = nabDirectory(),
): Promise<{ files: NabFile[] } | { missing: string }> {
  const windowsPath = join(directory, "combined_windows.json");
  if (!existsSync(windowsPath)) {
    return {
      missing: `NAB data not found: no ${windowsPath} (CI copies it to ../shared/datasets/nab beside the repository; set VIGIL_NAB_DIR to point elsewhere)`,
    };
  }
  const labels = JSON.parse(await readFile(windowsPath, "utf8")) as Record<string, string[][]>;
  const labelsPath = join(directory, "combined_labels.json");
  const instants = existsSync(labelsPath)
    ? (JSON.parse(await readFile(labelsPath, "utf8")) as Record<string, string[]>)
    : {};
  const files: NabFile[] = [];
  for (const corpus of (await readdir(directory, { withFileTypes: true }))
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort()) {
    for (const file of (await readdir(join(directory, corpus)))
      .filter((f) => f.endsWith(".csv"))
      .sort()) {
      const name = `${corpus}/${file}`;
      const text = await readFile(join(directory, name), "utf8");
      const lines = text.split(/\r?\n/).filter((line) => line.trim() !== "");
      const timestamps = Float64Array.from(lines.slice(1), (line) =>
        parseNabTime(line.slice(0, line.indexOf(","))),
      );
      const windows: RowWindow[] = (labels[name] ?? []).map(([start, end]) => {
        const first = rowAtOrAfter(timestamps, parseNabTime(start as string));
        // The window's last row: the last row at or before its end.
        const last = rowAtOrAfter(timestamps, parseNabTime(end as string) + 1) - 1;
        return { first, last };
      });
      files.push({
        name,
        corpus,
        text,
        timestamps,
        rows: timestamps.length,
        windows,
        labels: (instants[name] ?? []).map(parseNabTime),
      });
    }
  }
  return { files };
}
