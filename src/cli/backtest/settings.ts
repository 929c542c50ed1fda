/** `--setting` columns and the single-setting flags of `vigil backtest`, validated by the config's schema. */
import {
  rearmQuietSeconds,
  type SettingsInput,
  settingsSchema,
} from "../../config/detection-config.ts";
import { describeZodError } from "../../config/load.ts";
import type { SettingsChanges, SettingsVariant } from "../../usecases/backtest.ts";
import { UsageError } from "./target.ts";

/** The single-setting flags, applied under every --setting. */
export interface SettingFlags {
  method?: string;
  sigma?: string;
  window?: string;
  period?: string;
  direction?: string;
  minDelta?: string;
}

function parsePositive(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (value.trim() === "" || !Number.isFinite(number) || number <= 0) {
    throw new UsageError(`--${name} must be a positive number, got "${value}"`);
  }
  return number;
}

function parseChoice<T extends string>(
  name: string,
  value: string | undefined,
  choices: readonly T[],
): T | undefined {
  if (value === undefined) return undefined;
  if (!choices.includes(value as T)) {
    throw new UsageError(`--${name} must be one of ${choices.join(", ")}, got "${value}"`);
  }
  return value as T;
}

const PERIOD_UNITS: Record<string, number> = { s: 1, m: 60, min: 60, h: 3600, d: 86_400 };
const PERIOD_WORDS: Record<string, number> = {
  hour: 3600,
  hourly: 3600,
  day: 86_400,
  daily: 86_400,
};

/** "5m", "1h", "1d", "300", "hourly" → seconds; a whole number of minutes, as CloudWatch serves. */
function parsePeriod(where: string, value: string): number {
  const text = value.trim().toLowerCase();
  const match = /^(\d+)(s|m|min|h|d)?$/.exec(text);
  const seconds =
    PERIOD_WORDS[text] ?? (match ? Number(match[1]) * (PERIOD_UNITS[match[2] ?? "s"] ?? 1) : 0);
  if (!(seconds > 0) || seconds % 60 !== 0) {
    throw new UsageError(
      `${where} must be a whole number of minutes (5m, 15m, 1h, 1d, or seconds such as 300), got "${value}"`,
    );
  }
  return seconds;
}

const SI_SUFFIX: Record<string, number> = { "": 1, k: 1e3, K: 1e3, M: 1e6, G: 1e9, T: 1e12 };

