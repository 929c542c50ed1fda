import { describe, expect, it, vi } from "vitest";
import { syntheticSeries, withBurst } from "../../sandbox/synthetic.ts";
import { MemoryNotifier } from "../../src/adapters/sns-notifier.ts";
import { runDetectCommand } from "../../src/cli/detect.ts";
import type { CliIo } from "../../src/cli/io.ts";
import { ConfigError, parseConfig } from "../../src/config/load.ts";
import type { MetricIdentity } from "../../src/domain/metric.ts";
import type { DetectDeps } from "../../src/usecases/detect-anomalies.ts";
import { FakeMetricSource } from "../support/fake-metric-source.ts";
import { seriesFrom } from "../support/series.ts";

const HOUR = 3_600_000;
const NOW = Date.parse("2026-11-24T08:15:00Z");
const EVALUATED = Date.parse("2026-11-24T07:00:00Z");
const metric = (bucket: string): MetricIdentity => ({
  namespace: "AWS/S3",
  metricName: "BytesDownloaded",
  dimensions: { BucketName: bucket, FilterId: "EntireBucket" },
  stat: "Sum",
});
const series = (bucket: string, burst: boolean) => {
  const points = syntheticSeries({
    start: EVALUATED - 800 * HOUR,
    periods: 801,
    periodSeconds: 3600,
    base: 1e9,
    noise: 0.05,
    seed: bucket.length,
  });
  return seriesFrom(metric(bucket), 3600, burst ? withBurst(points, EVALUATED, 1, 10) : points);
};

function capture(): CliIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (l) => stdout.push(l), err: (l) => stderr.push(l) };
}

function deps(source: FakeMetricSource): DetectDeps {
  return {
    source,
    notifier: new MemoryNotifier(),
    config: parseConfig({ detection: { metricSets: [{ name: "egress", builtin: "egress" }] } })
      .detection,
    clock: () => NOW,
    region: "us-east-1",
    logger: { info: vi.fn(), warn: vi.fn(), error: vi.fn() },
  };
}

describe("vigil detect", () => {
  it("prints a table of anomalies with their why, and exit code 0", async () => {
    const io = capture();
    const code = await runDetectCommand({}, io, async () =>
      deps(new FakeMetricSource([series("quiet", false), series("exfil", true)])),
    );
    expect(code).toBe(0);
    const text = io.stdout.join("\n");
    expect(text).toMatch(
      /set\s+metric\s+status\s+severity\s+observed\s+expected\s+sigma\s+z\s+alert/,
    );
    expect(text).toContain("BucketName=exfil");
    expect(text).not.toContain("BucketName=quiet");
    expect(text).toMatch(
      /- AWS\/S3 BytesDownloaded BucketName=exfil FilterId=EntireBucket: observed/,
    );
    expect(text).toMatch(/2 metrics evaluated, 1 anomalous/);
  });

  it("prints the whole report as JSON with --json", async () => {
    const io = capture();
    await runDetectCommand({ json: true }, io, async () =>
      deps(new FakeMetricSource([series("exfil", true)])),
    );
    const report = JSON.parse(io.stdout.join("\n"));
    expect(report.results[0].verdict).toMatchObject({
      status: "anomalous",
      observed: expect.any(Number),
      z: expect.any(Number),
    });
    expect(report.partialFailure).toBe(false);
  });

  it("exits 1 on partial failure and names the metric that was not evaluated", async () => {
    const source = new FakeMetricSource([series("a", false), series("b", false)]);
    source.failing.set(
      "AWS/S3|BytesDownloaded|BucketName=b,FilterId=EntireBucket|Sum",
      "AccessDenied: no",
    );
    const io = capture();
    expect(await runDetectCommand({}, io, async () => deps(source))).toBe(1);
    expect(io.stdout.join("\n")).toMatch(
      /! egress AWS\/S3 BytesDownloaded BucketName=b FilterId=EntireBucket not evaluated: AccessDenied: no/,
    );
    expect(io.stdout.join("\n")).toMatch(/PARTIAL FAILURE/);
  });

  it("exits 2 on a bad config, with the message", async () => {
    const io = capture();
    const code = await runDetectCommand({}, io, async () => {
      throw new ConfigError("invalid vigil.config.yaml:\ndetection.defaults.k: Too small");
    });
    expect(code).toBe(2);
    expect(io.stderr.join("\n")).toContain("detection.defaults.k: Too small");
  });

  it("sends no alert unless --notify: a manual re-run never pages an announced episode again", async () => {
    const quiet = deps(new FakeMetricSource([series("exfil", true)]));
    const io = capture();
    expect(await runDetectCommand({}, io, async () => quiet)).toBe(0);
    expect((quiet.notifier as MemoryNotifier).sent).toHaveLength(0);
    expect(io.stdout.join("\n")).toContain("no notification sent (--notify sends them)");

    const loud = deps(new FakeMetricSource([series("exfil", true)]));
    expect(await runDetectCommand({ notify: true }, capture(), async () => loud)).toBe(0);
    expect((loud.notifier as MemoryNotifier).sent.length).toBeGreaterThan(0);
  });

  it("a metric set name that is not configured exits 2 before reading anything", async () => {
    const source = new FakeMetricSource([series("exfil", true)]);
    const io = capture();
    const code = await runDetectCommand({ metricSets: ["egres"] }, io, async () => deps(source));
    expect(code).toBe(2);
    expect(io.stderr.join("\n")).toContain('unknown metric set "egres" (configured: egress)');
    expect(io.stdout).toEqual([]);
  });

  it('says "nothing evaluated", never "no anomaly", when no metric could be read', async () => {
    const source = new FakeMetricSource([series("a", false)]);
    source.failing.set(
      "AWS/S3|BytesDownloaded|BucketName=a,FilterId=EntireBucket|Sum",
      "CredentialsProviderError: Could not load credentials from any providers",
    );
    const io = capture();
    expect(await runDetectCommand({}, io, async () => deps(source))).toBe(1);
    const text = io.stdout.join("\n");
    expect(text).toContain("Nothing evaluated: 1 metric(s) could not be read");
    expect(text).not.toContain("No anomaly");
  });
});
