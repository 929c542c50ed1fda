import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readdir, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { beforeAll, describe, expect, it } from "vitest";
import {
  axisTitle,
  COLOURS,
  encodePageData,
  escapeHtml,
  type PageData,
  renderHtmlReport,
  unpackPageVariant,
  writeHtmlReport,
} from "../../src/report/html-report.ts";
import { unpackSeries } from "../../src/report/series-codec.ts";
import { writeFileAtomic } from "../../src/report/write-atomic.ts";
import type { BacktestReport } from "../../src/usecases/backtest.ts";
import { HOSTILE_VALUE, sampleReport } from "./sample-report.ts";

function pageData(html: string): PageData {
  const match = /<script type="application\/gzip;base64" id="vigil-data">([^<]*)<\/script>/.exec(
    html,
  );
  if (!match) throw new Error("no data element");
  return JSON.parse(gunzipSync(Buffer.from(match[1] as string, "base64")).toString("utf8"));
}

let report: BacktestReport;
let html: string;

beforeAll(async () => {
  report = await sampleReport();
  html = await renderHtmlReport(report);
});

describe("HTML report", () => {
  it("has one chart per metric and a summary ranked by alert count", () => {
    expect(html.match(/<canvas id="chart-\d+"/g)).toHaveLength(3);
    const rows = [
      ...html.matchAll(
        /<tr><td class="num" data-value="\d+">(\d+)<\/td><td class="name"><a href="#metric-\d+" data-open="\d+">([^<]*)<\/a><\/td><td class="wrap">[^<]*<\/td><td class="num" data-value="\d+">(\d+)<\/td>/g,
      ),
    ];
    expect(rows.map((r) => Number(r[1]))).toEqual([1, 2, 3]);
    const alerts = rows.map((r) => Number(r[3]));
    expect(alerts).toEqual([...alerts].sort((a, b) => b - a));
    // The mostly-zero (hostile-named) metric alerts most at k=3.
    expect(rows[0]?.[2]).toContain("AWS/S3 BytesDownloaded");
  });

  it("says when rates divide by fewer judged weeks than the range holds", async () => {
    const short: BacktestReport = {
      ...report,
      metrics: report.metrics.map((m) => ({
        ...m,
        variants: m.variants.map((v) => ({ ...v, evaluatedWeeks: v.weeks / 4 })),
      })),
    };
    const weeks = report.metrics[0]?.variants[0]?.weeks ?? 0;
    const page = await renderHtmlReport(short);
    expect(page).toContain(
      `(${weeks.toFixed(1)} weeks, ${(weeks / 4).toFixed(1)} judged — rates per judged week)`,
    );
    expect(html).not.toContain("judged");
  });

  it("names each flagged period's rule and each setting's deciding values", () => {
    const flagged = report.metrics.flatMap((m) => m.variants.flatMap((v) => v.flagged));
    expect(flagged.length).toBeGreaterThan(0);
    const rows = [...html.matchAll(/<tr data-time="\d+" data-setting="\d+">(.*?)<\/tr>/g)];
    expect(rows.length).toBeGreaterThan(0);
    for (const [, cells] of rows) {
      // period, setting, severity, rule, observed, expected, z
      const texts = [...(cells as string).matchAll(/<td[^>]*>([^<]*)<\/td>/g)].map((c) => c[1]);
      expect(texts).toHaveLength(7);
      expect(["band", "level-shift", "excursion-density", "stopped-reporting"]).toContain(texts[3]);
    }
    const settings = report.metrics[0]?.variants[0]?.settings;
    expect(html).toContain(
      `confirm=${settings?.confirmPeriods} extremeK=${settings?.extremeK} criticalK=${settings?.criticalK} seenBefore=${settings?.seenBefore} extremeSeenBefore=${settings?.extremeSeenBefore}`,
    );
    expect(html).toContain("period=1h ");
  });

  it("carries the data each chart needs: series, expected, band, flagged points and episodes", () => {
    const data = pageData(html);
    expect(data.settings).toEqual(["k=3", "k=3,method=seasonal"]);
    expect(data.metrics).toHaveLength(3);
    for (const metric of data.metrics) {
      const source = report.metrics.find((m) => metric.label.includes(m.metric.metricName));
      expect(metric.variants).toHaveLength(2);
      metric.variants.forEach((variant, index) => {
        const result = source?.variants[index];
        // One observed series per metric (shared by settings of the same period), packed.
        expect(variant.observed).toBeUndefined();
        expect(unpackSeries(metric.observed)).toHaveLength(14 * 24);
        const lines = unpackPageVariant(metric, index);
        expect(lines.expected).toHaveLength(14 * 24);
        // 4 significant digits of each line's largest value survive packing: expected and σ
        // directly, the thresholds through their residual from expected ± k·σ.
        const trace = result?.trace;
        for (const field of ["expected", "sigma", "upper", "lower"] as const) {
          const exact = Array.from(trace?.[field] ?? []);
          const largest = Math.max(0, ...exact.filter(Number.isFinite).map(Math.abs));
          expect(lines[field]).toHaveLength(exact.length);
          lines[field].forEach((v, i) => {
            if (Number.isFinite(exact[i]))
              expect(Math.abs((v as number) - (exact[i] as number))).toBeLessThanOrEqual(
                largest / 1000,
              );
            else expect(v).toBeNull();
          });
        }
        const flaggedTimes = variant.flagged.map((i) => variant.start + i * 3_600_000);
        expect(flaggedTimes).toEqual(result?.flagged.map((f) => f.timestamp));
        expect(variant.episodes).toHaveLength(result?.episodes.length ?? -1);
      });
    }
    const weekly = data.metrics.find((m) => m.label.includes("weekly"));
    expect(weekly?.variants[1]?.flagged).toHaveLength(1);
  });

  it("titles a file by its path relative to where the command ran, never the absolute path", async () => {
    const local = await sampleReport();
    const absolute = join(process.cwd(), "exports", "egress.csv");
    (local.metrics[0] as { source?: string }).source = absolute;
    (local.metrics[1] as { source?: string }).source = "/elsewhere/secret-dir/api.csv";
    const page = await renderHtmlReport(local);
    expect(page).not.toContain(process.cwd());
    expect(page).not.toContain("/elsewhere/secret-dir");
    const labels = pageData(page).metrics.map((m) => m.label);
    expect(labels.some((l) => l.startsWith(`${join("exports", "egress.csv")}: `))).toBe(true);
    expect(labels.some((l) => l.startsWith("api.csv: "))).toBe(true);
  });

  it("band, warning and critical episodes, and flags have distinct colours; the y axis names its unit", () => {
    const meanings = [COLOURS.band, COLOURS.warning, COLOURS.critical, COLOURS.flagged];
    expect(new Set(meanings).size).toBe(meanings.length);
    const hostile = pageData(html).metrics.find((m) => m.label.includes("BytesDownloaded"));
    expect(hostile?.axis).toBe("BytesDownloaded (Sum, bytes per 1 h)");
    // The same unit as the alert text (domain/alert-text.ts), and its period words.
    const axis = (metricSet: string, metricName: string, stat: string, periodSeconds: number) =>
      axisTitle({
        metricSet,
        metric: { namespace: "N", metricName, dimensions: {}, stat },
        variants: [{ settings: { periodSeconds } }],
      } as never);
    expect(axis("api-calls", "CallCount", "Sum", 300)).toBe("CallCount (Sum, calls per 5 min)");
    expect(axis("egress", "NetworkOut", "Sum", 86_400)).toBe("NetworkOut (Sum, bytes per 1 day)");
    expect(axis("egress", "BytesDownloaded", "SampleCount", 3600)).toBe(
      "BytesDownloaded (SampleCount, count per 1 h)",
    );
  });

  it("escapes a hostile metric name everywhere: markup, attributes and the embedded data", () => {
    expect(html).not.toContain("<script>window.__pwned");
    expect(html).not.toContain("<img src=x");
    expect(html).not.toContain('onerror="window');
    expect(html).toContain(escapeHtml(HOSTILE_VALUE));
    // Executable <script> elements: exactly the five inlined ones (Chart.js, annotation, hammer,
    // zoom, page).
    expect(html.match(/<script>/g)).toHaveLength(5);
    expect(html.match(/<\/script>/gi)).toHaveLength(6);
    // The data round-trips to the exact original value.
    const hostile = pageData(html).metrics.find((m) => m.label.includes("BytesDownloaded"));
    expect(hostile?.label).toContain(`BucketName=${HOSTILE_VALUE}`);
  });

  it("is self-contained: no external resource, and scripts allowed only by hash", () => {
    expect(html).not.toMatch(/<(script|img|link|iframe)[^>]+(src|href)=/i);
    expect(html).toContain("Chart.js v4");
    expect(html).toContain("chartjs-plugin-annotation");
    const csp = (
      /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)?.[1] ?? ""
    ).replaceAll("&#39;", "'");
    expect(csp).toContain("default-src 'none'");
    expect(csp).toMatch(/script-src 'sha256-[^;]+; style-src/);
    expect(csp.split("style-src")[0]).not.toContain("unsafe-inline");
    const scripts = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1] as string);
    for (const code of scripts) {
      const hash = createHash("sha256").update(code, "utf8").digest("base64");
      expect(csp).toContain(`'sha256-${hash}'`);
    }
  });

  it("the data element holds only base64: nothing in it can close a script element", () => {
    const text = encodePageData({
      title: "</script><!-- \u2028 & >",
      generatedAt: "",
      settings: [],
      metrics: [],
    });
    expect(text).toMatch(/^[A-Za-z0-9+/]+=*$/);
    expect(JSON.parse(gunzipSync(Buffer.from(text, "base64")).toString("utf8")).title).toBe(
      "</script><!-- \u2028 & >",
    );
  });
});

