import { describe, expect, it } from "vitest";
import { handleIntakeResult } from "../../src/usecases/handle-intake-result.ts";
import { awsError, logLines, makeFinding } from "./fakes.ts";
import { setup } from "./runner-support.ts";

describe("handleIntakeResult", () => {
  it("an ignored event that cleared a resource resolves its incident", async () => {
    const { deps } = setup();
    const cleared = {
      account: "123456789012",
      region: "eu-west-1",
      resourceId: "b",
      rule: "r",
      why: "compliant again",
    };
    const result = await handleIntakeResult(deps, {
      ignored: true,
      reason: "COMPLIANT",
      eventId: "e",
      cleared,
    });
    expect(result).toEqual({ ok: true, eventId: "e", outcome: "ignored", reason: "COMPLIANT" });
    expect(deps.notifier.sent).toEqual([
      expect.objectContaining({
        action: "resolve",
        dedupKey: "vigil:remediation:123456789012/eu-west-1/b/r",
      }),
    ]);
  });

  it("an event refused as untrusted (a custom rule under a managed name) pages, changes nothing", async () => {
    const { deps, remediation } = setup();
    const refused = {
      account: "123456789012",
      region: "eu-west-1",
      resourceId: "b",
      rule: "s3-bucket-public-read-prohibited",
      why: "owned by CUSTOM_LAMBDA, not AWS",
    };
    const result = await handleIntakeResult(deps, {
      ignored: true,
      reason: refused.why,
      eventId: "e",
      refused,
    });
    expect(result).toMatchObject({ ok: true, outcome: "ignored" });
    expect(deps.notifier.sent).toEqual([
      expect.objectContaining({
        action: "trigger",
        severity: "critical",
        subject: expect.stringContaining("untrusted finding refused"),
      }),
    ]);
    expect(remediation.calls).toEqual([]);
  });

  it("a finding goes through the runner; failures are not ok", async () => {
    const { deps } = setup({ applyError: { index: 0, error: awsError("AccessDenied", 403) } });
    const result = await handleIntakeResult(deps, makeFinding());
    expect(result).toMatchObject({
      ok: false,
      outcome: "failed",
      findingId: "finding-1",
      journalId: "j1",
    });
  });

  it.each([
    ["refused", "refusal notification not delivered"],
    ["cleared", "resolve notification not delivered"],
  ] as const)(
    "a %s event whose message is lost is still handled; the loss is logged at ERROR",
    async (field, message) => {
      const { deps } = setup();
      deps.notifier.notify = async () => {
        throw awsError("InternalError", 500);
      };
      const resource = {
        account: "123456789012",
        region: "eu-west-1",
        resourceId: "b",
        rule: "r",
        why: "why",
      };
      const result = await handleIntakeResult(deps, {
        ignored: true,
        reason: "why",
        eventId: "e",
        [field]: resource,
      });
      expect(result).toEqual({ ok: true, eventId: "e", outcome: "ignored", reason: "why" });
      expect(logLines(deps.logger)).toEqual([
        expect.objectContaining({
          level: "error",
          message,
          attributes: expect.objectContaining({ eventId: "e" }),
        }),
      ]);
    },
  );
});
