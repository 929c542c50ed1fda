import { readdirSync, readFileSync } from "node:fs";
import {
  AccessAnalyzerClient,
  GetFindingV2Command,
  ListAnalyzersCommand,
} from "@aws-sdk/client-accessanalyzer";
import { CloudTrailClient } from "@aws-sdk/client-cloudtrail";
/**
 * A small, stateful AWS account behind aws-sdk-client-mock, for fuzzing the handlers fast: S3
 * buckets (encryption, public access block, policy, ACL), the S3 journal bucket as an object store
 * with conditional writes, IAM users/roles/policies, SNS, Config and CloudWatch. Every call is
 * recorded with its service, so the fuzzer can count the mutating ones per event.
 *
 * Not a Vitest module: the benchmark (bench/resilience.ts) runs the same fuzzers.
 */
import {
  CloudWatchClient,
  GetMetricDataCommand,
  ListMetricsCommand,
} from "@aws-sdk/client-cloudwatch";
import {
  ConfigServiceClient,
  DescribeConfigRulesCommand,
  GetComplianceDetailsByConfigRuleCommand,
} from "@aws-sdk/client-config-service";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { EC2Client } from "@aws-sdk/client-ec2";
import { ECRClient } from "@aws-sdk/client-ecr";
import { EFSClient } from "@aws-sdk/client-efs";
import {
  AttachGroupPolicyCommand,
  AttachRolePolicyCommand,
  AttachUserPolicyCommand,
  DeleteGroupPolicyCommand,
  DeleteRolePolicyCommand,
  DeleteUserPolicyCommand,
  DetachGroupPolicyCommand,
  DetachRolePolicyCommand,
  DetachUserPolicyCommand,
  GetAccessKeyLastUsedCommand,
  GetGroupPolicyCommand,
  GetPolicyCommand,
  GetPolicyVersionCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  GetUserPolicyCommand,
  IAMClient,
  ListAccessKeysCommand,
  ListAttachedGroupPoliciesCommand,
  ListAttachedRolePoliciesCommand,
  ListAttachedUserPoliciesCommand,
  ListEntitiesForPolicyCommand,
  ListGroupPoliciesCommand,
  ListGroupsCommand,
  ListPoliciesCommand,
  ListPolicyTagsCommand,
  ListRolePoliciesCommand,
  ListRolesCommand,
  ListRoleTagsCommand,
  ListUserPoliciesCommand,
  ListUsersCommand,
  ListUserTagsCommand,
  PutGroupPolicyCommand,
  PutRolePolicyCommand,
  PutUserPolicyCommand,
  UpdateAccessKeyCommand,
} from "@aws-sdk/client-iam";
import { KinesisClient } from "@aws-sdk/client-kinesis";
import { KMSClient } from "@aws-sdk/client-kms";
import { LambdaClient } from "@aws-sdk/client-lambda";
import { RDSClient } from "@aws-sdk/client-rds";
import {
  DeleteBucketEncryptionCommand,
  DeleteBucketPolicyCommand,
  DeleteObjectCommand,
  DeletePublicAccessBlockCommand,
  GetBucketAclCommand,
  GetBucketEncryptionCommand,
  GetBucketPolicyCommand,
  GetBucketTaggingCommand,
  GetBucketWebsiteCommand,
  GetObjectCommand,
  GetPublicAccessBlockCommand,
  ListObjectsV2Command,
  PutBucketAclCommand,
  PutBucketEncryptionCommand,
  PutBucketPolicyCommand,
  PutObjectCommand,
  PutPublicAccessBlockCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { S3ControlClient } from "@aws-sdk/client-s3-control";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { SQSClient } from "@aws-sdk/client-sqs";
import { STSClient } from "@aws-sdk/client-sts";
import { mockClient } from "aws-sdk-client-mock";
import { DEFAULT_RULE_KINDS } from "../../src/config/remediation-config.ts";
import { QUARANTINE_POLICY_DOCUMENT } from "../../src/remediations/iam/iam-role-quarantine.ts";
import { FakePipelineResources } from "./fake-aws-pipeline.ts";
import { FakeServiceResources } from "./fake-aws-services.ts";

const FIXTURES = new URL("../../test/fixtures/events/", import.meta.url);

export const ACCOUNT = "123456789012";
export const HOME_REGION = "us-east-1";
export const JOURNAL_BUCKET = "vigil-journal";
export const TOPIC_ARN = `arn:aws:sns:${HOME_REGION}:${ACCOUNT}:vigil-alerts`;
/** The ARN most of test/fixtures/events name for their Config rule. */
const SAMPLE_RULE_ARN = "arn:aws:config:eu-west-1:123456789012:config-rule/config-rule-k2x9qd";

/** Rule name → the ARN the Config samples give it (a rule is looked up by name and ARN). */
const SAMPLE_RULE_ARNS = new Map(
  readdirSync(FIXTURES)
    .filter((file) => file.startsWith("config-") && file.endsWith(".json"))
    .map((file) => {
      const { detail } = JSON.parse(readFileSync(new URL(file, FIXTURES), "utf8")) as {
        detail: { configRuleName: string; configRuleARN: string };
      };
      return [detail.configRuleName, detail.configRuleARN] as const;
    }),
);

/** The Config rule the reconcile sweep finds, and the bucket it reports. */
export const SWEEP_RULE = "s3-bucket-server-side-encryption-enabled";

/**
 * DescribeConfigRules as an account with Vigil's default rules deployed answers it: the sweep's rule
 * and every rule Vigil maps by default, AWS-owned (the intake trusts those), under the ARN the
 * sample events name.
 */
export function awsOwnedConfigRules() {
  const rules: Array<[string, string]> = [
    ...[...new Set([SWEEP_RULE, ...Object.keys(DEFAULT_RULE_KINDS)])].map(
      (name): [string, string] => [name, name.toUpperCase().replaceAll("-", "_")],
    ),
    ...GENERATED_RULES,
  ];
  return {
    ConfigRules: rules.map(([name, sourceIdentifier]) => ({
      ConfigRuleName: name,
      ConfigRuleArn: SAMPLE_RULE_ARNS.get(name) ?? SAMPLE_RULE_ARN,
      ConfigRuleState: "ACTIVE" as const,
      Source: { Owner: "AWS" as const, SourceIdentifier: sourceIdentifier },
    })),
  };
}

/**
 * Rules under the names Security Hub generates, as the samples name them. SQS encryption has no
 * AWS managed rule: the fuzzed deployment maps it by name (FUZZ_REMEDIATION_CONFIG ruleKinds).
 */
export const GENERATED_RULES: ReadonlyArray<[name: string, sourceIdentifier: string]> = [
  ["securityhub-sns-encrypted-kms-81d29bd8", "SNS_ENCRYPTED_KMS"],
  ["securityhub-sqs-queue-encrypted-11ce1a73", "SQS_QUEUE_ENCRYPTED"],
  ["kinesis-stream-encrypted-conformance-pack-q4w7e1r2", "KINESIS_STREAM_ENCRYPTED"],
  ["securityhub-dynamodb-table-encrypted-kms-5c0e9a71", "DYNAMODB_TABLE_ENCRYPTED_KMS"],
];
export const SWEEP_BUCKET = "acme-raw-landing-prod";

/** Commands that change something (SNS Publish included: an alert is a side effect too). */
export const MUTATING_COMMAND =
  /^(Put|Delete|Detach|Attach|Create|Update|Tag|Untag|Remove|Add|Set|Publish|Send|Start|Enable|Disable|Change|Modify|Reset)/;

export interface RecordedCall {
  service:
    | "s3"
    | "iam"
    | "sns"
    | "sts"
    | "config"
    | "cloudwatch"
    | "accessanalyzer"
    | "sqs"
    | "kms"
    | "secretsmanager"
    | "lambda"
    | "ecr"
    | "efs"
    | "s3control"
    | "ec2"
    | "rds"
    | "kinesis"
    | "dynamodb"
    | "cloudtrail";
  /** e.g. "PutBucketEncryption" */
  command: string;
  input: Record<string, unknown>;
}

/** An AWS SDK-shaped error, as the service would return it. */
export function awsError(name: string, status: number, message = `${name} (fake)`) {
  return Object.assign(new Error(message), {
    name,
    Code: name,
    $fault: status >= 500 ? "server" : "client",
    $metadata: { httpStatusCode: status },
  });
}

const ADMIN_DOCUMENT = JSON.stringify({
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }],
});
const EXTERNAL_TRUST = JSON.stringify({
  Version: "2012-10-17",
  Statement: [
    {
      Effect: "Allow",
      Principal: { AWS: "arn:aws:iam::444455556666:root" },
      Action: "sts:AssumeRole",
    },
  ],
});

