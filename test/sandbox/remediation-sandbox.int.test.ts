import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runRemediationSandbox } from "../../sandbox/remediation-demo.ts";
import { motoEndpoint, resetMoto } from "../support/moto.ts";

const endpoint = motoEndpoint();

describe.skipIf(!endpoint)("npm start: the remediation sandbox", () => {
  const savedEnv = { ...process.env };
  beforeAll(async () => resetMoto(endpoint as string));
  afterAll(() => {
    process.env = savedEnv;
  });

  it("fixes, exempts, alerts on the website bucket, ignores the archived finding and undoes one change", async () => {
    const lines: string[] = [];
    const result = await runRemediationSandbox(endpoint as string, {
      out: (l) => lines.push(l),
      err: (l) => lines.push(l),
    });
    expect(lines.filter((l) => l.includes("✗"))).toEqual([]);
    expect(result.ok).toBe(true);
    expect(Object.values(result.outcomes)).toEqual([
      "applied",
      "applied",
      "exempt",
      "intentionally-public",
      "applied",
      "applied",
      "applied",
      "applied",
      "applied",
      "ignored",
    ]);
    expect(result.snsSubjects).toContainEqual(
      expect.stringMatching(/^\[Vigil INFO\] undone: s3-encryption on acme-raw-landing-prod/),
    );
    // What pages nobody came in the hourly digest (the handlers only journaled it), once.
    expect(result.snsSubjects.filter((s) => s.includes("remediation digest"))).toEqual([
      expect.stringMatching(
        /^\[Vigil WARNING\] 123456789012 eu-west-1 remediation digest: .*1 exempt/,
      ),
    ]);
    expect(lines.join("\n")).toContain("acme-raw-landing-prod encryption is back to: AES256");
    // The resource-policy scenes: the outsider's statement gone, the owner's kept.
    expect(lines).toContain(
      "      after:  acme-ingest-events queue policy statements [OwnAccount]",
    );
    expect(lines).toContain("      after:  key policy statements [OwnAccount]");
    // The snapshot scene: shared with everyone before, with no one after.
    expect(lines).toContain("      before: snapshot shared with [all]");
    expect(lines).toContain("      after:  snapshot shared with []");
  });
});
