import {
  GenerateServiceLastAccessedDetailsCommand,
  GetServiceLastAccessedDetailsCommand,
  IAMClient,
  IAMServiceException,
} from "@aws-sdk/client-iam";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { readLastUsed } from "../../../src/remediations/iam/last-accessed.ts";

const iamMock = mockClient(IAMClient);
const iam = new IAMClient({ region: "us-east-1" });
const ARN = "arn:aws:iam::123456789012:user/alice";
const noSleep = async () => {};

describe("service last accessed report (aws-sdk-client-mock: moto lacks the API)", () => {
  beforeEach(() => {
    iamMock.reset();
    iamMock.on(GenerateServiceLastAccessedDetailsCommand).resolves({ JobId: "job-1" });
  });
  afterEach(() => iamMock.reset());

  it("polls until COMPLETED and reads every page", async () => {
    const at = new Date("2026-12-01T10:00:00Z");
    iamMock
      .on(GetServiceLastAccessedDetailsCommand)
      .resolvesOnce({ JobStatus: "IN_PROGRESS" })
      .resolvesOnce({
        JobStatus: "COMPLETED",
        IsTruncated: true,
        Marker: "m1",
        ServicesLastAccessed: [
          { ServiceNamespace: "s3", ServiceName: "S3", LastAuthenticated: at },
        ],
      })
      .resolvesOnce({
        JobStatus: "COMPLETED",
        ServicesLastAccessed: [{ ServiceNamespace: "iam", ServiceName: "IAM" }],
      });
    expect(await readLastUsed(iam, ARN, 10_000, noSleep)).toEqual({
      ok: true,
      services: [
        { service: "s3", lastAuthenticated: at.toISOString() },
        { service: "iam", lastAuthenticated: null },
      ],
    });
    expect(iamMock).toHaveReceivedCommandWith(GenerateServiceLastAccessedDetailsCommand, {
      Arn: ARN,
      Granularity: "SERVICE_LEVEL",
    });
    expect(iamMock).toHaveReceivedNthCommandWith(GetServiceLastAccessedDetailsCommand, 3, {
      JobId: "job-1",
      Marker: "m1",
    });
  });

  it("gives up after the bounded wait and says so", async () => {
    iamMock.on(GetServiceLastAccessedDetailsCommand).resolves({ JobStatus: "IN_PROGRESS" });
    const evidence = await readLastUsed(iam, ARN, 50);
    expect(evidence).toEqual({ ok: false, why: "report not ready within 0.05 s" });
    // 50 ms with a poll every 10 ms: a handful of reads, never an endless loop.
    const polls = iamMock.commandCalls(GetServiceLastAccessedDetailsCommand).length;
    expect(polls).toBeGreaterThan(0);
    expect(polls).toBeLessThanOrEqual(6);
  });

  it("a FAILED job or a refused call is no evidence, never an error", async () => {
    iamMock
      .on(GetServiceLastAccessedDetailsCommand)
      .resolves({ JobStatus: "FAILED", Error: { Code: "x", Message: "internal" } });
    expect(await readLastUsed(iam, ARN, 1_000, noSleep)).toEqual({
      ok: false,
      why: "report failed: internal",
    });
    iamMock.on(GenerateServiceLastAccessedDetailsCommand).rejects(
      new IAMServiceException({
        name: "AccessDenied",
        $fault: "client",
        $metadata: { httpStatusCode: 403 },
        message: "not allowed",
      }),
    );
    expect(await readLastUsed(iam, ARN, 1_000, noSleep)).toEqual({
      ok: false,
      why: "AccessDenied: not allowed",
    });
  });
});