interface Bucket {
  encryption?: unknown;
  publicAccessBlock?: unknown;
  policy?: string;
  acl: { Owner: { ID: string }; Grants: unknown[] };
}

interface Principal {
  id: string;
  arn: string;
  attached: Map<string, string>; // policy ARN → name
  inline: Map<string, string>; // policy name → document
  accessKeys?: Map<string, { status: "Active" | "Inactive"; created: Date }>;
}

/** An unused-access finding as GetFindingV2 returns it (the event names neither key nor actions). */
interface AnalyzerFinding {
  resource: string;
  findingType: string;
  status: string;
  findingDetails: Array<Record<string, unknown>>;
}

type PrincipalKind = "user" | "role" | "group";

/** The state the fuzzed events meet; one instance per fuzz run. */
export class FakeAccount {
  readonly buckets = new Map<string, Bucket>();
  readonly objects = new Map<string, { body: string; etag: string }>();
  readonly principals: Record<PrincipalKind, Map<string, Principal>> = {
    user: new Map(),
    role: new Map(),
    group: new Map(),
  };
  readonly policies = new Map<string, { id: string; name: string; document: string }>();
  /** Access Analyzer unused-access findings by id (the fixtures' ids). */
  readonly analyzerFindings = new Map<string, AnalyzerFinding>();
  private etags = 0;

