/**
 * The fake account's resources beyond S3 and IAM, for the newer remediation kinds: SQS queues and
 * SNS topics (policy, encryption), KMS keys, Secrets Manager secrets, EBS and RDS snapshots
 * (sharing) and EBS encryption by default. Every named resource exists; each starts exposed
 * (a `Principal: "*"` statement, shared with `all`, unencrypted) so a valid event has something
 * to change. Handlers answer the way the service does, as far as the remediations read them.
 *
 * Not a Vitest module: bench/resilience.ts runs the same fuzzers.
 */

import {
  DescribeSnapshotAttributeCommand,
  DescribeSnapshotsCommand,
  DisableEbsEncryptionByDefaultCommand,
  EnableEbsEncryptionByDefaultCommand,
  GetEbsDefaultKmsKeyIdCommand,
  GetEbsEncryptionByDefaultCommand,
  ModifyEbsDefaultKmsKeyIdCommand,
  ModifySnapshotAttributeCommand,
  ResetEbsDefaultKmsKeyIdCommand,
} from "@aws-sdk/client-ec2";
import {
  DeleteRepositoryPolicyCommand,
  GetRepositoryPolicyCommand,
  ListTagsForResourceCommand as ListEcrTagsCommand,
  SetRepositoryPolicyCommand,
} from "@aws-sdk/client-ecr";
import {
  DescribeFileSystemPolicyCommand,
  ListTagsForResourceCommand as ListEfsTagsCommand,
  PutFileSystemPolicyCommand,
} from "@aws-sdk/client-efs";
import {
  DescribeStreamSummaryCommand,
  ListTagsForStreamCommand,
  StartStreamEncryptionCommand,
  StopStreamEncryptionCommand,
} from "@aws-sdk/client-kinesis";
import {
  DescribeKeyCommand,
  GetKeyPolicyCommand,
  ListResourceTagsCommand,
  PutKeyPolicyCommand,
} from "@aws-sdk/client-kms";
import {
  GetFunctionUrlConfigCommand,
  GetPolicyCommand,
  ListTagsCommand,
  RemovePermissionCommand,
} from "@aws-sdk/client-lambda";
import {
  DescribeDBClusterSnapshotAttributesCommand,
  DescribeDBClusterSnapshotsCommand,
  DescribeDBSnapshotAttributesCommand,
  DescribeDBSnapshotsCommand,
  ModifyDBClusterSnapshotAttributeCommand,
  ModifyDBSnapshotAttributeCommand,
} from "@aws-sdk/client-rds";
import {
  DeleteAccessPointPolicyCommand,
  GetAccessPointCommand,
  GetAccessPointPolicyCommand,
  ListTagsForResourceCommand as ListS3ControlTagsCommand,
  PutAccessPointPolicyCommand,
} from "@aws-sdk/client-s3-control";
import {
  DeleteResourcePolicyCommand,
  DescribeSecretCommand,
  GetResourcePolicyCommand,
  PutResourcePolicyCommand,
} from "@aws-sdk/client-secrets-manager";
import {
  GetTopicAttributesCommand,
  ListTagsForResourceCommand,
  SetTopicAttributesCommand,
} from "@aws-sdk/client-sns";
import {
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListQueueTagsCommand,
  SetQueueAttributesCommand,
} from "@aws-sdk/client-sqs";
import { TRAIL_KEY_ARN, TRAIL_KEY_POLICY } from "./fake-aws-pipeline.ts";

type Handler = (input: Record<string, unknown>) => unknown;
export type Handlers = Array<[{ name: string }, Handler]>;

/** The region the fake answers queue URLs and key ARNs in (the samples' region). */
const REGION = "eu-west-1";

