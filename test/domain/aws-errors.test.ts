import { describe, expect, it } from "vitest";
import { isTransientAwsError } from "../../src/domain/aws-errors.ts";

const err = (name: string, extra: Record<string, unknown> = {}) =>
  Object.assign(new Error("x"), { name, ...extra });

describe("isTransientAwsError", () => {
  it("retries throttling, 5xx, timeouts, dropped connections and SDK-retryable errors", () => {
    for (const name of [
      "ThrottlingException",
      "Throttling",
      "SlowDown",
      "ServiceUnavailable",
      "TimeoutError",
      "IDPCommunicationError",
    ]) {
      expect(isTransientAwsError(err(name)), name).toBe(true);
    }
    expect(isTransientAwsError(err("Unknown", { $metadata: { httpStatusCode: 503 } }))).toBe(true);
    expect(isTransientAwsError(err("Unknown", { $metadata: { httpStatusCode: 429 } }))).toBe(true);
    expect(isTransientAwsError(err("Error", { code: "ECONNRESET" }))).toBe(true);
    expect(isTransientAwsError(err("Whatever", { $retryable: {} }))).toBe(true);
    expect(isTransientAwsError(Object.assign(new Error("Rate exceeded"), { name: "Other" }))).toBe(
      true,
    );
  });

  it("does not retry what would fail again", () => {
    for (const name of [
      "AccessDenied",
      "AccessDeniedException",
      "NoSuchBucket",
      "NoSuchEntity",
      "ValidationError",
      "InvalidParameterValue",
    ]) {
      expect(isTransientAwsError(err(name, { $metadata: { httpStatusCode: 400 } })), name).toBe(
        false,
      );
    }
    expect(isTransientAwsError(null)).toBe(false);
    expect(isTransientAwsError("ThrottlingException")).toBe(false);
  });
});