  constructor() {
    const arn = (kind: string, name: string) => `arn:aws:iam::${ACCOUNT}:${kind}/${name}`;
    // The stack's quarantine policy (deploy/member-account.yaml and the home stack create it).
    this.policies.set(arn("policy", "vigil-quarantine/VigilQuarantineDenyAll"), {
      id: "ANPAEXAMPLEQUARANTINE",
      name: "VigilQuarantineDenyAll",
      document: QUARANTINE_POLICY_DOCUMENT,
    });
    this.policies.set(arn("policy", "too-broad"), {
      id: "ANPAEXAMPLEPOLICYID01",
      name: "too-broad",
      document: ADMIN_DOCUMENT,
    });
    this.principals.user.set("etl-bot", {
      id: "AIDAEXAMPLEUSERID0001",
      arn: arn("user", "etl-bot"),
      attached: new Map([["arn:aws:iam::aws:policy/AdministratorAccess", "AdministratorAccess"]]),
      inline: new Map(),
    });
    this.principals.role.set("etl-cross-account-reader", {
      id: "AROAEXAMPLEROLEID0001",
      arn: arn("role", "etl-cross-account-reader"),
      attached: new Map(),
      inline: new Map(),
    });
    // The unused-access samples: a key never used since the analyzer looked, a console password.
    this.principals.user.set("etl-loader", {
      id: "AIDAEXAMPLEUSERID0002",
      arn: arn("user", "etl-loader"),
      attached: new Map(),
      inline: new Map(),
      accessKeys: new Map([
        ["AKIAEXAMPLEUNUSED001", { status: "Active", created: new Date("2025-01-06T08:00:00Z") }],
      ]),
    });
    this.principals.user.set("jdoe", {
      id: "AIDAEXAMPLEUSERID0003",
      arn: arn("user", "ops/jdoe"),
      attached: new Map(),
      inline: new Map(),
    });
    this.analyzerFindings.set("c1f0e7a2-3b4d-4e5f-8a9b-0c1d2e3f4a5b", {
      resource: arn("user", "etl-loader"),
      findingType: "UnusedIAMUserAccessKey",
      status: "ACTIVE",
      findingDetails: [
        {
          unusedIamUserAccessKeyDetails: {
            accessKeyId: "AKIAEXAMPLEUNUSED001",
            lastAccessed: new Date("2026-06-01T00:00:00Z"),
          },
        },
      ],
    });
    this.analyzerFindings.set("d2a1f8b3-4c5e-4f6a-9b0c-1d2e3f4a5b6c", {
      resource: arn("user", "ops/jdoe"),
      findingType: "UnusedIAMUserPassword",
      status: "ACTIVE",
      findingDetails: [
        { unusedIamUserPasswordDetails: { lastAccessed: new Date("2026-05-01T00:00:00Z") } },
      ],
    });
    // The directory bucket sample's: a policy granting anyone (S3 Express names end --x-s3).
    const landing = "acme-landing--euw1-az1--x-s3";
    this.bucket(landing).policy = JSON.stringify({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "Everyone",
          Effect: "Allow",
          Principal: "*",
          Action: "s3express:CreateSession",
          Resource: `arn:aws:s3express:eu-west-1:${ACCOUNT}:bucket/${landing}`,
        },
      ],
    });
    this.principals.role.set("etl-runner", {
      id: "AROAEXAMPLEROLEID0002",
      arn: arn("role", "etl-runner"),
      attached: new Map([[arn("policy", "too-broad"), "too-broad"]]),
      inline: new Map(),
    });
  }

  bucket(name: string): Bucket {
    let bucket = this.buckets.get(name);
    if (!bucket) {
      // Every bucket exists; new ones start with nothing configured.
      bucket = { acl: { Owner: { ID: "owner" }, Grants: [] } };
      this.buckets.set(name, bucket);
    }
    return bucket;
  }

  principal(kind: PrincipalKind, name: unknown): Principal {
    const found = typeof name === "string" ? this.principals[kind].get(name) : undefined;
    if (!found)
      throw awsError("NoSuchEntity", 404, `The ${kind} with name ${name} cannot be found.`);
    return found;
  }

  nextEtag(): string {
    this.etags += 1;
    return `"etag-${this.etags}"`;
  }
}

