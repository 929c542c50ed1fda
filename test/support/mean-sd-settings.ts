import { DEFAULT_DETECTION_SETTINGS, type DetectionSettings } from "../../src/domain/detection.ts";

/**
 * The engine's defaults before `robust` became the default (mean-sd at k = 3, every period beyond
 * the band anomalous, 3 quiet periods close an episode). Tests of mean-sd, episode and tuning
 * rules pin them, so those rules stay tested whatever the shipped default.
 */
export const MEAN_SD_SETTINGS: DetectionSettings = {
  ...DEFAULT_DETECTION_SETTINGS,
  method: "mean-sd",
  k: 3,
  criticalK: 6,
  confirmPeriods: 1,
  rearmQuietSeconds: 3 * DEFAULT_DETECTION_SETTINGS.periodSeconds,
  levelShiftBand: 0,
};

/** The same as config settings (for parseConfig inputs). */
export const MEAN_SD_CONFIG = {
  method: "mean-sd",
  k: 3,
  criticalK: 6,
  confirmPeriods: 1,
  rearmQuietPeriods: 3,
  levelShiftBand: 0,
} as const;
