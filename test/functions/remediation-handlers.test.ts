import { IAMClient, ListPoliciesCommand, ListUsersCommand } from "@aws-sdk/client-iam";
import { S3Client } from "@aws-sdk/client-s3";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { STSClient } from "@aws-sdk/client-sts";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import * as onAccessAnalyzer from "../../functions/on-access-analyzer-finding.ts";
import * as onConfig from "../../functions/on-config-compliance-change.ts";
import { awsError, fakeRemediation, type SampleName, sample } from "../usecases/fakes.ts";
import { handlerApp, mutatingCommands, TOPIC } from "./support.ts";

const s3Mock = mockClient(S3Client);
const iamMock = mockClient(IAMClient);
const snsMock = mockClient(SNSClient);
const stsMock = mockClient(STSClient);
const allMocks = () => [s3Mock, iamMock, snsMock, stsMock];

const ALL_KINDS = [
  "s3-encryption",
  "s3-public-access",
  "iam-risky-policy",
  "iam-external-trust",
] as const;

async function withApp(options: Parameters<typeof fakeRemediation>[0] = {}) {
  const remediation = fakeRemediation({ kinds: [...ALL_KINDS], ...options });
  const built = await handlerApp([remediation]);
  onConfig.setRemediationApp(built.app);
  onAccessAnalyzer.setRemediationApp(built.app);
  return { remediation, ...built };
}

const published = () => snsMock.commandCalls(PublishCommand).map((c) => c.args[0].input);

beforeEach(() => {
  for (const m of allMocks()) m.reset();
  snsMock.on(PublishCommand).resolves({ MessageId: "m-1" });
  iamMock.on(ListPoliciesCommand).resolves({
    Policies: [
      {
        PolicyId: "ANPAEXAMPLEPOLICYID01",
        PolicyName: "too-broad",
        Arn: "arn:aws:iam::123456789012:policy/too-broad",
      },
    ],
  });
  iamMock.on(ListUsersCommand).resolves({
    Users: [
      {
        UserId: "AIDAEXAMPLEUSERID0001",
        UserName: "etl-bot",
        Arn: "arn:aws:iam::123456789012:user/etl-bot",
        Path: "/",
        CreateDate: new Date(),
      },
    ],
  });
});
afterEach(() => {
  onConfig.setRemediationApp(undefined);
  onAccessAnalyzer.setRemediationApp(undefined);
  vi.restoreAllMocks();
});

describe("sample events through the handlers (fake remediation, enforce)", () => {
  it.each<[SampleName, typeof onConfig.handler, string]>([
    ["config-s3-encryption-noncompliant", onConfig.handler, "arn:aws:s3:::acme-raw-landing-prod"],
    ["config-s3-public-access-noncompliant", onConfig.handler, "arn:aws:s3:::acme-curated-exports"],
    [
      "config-iam-admin-policy-noncompliant",
      onConfig.handler,
      "arn:aws:iam::123456789012:policy/too-broad",
    ],
    [
      "config-iam-user-policies-noncompliant",
      onConfig.handler,
      "arn:aws:iam::123456789012:user/etl-bot",
    ],
    ["access-analyzer-s3-public", onAccessAnalyzer.handler, "arn:aws:s3:::acme-curated-exports"],
    [
      "access-analyzer-iam-role-external",
      onAccessAnalyzer.handler,
      "arn:aws:iam::123456789012:role/etl-cross-account-reader",
    ],
  ])("%s → remediated and told", async (name, handler, arn) => {
    const { remediation, journal } = await withApp();
    const event = sample(name);
    const result = await handler(event);
    expect(result).toMatchObject({
      ok: true,
      eventId: event.id,
      outcome: "applied",
      journalId: "j1",
    });
    expect(remediation.calls.map((c) => [c.phase, c.resourceArn])).toEqual([
      ["plan", arn],
      ["apply", arn],
      ["verify", arn],
    ]);
    expect((await journal.get("j1"))?.eventId).toBe(event.id);
    expect(published()).toEqual([
      expect.objectContaining({
        TopicArn: TOPIC,
        Subject: expect.stringMatching(/^\[Vigil INFO\] fixed: /),
      }),
    ]);

    // The same event delivered again: a duplicate, nothing changed, nobody told twice.
    const again = await handler(event);
    expect(again).toMatchObject({
      ok: true,
      outcome: "duplicate",
      reason: "already handled by journal record j1",
    });
    expect(remediation.calls.filter((c) => c.phase === "apply")).toHaveLength(1);
    expect(published()).toHaveLength(1);
  });

  it.each<[SampleName, typeof onConfig.handler, RegExp, boolean]>([
    ["config-s3-encryption-compliant-again", onConfig.handler, /COMPLIANT/, true],
    ["access-analyzer-archived", onAccessAnalyzer.handler, /ARCHIVED/, true],
    ["access-analyzer-error-finding", onAccessAnalyzer.handler, /ACCESS_DENIED/, false],
    ["config-s3-encryption-not-applicable", onConfig.handler, /NOT_APPLICABLE/, true],
  ])("%s → no change", async (name, handler, reason, resolves) => {
    const { remediation, journal } = await withApp();
    const result = await handler(sample(name));
    expect(result).toMatchObject({
      ok: true,
      outcome: "ignored",
      reason: expect.stringMatching(reason),
    });
    expect(remediation.calls).toEqual([]);
    expect(journal.records.size).toBe(0);
    expect(mutatingCommands(...allMocks())).toEqual([]);
    expect(published()).toEqual(
      resolves
        ? [
            expect.objectContaining({
              MessageAttributes: expect.objectContaining({
                action: { DataType: "String", StringValue: "resolve" },
              }),
            }),
          ]
        : [],
    );
  });
});

