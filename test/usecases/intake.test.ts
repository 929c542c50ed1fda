import { IAMClient, ListPoliciesCommand, ListUsersCommand } from "@aws-sdk/client-iam";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { IamIdResolver } from "../../src/adapters/iam-id-resolver.ts";
import type { RemediationConfigInput } from "../../src/config/remediation-config.ts";
import type { Finding } from "../../src/domain/finding.ts";
import { accessAnalyzerFindingEventSchema } from "../../src/events/access-analyzer-finding.ts";
import { configComplianceChangeEventSchema } from "../../src/events/config-compliance-change.ts";
import type { ConfigRule } from "../../src/ports/config-rules.ts";
import {
  configFindingId,
  type Ignored,
  type IntakeDeps,
  type IntakeResult,
  intakeAccessAnalyzerEvent,
  intakeConfigEvaluation,
  intakeConfigEvent,
  isIgnored,
} from "../../src/usecases/intake.ts";
import {
  fakeConfigRules,
  logLines,
  recordingLogger,
  type SampleName,
  sample,
  testConfig,
} from "./fakes.ts";

const iamMock = mockClient(IAMClient);

function deps(config: RemediationConfigInput = {}, extra: Partial<IntakeDeps> = {}) {
  const logger = recordingLogger();
  const resolver = new IamIdResolver(new IAMClient({}));
  return {
    logger,
    resolver,
    deps: {
      config: testConfig(config),
      iamIds: resolver,
      configRules: fakeConfigRules(),
      logger,
      ...extra,
    } satisfies IntakeDeps,
  };
}

const configEvent = (
  name: SampleName,
  mutate: (e: ReturnType<typeof sample>) => void = () => {},
) => {
  const e = sample(name);
  mutate(e);
  return configComplianceChangeEventSchema.parse(e);
};
type Source = { type: string; detail?: { accessPointArn: string } };
/** An S3 bucket finding's `sources` (how the access is granted), to edit in place. */
const sourcesOf = (e: ReturnType<typeof sample>) => e.detail.sources as Source[];

const aaEvent = (name: SampleName, mutate: (e: ReturnType<typeof sample>) => void = () => {}) => {
  const e = sample(name);
  mutate(e);
  return accessAnalyzerFindingEventSchema.parse(e);
};

function expectFinding(result: IntakeResult): Finding {
  if (isIgnored(result)) throw new Error(`expected a finding, got ignored: ${result.reason}`);
  return result;
}
function expectIgnored(result: IntakeResult, reason: RegExp): Ignored {
  if (!isIgnored(result)) throw new Error(`expected ignored, got finding ${result.kind}`);
  expect(result.reason).toMatch(reason);
  return result;
}

