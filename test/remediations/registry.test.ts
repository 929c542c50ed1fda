import { describe, expect, it } from "vitest";
import type { Finding, FindingKind, ResourceType } from "../../src/domain/finding.ts";
import type { Remediation } from "../../src/ports/remediation.ts";
import { lazy, remediationCatalog } from "../../src/remediations/catalog.ts";
import {
  DEFAULT_REMEDIATION_SETTINGS,
  remediationByName,
  remediationFor,
  remediations,
} from "../../src/remediations/registry.ts";

/** Remediations that only ever tell (their plans change nothing). */
const TELL_ONLY = ["iam-unused-access-notice"];

// Typed as Record<FindingKind, …> so that adding a FindingKind without listing it here fails tsc.
const RESOURCE_TYPES_BY_KIND: Record<FindingKind, ResourceType[]> = {
  "s3-encryption": ["AWS::S3::Bucket"],
  "s3-public-access": ["AWS::S3::Bucket"],
  "iam-risky-policy": ["AWS::IAM::User", "AWS::IAM::Role", "AWS::IAM::Group", "AWS::IAM::Policy"],
  "iam-external-trust": ["AWS::IAM::Role"],
  "sqs-queue-policy": ["AWS::SQS::Queue"],
  "sns-topic-policy": ["AWS::SNS::Topic"],
  "kms-key-policy": ["AWS::KMS::Key"],
  "secret-resource-policy": ["AWS::SecretsManager::Secret"],
  "lambda-function-policy": ["AWS::Lambda::Function"],
  "ecr-repository-policy": ["AWS::ECR::Repository"],
  "efs-file-system-policy": ["AWS::EFS::FileSystem"],
  "dynamodb-resource-policy": ["AWS::DynamoDB::Table", "AWS::DynamoDB::Stream"],
  "ebs-snapshot-sharing": ["AWS::EC2::Snapshot"],
  "rds-snapshot-sharing": ["AWS::RDS::DBSnapshot", "AWS::RDS::DBClusterSnapshot"],
  "sqs-encryption": ["AWS::SQS::Queue"],
  "sns-encryption": ["AWS::SNS::Topic"],
  "ebs-default-encryption": ["AWS::::Account"],
  "kinesis-encryption": ["AWS::Kinesis::Stream"],
  "iam-unused-access-key": ["AWS::IAM::User"],
  "iam-unused-password": ["AWS::IAM::User"],
  "iam-unused-role": ["AWS::IAM::Role"],
  "iam-unused-permission": ["AWS::IAM::Role", "AWS::IAM::User"],
  "cloudtrail-encryption": ["AWS::CloudTrail::Trail"],
  "dynamodb-encryption": ["AWS::DynamoDB::Table"],
  "s3-access-point-policy": ["AWS::S3::AccessPoint"],
  "s3-directory-bucket-policy": ["AWS::S3Express::DirectoryBucket"],
};
const ALL_RESOURCE_TYPES: ResourceType[] = [
  "AWS::S3::Bucket",
  "AWS::IAM::Role",
  "AWS::IAM::User",
  "AWS::IAM::Group",
  "AWS::IAM::Policy",
  "AWS::SQS::Queue",
  "AWS::SNS::Topic",
  "AWS::KMS::Key",
  "AWS::SecretsManager::Secret",
  "AWS::Lambda::Function",
  "AWS::ECR::Repository",
  "AWS::EFS::FileSystem",
  "AWS::EC2::Snapshot",
  "AWS::RDS::DBSnapshot",
  "AWS::RDS::DBClusterSnapshot",
  "AWS::Kinesis::Stream",
  "AWS::DynamoDB::Table",
  "AWS::DynamoDB::Stream",
  "AWS::CloudTrail::Trail",
  "AWS::::Account",
  "AWS::S3::AccessPoint",
  "AWS::S3Express::DirectoryBucket",
];

function finding(kind: FindingKind, resourceType: ResourceType): Finding {
  return {
    id: "f-1",
    eventId: "e-1",
    source: "cli",
    account: "123456789012",
    region: "us-east-1",
    resourceType,
    resourceId: "id",
    resourceArn: "arn:aws:iam::123456789012:role/x",
    resourceName: "x",
    rule: "test",
    kind,
    isPublic: false,
    observedAt: "2026-11-20T09:15:04Z",
  };
}