type Handler = (input: Record<string, unknown>) => unknown;

function s3Handlers(account: FakeAccount): Array<[{ name: string }, Handler]> {
  const journal = (input: Record<string, unknown>) => input.Bucket === JOURNAL_BUCKET;
  const objectStore = {
    put(input: Record<string, unknown>) {
      const key = String(input.Key);
      const existing = account.objects.get(key);
      if (input.IfNoneMatch === "*" && existing) throw awsError("PreconditionFailed", 412);
      if (typeof input.IfMatch === "string" && existing?.etag !== input.IfMatch) {
        throw awsError("PreconditionFailed", 412);
      }
      const body = input.Body instanceof Uint8Array ? "" : String(input.Body ?? "");
      const etag = account.nextEtag();
      account.objects.set(key, { body, etag });
      return { ETag: etag };
    },
  };
  return [
    [
      PutObjectCommand,
      (input) => {
        if (!journal(input)) throw awsError("AccessDenied", 403);
        return objectStore.put(input);
      },
    ],
    [
      GetObjectCommand,
      (input) => {
        const object = journal(input) ? account.objects.get(String(input.Key)) : undefined;
        if (!object) throw awsError("NoSuchKey", 404);
        return { ETag: object.etag, Body: { transformToString: async () => object.body } };
      },
    ],
    [
      DeleteObjectCommand,
      (input) => {
        const key = String(input.Key);
        const existing = account.objects.get(key);
        if (typeof input.IfMatch === "string" && existing?.etag !== input.IfMatch) {
          throw awsError("PreconditionFailed", 412);
        }
        account.objects.delete(key);
        return {};
      },
    ],
    [
      ListObjectsV2Command,
      (input) => {
        const prefix = String(input.Prefix ?? "");
        const after = String(input.StartAfter ?? "");
        const keys = [...account.objects.keys()]
          .filter((key) => key.startsWith(prefix) && key > after)
          .sort();
        return { Contents: keys.map((Key) => ({ Key })), IsTruncated: false };
      },
    ],
    [
      GetBucketEncryptionCommand,
      (input) => {
        const encryption = account.bucket(String(input.Bucket)).encryption;
        if (!encryption) throw awsError("ServerSideEncryptionConfigurationNotFoundError", 404);
        return { ServerSideEncryptionConfiguration: structuredClone(encryption) };
      },
    ],
    [
      PutBucketEncryptionCommand,
      (input) => {
        account.bucket(String(input.Bucket)).encryption = structuredClone(
          input.ServerSideEncryptionConfiguration,
        );
        return {};
      },
    ],
    [
      DeleteBucketEncryptionCommand,
      (input) => {
        delete account.bucket(String(input.Bucket)).encryption;
        return {};
      },
    ],
    [GetBucketTaggingCommand, () => Promise.reject(awsError("NoSuchTagSet", 404))],
    [
      GetPublicAccessBlockCommand,
      (input) => {
        const block = account.bucket(String(input.Bucket)).publicAccessBlock;
        if (!block) throw awsError("NoSuchPublicAccessBlockConfiguration", 404);
        return { PublicAccessBlockConfiguration: structuredClone(block) };
      },
    ],
    [
      PutPublicAccessBlockCommand,
      (input) => {
        account.bucket(String(input.Bucket)).publicAccessBlock = structuredClone(
          input.PublicAccessBlockConfiguration,
        );
        return {};
      },
    ],
    [
      DeletePublicAccessBlockCommand,
      (input) => {
        delete account.bucket(String(input.Bucket)).publicAccessBlock;
        return {};
      },
    ],
    [
      GetBucketPolicyCommand,
      (input) => {
        const policy = account.bucket(String(input.Bucket)).policy;
        if (policy === undefined) throw awsError("NoSuchBucketPolicy", 404);
        return { Policy: policy };
      },
    ],
    [
      PutBucketPolicyCommand,
      (input) => {
        account.bucket(String(input.Bucket)).policy = String(input.Policy);
        return {};
      },
    ],
    [
      DeleteBucketPolicyCommand,
      (input) => {
        delete account.bucket(String(input.Bucket)).policy;
        return {};
      },
    ],
    [GetBucketAclCommand, (input) => structuredClone(account.bucket(String(input.Bucket)).acl)],
    [
      PutBucketAclCommand,
      (input) => {
        const policy = input.AccessControlPolicy as Bucket["acl"] | undefined;
        if (policy) account.bucket(String(input.Bucket)).acl = structuredClone(policy);
        return {};
      },
    ],
    [GetBucketWebsiteCommand, () => Promise.reject(awsError("NoSuchWebsiteConfiguration", 404))],
  ];
}

