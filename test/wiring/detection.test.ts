import { describe, expect, it } from "vitest";
import { detectionMemoryPlan } from "../../src/wiring/detection.ts";

describe("detectionMemoryPlan", () => {
  it("gives a sixteenth of the Lambda memory to one chunk of columns, fewer calls in flight when small", () => {
    expect(detectionMemoryPlan(256)).toEqual({ fetchChunkBytes: 16 * 1024 * 1024, concurrency: 4 });
    expect(detectionMemoryPlan(128)).toEqual({ fetchChunkBytes: 8 * 1024 * 1024, concurrency: 2 });
  });

  it("leaves the defaults outside Lambda or on a nonsense size", () => {
    expect(detectionMemoryPlan(undefined)).toEqual({});
    expect(detectionMemoryPlan(Number.NaN)).toEqual({});
    expect(detectionMemoryPlan(0)).toEqual({});
  });
});
