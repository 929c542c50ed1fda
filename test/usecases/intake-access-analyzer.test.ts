import { describe, expect, it } from "vitest";
import { intakeAccessAnalyzerEvent } from "../../src/usecases/intake-access-analyzer.ts";
import { logLines, type SampleName, type sample } from "./fakes.ts";
import { aaEvent, deps, expectFinding, expectIgnored } from "./intake-support.ts";

type Source = { type: string; detail?: { accessPointArn: string } };
/** An S3 bucket finding's `sources` (how the access is granted), to edit in place. */
const sourcesOf = (e: ReturnType<typeof sample>) => e.detail.sources as Source[];

describe("intake: Access Analyzer finding", () => {
  it("access-analyzer-s3-public → s3-public-access", async () => {
    const finding = expectFinding(
      await intakeAccessAnalyzerEvent(deps().deps, aaEvent("access-analyzer-s3-public")),
    );
    expect(finding).toEqual({
      id: "9a8b7c6d-1111-4222-8333-444455556666",
      eventId: "3b9d2a10-8c7e-4f55-a1d2-6e4f8b0c2d93",
      source: "access-analyzer",
      account: "123456789012",
      region: "eu-west-1",
      resourceType: "AWS::S3::Bucket",
      resourceId: "arn:aws:s3:::acme-curated-exports",
      resourceArn: "arn:aws:s3:::acme-curated-exports",
      resourceName: "acme-curated-exports",
      rule: "access-analyzer",
      kind: "s3-public-access",
      principal: { AWS: "*" },
      isPublic: true,
      observedAt: "2026-11-21T02:10:22.000Z",
    });
  });

  it("access-analyzer-iam-role-external → iam-external-trust", async () => {
    const finding = expectFinding(
      await intakeAccessAnalyzerEvent(deps().deps, aaEvent("access-analyzer-iam-role-external")),
    );
    expect(finding).toMatchObject({
      kind: "iam-external-trust",
      resourceType: "AWS::IAM::Role",
      resourceName: "etl-cross-account-reader",
      principal: { AWS: "arn:aws:iam::444455556666:root" },
      isPublic: false,
    });
  });

  it("reads the role name under a path", async () => {
    const finding = expectFinding(
      await intakeAccessAnalyzerEvent(
        deps().deps,
        aaEvent("access-analyzer-iam-role-external", (e) => {
          e.detail.resource = "arn:aws:iam::123456789012:role/teams/etl/reader";
        }),
      ),
    );
    expect(finding.resourceName).toBe("reader");
  });

  it("access-analyzer-archived → ignored, clears the incident", async () => {
    const ignored = expectIgnored(
      await intakeAccessAnalyzerEvent(deps().deps, aaEvent("access-analyzer-archived")),
      /finding is ARCHIVED: nothing to change/,
    );
    expect(ignored.cleared).toMatchObject({
      resourceId: "arn:aws:s3:::acme-curated-exports",
      rule: "access-analyzer",
    });
  });

  it("AWS's documented error finding (no isPublic, no principal) → could not analyse, at WARN", async () => {
    const { deps: d, logger } = deps();
    const ignored = expectIgnored(
      await intakeAccessAnalyzerEvent(d, aaEvent("aws-doc-access-analyzer-error-finding")),
      /^analyzer could not analyse the resource \(ACCESS_DENIED\): nothing known about its access/,
    );
    expect(ignored.cleared).toBeUndefined();
    // Not ERROR: that fires the error-log alarm, and one unreadable bucket must not page anyone.
    expect(logLines(logger)).toEqual([
      {
        level: "warn",
        message: "finding ignored",
        attributes: expect.objectContaining({
          decision: "ignored",
          resource: "arn:aws:s3:::amzn-s3-demo-bucket",
          account: "111122223333",
        }),
      },
    ]);
  });

  it("an error finding on a resource type Vigil does not remediate is still told at WARN", async () => {
    const { deps: d, logger } = deps();
    expectIgnored(
      await intakeAccessAnalyzerEvent(
        d,
        aaEvent("aws-doc-access-analyzer-error-finding", (e) => {
          e.detail.resourceType = "AWS::KMS::Key";
          e.detail.resource = "arn:aws:kms:us-west-2:111122223333:key/1234abcd";
          e.detail.error = "INTERNAL_ERROR";
        }),
      ),
      /INTERNAL_ERROR/,
    );
    expect(logLines(logger).map((l) => l.level)).toEqual(["warn"]);
  });

  it("an error finding that is archived or deleted only clears (no WARN)", async () => {
    const { deps: d, logger } = deps();
    const ignored = expectIgnored(
      await intakeAccessAnalyzerEvent(
        d,
        aaEvent("aws-doc-access-analyzer-error-finding", (e) => {
          e.detail.status = "ARCHIVED";
        }),
      ),
      /ARCHIVED/,
    );
    expect(ignored.cleared?.why).toBe("archived");
    expect(logLines(logger).map((l) => l.level)).toEqual(["info"]);
  });

  it("access-analyzer-error-finding → ignored", async () => {
    const ignored = expectIgnored(
      await intakeAccessAnalyzerEvent(deps().deps, aaEvent("access-analyzer-error-finding")),
      /ACCESS_DENIED/,
    );
    expect(ignored.cleared).toBeUndefined();
  });

  it.each<[SampleName, string, string, boolean]>([
    ["access-analyzer-sqs-public", "sqs-queue-policy", "acme-ingest-events", true],
    ["access-analyzer-sns-public", "sns-topic-policy", "acme-pipeline-alerts", true],
    [
      "access-analyzer-kms-external",
      "kms-key-policy",
      "1234abcd-12ab-34cd-56ef-1234567890ab",
      false,
    ],
    [
      "access-analyzer-secret-public",
      "secret-resource-policy",
      "acme/warehouse/password-a1B2c3",
      true,
    ],
    ["access-analyzer-lambda-public", "lambda-function-policy", "acme-ingest-webhook", true],
    ["access-analyzer-ecr-public", "ecr-repository-policy", "acme/ingest-worker", true],
    ["access-analyzer-efs-public", "efs-file-system-policy", "fs-0a1b2c3d4e5f67890", true],
    ["access-analyzer-dynamodb-external", "dynamodb-resource-policy", "acme-orders", false],
    [
      "access-analyzer-s3-directory-bucket-external",
      "s3-directory-bucket-policy",
      "acme-landing--euw1-az1--x-s3",
      false,
    ],
  ])("%s → %s finding", async (name, kind, resourceName, isPublic) => {
    const { deps: d } = deps();
    const event = aaEvent(name);
    const finding = expectFinding(await intakeAccessAnalyzerEvent(d, event));
    expect(finding).toMatchObject({
      kind,
      resourceType: event.detail.resourceType,
      resourceArn: event.detail.resource,
      resourceName,
      isPublic,
      account: "123456789012",
      region: "eu-west-1",
    });
  });

  it("a bucket finding granted only through an access point is the access point's finding", async () => {
    const { deps: d } = deps();
    const finding = expectFinding(
      await intakeAccessAnalyzerEvent(d, aaEvent("access-analyzer-s3-access-point-public")),
    );
    const arn = "arn:aws:s3:eu-west-1:123456789012:accesspoint/acme-partner-exports";
    expect(finding).toMatchObject({
      kind: "s3-access-point-policy",
      resourceType: "AWS::S3::AccessPoint",
      resourceArn: arn,
      resourceId: arn,
      resourceName: "acme-partner-exports",
      isPublic: true,
    });
  });

  it("a bucket finding granted by the bucket policy too stays the bucket's", async () => {
    const { deps: d } = deps();
    const event = aaEvent("access-analyzer-s3-access-point-public", (e) => {
      sourcesOf(e).unshift({ type: "POLICY" });
    });
    const finding = expectFinding(await intakeAccessAnalyzerEvent(d, event));
    expect(finding).toMatchObject({
      kind: "s3-public-access",
      resourceType: "AWS::S3::Bucket",
      resourceName: "acme-curated-exports",
    });
  });

  it.each<[string, SampleName, (e: ReturnType<typeof sample>) => void, RegExp]>([
    [
      "RESOLVED",
      "access-analyzer-s3-public",
      (e) => {
        e.detail.status = "RESOLVED";
      },
      /RESOLVED/,
    ],
    [
      "deleted",
      "access-analyzer-s3-public",
      (e) => {
        e.detail.isDeleted = true;
      },
      /deleted/,
    ],
    [
      "no principal",
      "access-analyzer-s3-public",
      (e) => {
        delete e.detail.principal;
      },
      /no principal/,
    ],
    [
      "unused-access type",
      "access-analyzer-s3-public",
      (e) => {
        e.detail.findingType = "UnusedIAMRole";
      },
      /UnusedIAMRole/,
    ],
    [
      "directory bucket finding naming a general purpose bucket",
      "access-analyzer-s3-public",
      (e) => {
        e.detail.resourceType = "AWS::S3Express::DirectoryBucket";
      },
      /not a valid AWS::S3Express::DirectoryBucket ARN/,
    ],
    [
      "directory bucket in another account",
      "access-analyzer-s3-directory-bucket-external",
      (e) => {
        e.detail.resource = String(e.detail.resource).replace(":123456789012:", ":444455556666:");
      },
      /not in the finding's account/,
    ],
    [
      "access point in another region",
      "access-analyzer-s3-access-point-public",
      (e) => {
        (sourcesOf(e)[0] as Source).detail = {
          accessPointArn: "arn:aws:s3:us-east-1:123456789012:accesspoint/acme-partner-exports",
        };
      },
      /not in the finding's region eu-west-1/,
    ],
    [
      "multi-region access point",
      "access-analyzer-s3-access-point-public",
      (e) => {
        (sourcesOf(e)[0] as Source).detail = {
          accessPointArn: "arn:aws:s3::123456789012:accesspoint/mfzwi23gnjvgw.mrap",
        };
      },
      /not a valid AWS::S3::AccessPoint ARN/,
    ],
    [
      "two access points",
      "access-analyzer-s3-access-point-public",
      (e) => {
        sourcesOf(e).push({
          type: "S3_ACCESS_POINT",
          detail: { accessPointArn: "arn:aws:s3:eu-west-1:123456789012:accesspoint/other" },
        });
      },
      /through 2 access points/,
    ],
    [
      "KMS finding naming a bucket",
      "access-analyzer-s3-public",
      (e) => {
        e.detail.resourceType = "AWS::KMS::Key";
      },
      /not a valid AWS::KMS::Key ARN/,
    ],
    [
      "queue in another account",
      "access-analyzer-sqs-public",
      (e) => {
        e.detail.resource = "arn:aws:sqs:eu-west-1:999999999999:acme-ingest-events";
      },
      /not in the finding's account 123456789012/,
    ],
    [
      "secret in another region",
      "access-analyzer-secret-public",
      (e) => {
        e.detail.resource = "arn:aws:secretsmanager:us-east-1:123456789012:secret:x-a1B2c3";
      },
      /not in the finding's region eu-west-1/,
    ],
    [
      "function version or alias (not the function's own policy)",
      "access-analyzer-lambda-public",
      (e) => {
        e.detail.resource = `${e.detail.resource}:live`;
      },
      /not a valid AWS::Lambda::Function ARN/,
    ],
    [
      "repository name with a parent segment",
      "access-analyzer-ecr-public",
      (e) => {
        e.detail.resource = "arn:aws:ecr:eu-west-1:123456789012:repository/acme/../other";
      },
      /not a valid AWS::ECR::Repository ARN/,
    ],
    [
      "file system id that is not EFS's",
      "access-analyzer-efs-public",
      (e) => {
        e.detail.resource =
          "arn:aws:elasticfilesystem:eu-west-1:123456789012:file-system/fs-../../x";
      },
      /not a valid AWS::EFS::FileSystem ARN/,
    ],
    [
      "file system in another account",
      "access-analyzer-efs-public",
      (e) => {
        e.detail.resource =
          "arn:aws:elasticfilesystem:eu-west-1:444455556666:file-system/fs-0a1b2c3d4e5f67890";
      },
      /not in the finding's account/,
    ],
    [
      "stream label that is not a timestamp",
      "access-analyzer-dynamodb-external",
      (e) => {
        e.detail.resourceType = "AWS::DynamoDB::Stream";
        e.detail.resource = "arn:aws:dynamodb:eu-west-1:123456789012:table/acme-orders/stream/../x";
      },
      /not a valid AWS::DynamoDB::Stream ARN/,
    ],
    [
      "topic ARN with a path",
      "access-analyzer-sns-public",
      (e) => {
        e.detail.resource = "arn:aws:sns:eu-west-1:123456789012:a/../b";
      },
      /not a valid AWS::SNS::Topic ARN/,
    ],
    [
      "bucket shared, not public",
      "access-analyzer-s3-public",
      (e) => {
        e.detail.isPublic = false;
        e.detail.principal = { AWS: "444455556666" };
      },
      /not public/,
    ],
    [
      "role in another account",
      "access-analyzer-iam-role-external",
      (e) => {
        e.detail.resource = "arn:aws:iam::999999999999:role/x";
      },
      /not in the finding's account/,
    ],
  ])("%s → ignored", async (_name, name, mutate, reason) => {
    expectIgnored(await intakeAccessAnalyzerEvent(deps().deps, aaEvent(name, mutate)), reason);
  });

  it("source can be overridden for the CLI", async () => {
    const finding = expectFinding(
      await intakeAccessAnalyzerEvent(
        deps({}, { source: "cli" }).deps,
        aaEvent("access-analyzer-s3-public"),
      ),
    );
    expect(finding.source).toBe("cli");
  });
});