function publicPolicy(action: string, resource: string, ownerAccount?: string): string {
  const statements: unknown[] = [
    { Sid: "Everyone", Effect: "Allow", Principal: "*", Action: action, Resource: resource },
  ];
  if (ownerAccount) {
    // A key policy that keeps the account root in (else the KMS remediation refuses).
    statements.unshift({
      Sid: "EnableRoot",
      Effect: "Allow",
      Principal: { AWS: `arn:aws:iam::${ownerAccount}:root` },
      Action: "kms:*",
      Resource: "*",
    });
  }
  return JSON.stringify({ Version: "2012-10-17", Statement: statements });
}

/** A service's "not found" answer (client fault: never retried). */
function notFoundError(name: string): Error {
  return Object.assign(new Error(`${name} (fake)`), {
    name,
    $fault: "client",
    $metadata: { httpStatusCode: 404 },
  });
}

function str(value: unknown): string {
  return typeof value === "string" ? value : String(value);
}

function list(value: unknown): string[] {
  return Array.isArray(value) ? value.map(str) : [];
}

export class FakeServiceResources {
  /** Queue URL or topic ARN → attributes (Policy, KmsMasterKeyId …). */
  private readonly attributes = new Map<string, Record<string, string>>();
  /** KMS key id/ARN or secret id → policy ("" when none). */
  private readonly policies = new Map<string, string>();
  /** Snapshot id → who may restore it ("all" or account ids). */
  private readonly shares = new Map<string, string[]>();
  private ebsDefault = { enabled: false, key: "alias/aws/ebs" };
  /** Stream ARN → the KMS key it is encrypted with (absent: unencrypted). */
  private readonly streamKeys = new Map<string, string>();

  constructor(private readonly account: string) {}

  private queue(url: string): Record<string, string> {
    let found = this.attributes.get(url);
    if (!found) {
      const name = url.split("/").at(-1) ?? "";
      const arn = `arn:aws:sqs:${REGION}:${this.account}:${name}`;
      found = { QueueArn: arn, Policy: publicPolicy("sqs:SendMessage", arn) };
      this.attributes.set(url, found);
    }
    return found;
  }

  private topic(arn: string): Record<string, string> {
    let found = this.attributes.get(arn);
    if (!found) {
      found = { TopicArn: arn, Owner: this.account, Policy: publicPolicy("sns:Publish", arn) };
      this.attributes.set(arn, found);
    }
    return found;
  }

  private policy(id: string, initial: () => string): string {
    if (!this.policies.has(id)) this.policies.set(id, initial());
    return this.policies.get(id) as string;
  }

  private shared(id: string): string[] {
    if (!this.shares.has(id)) this.shares.set(id, ["all"]);
    return this.shares.get(id) as string[];
  }

  private share(id: string, add: string[], remove: string[]): void {
    const now = new Set(this.shared(id));
    for (const value of add) now.add(value);
    for (const value of remove) now.delete(value);
    this.shares.set(id, [...now]);
  }

  sqs(): Handlers {
    return [
      [
        GetQueueUrlCommand,
        (input) => ({
          QueueUrl: `https://sqs.${REGION}.amazonaws.com/${str(input.QueueOwnerAWSAccountId ?? this.account)}/${str(input.QueueName)}`,
        }),
      ],
      [
        GetQueueAttributesCommand,
        (input) => ({ Attributes: { ...this.queue(str(input.QueueUrl)) } }),
      ],
      [
        SetQueueAttributesCommand,
        (input) => {
          const queue = this.queue(str(input.QueueUrl));
          for (const [key, value] of Object.entries(input.Attributes as Record<string, string>)) {
            if (value === "") delete queue[key];
            else queue[key] = value;
          }
          return {};
        },
      ],
      [ListQueueTagsCommand, () => ({ Tags: {} })],
    ];
  }

  sns(): Handlers {
    return [
      [
        GetTopicAttributesCommand,
        (input) => ({ Attributes: { ...this.topic(str(input.TopicArn)) } }),
      ],
      [
        SetTopicAttributesCommand,
        (input) => {
          this.topic(str(input.TopicArn))[str(input.AttributeName)] = str(
            input.AttributeValue ?? "",
          );
          return {};
        },
      ],
      [ListTagsForResourceCommand, () => ({ Tags: [] })],
    ];
  }

