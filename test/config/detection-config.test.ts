import { describe, expect, it } from "vitest";
import { setSettings, settingsForMetric } from "../../src/config/detection-config.ts";
import {
  ConfigError,
  loadConfigFile,
  parseConfig,
  parseConfigText,
} from "../../src/config/load.ts";

const minimal = { detection: { metricSets: [{ name: "egress", builtin: "egress" }] } };

function errorOf(input: unknown): string {
  try {
    parseConfig(input);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error("expected the config to be rejected");
}

describe("configuration", () => {
  it("loads the shipped vigil.config.yaml", async () => {
    const config = await loadConfigFile("vigil.config.yaml");
    expect(config.detection.metricSets.map((s) => s.name)).toEqual(["egress", "api-calls"]);
  });

  it("applies built-in set defaults: egress watched upwards, API calls both ways", () => {
    const config = parseConfig({
      detection: {
        metricSets: [
          { name: "egress", builtin: "egress" },
          { name: "api", builtin: "api-calls" },
        ],
      },
    });
    const [egress, api] = config.detection.metricSets;
    if (!egress || !api) throw new Error("sets missing");
    expect(setSettings(config.detection, egress)).toMatchObject({
      direction: "up",
      method: "auto", // the shipped default since the NAB benchmark (README)
      k: 5,
      windowDays: 30,
      periodSeconds: 3600,
    });
    expect(setSettings(config.detection, api).direction).toBe("both");
  });

  it("layers defaults, set settings and per-metric overrides matched by dimension glob", () => {
    const config = parseConfig({
      detection: {
        defaults: { k: 3.5 },
        metricSets: [
          {
            name: "egress",
            builtin: "egress",
            settings: { method: "seasonal" },
            overrides: [
              {
                match: { dimensions: { BucketName: "backup-*" } },
                settings: { k: 5, minAbsoluteDelta: 1e9 },
              },
              { match: { namespace: "AWS/EC2" }, settings: { missingData: "gap" } },
            ],
          },
        ],
      },
    });
    const set = config.detection.metricSets[0];
    if (!set) throw new Error("set missing");
    const metric = (namespace: string, dimensions: Record<string, string>) => ({
      namespace,
      metricName: "BytesDownloaded",
      dimensions,
      stat: "Sum",
    });
    const backup = settingsForMetric(
      config.detection,
      set,
      metric("AWS/S3", { BucketName: "backup-eu", FilterId: "all" }),
    );
    expect(backup).toMatchObject({
      k: 5,
      minAbsoluteDelta: 1e9,
      method: "seasonal",
      direction: "up",
    });
    const other = settingsForMetric(
      config.detection,
      set,
      metric("AWS/S3", { BucketName: "reports", FilterId: "all" }),
    );
    expect(other).toMatchObject({ k: 3.5, method: "seasonal" });
    expect(
      settingsForMetric(config.detection, set, metric("AWS/EC2", { InstanceId: "i-1" }))
        .missingData,
    ).toBe("gap");
  });

  it("reads the rearm quiet time as a duration, and the older count in the set's own period", () => {
    const sets = (defaults: object, settings: object = {}) =>
      parseConfig({
        detection: {
          scheduleMinutes: 5,
          defaults,
          metricSets: [
            { name: "egress", builtin: "egress", settings: { periodSeconds: 300, ...settings } },
          ],
        },
      }).detection;
    const rearm = (defaults: object, settings: object = {}) => {
      const detection = sets(defaults, settings);
      return setSettings(detection, detection.metricSets[0] as never).rearmQuietSeconds;
    };
    expect(rearm({ rearmQuiet: "8h" })).toBe(8 * 3600);
    expect(rearm({ rearmQuiet: "90m" })).toBe(90 * 60);
    expect(rearm({ rearmQuiet: "2d" })).toBe(2 * 86_400);
    // 48 periods of 5 minutes: four hours, as before the duration existed.
    expect(rearm({ rearmQuietPeriods: 48 })).toBe(4 * 3600);
    // The last layer that names either key wins.
    expect(rearm({ rearmQuietPeriods: 48 }, { rearmQuiet: "1d" })).toBe(86_400);
    expect(rearm({ rearmQuiet: "1d" }, { rearmQuietPeriods: 12 })).toBe(3600);
    expect(errorOf({ detection: { defaults: { rearmQuiet: "8 hours" }, metricSets: [] } })).toMatch(
      /rearmQuiet/,
    );
    // The level-shift duration is a duration too; its band a fraction of k (at most 1).
    const shift = (defaults: object, settings: object = {}) => {
      const detection = sets(defaults, settings);
      const resolved = setSettings(detection, detection.metricSets[0] as never);
      return [resolved.levelShiftBand, resolved.levelShiftSeconds];
    };
    // On by default (0.6 of k for 6 h); a set can turn it off or change it.
    expect(shift({})).toEqual([0.6, 6 * 3600]);
    expect(shift({}, { levelShiftBand: 0 })).toEqual([0, 6 * 3600]);
    expect(shift({ levelShiftFor: "90m" }, { levelShiftBand: 0.5 })).toEqual([0.5, 90 * 60]);
    expect(errorOf({ detection: { defaults: { levelShiftBand: 3 }, metricSets: [] } })).toMatch(
      /levelShiftBand/,
    );
    expect(errorOf({ detection: { defaults: { levelShiftFor: "6" }, metricSets: [] } })).toMatch(
      /levelShiftFor/,
    );
    // The opt-in rules of round five: confirmWithin a duration ("0" = in a row), quietSlotPrior ≥ 0.
    const optIn = (defaults: object) => {
      const detection = sets(defaults);
      const resolved = setSettings(detection, detection.metricSets[0] as never);
      return [resolved.confirmWithinSeconds, resolved.quietSlotPrior];
    };
    expect(optIn({})).toEqual([0, 0]);
    expect(optIn({ confirmWithin: "30m", quietSlotPrior: 10 })).toEqual([30 * 60, 10]);
    expect(optIn({ confirmWithin: "0" })).toEqual([0, 0]);
    expect(errorOf({ detection: { defaults: { confirmWithin: "30" }, metricSets: [] } })).toMatch(
      /confirmWithin/,
    );
    expect(errorOf({ detection: { defaults: { quietSlotPrior: -1 }, metricSets: [] } })).toMatch(
      /quietSlotPrior/,
    );
    expect(
      errorOf({
        detection: { defaults: { rearmQuiet: "8h", rearmQuietPeriods: 4 }, metricSets: [] },
      }),
    ).toMatch(/not both/);
  });

  it("names the bad key and why", () => {
    expect(
      errorOf({
        detection: { metricSets: [{ name: "egress", builtin: "egress", settings: { k: -1 } }] },
      }),
    ).toMatch(/detection\.metricSets\.0\.settings\.k: .*>0/);
    expect(
      errorOf({ detection: { metricSets: [{ name: "egress", builtin: "egress", settingz: {} }] } }),
    ).toMatch(/detection\.metricSets\.0: .*settingz/);
    expect(errorOf({ detection: { metricSets: [{ name: "egress", builtin: "bytes" }] } })).toMatch(
      /detection\.metricSets\.0\.builtin/,
    );
    expect(
      errorOf({
        detection: {
          metricSets: [{ name: "egress", builtin: "egress", settings: { periodSeconds: 300 } }],
        },
      }),
    ).toMatch(/periodSeconds/);
    expect(errorOf({ detection: { metricSets: [{ name: "custom" }] } })).toMatch(
      /needs `builtin`, `selectors` or `cloudTrail`/,
    );
    expect(
      errorOf({
        detection: {
          metricSets: [
            { name: "a", builtin: "egress" },
            { name: "a", builtin: "api-calls" },
          ],
        },
      }),
    ).toMatch(/unique/);
    expect(
      errorOf({
        detection: {
          metricSets: [
            {
              name: "e",
              builtin: "egress",
              overrides: [{ match: {}, settings: { periodSeconds: 86400 } }],
            },
          ],
        },
      }),
    ).toMatch(/overrides\.0\.settings\.periodSeconds: periodSeconds is chosen per metric set/);
    expect(
      errorOf({
        detection: {
          defaults: {
            excludedRanges: [{ start: "2026-11-02T00:00:00Z", end: "2026-11-01T00:00:00Z" }],
          },
          metricSets: [{ name: "e", builtin: "egress" }],
        },
      }),
    ).toMatch(/start before it ends/);
    expect(errorOf({})).toMatch(/^invalid config:\ndetection: /);
    // The remediation section is checked at start too, not when the first finding arrives.
    expect(errorOf({ ...minimal, remediation: { modes: { "s3-encrypton": "enforce" } } })).toMatch(
      /remediation\.modes\.s3-encrypton: not a finding kind/,
    );
    expect(errorOf({ ...minimal, remediation: { defaultMode: "fix-it" } })).toMatch(
      /remediation\.defaultMode/,
    );
  });

  it("fails on unparseable YAML or a missing file with the file name", async () => {
    expect(() => parseConfigText("detection: [unclosed", "bad.yaml")).toThrow(
      /cannot parse bad\.yaml/,
    );
    await expect(loadConfigFile("does-not-exist.yaml")).rejects.toThrow(
      /cannot read config file does-not-exist\.yaml/,
    );
  });

  it("turns excluded ranges into epoch milliseconds", () => {
    const config = parseConfig({
      detection: {
        ...minimal.detection,
        defaults: {
          excludedRanges: [
            { start: "2026-11-01T00:00:00Z", end: "2026-11-02T00:00:00Z", reason: "INC-42" },
          ],
        },
      },
    });
    const set = config.detection.metricSets[0];
    if (!set) throw new Error("set missing");
    expect(setSettings(config.detection, set).excludedRanges).toEqual([
      { start: Date.parse("2026-11-01T00:00:00Z"), end: Date.parse("2026-11-02T00:00:00Z") },
    ]);
  });
});
