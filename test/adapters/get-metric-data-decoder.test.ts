/**
 * The streaming GetMetricData decoder against JSON.parse of the whole body: random bodies (17-digit
 * doubles, exponents, negative zero, integers, AWS JSON's "NaN"/"Infinity" text, Messages with
 * brackets, quotes and escapes in them, PartialData with a NextToken, keys in any order,
 * whitespace), cut into chunks at random places, must give the same datapoints for every result and
 * leave the SDK a document that parses to the same thing with those datapoints emptied.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { GetMetricDataDecoder } from "../../src/adapters/get-metric-data-decoder.ts";

interface Decoded {
  results: Map<string, { timestamps: number[]; values: number[] }>;
  skeleton: unknown;
  skeletonText: string;
}

function decode(body: string, cuts: number[] = []): Decoded {
  const results = new Map<string, { timestamps: number[]; values: number[] }>();
  const decoder = new GetMetricDataDecoder((id, timestamps, values) => {
    results.set(id, { timestamps: [...timestamps], values: [...values] });
  });
  const bytes = Buffer.from(body, "utf8");
  let from = 0;
  for (const cut of [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b)) {
    decoder.write(bytes.subarray(from, cut));
    from = cut;
  }
  decoder.write(bytes.subarray(from));
  const skeletonText = Buffer.from(decoder.end()).toString("utf8");
  let skeleton: unknown;
  try {
    skeleton = JSON.parse(skeletonText);
  } catch {
    skeleton = undefined;
  }
  return { results, skeleton, skeletonText };
}

/** Doubles as CloudWatch sends them: shortest round-trip text, often 15–17 significant digits. */
const double = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.double({ min: 0, max: 1e12, noNaN: true }),
  fc.integer({ min: -1e9, max: 1e15 }),
  fc.constantFrom(-0, 5e-324, 1.7976931348623157e308, 0.1, 1234567.8901234567, 1e21, 1e-7),
);
const timestamp = fc.integer({ min: 1_500_000_000, max: 1_900_000_000 });
/** Text with the characters that could trip a byte scanner: brackets, quotes, escapes, non-ASCII. */
const trickyText = fc.string({
  unit: fc.constantFrom("a", "]", "[", "{", "}", '"', "\\", ",", ":", "é", "σ", "\n", " ", "0"),
  maxLength: 12,
});

const result = fc.record({
  Id: fc.stringMatching(/^[a-z][a-zA-Z0-9_]{0,6}$/),
  Label: trickyText,
  points: fc.array(fc.tuple(timestamp, double), { maxLength: 40 }),
  StatusCode: fc.constantFrom("Complete", "PartialData", "InternalError"),
  Messages: fc.array(fc.record({ Code: trickyText, Value: trickyText }), { maxLength: 2 }),
  order: fc.integer({ min: 0, max: 119 }),
});

type Result = typeof result extends fc.Arbitrary<infer R> ? R : never;

/** A body in the wire's shape, keys in a chosen order, optional whitespace. */
function bodyOf(results: Result[], nextToken: string | undefined, spaced: boolean): string {
  const space = spaced ? " \n\t" : "";
  const entries = results.map((r) => {
    const members = [
      `"Id":${space}${JSON.stringify(r.Id)}`,
      `"Label":${JSON.stringify(r.Label)}`,
      `"Timestamps":${space}[${r.points.map(([t]) => JSON.stringify(t)).join(`,${space}`)}${space}]`,
      `"Values":[${space}${r.points.map(([, v]) => JSON.stringify(v)).join(",")}]`,
      `"StatusCode":${JSON.stringify(r.StatusCode)}`,
      `"Messages":${JSON.stringify(r.Messages)}`,
    ];
    // A permutation chosen by `order`: Id is not always first.
    const ordered: string[] = [];
    let rest = members;
    let pick = r.order;
    while (rest.length > 0) {
      const at = pick % rest.length;
      pick = Math.floor(pick / rest.length);
      ordered.push(rest[at] as string);
      rest = rest.filter((_, i) => i !== at);
    }
    return `{${space}${ordered.join(`,${space}`)}${space}}`;
  });
  const next = nextToken === undefined ? "" : `,"NextToken":${JSON.stringify(nextToken)}`;
  return `${space}{"Messages":[{"Code":"MaxQueryTimeRangeExceed","Value":"]["}],${space}"MetricDataResults":${space}[${entries.join(",")}]${next}}${space}`;
}

/** What the SDK would parse with every result's datapoints taken out. */
function withoutDatapoints(document: { MetricDataResults: Array<Record<string, unknown>> }) {
  return {
    ...document,
    MetricDataResults: document.MetricDataResults.map((r) => ({
      ...r,
      Timestamps: [],
      Values: [],
    })),
  };
}