  kms(): Handlers {
    const keyPolicy = (id: string) =>
      this.policy(`kms:${id}`, () =>
        // The fuzzed deployment's trail key lets CloudTrail in; any other key is exposed.
        id === TRAIL_KEY_ARN ? TRAIL_KEY_POLICY : publicPolicy("kms:Decrypt", "*", this.account),
      );
    return [
      [GetKeyPolicyCommand, (input) => ({ Policy: keyPolicy(str(input.KeyId)) })],
      [
        PutKeyPolicyCommand,
        (input) => {
          this.policies.set(`kms:${str(input.KeyId)}`, str(input.Policy));
          return {};
        },
      ],
      [ListResourceTagsCommand, () => ({ Tags: [] })],
      [
        DescribeKeyCommand,
        (input) => {
          const id = str(input.KeyId);
          return {
            KeyMetadata: {
              KeyId: id.split("/").at(-1),
              // An AWS managed alias resolves to its key's ARN (dynamodb-encryption reads it).
              ...(id.startsWith("arn:")
                ? { Arn: id }
                : id.startsWith("alias/aws/")
                  ? { Arn: `arn:aws:kms:${REGION}:${this.account}:key/${id.slice(10)}-managed` }
                  : {}),
              KeyState: "Enabled",
              KeyUsage: "ENCRYPT_DECRYPT",
              KeySpec: "SYMMETRIC_DEFAULT",
              KeyManager: id.includes("alias/aws/") ? "AWS" : "CUSTOMER",
            },
          };
        },
      ],
    ];
  }

  secretsManager(): Handlers {
    const secretPolicy = (id: string) =>
      this.policy(`secret:${id}`, () => publicPolicy("secretsmanager:GetSecretValue", "*"));
    return [
      [DescribeSecretCommand, (input) => ({ ARN: str(input.SecretId), Tags: [] })],
      [
        GetResourcePolicyCommand,
        (input) => {
          const policy = secretPolicy(str(input.SecretId));
          return { ARN: str(input.SecretId), ...(policy ? { ResourcePolicy: policy } : {}) };
        },
      ],
      [
        PutResourcePolicyCommand,
        (input) => {
          this.policies.set(`secret:${str(input.SecretId)}`, str(input.ResourcePolicy));
          return { ARN: str(input.SecretId) };
        },
      ],
      [
        DeleteResourcePolicyCommand,
        (input) => {
          this.policies.set(`secret:${str(input.SecretId)}`, "");
          return { ARN: str(input.SecretId) };
        },
      ],
    ];
  }

  /** Lambda functions: a public permission each, no function URL. */
  lambda(): Handlers {
    const functionPolicy = (arn: string) =>
      this.policy(`function:${arn}`, () => publicPolicy("lambda:InvokeFunction", arn));
    const notFound = () => {
      throw notFoundError("ResourceNotFoundException");
    };
    return [
      [ListTagsCommand, () => ({ Tags: {} })],
      [
        GetPolicyCommand,
        (input) => {
          const policy = functionPolicy(str(input.FunctionName));
          return policy ? { Policy: policy } : notFound();
        },
      ],
      [
        RemovePermissionCommand,
        (input) => {
          const arn = str(input.FunctionName);
          const document = JSON.parse(functionPolicy(arn) || '{"Statement":[]}');
          const kept = (document.Statement as { Sid?: string }[]).filter(
            (statement) => statement.Sid !== str(input.StatementId),
          );
          this.policies.set(
            `function:${arn}`,
            kept.length > 0 ? JSON.stringify({ ...document, Statement: kept }) : "",
          );
          return {};
        },
      ],
      [GetFunctionUrlConfigCommand, notFound],
    ];
  }

