import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { isMap, isSeq, parseDocument, type YAMLMap, YAMLSeq } from "yaml";
import { MAX_SILENCE_DAYS, SILENCE_ID_PATTERN } from "../config/alert-economy-config.ts";
import { ConfigError, DEFAULT_CONFIG_PATH, parseConfigText } from "../config/load.ts";
import { silenceName, silenceState } from "../domain/silences.ts";
import { writeFileAtomic } from "../report/write-atomic.ts";
import { type CliIo, EXIT } from "./io.ts";
import { formatTable } from "./table.ts";
import { parseDuration, parseTime } from "./time.ts";

/**
 * `vigil silence add | list | remove`: edits `alerting.silences` in the config file. The file is
 * parsed as a YAML document (comments and layout kept), the result is validated like any config
 * before it is written, and the write is atomic; a file changed by someone else meanwhile is left
 * alone. The deployed functions read the new file on their next deploy (or cold start, when the
 * config is read at run time).
 */

export interface SilenceFileOptions {
  configPath?: string | undefined;
}

export interface SilenceAddOptions extends SilenceFileOptions {
  id?: string | undefined;
  metricSet?: string[] | undefined;
  account?: string[] | undefined;
  namespace?: string | undefined;
  metricName?: string | undefined;
  /** "Name=glob", repeatable. */
  dimension?: string[] | undefined;
  /** ISO time (default now). */
  start?: string | undefined;
  /** ISO time, or use `for`. */
  end?: string | undefined;
  /** Duration from start: 90m, 4h, 2d. */
  for?: string | undefined;
  reason?: string | undefined;
  now?: () => number;
}

function configPathOf(options: SilenceFileOptions): string {
  return options.configPath ?? process.env.VIGIL_CONFIG ?? DEFAULT_CONFIG_PATH;
}

async function readConfigText(path: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    throw new ConfigError(`cannot read config file ${path}: ${(error as Error).message}`);
  }
}

/** Validates the edited text as a whole config, then writes it atomically unless the file changed. */
async function writeEdited(path: string, before: string, edited: string): Promise<void> {
  parseConfigText(edited, path);
  if ((await readConfigText(path)) !== before) {
    throw new ConfigError(
      `${path} changed while it was being edited: nothing written, run the command again`,
    );
  }
  await writeFileAtomic(path, edited);
}

function render(doc: ReturnType<typeof parseDocument>, path: string): string {
  return path.endsWith(".json") ? `${JSON.stringify(doc.toJSON(), null, 2)}\n` : doc.toString();
}

function silencesSeq(doc: ReturnType<typeof parseDocument>, create: boolean): YAMLSeq | undefined {
  let alerting = doc.get("alerting");
  if (!isMap(alerting)) {
    if (!create) return undefined;
    doc.set("alerting", doc.createNode({}));
    alerting = doc.get("alerting");
  }
  const map = alerting as YAMLMap;
  let silences = map.get("silences");
  if (!isSeq(silences)) {
    if (!create) return undefined;
    map.set("silences", new YAMLSeq());
    silences = map.get("silences");
  }
  return silences as YAMLSeq;
}

function fail(io: CliIo, error: unknown): number {
  if (error instanceof ConfigError) {
    io.err(error.message);
    return EXIT.badInput;
  }
  throw error;
}