function iamHandlers(account: FakeAccount): Array<[{ name: string }, Handler]> {
  const listed = (kind: PrincipalKind) =>
    [...account.principals[kind].entries()].map(([name, p]) => ({ name, ...p }));
  const attachedOf = (kind: PrincipalKind, key: string) => (input: Record<string, unknown>) => ({
    AttachedPolicies: [...account.principal(kind, input[key]).attached].map(
      ([PolicyArn, PolicyName]) => ({ PolicyArn, PolicyName }),
    ),
    IsTruncated: false,
  });
  const inlineNames = (kind: PrincipalKind, key: string) => (input: Record<string, unknown>) => ({
    PolicyNames: [...account.principal(kind, input[key]).inline.keys()],
    IsTruncated: false,
  });
  const getInline = (kind: PrincipalKind, key: string) => (input: Record<string, unknown>) => {
    const document = account.principal(kind, input[key]).inline.get(String(input.PolicyName));
    if (document === undefined) throw awsError("NoSuchEntity", 404);
    return { PolicyName: input.PolicyName, PolicyDocument: encodeURIComponent(document) };
  };
  const putInline = (kind: PrincipalKind, key: string) => (input: Record<string, unknown>) => {
    account
      .principal(kind, input[key])
      .inline.set(String(input.PolicyName), decodeURIComponent(String(input.PolicyDocument)));
    return {};
  };
  const deleteInline = (kind: PrincipalKind, key: string) => (input: Record<string, unknown>) => {
    if (!account.principal(kind, input[key]).inline.delete(String(input.PolicyName))) {
      throw awsError("NoSuchEntity", 404);
    }
    return {};
  };
  const detach = (kind: PrincipalKind, key: string) => (input: Record<string, unknown>) => {
    if (!account.principal(kind, input[key]).attached.delete(String(input.PolicyArn))) {
      throw awsError("NoSuchEntity", 404);
    }
    return {};
  };
  const attach = (kind: PrincipalKind, key: string) => (input: Record<string, unknown>) => {
    const arn = String(input.PolicyArn);
    account.principal(kind, input[key]).attached.set(arn, arn.split("/").at(-1) ?? arn);
    return {};
  };
  const policy = (input: Record<string, unknown>) => {
    const found = account.policies.get(String(input.PolicyArn));
    if (!found) throw awsError("NoSuchEntity", 404);
    return found;
  };
  const entities = (kind: PrincipalKind, arn: string) =>
    listed(kind).filter((p) => p.attached.has(arn));
  const keysOf = (userName: unknown) => account.principal("user", userName).accessKeys ?? new Map();
  const keyOwner = (accessKeyId: unknown) =>
    listed("user").find((u) => u.accessKeys?.has(String(accessKeyId)));
  return [
    [
      ListAccessKeysCommand,
      (input) => ({
        AccessKeyMetadata: [...keysOf(input.UserName)].map(([AccessKeyId, key]) => ({
          UserName: input.UserName,
          AccessKeyId,
          Status: key.status,
          CreateDate: key.created,
        })),
        IsTruncated: false,
      }),
    ],
    [
      GetAccessKeyLastUsedCommand,
      (input) => {
        if (!keyOwner(input.AccessKeyId)) throw awsError("AccessDenied", 403);
        return { AccessKeyLastUsed: { ServiceName: "N/A", Region: "N/A" } };
      },
    ],
    [
      UpdateAccessKeyCommand,
      (input) => {
        const key = keysOf(input.UserName).get(String(input.AccessKeyId));
        if (!key) throw awsError("NoSuchEntity", 404);
        key.status = input.Status === "Inactive" ? "Inactive" : "Active";
        return {};
      },
    ],
    [
      ListUsersCommand,
      () => ({
        Users: listed("user").map((u) => ({ UserId: u.id, UserName: u.name, Arn: u.arn })),
      }),
    ],
    [
      ListRolesCommand,
      () => ({
        Roles: listed("role").map((r) => ({ RoleId: r.id, RoleName: r.name, Arn: r.arn })),
      }),
    ],
    [ListGroupsCommand, () => ({ Groups: [] })],
    [
      ListPoliciesCommand,
      () => ({
        Policies: [...account.policies].map(([Arn, p]) => ({
          PolicyId: p.id,
          PolicyName: p.name,
          Arn,
        })),
      }),
    ],
    [
      GetRoleCommand,
      (input) => {
        const role = account.principal("role", input.RoleName);
        return {
          Role: {
            RoleName: input.RoleName,
            RoleId: role.id,
            Arn: role.arn,
            Path: "/",
            AssumeRolePolicyDocument: encodeURIComponent(EXTERNAL_TRUST),
          },
        };
      },
    ],
    [ListRoleTagsCommand, () => ({ Tags: [], IsTruncated: false })],
    [ListUserTagsCommand, () => ({ Tags: [], IsTruncated: false })],
    [ListPolicyTagsCommand, () => ({ Tags: [], IsTruncated: false })],
    [ListAttachedUserPoliciesCommand, attachedOf("user", "UserName")],
    [ListAttachedRolePoliciesCommand, attachedOf("role", "RoleName")],
    [ListAttachedGroupPoliciesCommand, attachedOf("group", "GroupName")],
    [ListUserPoliciesCommand, inlineNames("user", "UserName")],
    [ListRolePoliciesCommand, inlineNames("role", "RoleName")],
    [ListGroupPoliciesCommand, inlineNames("group", "GroupName")],
    [GetUserPolicyCommand, getInline("user", "UserName")],
    [GetRolePolicyCommand, getInline("role", "RoleName")],
    [GetGroupPolicyCommand, getInline("group", "GroupName")],
    [PutUserPolicyCommand, putInline("user", "UserName")],
    [PutRolePolicyCommand, putInline("role", "RoleName")],
    [PutGroupPolicyCommand, putInline("group", "GroupName")],
    [DeleteUserPolicyCommand, deleteInline("user", "UserName")],
    [DeleteRolePolicyCommand, deleteInline("role", "RoleName")],
    [DeleteGroupPolicyCommand, deleteInline("group", "GroupName")],
    [DetachUserPolicyCommand, detach("user", "UserName")],
    [DetachRolePolicyCommand, detach("role", "RoleName")],
    [DetachGroupPolicyCommand, detach("group", "GroupName")],
    [AttachUserPolicyCommand, attach("user", "UserName")],
    [AttachRolePolicyCommand, attach("role", "RoleName")],
    [AttachGroupPolicyCommand, attach("group", "GroupName")],
    [
      GetPolicyCommand,
      (input) => {
        const p = policy(input);
        return {
          Policy: {
            PolicyName: p.name,
            PolicyId: p.id,
            Arn: input.PolicyArn,
            DefaultVersionId: "v1",
          },
        };
      },
    ],
    [
      GetPolicyVersionCommand,
      (input) => ({
        PolicyVersion: { VersionId: "v1", Document: encodeURIComponent(policy(input).document) },
      }),
    ],
    [
      ListEntitiesForPolicyCommand,
      (input) => {
        const arn = String(input.PolicyArn);
        return {
          PolicyUsers: entities("user", arn).map((u) => ({ UserName: u.name, UserId: u.id })),
          PolicyRoles: entities("role", arn).map((r) => ({ RoleName: r.name, RoleId: r.id })),
          PolicyGroups: [],
          IsTruncated: false,
        };
      },
    ],
  ];
}

