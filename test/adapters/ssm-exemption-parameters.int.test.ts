import { PutParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { beforeEach, describe, expect, it } from "vitest";
import { SsmExemptionParameters } from "../../src/adapters/ssm-exemption-parameters.ts";
import { remediateFinding } from "../../src/usecases/remediate-finding.ts";
import { motoClientConfig, motoEndpoint, resetMoto } from "../support/moto.ts";
import { fakeRemediation, makeFinding, testDeps } from "../usecases/fakes.ts";

const endpoint = motoEndpoint();

describe.skipIf(!endpoint)("SSM exemption parameters against moto (issue 14 item 3a)", () => {
  const ssm = new SSMClient(motoClientConfig(endpoint as string));
  const put = (Name: string, Value: string, Type: "String" | "SecureString" = "String") =>
    ssm.send(new PutParameterCommand({ Name, Value, Type, Overwrite: true }));

  beforeEach(async () => {
    await resetMoto(endpoint as string);
  });

  it("entries under the path exempt their resources; invalid ones are ignored and told; other paths are not read", async () => {
    await put(
      "/vigil/exemptions/site",
      JSON.stringify({
        resource: "arn:aws:s3:::acme-public-site",
        reason: "public website",
        approver: "sec-team (SEC-42)",
        until: "2026-12-31",
      }),
    );
    await put(
      "/vigil/exemptions/team/everything",
      JSON.stringify({ resource: "arn:aws:s3:::*", reason: "temporary" }),
    );
    // SecureString values are not decrypted: such an entry cannot be read as one.
    await put(
      "/vigil/exemptions/secret",
      JSON.stringify({
        resource: "arn:aws:s3:::acme-raw-landing-prod",
        reason: "r",
        approver: "a",
        until: "2026-12-31",
      }),
      "SecureString",
    );
    await put(
      "/vigil/exemptions-other/landing",
      JSON.stringify({
        resource: "arn:aws:s3:::acme-raw-landing-prod",
        reason: "outside the path",
        approver: "nobody",
        until: "2026-12-31",
      }),
    );
    const deps = {
      ...testDeps([fakeRemediation()]),
      exemptionParameters: new SsmExemptionParameters({ ssm, path: "/vigil/exemptions" }),
    };

    const site = await remediateFinding(
      deps,
      makeFinding({
        id: "f-site",
        resourceArn: "arn:aws:s3:::acme-public-site",
        resourceId: "acme-public-site",
        resourceName: "acme-public-site",
      }),
    );
    expect(site.outcome).toBe("exempt");
    expect(site.reason).toMatch(/SSM \/vigil\/exemptions\/site/);

    const landing = await remediateFinding(deps, makeFinding({ id: "f-landing" }));
    expect(landing.outcome).toBe("applied");

    const told = deps.notifier.sent
      .filter((n) => n.subject.includes("exemption source"))
      .map((n) => String(n.details.problem))
      .sort();
    expect(told).toEqual([
      expect.stringMatching(/^entry \/vigil\/exemptions\/secret ignored: not a JSON object/),
      expect.stringMatching(/^entry \/vigil\/exemptions\/team\/everything ignored: approver/),
    ]);
  });
});
