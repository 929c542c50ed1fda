import { describe, expect, it } from "vitest";
import { configComplianceChangeEventSchema } from "../../src/events/config-compliance-change.ts";
import { type SampleName, sample } from "../usecases/fakes.ts";

const CONFIG_SAMPLES: SampleName[] = [
  "config-iam-admin-policy-noncompliant",
  "config-iam-user-policies-noncompliant",
  "config-s3-encryption-compliant-again",
  "config-s3-encryption-noncompliant",
  "config-s3-public-access-noncompliant",
];

describe("Config Rules Compliance Change schema", () => {
  it.each(CONFIG_SAMPLES)("accepts the sample %s", (name) => {
    const parsed = configComplianceChangeEventSchema.parse(sample(name));
    expect(parsed.source).toBe("aws.config");
    expect(parsed.detail.awsAccountId).toBe("123456789012");
  });

  it("keeps fields it does not validate (lenient)", () => {
    const event = sample("config-s3-encryption-noncompliant");
    event.detail.somethingNew = { nested: true };
    const parsed = configComplianceChangeEventSchema.parse(event);
    expect((parsed.detail as Record<string, unknown>).somethingNew).toEqual({ nested: true });
  });

  it("accepts an event without oldEvaluationResult (first evaluation)", () => {
    const event = sample("config-s3-encryption-noncompliant");
    delete event.detail.oldEvaluationResult;
    expect(configComplianceChangeEventSchema.safeParse(event).success).toBe(true);
  });

  it.each<[string, (e: ReturnType<typeof sample>) => void, RegExp]>([
    [
      "wrong source",
      (e) => {
        e.source = "aws.s3";
      },
      /source/,
    ],
    [
      "wrong detail-type",
      (e) => {
        e["detail-type"] = "Config Configuration Item Change";
      },
      /detail-type/,
    ],
    [
      "missing resourceId",
      (e) => {
        delete e.detail.resourceId;
      },
      /detail\.resourceId/,
    ],
    [
      "empty rule name",
      (e) => {
        e.detail.configRuleName = "";
      },
      /detail\.configRuleName/,
    ],
    [
      "bad account",
      (e) => {
        e.detail.awsAccountId = "12345";
      },
      /detail\.awsAccountId/,
    ],
    [
      "bad region",
      (e) => {
        e.detail.awsRegion = "Ireland";
      },
      /detail\.awsRegion/,
    ],
    [
      "unknown compliance type",
      (e) => {
        (e.detail.newEvaluationResult as Record<string, unknown>).complianceType = "BROKEN";
      },
      /newEvaluationResult\.complianceType/,
    ],
    [
      "no evaluation",
      (e) => {
        delete e.detail.newEvaluationResult;
      },
      /newEvaluationResult/,
    ],
    [
      "bad recorded time",
      (e) => {
        (e.detail.newEvaluationResult as Record<string, unknown>).resultRecordedTime = "yesterday";
      },
      /resultRecordedTime/,
    ],
    [
      "no id",
      (e) => {
        delete (e as Record<string, unknown>).id;
      },
      /id/,
    ],
  ])("rejects %s", (_name, mutate, path) => {
    const event = sample("config-s3-encryption-noncompliant");
    mutate(event);
    const result = configComplianceChangeEventSchema.safeParse(event);
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.path.join(".")).join(" ")).toMatch(path);
  });
});
