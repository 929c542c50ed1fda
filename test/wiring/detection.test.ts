import { describe, expect, it } from "vitest";
import { detectionMemoryPlan } from "../../src/wiring/detection.ts";

describe("detectionMemoryPlan", () => {
  it("gives a sixty-fourth of the Lambda memory to one chunk of columns, one call in flight when small", () => {
    expect(detectionMemoryPlan(256)).toEqual({ fetchChunkBytes: 4 * 1024 * 1024, concurrency: 4 });
    expect(detectionMemoryPlan(128)).toEqual({ fetchChunkBytes: 2 * 1024 * 1024, concurrency: 1 });
  });

  it("leaves the defaults outside Lambda or on a nonsense size", () => {
    expect(detectionMemoryPlan(undefined)).toEqual({});
    expect(detectionMemoryPlan(Number.NaN)).toEqual({});
    expect(detectionMemoryPlan(0)).toEqual({});
  });
});