/** "2.5", "100M", "1.5G" (decimal suffixes, like CloudWatch byte counts) → number. */
function parseAmount(where: string, value: string): number {
  const match = /^([+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?)([kKMGT]?)$/.exec(value.trim());
  if (!match)
    throw new UsageError(`${where} must be a number (k, M, G, T suffixes allowed), got "${value}"`);
  return Number(match[1]) * (SI_SUFFIX[match[2] ?? ""] as number);
}

/** Keys accepted by --setting: the config's names plus short aliases. */
const SETTING_KEYS: Record<string, keyof SettingsInput> = {
  method: "method",
  k: "k",
  sigma: "k",
  window: "windowDays",
  windowdays: "windowDays",
  period: "periodSeconds",
  periodseconds: "periodSeconds",
  direction: "direction",
  missing: "missingData",
  missingdata: "missingData",
  sigmafloor: "sigmaFloor",
  floor: "sigmaFloor",
  relativesigmafloor: "relativeSigmaFloor",
  mindelta: "minAbsoluteDelta",
  minabsolutedelta: "minAbsoluteDelta",
  minhistory: "minHistoryPeriods",
  minhistoryperiods: "minHistoryPeriods",
  criticalk: "criticalK",
  extremek: "extremeK",
  confirm: "confirmPeriods",
  confirmperiods: "confirmPeriods",
  confirmwithin: "confirmWithin",
  sustained: "sustainedPeriods",
  sustainedperiods: "sustainedPeriods",
  rearm: "rearmQuiet",
  rearmquiet: "rearmQuiet",
  rearmquietperiods: "rearmQuietPeriods",
  levelshiftband: "levelShiftBand",
  shiftband: "levelShiftBand",
  levelshiftfor: "levelShiftFor",
  shiftfor: "levelShiftFor",
  densityband: "densityBand",
  densityfor: "densityFor",
  seenbefore: "seenBefore",
  extremeseenbefore: "extremeSeenBefore",
  quietslotprior: "quietSlotPrior",
  quietprior: "quietSlotPrior",
};

/** Validates changes with the config's own schema, naming the flag or setting that is wrong. */
function validateChanges(where: string, changes: Record<string, unknown>): SettingsChanges {
  const result = settingsSchema.safeParse(changes);
  if (!result.success) {
    throw new UsageError(`${where}: ${describeZodError(result.error).replaceAll("\n", "; ")}`);
  }
  const { rearmQuiet, levelShiftFor, densityFor, confirmWithin, ...rest } = result.data;
  return {
    ...(rest as SettingsChanges),
    ...(rearmQuiet === undefined ? {} : { rearmQuietSeconds: rearmQuietSeconds(rearmQuiet) }),
    ...(levelShiftFor === undefined ? {} : { levelShiftSeconds: rearmQuietSeconds(levelShiftFor) }),
    ...(densityFor === undefined ? {} : { densitySeconds: rearmQuietSeconds(densityFor) }),
    ...(confirmWithin === undefined
      ? {}
      : { confirmWithinSeconds: rearmQuietSeconds(confirmWithin) }),
  };
}

/**
 * One --setting: comma-separated key=value pairs, e.g. "k=3,method=seasonal" or "period=1d";
 * "current" (or "") = the settings as configured.
 */
export function parseSettingVariant(text: string): SettingsVariant {
  const label = text
    .trim()
    .replace(/\s*,\s*/g, ",")
    .replace(/\s*=\s*/g, "=");
  if (label === "" || label === "current") return { label: "current", changes: {} };
  const where = `--setting "${text}"`;
  const changes: Record<string, unknown> = {};
  for (const pair of label.split(",")) {
    const [rawKey, value, ...rest] = pair.split("=");
    if (!rawKey || value === undefined || value === "" || rest.length > 0) {
      throw new UsageError(`${where}: "${pair}" is not key=value (e.g. k=3,method=seasonal)`);
    }
    const key = SETTING_KEYS[rawKey.toLowerCase()];
    if (!key) {
      throw new UsageError(
        `${where}: unknown setting "${rawKey}" (known: ${[...new Set(Object.values(SETTING_KEYS))].join(", ")})`,
      );
    }
    if (key in changes || (key === "rearmQuiet" && "rearmQuietPeriods" in changes))
      throw new UsageError(`${where}: ${key} is given twice`);
    const at = `${where}: ${rawKey}`;
    if (key === "periodSeconds") changes[key] = parsePeriod(at, value);
    else if (key === "windowDays") changes[key] = parseAmount(at, value.replace(/d$/i, ""));
    else if (key === "method" || key === "direction" || key === "missingData") changes[key] = value;
    // rearm=8h is a duration; a bare number counts periods, like the older rearmQuietPeriods.
    else if (key === "rearmQuiet" && /^\d+$/.test(value)) changes.rearmQuietPeriods = Number(value);
    else if (
      key === "rearmQuiet" ||
      key === "levelShiftFor" ||
      key === "densityFor" ||
      key === "confirmWithin"
    )
      changes[key] = value;
    else changes[key] = parseAmount(at, value);
  }
  return { label, changes: validateChanges(where, changes) };
}

/** The legacy single-setting flags, applied under every --setting. */
export function baseChanges(options: SettingFlags): SettingsChanges {
  const changes: Record<string, unknown> = {};
  const method = parseChoice("method", options.method, [
    "mean-sd",
    "seasonal",
    "robust",
    "auto",
  ] as const);
  if (method) changes.method = method;
  const k = parsePositive("sigma", options.sigma);
  if (k !== undefined) changes.k = k;
  const windowDays = parsePositive("window", options.window);
  if (windowDays !== undefined) changes.windowDays = windowDays;
  if (options.period !== undefined) changes.periodSeconds = parsePeriod("--period", options.period);
  const direction = parseChoice("direction", options.direction, ["up", "down", "both"] as const);
  if (direction) changes.direction = direction;
  if (options.minDelta !== undefined) {
    const minDelta = parseAmount("--min-delta", options.minDelta);
    if (minDelta < 0) throw new UsageError(`--min-delta must be ≥ 0, got "${options.minDelta}"`);
    changes.minAbsoluteDelta = minDelta;
  }
  return validateChanges("flags", changes);
}