  /** ECR repositories: a public pull policy each. */
  ecr(): Handlers {
    const key = (input: Record<string, unknown>) => `repository:${str(input.repositoryName)}`;
    const repositoryPolicy = (input: Record<string, unknown>) =>
      this.policy(key(input), () => publicPolicy("ecr:BatchGetImage", "*"));
    return [
      [ListEcrTagsCommand, () => ({ tags: [] })],
      [
        GetRepositoryPolicyCommand,
        (input) => {
          const policy = repositoryPolicy(input);
          if (!policy) throw notFoundError("RepositoryPolicyNotFoundException");
          return { policyText: policy };
        },
      ],
      [
        SetRepositoryPolicyCommand,
        (input) => {
          this.policies.set(key(input), str(input.policyText));
          return {};
        },
      ],
      [
        DeleteRepositoryPolicyCommand,
        (input) => {
          this.policies.set(key(input), "");
          return {};
        },
      ],
    ];
  }

  /** EFS file systems: a public mount policy each (EFS's API has no delete Vigil uses). */
  efs(): Handlers {
    const key = (input: Record<string, unknown>) => `file-system:${str(input.FileSystemId)}`;
    return [
      [ListEfsTagsCommand, () => ({ Tags: [] })],
      [
        DescribeFileSystemPolicyCommand,
        (input) => {
          const policy = this.policy(key(input), () =>
            publicPolicy("elasticfilesystem:ClientMount", "*"),
          );
          if (!policy) throw notFoundError("PolicyNotFound");
          return { FileSystemId: str(input.FileSystemId), Policy: policy };
        },
      ],
      [
        PutFileSystemPolicyCommand,
        (input) => {
          this.policies.set(key(input), str(input.Policy));
          return { FileSystemId: str(input.FileSystemId), Policy: str(input.Policy) };
        },
      ],
    ];
  }

  /**
   * S3 Control: access points (a public read policy each; their own Block Public Access off, as
   * an access point created without it) and the tags of access points and directory buckets.
   */
  s3control(): Handlers {
    const key = (input: Record<string, unknown>) =>
      `accesspoint:${str(input.AccountId)}:${str(input.Name)}`;
    return [
      [ListS3ControlTagsCommand, () => ({ Tags: [] })],
      [
        GetAccessPointCommand,
        (input) => ({
          Name: str(input.Name),
          Bucket: "acme-curated-exports",
          NetworkOrigin: "Internet",
          PublicAccessBlockConfiguration: {
            BlockPublicAcls: false,
            IgnorePublicAcls: false,
            BlockPublicPolicy: false,
            RestrictPublicBuckets: false,
          },
        }),
      ],
      [
        GetAccessPointPolicyCommand,
        (input) => {
          const arn = `arn:aws:s3:${REGION}:${str(input.AccountId)}:accesspoint/${str(input.Name)}`;
          const policy = this.policy(key(input), () =>
            publicPolicy("s3:GetObject", `${arn}/object/*`),
          );
          if (!policy) throw notFoundError("NoSuchAccessPointPolicy");
          return { Policy: policy };
        },
      ],
      [
        PutAccessPointPolicyCommand,
        (input) => {
          this.policies.set(key(input), str(input.Policy));
          return {};
        },
      ],
      [
        DeleteAccessPointPolicyCommand,
        (input) => {
          this.policies.set(key(input), "");
          return {};
        },
      ],
    ];
  }

