import { GRAPH_IMAGE_PREFIX } from "../adapters/graph-images.ts";
import { PAGE_LEDGER_PREFIX } from "../adapters/s3-page-ledger.ts";
import { functionPermissions, functionScopes } from "./function-permissions.ts";
import { OPERATOR_ROLE_NAME, roleName } from "./iam-roles.ts";

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

const sub = (value: string): Json => ({ "Fn::Sub": value });

const roleArns = (names: string[]): Json =>
  names.map((name) => sub(`arn:\${AWS::Partition}:iam::\${AWS::AccountId}:role/${name}`));

/** Object writes that could forge, alter or erase a journal record or claim. */
export const JOURNAL_WRITE_ACTIONS = [
  "s3:DeleteObject",
  "s3:DeleteObjectVersion",
  "s3:PutObject",
  "s3:PutObjectAcl",
  "s3:PutObjectLegalHold",
  "s3:PutObjectRetention",
  "s3:PutObjectTagging",
  "s3:PutObjectVersionAcl",
];

function writers(prefixed: boolean): string[] {
  const scopes = functionScopes();
  return Object.entries(functionPermissions())
    .filter(([, actions]) => actions.includes("s3:PutObject"))
    .filter(([fn]) => (scopes[fn]?.journalPrefix !== undefined) === prefixed)
    .map(([fn]) => roleName(fn));
}

/** The roles that write the journal: the remediating functions and the operator (undo). */
export function journalWriterRoleNames(): string[] {
  return [...writers(false), OPERATOR_ROLE_NAME];
}

/** The roles that write only the page ledger (alerts/): the detect functions. */
export function pageLedgerWriterRoleNames(): string[] {
  return writers(true);
}

/**
 * The journal: a versioned bucket that only Vigil's roles can write (an explicit deny for every
 * other principal, account admins included, so a forged record or claim needs Vigil's own role),
 * and the KMS HMAC key that seals each record (undo verifies it).
 */
export function journalResources(): { Resources: Record<string, Json> } {
  const bucketArn = { "Fn::GetAtt": ["JournalBucket", "Arn"] };
  const objects = sub("${JournalBucket.Arn}/*");
  return {
    Resources: {
      JournalBucket: {
        Type: "AWS::S3::Bucket",
        DeletionPolicy: "Retain",
        UpdateReplacePolicy: "Retain",
        Properties: {
          VersioningConfiguration: { Status: "Enabled" },
          BucketEncryption: {
            ServerSideEncryptionConfiguration: [
              { ServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" } },
            ],
          },
          PublicAccessBlockConfiguration: {
            BlockPublicAcls: true,
            BlockPublicPolicy: true,
            IgnorePublicAcls: true,
            RestrictPublicBuckets: true,
          },
          OwnershipControls: { Rules: [{ ObjectOwnership: "BucketOwnerEnforced" }] },
          LifecycleConfiguration: {
            Rules: [
              { Id: "expire-claims", Status: "Enabled", Prefix: "claims/", ExpirationInDays: 30 },
              // Page slots matter for their hour only; a storm nobody resolved (its account left
              // the fleet) is forgotten after a month.
              {
                Id: "expire-page-slots",
                Status: "Enabled",
                Prefix: "alerts/pages/",
                ExpirationInDays: 2,
              },
              {
                // A remediation and an anomaly link to each other within a day.
                Id: "expire-resource-notes",
                Status: "Enabled",
                Prefix: "alerts/resources/",
                ExpirationInDays: 2,
              },
              {
                Id: "expire-storms",
                Status: "Enabled",
                Prefix: "alerts/storms/",
                ExpirationInDays: 30,
              },
              { Id: "old-versions", Status: "Enabled", NoncurrentVersionExpirationInDays: 365 },
            ],
          },
        },
      },
      JournalBucketPolicy: {
        Type: "AWS::S3::BucketPolicy",
        Properties: {
          Bucket: { Ref: "JournalBucket" },
          PolicyDocument: {
            Version: "2012-10-17",
            Statement: [
              {
                Sid: "TlsOnly",
                Effect: "Deny",
                Principal: "*",
                Action: "s3:*",
                Resource: [bucketArn, objects],
                Condition: { Bool: { "aws:SecureTransport": "false" } },
              },
              {
                Sid: "OnlyVigilWritesTheJournal",
                Effect: "Deny",
                Principal: "*",
                Action: JOURNAL_WRITE_ACTIONS,
                Resource: objects,
                Condition: {
                  ArnNotEquals: {
                    "aws:PrincipalArn": roleArns([
                      ...journalWriterRoleNames(),
                      ...pageLedgerWriterRoleNames(),
                    ]),
                  },
                },
              },
              {
                // The detect functions count pages under alerts/ (and put graph images under
                // graph-images/ when alerting.pagerduty.graphImage is on): nothing else.
                Sid: "DetectionWritesOnlyThePageLedger",
                Effect: "Deny",
                Principal: "*",
                Action: JOURNAL_WRITE_ACTIONS,
                NotResource: [PAGE_LEDGER_PREFIX, GRAPH_IMAGE_PREFIX].map((prefix) =>
                  sub(`\${JournalBucket.Arn}/${prefix}*`),
                ),
                Condition: {
                  ArnEquals: { "aws:PrincipalArn": roleArns(pageLedgerWriterRoleNames()) },
                },
              },
            ],
          },
        },
      },
      JournalMacKey: {
        Type: "AWS::KMS::Key",
        Properties: {
          Description: "Vigil journal record seal (HMAC): undo trusts only records it verifies",
          KeySpec: "HMAC_256",
          KeyUsage: "GENERATE_VERIFY_MAC",
          KeyPolicy: {
            Version: "2012-10-17",
            Statement: [
              {
                Sid: "AccountAdministersRolesDecide",
                Effect: "Allow",
                Principal: { AWS: sub("arn:${AWS::Partition}:iam::${AWS::AccountId}:root") },
                Action: "kms:*",
                Resource: "*",
              },
            ],
          },
        },
      },
    },
  };
}