/** What the fake needs of an aws-sdk-client-mock stub, whatever its client type. */
interface Stub {
  calls(): Array<{ args: unknown[] }>;
  resetHistory(): void;
  restore(): void;
}

interface Wirable {
  on(command: never): { callsFake(fn: (input: Record<string, unknown>) => unknown): unknown };
}

function wire(stub: unknown, handlers: Array<[{ name: string }, Handler]>): void {
  for (const [command, handle] of handlers) {
    // Rejections, not synchronous throws: that is how the SDK fails.
    (stub as Wirable).on(command as never).callsFake(async (input) => handle(input));
  }
}

/** Installs the mocks; restore() before another FakeAws (or other mocks) is installed. */
export class FakeAws {
  readonly account = new FakeAccount();
  readonly resources = new FakeServiceResources(ACCOUNT);
  readonly pipeline = new FakePipelineResources();
  private readonly stubs: Array<[RecordedCall["service"], Stub]>;

  constructor() {
    const s3 = mockClient(S3Client);
    const iam = mockClient(IAMClient);
    const sns = mockClient(SNSClient);
    const sts = mockClient(STSClient);
    const config = mockClient(ConfigServiceClient);
    const cloudwatch = mockClient(CloudWatchClient);
    const accessAnalyzer = mockClient(AccessAnalyzerClient);
    const sqs = mockClient(SQSClient);
    const kms = mockClient(KMSClient);
    const secrets = mockClient(SecretsManagerClient);
    const lambda = mockClient(LambdaClient);
    const ecr = mockClient(ECRClient);
    const efs = mockClient(EFSClient);
    const s3control = mockClient(S3ControlClient);
    const ec2 = mockClient(EC2Client);
    const rds = mockClient(RDSClient);
    const kinesis = mockClient(KinesisClient);
    const dynamodb = mockClient(DynamoDBClient);
    const cloudtrail = mockClient(CloudTrailClient);
    this.stubs = [
      ["s3", s3],
      ["iam", iam],
      ["sns", sns],
      ["sts", sts],
      ["config", config],
      ["cloudwatch", cloudwatch],
      ["accessanalyzer", accessAnalyzer],
      ["sqs", sqs],
      ["kms", kms],
      ["secretsmanager", secrets],
      ["lambda", lambda],
      ["ecr", ecr],
      ["efs", efs],
      ["s3control", s3control],
      ["ec2", ec2],
      ["rds", rds],
      ["kinesis", kinesis],
      ["dynamodb", dynamodb],
      ["cloudtrail", cloudtrail],
    ];
    wire(sqs, this.resources.sqs());
    wire(sns, this.resources.sns());
    wire(kms, this.resources.kms());
    wire(secrets, this.resources.secretsManager());
    wire(lambda, this.resources.lambda());
    wire(ecr, this.resources.ecr());
    wire(efs, this.resources.efs());
    wire(s3control, this.resources.s3control());
    wire(ec2, this.resources.ec2());
    wire(rds, this.resources.rds());
    wire(kinesis, this.resources.kinesis());
    wire(dynamodb, this.pipeline.dynamodb());
    wire(cloudtrail, this.pipeline.cloudtrail());
    // The sweep's Access Analyzer part: no analyzer in the fake account.
    accessAnalyzer.on(ListAnalyzersCommand).resolves({ analyzers: [] });
    wire(accessAnalyzer, [
      [
        GetFindingV2Command,
        (input) => {
          const found = this.account.analyzerFindings.get(String(input.id));
          if (!found) throw awsError("ResourceNotFoundException", 404);
          return { id: input.id, ...found };
        },
      ],
    ]);
    wire(s3, s3Handlers(this.account));
    wire(iam, iamHandlers(this.account));
    sns.on(PublishCommand).resolves({ MessageId: "fake-message" });
    config.on(DescribeConfigRulesCommand).resolves(awsOwnedConfigRules());
    config.on(GetComplianceDetailsByConfigRuleCommand).resolves({
      EvaluationResults: [
        {
          EvaluationResultIdentifier: {
            EvaluationResultQualifier: {
              ConfigRuleName: SWEEP_RULE,
              ResourceType: "AWS::S3::Bucket",
              ResourceId: SWEEP_BUCKET,
            },
          },
          ComplianceType: "NON_COMPLIANT",
          ResultRecordedTime: new Date("2026-11-20T09:15:03.801Z"),
        },
      ],
    });
    cloudwatch.on(ListMetricsCommand).resolves({ Metrics: [] });
    cloudwatch.on(GetMetricDataCommand).resolves({ MetricDataResults: [] });
  }

  /** Every call since the last resetHistory(), in order per service. */
  calls(): RecordedCall[] {
    return this.stubs.flatMap(([service, stub]) =>
      stub.calls().map((call) => {
        const command = call.args[0] as { constructor: { name: string }; input: object };
        return {
          service,
          command: command.constructor.name.replace(/Command$/, ""),
          input: command.input as Record<string, unknown>,
        };
      }),
    );
  }

  resetHistory(): void {
    for (const [, stub] of this.stubs) stub.resetHistory();
  }

  restore(): void {
    for (const [, stub] of this.stubs) stub.restore();
  }
}

/** Calls that change something; a resolve notification is reported apart (the design allows it). */
export function isMutating(call: RecordedCall): boolean {
  return MUTATING_COMMAND.test(call.command);
}

export function isResolveNotification(call: RecordedCall): boolean {
  const attributes = call.input.MessageAttributes as
    | Record<string, { StringValue?: string }>
    | undefined;
  return call.command === "Publish" && attributes?.action?.StringValue === "resolve";
}