  ec2(): Handlers {
    return [
      [
        DescribeSnapshotsCommand,
        (input) => ({
          Snapshots: list(input.SnapshotIds).map((id) => ({
            SnapshotId: id,
            OwnerId: this.account,
            Tags: [],
          })),
        }),
      ],
      [
        DescribeSnapshotAttributeCommand,
        (input) => ({
          SnapshotId: input.SnapshotId,
          CreateVolumePermissions: this.shared(`ebs:${str(input.SnapshotId)}`).map((value) =>
            value === "all" ? { Group: "all" } : { UserId: value },
          ),
        }),
      ],
      [
        ModifySnapshotAttributeCommand,
        (input) => {
          const values = [...list(input.GroupNames), ...list(input.UserIds)];
          const add = input.OperationType === "add";
          this.share(`ebs:${str(input.SnapshotId)}`, add ? values : [], add ? [] : values);
          return {};
        },
      ],
      [
        GetEbsEncryptionByDefaultCommand,
        () => ({ EbsEncryptionByDefault: this.ebsDefault.enabled }),
      ],
      [GetEbsDefaultKmsKeyIdCommand, () => ({ KmsKeyId: this.ebsDefault.key })],
      [
        EnableEbsEncryptionByDefaultCommand,
        () => {
          this.ebsDefault.enabled = true;
          return { EbsEncryptionByDefault: true };
        },
      ],
      [
        DisableEbsEncryptionByDefaultCommand,
        () => {
          this.ebsDefault.enabled = false;
          return { EbsEncryptionByDefault: false };
        },
      ],
      [
        ModifyEbsDefaultKmsKeyIdCommand,
        (input) => {
          this.ebsDefault.key = str(input.KmsKeyId);
          return { KmsKeyId: this.ebsDefault.key };
        },
      ],
      [
        ResetEbsDefaultKmsKeyIdCommand,
        () => {
          this.ebsDefault.key = "alias/aws/ebs";
          return { KmsKeyId: this.ebsDefault.key };
        },
      ],
    ];
  }

  rds(): Handlers {
    const attributes = (id: string) => [
      { AttributeName: "restore", AttributeValues: this.shared(`rds:${id}`) },
    ];
    const modify = (input: Record<string, unknown>, id: string) => {
      this.share(`rds:${id}`, list(input.ValuesToAdd), list(input.ValuesToRemove));
      return {};
    };
    return [
      [
        DescribeDBSnapshotsCommand,
        (input) => ({
          DBSnapshots: [{ DBSnapshotIdentifier: input.DBSnapshotIdentifier, TagList: [] }],
        }),
      ],
      [
        DescribeDBClusterSnapshotsCommand,
        (input) => ({
          DBClusterSnapshots: [
            { DBClusterSnapshotIdentifier: input.DBClusterSnapshotIdentifier, TagList: [] },
          ],
        }),
      ],
      [
        DescribeDBSnapshotAttributesCommand,
        (input) => ({
          DBSnapshotAttributesResult: {
            DBSnapshotIdentifier: input.DBSnapshotIdentifier,
            DBSnapshotAttributes: attributes(str(input.DBSnapshotIdentifier)),
          },
        }),
      ],
      [
        DescribeDBClusterSnapshotAttributesCommand,
        (input) => ({
          DBClusterSnapshotAttributesResult: {
            DBClusterSnapshotIdentifier: input.DBClusterSnapshotIdentifier,
            DBClusterSnapshotAttributes: attributes(str(input.DBClusterSnapshotIdentifier)),
          },
        }),
      ],
      [ModifyDBSnapshotAttributeCommand, (input) => modify(input, str(input.DBSnapshotIdentifier))],
      [
        ModifyDBClusterSnapshotAttributeCommand,
        (input) => modify(input, str(input.DBClusterSnapshotIdentifier)),
      ],
    ];
  }

  kinesis(): Handlers {
    return [
      [
        DescribeStreamSummaryCommand,
        (input) => {
          const arn = str(input.StreamARN);
          const key = this.streamKeys.get(arn);
          return {
            StreamDescriptionSummary: {
              StreamARN: arn,
              StreamName: arn.split("/").at(-1),
              StreamStatus: "ACTIVE",
              EncryptionType: key ? "KMS" : "NONE",
              ...(key ? { KeyId: key } : {}),
            },
          };
        },
      ],
      [ListTagsForStreamCommand, () => ({ Tags: [], HasMoreTags: false })],
      [
        StartStreamEncryptionCommand,
        (input) => {
          this.streamKeys.set(str(input.StreamARN), str(input.KeyId));
          return {};
        },
      ],
      [
        StopStreamEncryptionCommand,
        (input) => {
          this.streamKeys.delete(str(input.StreamARN));
          return {};
        },
      ],
    ];
  }
}
