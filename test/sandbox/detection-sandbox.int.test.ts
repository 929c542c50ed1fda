import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runDetectionSandbox } from "../../sandbox/run-sandbox.ts";
import { motoEndpoint, resetMoto } from "../support/moto.ts";

const endpoint = motoEndpoint();

describe.skipIf(!endpoint)("npm start: the detection sandbox", () => {
  const savedEnv = { ...process.env };
  beforeAll(async () => resetMoto(endpoint as string));
  afterAll(() => {
    process.env = savedEnv;
  });

  it("flags exactly the injected burst and storm through the real handler, and one digest lists both", async () => {
    const lines: string[] = [];
    const io = { out: (l: string) => lines.push(l), err: (l: string) => lines.push(l) };
    const result = await runDetectionSandbox(
      endpoint as string,
      io,
      Date.parse("2026-11-24T08:15:00Z"),
    );
    expect(result.ok).toBe(true);
    expect(result.detect.anomalies?.map((a) => a.metric).sort()).toEqual([
      "AWS/S3 BytesDownloaded BucketName=vigil-demo-analytics FilterId=EntireBucket",
      "AWS/Usage CallCount Class=None Resource=ListAccessKeys Service=IAM Type=API",
    ]);
    for (const subject of result.snsSubjects) expect(subject.length).toBeLessThanOrEqual(100);
    expect(result.snsSubjects.filter((s) => s.includes(" digest: "))).toEqual([
      "[Vigil CRITICAL] 123456789012 us-east-1 digest: 2 new, 0 escalated, 0 resolved",
    ]);
    expect(lines.join("\n")).toContain("Most urgent first (severity, then |z|, then impact):");
    // As in a deployed stack, the runbook link is absolute (a relative path is not clickable).
    expect(lines.join("\n")).toMatch(
      /Runbook: https:\/\/\S+\/docs\/oncall-runbook\.md#anomaly-new-episode/,
    );
    expect(lines.join("\n")).not.toMatch(/Runbook: docs\//);
    expect(lines.join("\n")).toContain(
      "OK: Vigil flagged exactly the 2 injected anomalies and sent one digest listing them.",
    );
    // The whole detection sandbox (seeding 8 metrics, a real detect run): ~5 s idle, but past the
    // 30 s default on a loaded 2-core machine.
  }, 120_000);
});