it("an error finding is told at WARN, never ERROR (the error-log alarm would page)", async () => {
  const { logger } = await withApp();
  const errored = vi.spyOn(onAccessAnalyzer.logger, "error").mockImplementation(() => {});
  const result = await onAccessAnalyzer.handler(sample("access-analyzer-error-finding"));
  expect(result).toMatchObject({ ok: true, outcome: "ignored" });
  expect(errored).not.toHaveBeenCalled();
  expect(logger.error).not.toHaveBeenCalled();
  expect(logger.warn).toHaveBeenCalledWith(
    "finding ignored",
    expect.objectContaining({ reason: expect.stringMatching(/ACCESS_DENIED/) }),
  );
});

describe("malformed or unexpected events", () => {
  const malformed: Array<[string, typeof onConfig.handler, () => unknown]> = [
    [
      "Config event without resourceId",
      onConfig.handler,
      () => {
        const e = sample("config-s3-encryption-noncompliant");
        delete e.detail.resourceId;
        return e;
      },
    ],
    [
      "Access Analyzer event to the Config function",
      onConfig.handler,
      () => sample("access-analyzer-s3-public"),
    ],
    [
      "Config event to the Access Analyzer function",
      onAccessAnalyzer.handler,
      () => sample("config-s3-public-access-noncompliant"),
    ],
    [
      "Access Analyzer event with a bad status",
      onAccessAnalyzer.handler,
      () => {
        const e = sample("access-analyzer-s3-public");
        e.detail.status = "SOMETHING";
        return e;
      },
    ],
    ["null", onConfig.handler, () => null],
    ["a string", onAccessAnalyzer.handler, () => "hello"],
  ];

  it.each(malformed)(
    "%s: logged with the event id, zero AWS calls, returns without throwing",
    async (_name, handler, make) => {
      const { remediation, journal } = await withApp();
      const module = handler === onConfig.handler ? onConfig : onAccessAnalyzer;
      const logged = vi.spyOn(module.logger, "error").mockImplementation(() => {});
      const event = make();
      const result = await handler(event);
      expect(result).toMatchObject({ ok: false, error: expect.stringMatching(/^invalid event: /) });
      const id = (event as { id?: string } | null)?.id;
      expect(logged).toHaveBeenCalledWith(
        "event rejected",
        expect.objectContaining({ eventId: id }),
      );
      expect(mutatingCommands(...allMocks())).toEqual([]);
      for (const m of allMocks()) expect(m.calls()).toHaveLength(0);
      expect(remediation.calls).toEqual([]);
      expect(journal.records.size).toBe(0);
    },
  );

  it.each<SampleName>(["aws-doc-internal-access-finding", "aws-doc-access-preview-state-change"])(
    "AWS's documented %s: one 'unsupported detail-type' reason at WARN, nothing built",
    async (name) => {
      const warned = vi.spyOn(onAccessAnalyzer.logger, "warn").mockImplementation(() => {});
      const errored = vi.spyOn(onAccessAnalyzer.logger, "error").mockImplementation(() => {});
      const event = sample(name);
      const result = await onAccessAnalyzer.handler(event);
      expect(result).toEqual({
        ok: false,
        eventId: event.id,
        error: `unsupported detail-type "${event["detail-type"]}" from aws.access-analyzer: Vigil handles "Access Analyzer Finding" and "Unused Access Finding for IAM entities" only`,
      });
      expect(warned).toHaveBeenCalledWith(
        "event not handled",
        expect.objectContaining({ decision: "unsupported", eventId: event.id }),
      );
      expect(errored).not.toHaveBeenCalled();
      for (const m of allMocks()) expect(m.calls()).toHaveLength(0);
    },
  );

  it("does not even build dependencies for a malformed event", async () => {
    vi.spyOn(onConfig.logger, "error").mockImplementation(() => {});
    const result = await onConfig.handler({ id: "x", source: "aws.config" });
    expect(result).toMatchObject({ ok: false, eventId: "x" });
    expect(stsMock.calls()).toHaveLength(0);
  });
});

