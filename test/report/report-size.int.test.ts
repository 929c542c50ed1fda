import { describe, expect, it } from "vitest";
import { renderHtmlReport } from "../../src/report/html-report.ts";
import { largeReport } from "./large-report.ts";

const MB = 1024 * 1024;

describe("HTML report size", () => {
  it("50 metrics × 90 days hourly, four settings compared (three k, one method): at most 1.5 MB", async () => {
    const report = await largeReport([
      { label: "k=3", changes: { k: 3 } },
      { label: "k=4", changes: { k: 4 } },
      { label: "k=5", changes: { k: 5 } },
      { label: "seasonal", changes: { method: "seasonal" } },
    ]);
    expect(report.metrics).toHaveLength(50);
    expect(report.metrics[0]?.variants[0]?.trace?.observed.length).toBe(90 * 24);
    const html = await renderHtmlReport(report);
    expect(Buffer.byteLength(html)).toBeLessThanOrEqual(1.5 * MB);
    // Beyond the first ten, metrics are collapsed (drawn when opened).
    expect(html.match(/<details class="metric"[^>]* open>/g)).toHaveLength(10);
    expect(html.match(/<details class="metric"/g)).toHaveLength(50);
  }, 120_000);
});