export async function runSilenceAdd(options: SilenceAddOptions, io: CliIo): Promise<number> {
  try {
    const path = configPathOf(options);
    const now = (options.now ?? Date.now)();
    const start = options.start ? parseTime(options.start, "start") : now;
    let end: number;
    if (options.end && options.for) throw new ConfigError("give --end or --for, not both");
    if (options.end) end = parseTime(options.end, "end");
    else if (options.for) {
      const duration = parseDuration(options.for);
      if (duration === undefined) {
        throw new ConfigError(`--for: "${options.for}" is not a duration like 90m, 4h or 2d`);
      }
      end = start + duration;
    } else {
      throw new ConfigError(
        `a silence needs an end: --end <ISO time> or --for <90m|4h|2d> (at most ${MAX_SILENCE_DAYS} days)`,
      );
    }
    if (!options.reason?.trim()) throw new ConfigError("--reason is required: the digest shows it");
    const dimensions: Record<string, string> = {};
    for (const pair of options.dimension ?? []) {
      const at = pair.indexOf("=");
      if (at <= 0) throw new ConfigError(`--dimension: "${pair}" is not Name=glob`);
      dimensions[pair.slice(0, at)] = pair.slice(at + 1);
    }
    const id =
      options.id ??
      `s-${new Date(now).toISOString().slice(0, 10).replaceAll("-", "")}-${randomBytes(2).toString("hex")}`;
    if (!SILENCE_ID_PATTERN.test(id)) {
      throw new ConfigError(`--id: "${id}" must be lowercase letters, digits and dashes`);
    }
    const match = {
      ...(options.metricSet?.length ? { metricSet: options.metricSet } : {}),
      ...(options.account?.length ? { account: options.account } : {}),
      ...(options.namespace ? { namespace: options.namespace } : {}),
      ...(options.metricName ? { metricName: options.metricName } : {}),
      ...(Object.keys(dimensions).length > 0 ? { dimensions } : {}),
    };
    const silence = {
      id,
      match,
      start: new Date(start).toISOString(),
      end: new Date(end).toISOString(),
      reason: options.reason.trim(),
    };

    const before = await readConfigText(path);
    const doc = parseDocument(before);
    if (doc.errors.length > 0)
      throw new ConfigError(`cannot parse ${path}: ${doc.errors[0]?.message}`);
    const seq = silencesSeq(doc, true) as YAMLSeq;
    if (seq.items.some((item) => isMap(item) && item.get("id") === id)) {
      throw new ConfigError(`a silence with id ${id} already exists in ${path}`);
    }
    seq.add(doc.createNode(silence));
    await writeEdited(path, before, render(doc, path));
    io.out(`added silence ${id} to ${path}: ${silence.start} → ${silence.end} (${silence.reason})`);
    if (end <= now) io.err(`warning: silence ${id} has already ended: it will be ignored`);
    return EXIT.ok;
  } catch (error) {
    return fail(io, error);
  }
}

export async function runSilenceList(
  options: SilenceFileOptions & { json?: boolean | undefined; now?: () => number },
  io: CliIo,
): Promise<number> {
  try {
    const path = configPathOf(options);
    const config = parseConfigText(await readConfigText(path), path);
    const now = (options.now ?? Date.now)();
    const rows = config.alerting.silences.map((s, index) => ({
      id: silenceName(s, index),
      state: silenceState(s, now),
      start: s.start,
      end: s.end,
      match: JSON.stringify(s.match),
      reason: s.reason,
    }));
    if (options.json) {
      io.out(JSON.stringify(rows, null, 2));
      return EXIT.ok;
    }
    if (rows.length === 0) {
      io.out(`no silences in ${path}`);
      return EXIT.ok;
    }
    io.out(
      formatTable(
        ["id", "state", "start", "end", "match", "reason"],
        rows.map((r) => [r.id, r.state, r.start, r.end, r.match, r.reason]),
      ),
    );
    const expired = rows.filter((r) => r.state === "expired");
    if (expired.length > 0) {
      io.out(
        `${expired.length} expired silence(s) are ignored: remove them with \`vigil silence remove <id>\` or \`--expired\`.`,
      );
    }
    return EXIT.ok;
  } catch (error) {
    return fail(io, error);
  }
}

export async function runSilenceRemove(
  options: SilenceFileOptions & {
    ids: string[];
    expired?: boolean | undefined;
    now?: () => number;
  },
  io: CliIo,
): Promise<number> {
  try {
    const path = configPathOf(options);
    const before = await readConfigText(path);
    const config = parseConfigText(before, path);
    const now = (options.now ?? Date.now)();
    const names = config.alerting.silences.map((s, index) => silenceName(s, index));
    const unknown = options.ids.filter((id) => !names.includes(id));
    if (unknown.length > 0)
      throw new ConfigError(
        `no silence ${unknown.join(", ")} in ${path} (see \`vigil silence list\`)`,
      );
    const remove = new Set<number>();
    config.alerting.silences.forEach((s, index) => {
      if (options.ids.includes(names[index] as string)) remove.add(index);
      if (options.expired && silenceState(s, now) === "expired") remove.add(index);
    });
    if (remove.size === 0) {
      io.out("nothing to remove");
      return EXIT.ok;
    }
    const doc = parseDocument(before);
    const seq = silencesSeq(doc, false) as YAMLSeq;
    // Highest index first so the earlier indexes stay valid.
    for (const index of [...remove].sort((a, b) => b - a)) seq.delete(index);
    await writeEdited(path, before, render(doc, path));
    io.out(
      `removed ${[...remove]
        .sort((a, b) => a - b)
        .map((i) => names[i])
        .join(", ")} from ${path}`,
    );
    return EXIT.ok;
  } catch (error) {
    return fail(io, error);
  }
}