describe("remediation registry", () => {
  it("lists the remediations", () => {
    expect(remediations.map((remediation) => remediation.name)).toEqual([
      "s3-default-encryption",
      "s3-block-public-access",
      "iam-risky-policy",
      "iam-role-quarantine",
      "sqs-queue-policy",
      "sns-topic-policy",
      "kms-key-policy",
      "secret-resource-policy",
      "ebs-snapshot-sharing",
      "rds-snapshot-sharing",
      "sqs-encryption",
      "sns-encryption",
      "ebs-default-encryption",
      "lambda-function-policy",
      "ecr-repository-policy",
      "efs-file-system-policy",
      "dynamodb-resource-policy",
      "kinesis-encryption",
      "iam-unused-access-key",
      "iam-unused-access-notice",
      "cloudtrail-encryption",
      "dynamodb-encryption",
      "s3-access-point-policy",
      "s3-directory-bucket-policy",
    ]);
  });

  describe.each(remediations.map((remediation) => [remediation.name, remediation] as const))(
    "%s",
    (_name, remediation) => {
      it("has a name, a description and every phase", () => {
        expect(remediation.name).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
        expect(remediation.description.length).toBeGreaterThan(20);
        for (const phase of ["handles", "plan", "apply", "verify", "undo"] as const) {
          expect(typeof remediation[phase], phase).toBe("function");
        }
      });

      it("declares non-empty permissions for plan, apply and undo, all shaped service:Action", () => {
        // A tell-only remediation plans no changes: it may call nothing after planning.
        const tellOnly = TELL_ONLY.includes(remediation.name);
        for (const phase of ["plan", "apply", "undo"] as const) {
          const count = remediation.permissions[phase].length;
          if (tellOnly && phase !== "plan") expect(count, phase).toBe(0);
          else expect(count, phase).toBeGreaterThan(0);
        }
        for (const phase of ["plan", "apply", "verify", "undo"] as const) {
          const actions = remediation.permissions[phase];
          for (const action of actions)
            expect(action, phase).toMatch(/^[a-z0-9-]+:[A-Z][A-Za-z0-9]+$/);
          expect(new Set(actions).size, `${phase} has duplicates`).toBe(actions.length);
        }
      });

      it("can be found by name", () => {
        expect(remediationByName(remediation.name)).toBe(remediation);
      });
    },
  );

  it("has unique names", () => {
    const names = remediations.map((remediation) => remediation.name);
    expect(new Set(names).size).toBe(names.length);
  });

  it("handles each FindingKind on its resource types with exactly one remediation", () => {
    for (const [kind, types] of Object.entries(RESOURCE_TYPES_BY_KIND) as [
      FindingKind,
      ResourceType[],
    ][]) {
      for (const type of types) {
        const handlers = remediations.filter((remediation) =>
          remediation.handles(finding(kind, type)),
        );
        expect(
          handlers.map((h) => h.name),
          `${kind} on ${type}`,
        ).toHaveLength(1);
        expect(remediationFor(finding(kind, type))).toBe(handlers[0]);
      }
    }
  });

  it("handles no kind on a resource type it does not apply to", () => {
    for (const [kind, types] of Object.entries(RESOURCE_TYPES_BY_KIND) as [
      FindingKind,
      ResourceType[],
    ][]) {
      for (const type of ALL_RESOURCE_TYPES.filter((t) => !types.includes(t))) {
        expect(remediationFor(finding(kind, type)), `${kind} on ${type}`).toBeUndefined();
      }
    }
  });

  it("is the lazy catalog, loaded: same names, same order, the modules' own objects", async () => {
    expect(remediationCatalog.map((entry) => entry.name)).toEqual(
      remediations.map((remediation) => remediation.name),
    );
    for (const [index, entry] of remediationCatalog.entries()) {
      expect(await entry.load(), entry.name).toBe(remediations[index]);
    }
  });

  it("routes each finding in the catalog exactly as the loaded remediation does", () => {
    // The catalog decides which module a Lambda loads: it must agree with each module's handles
    // on every kind and resource type, handled or not.
    for (const kind of Object.keys(RESOURCE_TYPES_BY_KIND) as FindingKind[]) {
      for (const type of ALL_RESOURCE_TYPES) {
        const lazy = remediationCatalog.filter((entry) => entry.handles(finding(kind, type)));
        const loaded = remediations.filter((r) => r.handles(finding(kind, type)));
        expect(
          lazy.map((entry) => entry.name),
          `${kind} on ${type}`,
        ).toEqual(loaded.map((r) => r.name));
      }
    }
  });

  it("a lazy entry loads its module once, and again after a failed load", async () => {
    const loaded = remediations[0] as Remediation;
    let loads = 0;
    const entry = lazy("s3-default-encryption", { "s3-encryption": ["AWS::S3::Bucket"] }, () => {
      loads++;
      return loads === 1 ? Promise.reject(new Error("chunk missing")) : Promise.resolve(loaded);
    });
    await expect(entry.load()).rejects.toThrow("chunk missing");
    expect(await entry.load()).toBe(loaded);
    expect(await entry.load()).toBe(loaded);
    expect(loads).toBe(2);
    expect(entry.handles(finding("s3-encryption", "AWS::S3::Bucket"))).toBe(true);
    expect(entry.handles(finding("s3-encryption", "AWS::SQS::Queue"))).toBe(false);
  });

  it("returns undefined for an unknown name", () => {
    expect(remediationByName("no-such-remediation")).toBeUndefined();
  });

  it("has safe defaults: AES256, no KMS key, never replace keys or touch intentional public", () => {
    expect(DEFAULT_REMEDIATION_SETTINGS.s3EncryptionAlgorithm).toBe("AES256");
    expect(DEFAULT_REMEDIATION_SETTINGS.s3KmsKeyArn).toBeUndefined();
    expect(DEFAULT_REMEDIATION_SETTINGS.s3ReplaceExistingKmsKey).toBe(false);
    expect(DEFAULT_REMEDIATION_SETTINGS.s3RemediateIntentionallyPublic).toBe(false);
    expect(DEFAULT_REMEDIATION_SETTINGS.riskyPolicyNames).toContain("AdministratorAccess");
    expect(Object.isFrozen(DEFAULT_REMEDIATION_SETTINGS)).toBe(true);
    expect(Object.isFrozen(DEFAULT_REMEDIATION_SETTINGS.riskyPolicyNames)).toBe(true);
  });
});
