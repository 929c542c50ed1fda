import { GetParametersByPathCommand, SSMClient } from "@aws-sdk/client-ssm";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, describe, expect, it } from "vitest";
import { SsmExemptionParameters } from "../../src/adapters/ssm-exemption-parameters.ts";
import type { ExemptionParameter } from "../../src/ports/exemption-parameters.ts";
import { remediateFinding } from "../../src/usecases/remediate-finding.ts";
import { awsError, fakeRemediation, logLines, makeFinding, testDeps } from "./fakes.ts";

const BUCKET = "arn:aws:s3:::acme-raw-landing-prod";
const entry = (overrides: Record<string, unknown> = {}) =>
  JSON.stringify({
    resource: BUCKET,
    reason: "public website",
    approver: "sec-team (SEC-42)",
    until: "2026-12-31",
    ...overrides,
  });

/** The runner with exemption parameters that answer `read` (or throw it). */
function setup(read: ExemptionParameter[] | Error) {
  const remediation = fakeRemediation();
  const deps = testDeps([remediation]);
  let reads = 0;
  const withParameters = {
    ...deps,
    exemptionParameters: {
      source: "SSM /vigil/exemptions",
      async read() {
        reads++;
        if (read instanceof Error) throw read;
        return read;
      },
    },
  };
  return { deps: withParameters, remediation, reads: () => reads };
}

describe("central exemptions from SSM (remediation.exemptions.ssmPath, issue 14 item 3a)", () => {
  it("a valid entry exempts its resource, naming the parameter it came from", async () => {
    const { deps, remediation } = setup([{ name: "/vigil/exemptions/site", value: entry() }]);
    const outcome = await remediateFinding(deps, makeFinding());
    expect(outcome.outcome).toBe("exempt");
    expect(outcome.reason).toMatch(
      /public website \(approved by sec-team \(SEC-42\), SSM \/vigil\/exemptions\/site\)/,
    );
    expect(remediation.calls.map((c) => c.phase)).toEqual(["plan"]);
  });

  it("an invalid entry is ignored (the resource is fixed), logged each time and told once", async () => {
    // No approver, no expiry, a glob matching every bucket: it must widen nothing.
    const bad = JSON.stringify({ resource: "arn:aws:s3:::*", reason: "temporary" });
    const { deps } = setup([
      { name: "/vigil/exemptions/all", value: bad },
      { name: "/vigil/exemptions/typo", value: "{resource: oops" },
    ]);
    const first = await remediateFinding(deps, makeFinding());
    expect(first.outcome).toBe("applied");
    const second = await remediateFinding(deps, makeFinding({ id: "finding-2" }));
    expect(second.outcome).toBe("applied");
    const told = deps.notifier.sent.filter((n) => n.subject.includes("exemption source"));
    expect(told.map((n) => n.body)).toEqual([
      expect.stringMatching(/entry \/vigil\/exemptions\/all ignored: approver: .*; until: /),
      expect.stringMatching(/entry \/vigil\/exemptions\/typo ignored: not a JSON object/),
    ]);
    expect(told.every((n) => n.severity === "warning")).toBe(true);
    const warnings = logLines(deps.logger).filter((l) => l.message === "exemption source problem");
    expect(warnings).toHaveLength(4);
  });

  it("unreadable SSM grants nothing (fail closed): the resource is fixed, a warning, told once a day", async () => {
    const { deps } = setup(awsError("AccessDeniedException", 400));
    const outcome = await remediateFinding(deps, makeFinding());
    expect(outcome.outcome).toBe("applied");
    await remediateFinding(deps, makeFinding({ id: "finding-2" }));
    const told = deps.notifier.sent.filter((n) => n.subject.includes("exemption source"));
    expect(told).toHaveLength(1);
    expect(told[0]?.body).toMatch(
      /SSM \/vigil\/exemptions: cannot be read \(AccessDeniedException/,
    );
    deps.advance(86_400_000);
    await remediateFinding(deps, makeFinding({ id: "finding-3" }));
    expect(deps.notifier.sent.filter((n) => n.subject.includes("exemption source"))).toHaveLength(
      2,
    );
  });

  it("the config file's list still counts next to SSM entries", async () => {
    const { deps } = setup([]);
    const config = {
      ...deps.config,
      exemptions: {
        ...deps.config.exemptions,
        list: [{ resource: BUCKET, reason: "in the file", approver: "sec", until: "2026-12-31" }],
      },
    };
    const outcome = await remediateFinding({ ...deps, config }, makeFinding());
    expect(outcome.outcome).toBe("exempt");
    expect(outcome.reason).toMatch(/in the file \(approved by sec\)/);
  });
});

describe("SsmExemptionParameters", () => {
  const ssm = mockClient(SSMClient);
  afterEach(() => {
    ssm.reset();
  });

  it("reads every page under the path, recursively, and caches for its TTL", async () => {
    ssm
      .on(GetParametersByPathCommand)
      .resolvesOnce({ Parameters: [{ Name: "/vigil/exemptions/a", Value: "A" }], NextToken: "t" })
      .resolvesOnce({ Parameters: [{ Name: "/vigil/exemptions/team/b", Value: "B" }] })
      .resolves({ Parameters: [] });
    let now = 0;
    const source = new SsmExemptionParameters({
      ssm: new SSMClient({}),
      path: "/vigil/exemptions",
      ttlMs: 60_000,
      clock: () => now,
    });
    const expected = [
      { name: "/vigil/exemptions/a", value: "A" },
      { name: "/vigil/exemptions/team/b", value: "B" },
    ];
    expect(await source.read()).toEqual(expected);
    now = 59_000;
    expect(await source.read()).toEqual(expected);
    expect(ssm).toHaveReceivedCommandTimes(GetParametersByPathCommand, 2);
    expect(ssm).toHaveReceivedCommandWith(GetParametersByPathCommand, {
      Path: "/vigil/exemptions",
      Recursive: true,
      WithDecryption: false,
    });
    now = 60_000;
    expect(await source.read()).toEqual([]);
    expect(ssm).toHaveReceivedCommandTimes(GetParametersByPathCommand, 3);
  });

  it("a failed read is not cached and throws (the caller grants nothing)", async () => {
    ssm
      .on(GetParametersByPathCommand)
      .rejectsOnce(awsError("ThrottlingException", 400))
      .resolves({ Parameters: [{ Name: "/p/a", Value: "A" }] });
    const source = new SsmExemptionParameters({ ssm: new SSMClient({}), path: "/p" });
    await expect(source.read()).rejects.toThrow(/ThrottlingException/);
    expect(await source.read()).toEqual([{ name: "/p/a", value: "A" }]);
  });
});
