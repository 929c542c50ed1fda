import { describe, expect, it } from "vitest";
import { mulberry32 } from "../../sandbox/synthetic.ts";
import { formatNumber, formatSigma, plural } from "../../src/domain/format.ts";

describe("formatNumber", () => {
  it.each([
    [0, "0"],
    [0.5, "0.5"],
    [0.001234, "0.00123"],
    [1.5e-7, "1.5e-7"],
    [1, "1"],
    [5, "5"],
    [12.34, "12.3"],
    [999, "999"],
    [999.6, "1k"],
    [1000, "1k"],
    [1234, "1.23k"],
    [12_345, "12.3k"],
    [123_456, "123k"],
    [999_960, "1M"],
    [5e6, "5M"],
    [1.2e9, "1.2G"],
    [9.1e9, "9.1G"],
    [4.5e12, "4.5T"],
    [7e15, "7P"],
    [2.5e18, "2.5E"],
    [1.5e21, "1500E"],
    [-2500, "-2.5k"],
    [-0.25, "-0.25"],
    [Number.NaN, "NaN"],
    [Number.POSITIVE_INFINITY, "∞"],
    [Number.NEGATIVE_INFINITY, "-∞"],
  ])("%s → %s", (value, text) => {
    expect(formatNumber(value)).toBe(text);
  });

  it("agrees with three significant digits for any magnitude", () => {
    const random = mulberry32(5);
    for (let i = 0; i < 2000; i++) {
      const value = 10 ** (random() * 18) * (random() < 0.5 ? -1 : 1);
      const text = formatNumber(value);
      const match = /^(-?)(\d+(?:\.\d+)?)([kMGTPE]?)$/.exec(text);
      expect(match, text).not.toBeNull();
      const [, sign, digits, suffix] = match as RegExpExecArray;
      const factor = { "": 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 }[suffix as "k"];
      const parsed = Number(`${sign}${digits}`) * factor;
      expect(Math.abs(parsed - value) / Math.abs(value)).toBeLessThanOrEqual(0.005);
      expect((digits as string).replace(".", "").replace(/^0+/, "").length).toBeLessThanOrEqual(3);
    }
  });
});

describe("formatSigma", () => {
  it.each([
    [7.23, "7.2σ"],
    [3, "3.0σ"],
    [-3, "-3.0σ"],
    [-0.04, "0.0σ"],
    [99.94, "99.9σ"],
    [412.7, "413σ"],
    [25_000, "25kσ"],
  ])("%s → %s", (z, text) => {
    expect(formatSigma(z)).toBe(text);
  });
});

describe("plural", () => {
  it.each([
    [0, "change", "0 changes"],
    [1, "change", "1 change"],
    [2, "policy statement", "2 policy statements"],
  ])("%s %s → %s", (count, word, text) => {
    expect(plural(count, word)).toBe(text);
  });
});
