import type { DetectionSettings } from "../detection.ts";

const SECONDS_PER_WEEK = 7 * 86_400;

export function assertPeriodSeconds(periodSeconds: number): void {
  if (!Number.isInteger(periodSeconds) || periodSeconds <= 0) {
    throw new RangeError(`periodSeconds must be a positive integer, got ${periodSeconds}`);
  }
}

export function assertUsableSettings(
  settings: DetectionSettings,
  seriesPeriodSeconds: number,
): void {
  assertPeriodSeconds(settings.periodSeconds);
  if (seriesPeriodSeconds !== settings.periodSeconds) {
    throw new RangeError(
      `series has ${seriesPeriodSeconds}s periods but the settings expect ${settings.periodSeconds}s`,
    );
  }
  if (!(settings.k > 0) || !Number.isFinite(settings.k)) {
    throw new RangeError(`k must be a positive number, got ${settings.k}`);
  }
  for (const name of ["sigmaFloor", "relativeSigmaFloor", "minAbsoluteDelta"] as const) {
    const value = settings[name];
    if (!(value >= 0) || !Number.isFinite(value)) {
      throw new RangeError(`${name} must be a finite number ≥ 0, got ${value}`);
    }
  }
  if (settings.method === "seasonal" && SECONDS_PER_WEEK % settings.periodSeconds !== 0) {
    throw new RangeError(
      `seasonal needs a period that divides a week evenly, got ${settings.periodSeconds}s`,
    );
  }
}
