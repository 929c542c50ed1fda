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
import { sampleReport, wideReport } from "./sample-report.ts";

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
    flagged: charts.map((chart) => chart.$vigil.flagged()),
    episodes: charts.map((chart) => Object.keys(chart.options.plugins.annotation.annotations).length),
    painted,
    pwned: window.__pwned ?? null,
    upper: charts.map((chart) =>
      chart.data.datasets.find((d) => d.label === "S1 upper threshold")?.data.map((p) => p.y) ?? []),
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
  upper: Array<Array<number | null>>;
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
    // The page rebuilds each threshold from its residual to expected + k·σ (series-codec.ts):
    // what it draws is the backtest's threshold to 4 significant digits.
    ranked.forEach((metric, chart) => {
      const exact = Array.from(metric.variants[0]?.trace?.upper ?? []);
      const largest = Math.max(...exact.filter(Number.isFinite).map(Math.abs));
      const drawn = state.upper[chart] ?? [];
      expect(drawn).toHaveLength(exact.length);
      exact.forEach((v, i) => {
        if (Number.isFinite(v))
          expect(Math.abs((drawn[i] as number) - v)).toBeLessThanOrEqual(largest / 1000);
      });
    });

    // Hovering the first flagged point shows its numbers.
    const point = (await page.evaluate(`(() => {
      const chart = window.__vigilCharts[0];
      const meta = chart.getDatasetMeta(chart.data.datasets.findIndex((d) => d.label === "S1 flagged"));
      const rect = chart.canvas.getBoundingClientRect();
      return { x: rect.left + meta.data[0].x, y: rect.top + meta.data[0].y };
    })()`)) as { x: number; y: number };
    await page.mouse.move(point.x, point.y);
    const tooltip = (await page.evaluate(
      "window.__vigilCharts[0].tooltip.body.flatMap((b) => b.lines)",
    )) as string[];
    expect(tooltip.join("\n")).toMatch(/observed .*\nexpected .*\nσ .*\nz -?\d+\.\d\d/);
    expect(tooltip).toContain("FLAGGED");

    // Overlay: ticking the second setting adds its flags to the same chart; unticking the first
    // leaves only the second's.
    const weekly = ranked.findIndex((m) => m.metric.metricName === "weekly");
    const drawn = () => page.evaluate(`window.__vigilCharts[${weekly}].$vigil.flagged()`);
    const first = ranked[weekly]?.variants[0]?.flagged.length ?? -1;
    const second = ranked[weekly]?.variants[1]?.flagged.length ?? -1;
    await page.check(`input[data-metric="${weekly}"][data-setting="1"]`);
    expect(await drawn()).toBe(first + second);
    await page.uncheck(`input[data-metric="${weekly}"][data-setting="0"]`);
    expect(await drawn()).toBe(second);
    expect(second).toBe(1);
    await page.check(`input[data-metric="${weekly}"][data-setting="0"]`);
    await page.uncheck(`input[data-metric="${weekly}"][data-setting="1"]`);

    await mkdir("artifacts", { recursive: true });
    await page.screenshot({ path: join("artifacts", "report.png"), fullPage: true });
    await page.close();
  });

  it("zooms to a flagged period from its row, resets, and filters and sorts the ranking", async () => {
    const report = await sampleReport();
    const path = join(await mkdtemp(join(tmpdir(), "vigil-browser-")), "report.html");
    await writeHtmlReport(path, report);
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(pathToFileURL(path).href);
    await page.waitForFunction("window.__vigilReady === true", undefined, { timeout: 15_000 });

    const row = page.locator('table.flags[data-metric="0"] tr[data-time]').first();
    const time = Number(await row.getAttribute("data-time"));
    const full = (await page.evaluate(
      "(() => { const s = window.__vigilCharts[0].scales.x; return [s.min, s.max]; })()",
    )) as [number, number];
    await row.click();
    const zoomed = (await page.evaluate(
      "(() => { const s = window.__vigilCharts[0].scales.x; return [s.min, s.max]; })()",
    )) as [number, number];
    expect(zoomed[0]).toBeLessThanOrEqual(time);
    expect(zoomed[1]).toBeGreaterThan(time);
    expect(zoomed[1] - zoomed[0]).toBeLessThan((full[1] - full[0]) / 4);
    await page.click('button[data-reset="0"]');
    expect(
      await page.evaluate(
        "(() => { const s = window.__vigilCharts[0].scales.x; return [s.min, s.max]; })()",
      ),
    ).toEqual(full);

    // Filter: only the rows naming the typed words stay.
    await page.fill("#summary-filter", "weekly");
    const visible = await page.$$eval("#summary-table tbody tr", (rows) =>
      rows.filter((r) => !(r as { hidden: boolean }).hidden).map((r) => r.textContent ?? ""),
    );
    expect(visible).toHaveLength(1);
    expect(visible[0]).toContain("weekly");
    await page.fill("#summary-filter", "");
    // Sort by metric name (click the header): rows in name order; again: reversed.
    const names = () =>
      page.$$eval("#summary-table tbody tr td.name", (cells) =>
        cells.map((c) => c.textContent ?? ""),
      );
    await page.click("#summary-table th:nth-child(2)");
    const once = await names();
    await page.click("#summary-table th:nth-child(2)");
    const twice = await names();
    const byName = (a: string, b: string) =>
      a.toLowerCase() < b.toLowerCase() ? -1 : a.toLowerCase() > b.toLowerCase() ? 1 : 0;
    expect(twice).toEqual([...twice].sort(byName));
    expect(once).toEqual([...twice].reverse());
    expect(once).toHaveLength(report.metrics.length);
    await page.close();
  });

  it("at 1280 px with 4 settings and a long metric name, nothing overflows its card", async () => {
    const report = await wideReport();
    const path = join(await mkdtemp(join(tmpdir(), "vigil-browser-")), "report.html");
    await writeHtmlReport(path, report);
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(pathToFileURL(path).href);
    await page.waitForFunction("window.__vigilReady === true", undefined, { timeout: 15_000 });
    const overflow = (await page.evaluate(`(() => {
      const problems = [];
      for (const card of document.querySelectorAll("section, details.metric")) {
        const box = card.getBoundingClientRect();
        for (const el of card.querySelectorAll("*")) {
          const r = el.getBoundingClientRect();
          if (r.width === 0 && r.height === 0) continue;
          if (r.right > box.right + 1 || r.left < box.left - 1) {
            problems.push(card.id + ": " + el.tagName + "." + el.className + " " + Math.round(r.left) + "-" + Math.round(r.right) + " outside " + Math.round(box.left) + "-" + Math.round(box.right));
          }
        }
        for (const scroller of card.querySelectorAll(".scroll")) {
          if (scroller.scrollWidth > scroller.clientWidth + 1) problems.push(card.id + ": table wider than its card");
        }
      }
      if (document.documentElement.scrollWidth > window.innerWidth) problems.push("page scrolls sideways");
      const name = document.querySelector("#summary-table td.name");
      const lines = name.getBoundingClientRect().height / parseFloat(getComputedStyle(name).lineHeight);
      return { problems: problems.slice(0, 10), nameLines: lines, settings: document.querySelectorAll("#metric-0 input[data-setting]").length };
    })()`)) as { problems: string[]; nameLines: number; settings: number };
    expect(overflow.settings).toBe(4);
    expect(overflow.problems).toEqual([]);
    // The 180-character name gets the room it needs: 4–5 lines in the ranking, not 7.
    expect(overflow.nameLines).toBeLessThan(6);
    await mkdir("artifacts", { recursive: true });
    await page.screenshot({ path: join("artifacts", "report-4-settings.png"), fullPage: true });
    await page.close();
  });
});