describe("atomic writes", () => {
  it("writes the report in one piece", async () => {
    const dir = await mkdtemp(join(tmpdir(), "vigil-report-"));
    const path = join(dir, "report.html");
    await writeHtmlReport(path, report);
    expect(await readFile(path, "utf8")).toBe(html);
    expect(await readdir(dir)).toEqual(["report.html"]);
  });

  it("a failed write leaves neither a partial file nor a temporary file", async () => {
    const dir = await mkdtemp(join(tmpdir(), "vigil-report-"));
    // The target is a directory: the rename fails after the temporary file was written.
    const target = join(dir, "report.html");
    await mkdir(target);
    await expect(writeFileAtomic(target, "<html>")).rejects.toThrow();
    expect(await readdir(dir)).toEqual(["report.html"]);
    await expect(writeFileAtomic(join(dir, "missing", "r.html"), "x")).rejects.toThrow(/ENOENT/);
  });

  it("a report that cannot be rendered does not touch the existing file", async () => {
    const dir = await mkdtemp(join(tmpdir(), "vigil-report-"));
    const path = join(dir, "report.html");
    await writeFile(path, "previous report");
    const withoutTraces = {
      ...report,
      metrics: report.metrics.map((m) => ({
        ...m,
        variants: m.variants.map(({ trace: _trace, ...rest }) => rest),
      })),
    };
    await expect(writeHtmlReport(path, withoutTraces)).rejects.toThrow(/traces/);
    expect(await readFile(path, "utf8")).toBe("previous report");
    expect(await readdir(dir)).toEqual(["report.html"]);
  });
});
