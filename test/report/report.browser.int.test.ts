/**
 * The backtest report in a real browser: headless Chromium (Debian's `chromium`, which .ci/run
 * installs) loads the self-contained file, every chart must render with its flagged points, a
 * hostile metric name must not run, and nothing may be fetched. Saves artifacts/report.png.
 *
 * Without /usr/bin/chromium: skipped with a warning locally, a failure when CI=true.
 */
import { existsSync } from "node:fs";
import { mkdir, mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { type Browser, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rankedForReport, writeHtmlReport } from "../../src/report/html-report.ts";
import { sampleReport } from "./sample-report.ts";

const CHROMIUM = "/usr/bin/chromium";
const available = existsSync(CHROMIUM);
if (!available) {
  if (process.env.CI === "true") {
    throw new Error(
      `CI=true and ${CHROMIUM} is missing: apt-get install -y --no-install-recommends chromium`,
    );
  }
  console.warn(
    `${CHROMIUM} not found: the report browser test is skipped (CI treats this as a failure)`,
  );
}

/** Runs in the page (a string: the test's TypeScript has no DOM types). */
const PROBE = `(() => {
  const charts = window.__vigilCharts;
  const canvases = [...document.querySelectorAll("canvas")];
  const painted = canvases.map((canvas) => {
    const { data } = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height);
    let count = 0;
    for (let i = 3; i < data.length; i += 4) if (data[i] > 0) count++;
    return count;
  });
  return {
    charts: charts.length,
    canvases: canvases.length,
    chartCanvasIds: charts.map((chart) => chart.canvas.id),
    flagged: charts.map((chart) => chart.data.datasets.find((d) => d.label === "flagged").data.length),
    episodes: charts.map((chart) => Object.keys(chart.options.plugins.annotation.annotations).length),
    painted,
    pwned: window.__pwned ?? null,
  };
})()`;

interface ProbeResult {
  charts: number;
  canvases: number;
  chartCanvasIds: string[];
  flagged: number[];
  episodes: number[];
  painted: number[];
  pwned: number | null;
}

describe.skipIf(!available)("backtest report in headless Chromium", () => {
  let browser: Browser;

  beforeAll(async () => {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
  });

  afterAll(async () => {
    await browser?.close();
  });

  it("renders every chart with its flagged points and episodes, offline, without running injected names", async () => {
    const report = await sampleReport();
    const dir = await mkdtemp(join(tmpdir(), "vigil-browser-"));
    const path = join(dir, "report.html");
    await writeHtmlReport(path, report);
    const ranked = rankedForReport(report);

    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    const requests: string[] = [];
    page.on("pageerror", (error) => errors.push(error.message));
    page.on("console", (message) => {
      if (message.type() === "error") errors.push(message.text());
    });
    page.on("request", (request) => requests.push(request.url()));

    await page.goto(pathToFileURL(path).href);
    await page.waitForFunction("window.__vigilReady === true", undefined, { timeout: 15_000 });
    const state = (await page.evaluate(PROBE)) as ProbeResult;

    expect(errors).toEqual([]);
    expect(requests.filter((url) => !url.startsWith("file:"))).toEqual([]);
    expect(state.pwned).toBeNull();
    expect(state.charts).toBe(ranked.length);
    expect(state.canvases).toBe(ranked.length);
    expect(state.chartCanvasIds).toEqual(ranked.map((_, i) => `chart-${i}`));
    // The first setting is shown: its flagged periods and episodes, chart by chart.
    expect(state.flagged).toEqual(ranked.map((m) => m.variants[0]?.flagged.length));
    expect(state.flagged.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    expect(state.episodes).toEqual(ranked.map((m) => m.variants[0]?.episodes.length));
    for (const painted of state.painted) expect(painted).toBeGreaterThan(5_000);

    // Hovering the first flagged point shows its numbers.
    const point = (await page.evaluate(`(() => {
      const chart = window.__vigilCharts[0];
      const meta = chart.getDatasetMeta(chart.data.datasets.findIndex((d) => d.label === "flagged"));
      const rect = chart.canvas.getBoundingClientRect();
      return { x: rect.left + meta.data[0].x, y: rect.top + meta.data[0].y };
    })()`)) as { x: number; y: number };
    await page.mouse.move(point.x, point.y);
    const tooltip = (await page.evaluate(
      "window.__vigilCharts[0].tooltip.body.flatMap((b) => b.lines)",
    )) as string[];
    expect(tooltip.join("\n")).toMatch(/observed .*\nexpected .*\nσ .*\nz -?\d+\.\d\d/);
    expect(tooltip).toContain("FLAGGED");

    // Switching the setting redraws the chart with that setting's flags.
    const weekly = ranked.findIndex((m) => m.metric.metricName === "weekly");
    await page.selectOption(`select[data-metric="${weekly}"]`, "1");
    const switched = (await page.evaluate(
      `window.__vigilCharts[${weekly}].data.datasets.find((d) => d.label === "flagged").data.length`,
    )) as number;
    expect(switched).toBe(ranked[weekly]?.variants[1]?.flagged.length);
    expect(switched).toBe(1);
    await page.selectOption(`select[data-metric="${weekly}"]`, "0");

    await mkdir("artifacts", { recursive: true });
    await page.screenshot({ path: join("artifacts", "report.png"), fullPage: true });
    await page.close();
  });
});