describe("GetMetricDataDecoder", () => {
  it("gives every result's datapoints exactly as JSON.parse of the whole body, however the body is cut", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(result, { selector: (r) => r.Id, maxLength: 8 }),
        fc.option(fc.string({ maxLength: 8 }), { nil: undefined }),
        fc.boolean(),
        fc.array(fc.nat(), { maxLength: 30 }),
        (results, nextToken, spaced, cuts) => {
          const body = bodyOf(results, nextToken, spaced);
          const expected = JSON.parse(body);
          const decoded = decode(body, cuts);
          expect(decoded.results.size).toBe(results.length);
          for (const entry of expected.MetricDataResults) {
            const got = decoded.results.get(entry.Id);
            expect(got?.timestamps).toEqual(entry.Timestamps);
            // Object.is per value: -0 stays -0, every bit of a 17-digit double is kept.
            expect(got?.values.length).toBe(entry.Values.length);
            got?.values.forEach((value, i) => {
              expect(Object.is(value, entry.Values[i])).toBe(true);
            });
          }
          expect(decoded.skeleton).toEqual(withoutDatapoints(expected));
          // The skeleton is what is left: far smaller than a body with datapoints.
          expect(decoded.skeletonText.length).toBeLessThanOrEqual(Buffer.byteLength(body));
        },
      ),
      { numRuns: 300 },
    );
  });

  it("reads AWS JSON's NaN and Infinity text as doubles", () => {
    const body = `{"MetricDataResults":[{"Id":"m0","Timestamps":[1700000000,1700003600,1700007200],"Values":["NaN",1.5,"-Infinity"],"StatusCode":"Complete"}]}`;
    const decoded = decode(body, [40, 41, 90]);
    expect(decoded.results.get("m0")).toEqual({
      timestamps: [1700000000, 1700003600, 1700007200],
      values: [Number.NaN, 1.5, Number.NEGATIVE_INFINITY],
    });
  });

  it("leaves to the SDK, as sent, a result it cannot read: no Id, text timestamps, other text values", () => {
    const odd = [
      `{"Timestamps":[1700000000],"Values":[1]}`,
      `{"Id":"m1","Timestamps":["2023-11-14T22:13:20Z"],"Values":[2]}`,
      `{"Id":"m2","Timestamps":[1700000000],"Values":["lots"]}`,
      `{"Id":"m3","Values":[1, 2],"Timestamps":[1700000000,1700003600],"Values":[3]}`,
      `{"Id":"m4","Values":["NaN"],"Timestamps":[true]}`,
    ];
    const good = `{"Id":"m9","Timestamps":[1700000000],"Values":[9.25]}`;
    const body = `{"MetricDataResults":[${[...odd, good].join(",")}],"NextToken":"t"}`;
    const decoded = decode(body, [17, 60, 61, 150]);
    expect([...decoded.results.keys()]).toEqual(["m9"]);
    const expected = JSON.parse(body);
    expect(decoded.skeleton).toEqual({
      ...expected,
      MetricDataResults: [
        ...expected.MetricDataResults.slice(0, odd.length),
        { Id: "m9", Timestamps: [], Values: [] },
      ],
    });
  });

  it("hands an invalid or truncated body to the SDK byte for byte, so it fails as it always did", () => {
    for (const body of [
      `{"MetricDataResults":[{"Id":"m0","Timestamps":[1700000000,],"Values":[1]}]}`,
      `{"MetricDataResults":[{"Id":"m0","Timestamps":[1700000000],"Values":[1,2`,
      `{"MetricDataResults":[{"Id":"m0","Timestamps":[1700000000],"Values":[1`,
      `<html>Service Unavailable</html>`,
    ]) {
      const decoded = decode(body, [30, 55]);
      expect(decoded.results.size).toBe(0);
      expect(decoded.skeletonText).toBe(body);
    }
    // Cut after a complete entry: the entry is read, and what the SDK gets still does not parse.
    const cut = decode(`{"MetricDataResults":[{"Id":"m0","Timestamps":[1700000000],"Values":[1]}`);
    expect(cut.results.get("m0")).toEqual({ timestamps: [1700000000], values: [1] });
    expect(() => JSON.parse(cut.skeletonText)).toThrow(SyntaxError);
  });

  it("only takes datapoints from MetricDataResults entries, never from arrays of the same name elsewhere", () => {
    const body = `{"Values":[1],"Other":{"MetricDataResults":[{"Id":"x","Timestamps":[1],"Values":[2]}]},"MetricDataResults":[{"Id":"m0","Messages":[{"Code":"Values","Value":"[1]"}],"Timestamps":[1700000000],"Values":[3]}]}`;
    const decoded = decode(body);
    expect([...decoded.results]).toEqual([["m0", { timestamps: [1700000000], values: [3] }]]);
    expect(decoded.skeleton).toEqual({
      ...JSON.parse(body),
      MetricDataResults: [
        { Id: "m0", Messages: [{ Code: "Values", Value: "[1]" }], Timestamps: [], Values: [] },
      ],
    });
  });
});
