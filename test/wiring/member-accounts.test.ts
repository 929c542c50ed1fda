import { describe, expect, it } from "vitest";
import { awsClientConfig } from "../../src/adapters/aws-clients.ts";
import { memberAccountSetup } from "../../src/wiring/member-accounts.ts";

const env = { AWS_REGION: "eu-west-1" };
const setup = (purpose: "detection" | "remediation", extra: NodeJS.ProcessEnv = {}) =>
  memberAccountSetup({
    purpose,
    env: { ...env, ...extra },
    clientConfig: awsClientConfig({ ...env, ...extra }),
    allowedAccounts: ["222222222222"],
    homeAccount: "111111111111",
  });

describe("member-account setup, one for fan-out detection and remediation", () => {
  it("detection reads through VigilDetectionRole, remediation changes through VigilRemediationRole", async () => {
    const detection = await setup("detection");
    const remediation = await setup("remediation");
    expect(detection.homeAccount).toBe("111111111111");
    expect(detection.members.roleArn("222222222222")).toBe(
      "arn:aws:iam::222222222222:role/VigilDetectionRole",
    );
    expect(remediation.members.roleArn("222222222222")).toBe(
      "arn:aws:iam::222222222222:role/VigilRemediationRole",
    );
    expect(detection.members.isMember("222222222222")).toBe(true);
    expect(remediation.members.isMember("333333333333")).toBe(false);
  });

  it("each purpose's role name can be overridden on its own, in the partition of the region", async () => {
    const detection = await setup("detection", {
      AWS_REGION: "cn-north-1",
      VIGIL_MEMBER_DETECTION_ROLE_NAME: "ReadMetrics",
      VIGIL_MEMBER_ROLE_NAME: "FixThings",
    });
    const remediation = await setup("remediation", { VIGIL_MEMBER_ROLE_NAME: "FixThings" });
    expect(detection.members.roleArn("222222222222")).toBe(
      "arn:aws-cn:iam::222222222222:role/ReadMetrics",
    );
    expect(remediation.members.roleArn("222222222222")).toBe(
      "arn:aws:iam::222222222222:role/FixThings",
    );
  });
});
