import { describe, expect, it } from "vitest";
import { accessAnalyzerFindingEventSchema } from "../../src/events/access-analyzer-finding.ts";
import { type SampleName, sample } from "../usecases/fakes.ts";

const SAMPLES: SampleName[] = [
  "access-analyzer-archived",
  "access-analyzer-error-finding",
  "access-analyzer-iam-role-external",
  "access-analyzer-s3-public",
];

describe("Access Analyzer Finding schema", () => {
  it.each(SAMPLES)("accepts the sample %s", (name) => {
    const parsed = accessAnalyzerFindingEventSchema.parse(sample(name));
    expect(parsed.detail.accountId).toBe("123456789012");
    expect(parsed.detail.isDeleted).toBe(false);
  });

  it.each<SampleName>(["aws-doc-access-analyzer-finding", "aws-doc-access-analyzer-error-finding"])(
    "accepts AWS's documented sample %s",
    (name) => {
      const parsed = accessAnalyzerFindingEventSchema.parse(sample(name));
      expect(parsed.detail).toMatchObject({ accountId: "111122223333", region: "us-west-2" });
    },
  );

  it("reads AWS's error finding: no isPublic, no principal", () => {
    const parsed = accessAnalyzerFindingEventSchema.parse(
      sample("aws-doc-access-analyzer-error-finding"),
    );
    expect(parsed.detail.error).toBe("ACCESS_DENIED");
    expect(parsed.detail.isPublic).toBeUndefined();
    expect(parsed.detail.principal).toBeUndefined();
  });

  it("refuses a finding without isPublic unless it is an error finding", () => {
    const event = sample("access-analyzer-s3-public");
    delete event.detail.isPublic;
    const parsed = accessAnalyzerFindingEventSchema.safeParse(event);
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues).toEqual([
      expect.objectContaining({
        path: ["detail", "isPublic"],
        message: "required unless the finding is an error finding (detail.error)",
      }),
    ]);
  });

  it("reads the error finding without a principal", () => {
    const parsed = accessAnalyzerFindingEventSchema.parse(sample("access-analyzer-error-finding"));
    expect(parsed.detail.error).toBe("ACCESS_DENIED");
    expect(parsed.detail.principal).toBeUndefined();
  });

  it("defaults isDeleted to false and keeps unknown fields", () => {
    const event = sample("access-analyzer-s3-public");
    delete event.detail.isDeleted;
    event.detail.sources = [{ type: "POLICY" }];
    const parsed = accessAnalyzerFindingEventSchema.parse(event);
    expect(parsed.detail.isDeleted).toBe(false);
    expect((parsed.detail as Record<string, unknown>).sources).toEqual([{ type: "POLICY" }]);
  });

  it.each<[string, (e: ReturnType<typeof sample>) => void, RegExp]>([
    [
      "wrong source",
      (e) => {
        e.source = "aws.config";
      },
      /source/,
    ],
    [
      "wrong detail-type",
      (e) => {
        e["detail-type"] = "Unused Access Finding for IAM entities";
      },
      /detail-type/,
    ],
    [
      "unknown status",
      (e) => {
        e.detail.status = "OPEN";
      },
      /detail\.status/,
    ],
    [
      "resource not an ARN",
      (e) => {
        e.detail.resource = "acme-curated-exports";
      },
      /detail\.resource/,
    ],
    [
      "principal not a string map",
      (e) => {
        e.detail.principal = { AWS: ["*"] };
      },
      /detail\.principal/,
    ],
    [
      "isPublic not boolean",
      (e) => {
        e.detail.isPublic = "true";
      },
      /detail\.isPublic/,
    ],
    [
      "missing finding id",
      (e) => {
        delete e.detail.id;
      },
      /detail\.id/,
    ],
    [
      "bad account",
      (e) => {
        e.detail.accountId = "acme";
      },
      /detail\.accountId/,
    ],
    [
      "missing detail",
      (e) => {
        delete (e as Record<string, unknown>).detail;
      },
      /detail/,
    ],
  ])("rejects %s", (_name, mutate, path) => {
    const event = sample("access-analyzer-s3-public");
    mutate(event);
    const result = accessAnalyzerFindingEventSchema.safeParse(event);
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.path.join(".")).join(" ")).toMatch(path);
  });
});