describe("intake: Config compliance change", () => {
  beforeEach(() => iamMock.reset());

  it("config-s3-encryption-noncompliant → s3-encryption finding with a deterministic id", async () => {
    const { deps: d } = deps();
    const event = configEvent("config-s3-encryption-noncompliant");
    const finding = expectFinding(await intakeConfigEvent(d, event));
    expect(finding).toMatchObject({
      eventId: "7f3c1e52-0b7a-4c1e-9d41-5a2f0c9e1a10",
      source: "config",
      account: "123456789012",
      region: "eu-west-1",
      resourceType: "AWS::S3::Bucket",
      resourceId: "acme-raw-landing-prod",
      resourceArn: "arn:aws:s3:::acme-raw-landing-prod",
      resourceName: "acme-raw-landing-prod",
      rule: "s3-bucket-server-side-encryption-enabled",
      kind: "s3-encryption",
      observedAt: "2026-11-20T09:15:03.801Z",
    });
    // Same evaluation, redelivered under another event id: same finding id.
    const again = expectFinding(
      await intakeConfigEvent(
        d,
        configEvent("config-s3-encryption-noncompliant", (e) => {
          e.id = "other";
        }),
      ),
    );
    expect(again.id).toBe(finding.id);
    // A later evaluation of the same resource: a new id.
    const later = expectFinding(
      await intakeConfigEvent(
        d,
        configEvent("config-s3-encryption-noncompliant", (e) => {
          (e.detail.newEvaluationResult as Record<string, unknown>).resultRecordedTime =
            "2026-11-21T00:00:00Z";
        }),
      ),
    );
    expect(later.id).not.toBe(finding.id);
    expect(iamMock.calls()).toHaveLength(0);
  });

  it("config-s3-public-access-noncompliant → s3-public-access", async () => {
    const finding = expectFinding(
      await intakeConfigEvent(deps().deps, configEvent("config-s3-public-access-noncompliant")),
    );
    expect(finding).toMatchObject({
      kind: "s3-public-access",
      resourceName: "acme-curated-exports",
    });
  });

  it("config-s3-encryption-compliant-again → ignored, and clears the incident", async () => {
    const { deps: d, logger } = deps();
    const ignored = expectIgnored(
      await intakeConfigEvent(d, configEvent("config-s3-encryption-compliant-again")),
      /COMPLIANT: nothing to change/,
    );
    expect(ignored.cleared).toEqual({
      account: "123456789012",
      region: "eu-west-1",
      resourceId: "acme-raw-landing-prod",
      rule: "s3-bucket-server-side-encryption-enabled",
      why: "compliant again",
    });
    expect(logLines(logger)).toEqual([
      expect.objectContaining({
        message: "finding ignored",
        attributes: expect.objectContaining({ eventId: "b7e1c2d3-4f5a-4b6c-8d7e-9f0a1b2c3d4e" }),
      }),
    ]);
  });

  it("a first COMPLIANT evaluation clears nothing (no incident can be open)", async () => {
    const ignored = expectIgnored(
      await intakeConfigEvent(
        deps().deps,
        configEvent("config-s3-encryption-compliant-again", (e) => {
          delete e.detail.oldEvaluationResult;
        }),
      ),
      /COMPLIANT/,
    );
    expect(ignored.cleared).toBeUndefined();
  });

  it("config-iam-admin-policy-noncompliant: resolves the ANPA… id to the policy", async () => {
    iamMock.on(ListPoliciesCommand).resolves({
      Policies: [
        {
          PolicyId: "ANPAOTHER",
          PolicyName: "other",
          Arn: "arn:aws:iam::123456789012:policy/other",
        },
        {
          PolicyId: "ANPAEXAMPLEPOLICYID01",
          PolicyName: "too-broad",
          Arn: "arn:aws:iam::123456789012:policy/ops/too-broad",
        },
      ],
    });
    const finding = expectFinding(
      await intakeConfigEvent(deps().deps, configEvent("config-iam-admin-policy-noncompliant")),
    );
    expect(finding).toMatchObject({
      kind: "iam-risky-policy",
      resourceType: "AWS::IAM::Policy",
      resourceId: "ANPAEXAMPLEPOLICYID01",
      resourceName: "too-broad",
      resourceArn: "arn:aws:iam::123456789012:policy/ops/too-broad",
      region: "us-east-1",
    });
    expect(iamMock).toHaveReceivedCommandTimes(ListPoliciesCommand, 1);
  });

  it("config-iam-user-policies-noncompliant: resolves the AIDA… id to the user", async () => {
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
    const finding = expectFinding(
      await intakeConfigEvent(deps().deps, configEvent("config-iam-user-policies-noncompliant")),
    );
    expect(finding).toMatchObject({
      kind: "iam-risky-policy",
      resourceType: "AWS::IAM::User",
      resourceName: "etl-bot",
      resourceArn: "arn:aws:iam::123456789012:user/etl-bot",
    });
  });

  it("NOT_APPLICABLE after NON_COMPLIANT (resource deleted) → ignored, clears the incident", async () => {
    const { deps: d, logger } = deps();
    const ignored = expectIgnored(
      await intakeConfigEvent(d, configEvent("config-s3-encryption-not-applicable")),
      /^evaluation is NOT_APPLICABLE: nothing to change \(resource deleted or out of the rule's scope\)$/,
    );
    expect(ignored.cleared).toEqual({
      account: "123456789012",
      region: "eu-west-1",
      resourceId: "acme-raw-landing-prod",
      rule: "s3-bucket-server-side-encryption-enabled",
      why: "not applicable any more (resource deleted or out of the rule's scope)",
    });
    expect(logLines(logger).map((l) => l.level)).toEqual(["info"]);
  });

  it("an IAM id that resolves to nothing → resource no longer exists", async () => {
    iamMock.on(ListUsersCommand).resolves({ Users: [], IsTruncated: false });
    expectIgnored(
      await intakeConfigEvent(deps().deps, configEvent("config-iam-user-policies-noncompliant")),
      /resource no longer exists \(IAM id AIDAEXAMPLEUSERID0001 not found\)/,
    );
  });

  it.each<[string, (e: ReturnType<typeof sample>) => void, RegExp]>([
    [
      "NOT_APPLICABLE",
      (e) => {
        (e.detail.newEvaluationResult as Record<string, unknown>).complianceType = "NOT_APPLICABLE";
      },
      /NOT_APPLICABLE: nothing to change/,
    ],
    [
      "INSUFFICIENT_DATA",
      (e) => {
        (e.detail.newEvaluationResult as Record<string, unknown>).complianceType =
          "INSUFFICIENT_DATA";
      },
      /INSUFFICIENT_DATA/,
    ],
    [
      "unknown rule",
      (e) => {
        e.detail.configRuleName = "my-custom-rule";
      },
      /rule my-custom-rule is not mapped/,
    ],
    [
      "account-level rule",
      (e) => {
        e.detail.configRuleName = "s3-account-level-public-access-blocks-periodic";
      },
      /account-level/,
    ],
    [
      "unsupported resource type",
      (e) => {
        e.detail.resourceType = "AWS::EC2::Instance";
      },
      /resource type AWS::EC2::Instance is not supported for s3-encryption/,
    ],
  ])("%s → ignored with reason", async (_name, mutate, reason) => {
    expectIgnored(
      await intakeConfigEvent(
        deps().deps,
        configEvent("config-s3-encryption-noncompliant", mutate),
      ),
      reason,
    );
  });

  it("honours allow-lists and the home account", async () => {
    const event = configEvent("config-s3-encryption-noncompliant");
    expectIgnored(
      await intakeConfigEvent(deps({ allowedAccounts: ["999999999999"] }).deps, event),
      /account 123456789012 is not in allowedAccounts/,
    );
    expectIgnored(
      await intakeConfigEvent(deps({ allowedRegions: ["us-east-1"] }).deps, event),
      /region eu-west-1 is not in allowedRegions/,
    );
    expectIgnored(
      await intakeConfigEvent(deps({}, { homeAccount: "210987654321" }).deps, event),
      /acts in 210987654321 only/,
    );
    expectFinding(
      await intakeConfigEvent(
        deps(
          { allowedAccounts: ["123456789012"], allowedRegions: ["eu-west-1"] },
          { homeAccount: "123456789012" },
        ).deps,
        event,
      ),
    );
  });

  it("maps rules through configured globs", async () => {
    const event = configEvent("config-s3-encryption-noncompliant", (e) => {
      e.detail.configRuleName = "securityhub-s3-bucket-public-read-prohibited-4d3bb7a2";
    });
    const finding = expectFinding(
      await intakeConfigEvent(
        deps({
          ruleKinds: { "securityhub-s3-bucket-public-read-prohibited-*": "s3-public-access" },
        }).deps,
        event,
      ),
    );
    expect(finding.kind).toBe("s3-public-access");
  });

  it("gives sweep evaluations of the same evaluation the same id as the event", async () => {
    const event = configEvent("config-s3-encryption-noncompliant");
    const fromEvent = expectFinding(await intakeConfigEvent(deps().deps, event));
    const fromSweep = expectFinding(
      await intakeConfigEvaluation(deps().deps, {
        eventId: "sweep-1",
        source: "sweep",
        rule: "s3-bucket-server-side-encryption-enabled",
        resourceType: "AWS::S3::Bucket",
        resourceId: "acme-raw-landing-prod",
        account: "123456789012",
        region: "eu-west-1",
        complianceType: "NON_COMPLIANT",
        recordedAt: new Date("2026-11-20T09:15:03.801Z").toISOString(),
      }),
    );
    expect(fromSweep.id).toBe(fromEvent.id);
    expect(fromSweep.source).toBe("sweep");
    expect(configFindingId({ ...fromEvent, recordedAt: "2026-11-20T09:15:03.801+00:00" })).toBe(
      fromEvent.id,
    );
  });
});

describe("intake: rules as AWS deploys them (by managed source identifier)", () => {
  const SECURITY_HUB = "securityhub-s3-bucket-public-read-prohibited-a1b2c3";
  const ARN = "arn:aws:config:eu-west-1:123456789012:config-rule/config-rule-k2x9qd";

  function directory(rules: ConfigRule[]) {
    const asked: Array<{ account: string; region: string; name: string; arn?: string }> = [];
    return {
      asked,
      configRules: {
        async find(account: string, region: string, name: string, options?: { arn?: string }) {
          asked.push({ account, region, name, ...(options?.arn ? { arn: options.arn } : {}) });
          return rules.find((r) => r.name === name);
        },
        async list() {
          return rules;
        },
      },
    };
  }
  const event = (rule: string) =>
    configEvent("config-s3-public-access-noncompliant", (e) => {
      e.detail.configRuleName = rule;
    });

  it("maps a Security Hub rule by its source identifier, asking with the event's rule ARN", async () => {
    const { configRules, asked } = directory([
      {
        name: SECURITY_HUB,
        arn: ARN,
        owner: "AWS",
        sourceIdentifier: "S3_BUCKET_PUBLIC_READ_PROHIBITED",
      },
    ]);
    const finding = expectFinding(
      await intakeConfigEvent({ ...deps().deps, configRules }, event(SECURITY_HUB)),
    );
    expect(finding).toMatchObject({ kind: "s3-public-access", rule: SECURITY_HUB });
    expect(asked).toEqual([
      { account: "123456789012", region: "eu-west-1", name: SECURITY_HUB, arn: ARN },
    ]);
  });

  it.each<[string, ConfigRule[]]>([
    [
      "a custom rule with a managed-looking identifier",
      [
        {
          name: SECURITY_HUB,
          arn: ARN,
          owner: "CUSTOM_LAMBDA",
          sourceIdentifier: "S3_BUCKET_PUBLIC_READ_PROHIBITED",
        },
      ],
    ],
    [
      "a managed rule Vigil does not remediate",
      [
        {
          name: SECURITY_HUB,
          arn: ARN,
          owner: "AWS",
          sourceIdentifier: "S3_BUCKET_LOGGING_ENABLED",
        },
      ],
    ],
    [
      "an identifier named like an Object member",
      [{ name: SECURITY_HUB, arn: ARN, owner: "AWS", sourceIdentifier: "constructor" }],
    ],
    ["a rule the account does not have", []],
  ])("%s → not mapped", async (_name, rules) => {
    const { configRules } = directory(rules);
    expectIgnored(
      await intakeConfigEvent({ ...deps().deps, configRules }, event(SECURITY_HUB)),
      /is not mapped to a finding kind/,
    );
  });

  it("a name in ruleKinds wins over the source identifier; the rule is looked up once, for its owner", async () => {
    const { configRules, asked } = directory([
      {
        name: SECURITY_HUB,
        arn: ARN,
        owner: "AWS",
        sourceIdentifier: "S3_BUCKET_PUBLIC_READ_PROHIBITED",
      },
    ]);
    const finding = expectFinding(
      await intakeConfigEvent(
        { ...deps({ ruleKinds: { "securityhub-s3-*": "s3-encryption" } }).deps, configRules },
        event(SECURITY_HUB),
      ),
    );
    expect(finding.kind).toBe("s3-encryption");
    expect(asked).toHaveLength(1);
  });
});

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

describe("intake: a Config rule counts only when AWS owns it (issue 14 item 7)", () => {
  const RULE = "s3-bucket-server-side-encryption-enabled";
  const EVENT_ARN = "arn:aws:config:eu-west-1:123456789012:config-rule/config-rule-k2x9qd";

  it("refuses a custom rule under a managed rule's name: warning log, refused for paging, no IAM call", async () => {
    const rules = fakeConfigRules({
      [RULE]: { owner: "CUSTOM_LAMBDA", sourceIdentifier: "arn:aws:lambda:eu-west-1:1:function:x" },
    });
    const { deps: d, logger } = deps({}, { configRules: rules });
    const result = expectIgnored(
      await intakeConfigEvent(d, configEvent("config-s3-encryption-noncompliant")),
      /owned by CUSTOM_LAMBDA .*not AWS.*refused.*trustedConfigRules/,
    );
    expect(result.refused).toMatchObject({ rule: RULE, resourceId: "acme-raw-landing-prod" });
    expect(logLines(logger)).toContainEqual(
      expect.objectContaining({
        level: "warn",
        message: "finding refused",
        attributes: expect.objectContaining({ decision: "refused" }),
      }),
    );
    expect(rules.calls).toEqual([`123456789012/eu-west-1/${RULE}`]);
  });

  it("acts on a custom rule whose ARN is allow-listed in remediation.trustedConfigRules", async () => {
    const rules = fakeConfigRules({ [RULE]: { owner: "CUSTOM_POLICY" } });
    const { deps: d } = deps({ trustedConfigRules: [EVENT_ARN] }, { configRules: rules });
    const finding = expectFinding(
      await intakeConfigEvent(d, configEvent("config-s3-encryption-noncompliant")),
    );
    expect(finding.kind).toBe("s3-encryption");
  });

  it("refuses a rule the account does not have, and an event whose rule ARN is not the rule's", async () => {
    const missing = deps({}, { configRules: fakeConfigRules({ [RULE]: null }) }).deps;
    const gone = expectIgnored(
      await intakeConfigEvent(missing, configEvent("config-s3-encryption-noncompliant")),
      /does not exist in account 123456789012 eu-west-1/,
    );
    expect(gone.refused).toBeDefined();
    const other = `${EVENT_ARN.slice(0, -6)}zzzzzz`;
    const moved = deps({}, { configRules: fakeConfigRules({ [RULE]: { arn: other } }) }).deps;
    expectIgnored(
      await intakeConfigEvent(moved, configEvent("config-s3-encryption-noncompliant")),
      /names rule ARN .*k2x9qd but .* is .*zzzzzz/,
    );
  });

  it("a custom rule's COMPLIANT-again cannot close the incident either", async () => {
    const rules = fakeConfigRules({ [RULE]: { owner: "CUSTOM_LAMBDA" } });
    const { deps: d } = deps({}, { configRules: rules });
    const result = expectIgnored(
      await intakeConfigEvent(d, configEvent("config-s3-encryption-compliant-again")),
      /not AWS/,
    );
    expect(result.cleared).toBeUndefined();
    expect(result.refused).toBeDefined();
  });

  it("an unmapped rule is looked up once (for a managed source identifier) and ignored", async () => {
    const rules = fakeConfigRules();
    const { deps: d } = deps({}, { configRules: rules });
    expectIgnored(
      await intakeConfigEvent(
        d,
        configEvent("config-s3-encryption-noncompliant", (e) => {
          e.detail.configRuleName = "some-other-rule";
        }),
      ),
      /not mapped/,
    );
    expect(rules.calls).toEqual(["123456789012/eu-west-1/some-other-rule"]);
  });
});

describe("intake: snapshots shared by attribute (issue 12 item 1)", () => {
  it.each([
    [
      "access-analyzer-ebs-snapshot-public",
      "ebs-snapshot-sharing",
      "AWS::EC2::Snapshot",
      "snap-0a1b2c3d4e5f60718",
      true,
    ],
    [
      "access-analyzer-rds-snapshot-public",
      "rds-snapshot-sharing",
      "AWS::RDS::DBSnapshot",
      "curated-exports-2026-11-20",
      true,
    ],
    [
      "access-analyzer-rds-cluster-snapshot-external",
      "rds-snapshot-sharing",
      "AWS::RDS::DBClusterSnapshot",
      "analytics-2026-11-20",
      false,
    ],
  ] as const)("%s → %s on %s", async (name, kind, resourceType, resourceName, isPublic) => {
    const event = aaEvent(name);
    const finding = expectFinding(await intakeAccessAnalyzerEvent(deps().deps, event));
    expect(finding).toMatchObject({
      kind,
      resourceType,
      resourceName,
      resourceArn: event.detail.resource,
      account: event.detail.accountId,
      region: event.detail.region,
      isPublic,
    });
  });

  it("accepts an EBS snapshot ARN without the account, as IAM writes it", async () => {
    const finding = expectFinding(
      await intakeAccessAnalyzerEvent(
        deps().deps,
        aaEvent("access-analyzer-ebs-snapshot-public", (e) => {
          e.detail.resource = "arn:aws:ec2:eu-west-1::snapshot/snap-0a1b2c3d4e5f60718";
        }),
      ),
    );
    expect(finding.resourceName).toBe("snap-0a1b2c3d4e5f60718");
  });

  it.each([
    ["another account", "arn:aws:ec2:eu-west-1:999999999999:snapshot/snap-0a1b2c3d4e5f60718"],
    ["another region", "arn:aws:ec2:us-east-1:123456789012:snapshot/snap-0a1b2c3d4e5f60718"],
    ["another partition", "arn:aws-cn:ec2:eu-west-1:123456789012:snapshot/snap-0a1b2c3d"],
    ["a volume", "arn:aws:ec2:eu-west-1:123456789012:volume/vol-0a1b2c3d4e5f60718"],
    ["a padded id", "arn:aws:ec2:eu-west-1:123456789012:snapshot/snap-0a1b2c3d4e5f60718 "],
  ])("an EBS snapshot finding naming %s is ignored", async (_what, resource) => {
    expectIgnored(
      await intakeAccessAnalyzerEvent(
        deps().deps,
        aaEvent("access-analyzer-ebs-snapshot-public", (e) => {
          e.detail.resource = resource;
        }),
      ),
      /not|ARN/,
    );
  });

  it.each([
    ["an automated snapshot", "arn:aws:rds:eu-west-1:123456789012:snapshot:rds:exports-2026"],
    [
      "a cluster snapshot as a DB snapshot",
      "arn:aws:rds:eu-west-1:123456789012:cluster-snapshot:x",
    ],
    ["a DB instance", "arn:aws:rds:eu-west-1:123456789012:db:exports"],
  ])("an RDS snapshot finding naming %s is ignored", async (_what, resource) => {
    expectIgnored(
      await intakeAccessAnalyzerEvent(
        deps().deps,
        aaEvent("access-analyzer-rds-snapshot-public", (e) => {
          e.detail.resource = resource;
        }),
      ),
      /is not a/,
    );
  });

  it("maps rds-snapshots-public-prohibited (by name and by source identifier)", async () => {
    const byName = expectFinding(
      await intakeConfigEvent(deps().deps, configEvent("config-rds-snapshot-public-noncompliant")),
    );
    expect(byName).toMatchObject({
      kind: "rds-snapshot-sharing",
      resourceType: "AWS::RDS::DBSnapshot",
      resourceName: "curated-exports-2026-11-20",
    });
    const generated = "securityhub-rds-snapshots-public-prohibited-a1b2c3";
    const bySource = expectFinding(
      await intakeConfigEvent(
        {
          ...deps().deps,
          configRules: fakeConfigRules({
            [generated]: { sourceIdentifier: "RDS_SNAPSHOTS_PUBLIC_PROHIBITED" },
          }),
        },
        configEvent("config-rds-snapshot-public-noncompliant", (e) => {
          e.detail.configRuleName = generated;
          e.detail.resourceId = "curated-exports-2026-11-20";
        }),
      ),
    );
    expect(bySource).toMatchObject({
      kind: "rds-snapshot-sharing",
      resourceArn: "arn:aws:rds:eu-west-1:123456789012:snapshot:curated-exports-2026-11-20",
    });
  });

  it("ignores a Config evaluation naming a snapshot of another account", async () => {
    expectIgnored(
      await intakeConfigEvent(
        deps().deps,
        configEvent("config-rds-snapshot-public-noncompliant", (e) => {
          e.detail.resourceId = "arn:aws:rds:eu-west-1:999999999999:snapshot:exports";
        }),
      ),
      /not a rds resource of account 123456789012/,
    );
  });
});