describe("errors", () => {
  it("a transient AWS error is thrown so Lambda retries", async () => {
    await withApp({ planError: awsError("ThrottlingException", 400, { $retryable: {} }) });
    vi.spyOn(onConfig.logger, "warn").mockImplementation(() => {});
    await expect(onConfig.handler(sample("config-s3-encryption-noncompliant"))).rejects.toThrow(
      "ThrottlingException",
    );
  });

  it("a permanent error is a failed outcome: returned, alerted, not thrown", async () => {
    await withApp({ applyError: { index: 0, error: awsError("AccessDenied", 403) } });
    const result = await onConfig.handler(sample("config-s3-encryption-noncompliant"));
    expect(result).toMatchObject({ ok: false, outcome: "failed" });
    expect(published()[0]?.Subject).toMatch(/^\[Vigil CRITICAL\] remediation FAILED/);
  });

  it("intake errors: transient → thrown; permanent → returned", async () => {
    await withApp();
    vi.spyOn(onConfig.logger, "warn").mockImplementation(() => {});
    const logged = vi.spyOn(onConfig.logger, "error").mockImplementation(() => {});
    iamMock.on(ListUsersCommand).rejects(awsError("Throttling", 400, { $retryable: {} }));
    await expect(onConfig.handler(sample("config-iam-user-policies-noncompliant"))).rejects.toThrow(
      "Throttling",
    );

    iamMock.on(ListUsersCommand).rejects(awsError("AccessDenied", 403));
    const result = await onConfig.handler(sample("config-iam-user-policies-noncompliant"));
    expect(result).toMatchObject({ ok: false, error: "AccessDenied: AccessDenied happened" });
    expect(logged).toHaveBeenCalledWith(
      "event not handled",
      expect.objectContaining({ eventId: "c8f2d3e4-5a6b-4c7d-9e8f-0a1b2c3d4e5f" }),
    );
  });

  it("a config that cannot be loaded fails loudly at start (thrown, rebuilt next time)", async () => {
    onConfig.setRemediationApp(undefined);
    vi.spyOn(onConfig.logger, "error").mockImplementation(() => {});
    vi.stubEnv("VIGIL_CONFIG", "test/fixtures/does-not-exist.yaml");
    await expect(
      onConfig.handler(sample("config-s3-encryption-noncompliant"), {
        invokedFunctionArn: "arn:aws:lambda:us-east-1:123456789012:function:vigil-dev-onConfig",
      }),
    ).rejects.toThrow(/cannot read config file/);
    vi.unstubAllEnvs();
  });
});
