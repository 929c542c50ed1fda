/**
 * Issue 14's policy-semantics attacks (items 4, 9, 12): statements an attacker wants kept, and
 * legitimate ones a fix must not strip. Each is replayed against moto_server through the real
 * wiring; `blocked` is read from the bucket policy left behind and from what people were sent.
 * Part of ATTACKS (attacks.ts), so the tests and `npm run resilience` replay them.
 */

import { CreateOrganizationCommand, OrganizationsClient } from "@aws-sdk/client-organizations";
import { GetBucketPolicyCommand, PutBucketPolicyCommand } from "@aws-sdk/client-s3";
import {
  ACCOUNT,
  clientConfig,
  configEvent,
  createWorld,
  publicBucket,
  type World,
} from "./attack-world.ts";
import type { Attack } from "./attacks.ts";

/** A Config rule that judges the bucket policy itself (not only Block Public Access). */
const POLICY_RULE = "s3-bucket-public-read-prohibited";

function anyone(bucket: string, sid: string, condition?: Record<string, unknown>) {
  return {
    Sid: sid,
    Effect: "Allow",
    Principal: "*",
    Action: "s3:GetObject",
    Resource: `arn:aws:s3:::${bucket}/*`,
    ...(condition ? { Condition: condition } : {}),
  };
}

async function sids(world: World, bucket: string): Promise<string[]> {
  try {
    const policy = (await world.s3.send(new GetBucketPolicyCommand({ Bucket: bucket }))).Policy;
    const statements = JSON.parse(policy ?? "{}").Statement ?? [];
    return (Array.isArray(statements) ? statements : [statements]).map(
      (statement: { Sid?: string }) => statement.Sid ?? "",
    );
  } catch {
    return [];
  }
}

/** The account's own organisation (moto makes ACCOUNT its management account). */
async function ownOrganization(endpoint: string): Promise<string> {
  const organizations = new OrganizationsClient(clientConfig(endpoint));
  const { Organization } = await organizations.send(
    new CreateOrganizationCommand({ FeatureSet: "ALL" }),
  );
  return Organization?.Id ?? "";
}

/**
 * A public bucket whose policy holds `statements` plus a plain public-read statement ("PublicRead",
 * so the finding is real), run through a policy-level Config finding in enforce mode.
 */
async function fixPolicy(
  endpoint: string,
  bucket: string,
  statements: (world: World) => Promise<object[]> | object[],
) {
  const world = await createWorld(endpoint);
  await publicBucket(world, bucket);
  const policy = {
    Version: "2012-10-17",
    Statement: [anyone(bucket, "PublicRead"), ...(await statements(world))],
  };
  await world.s3.send(
    new PutBucketPolicyCommand({ Bucket: bucket, Policy: JSON.stringify(policy) }),
  );
  const outcome = await world.handle(configEvent(POLICY_RULE, "AWS::S3::Bucket", bucket));
  return { world, outcome, kept: await sids(world, bucket) };
}

/** Kept what an attacker wants: the statement must be gone, the plain public one too. */
function keptForAttacker(item: number, name: string, sid: string, condition: object): Attack {
  return {
    item,
    name,
    async replay(endpoint) {
      const bucket = `attacker-${sid.toLowerCase()}`;
      const { outcome, kept } = await fixPolicy(endpoint, bucket, async () => {
        await ownOrganization(endpoint);
        return [anyone(bucket, sid, condition as Record<string, unknown>)];
      });
      return {
        blocked: !kept.includes(sid) && !kept.includes("PublicRead"),
        detail: `outcome ${outcome.outcome}; statements left: ${kept.join(", ") || "none"}`,
      };
    },
  };
}

/** Broke legitimate access: the statement must stay while the plain public one goes. */
function strippedLegitimate(
  item: number,
  name: string,
  sid: string,
  statement: (bucket: string, organizationId: string) => object,
): Attack {
  return {
    item,
    name,
    async replay(endpoint) {
      const bucket = `legit-${sid.toLowerCase()}`;
      const { outcome, kept } = await fixPolicy(endpoint, bucket, async () => [
        statement(bucket, await ownOrganization(endpoint)),
      ]);
      return {
        blocked: kept.includes(sid) && !kept.includes("PublicRead"),
        detail: `outcome ${outcome.outcome}; statements left: ${kept.join(", ") || "none"}`,
      };
    },
  };
}

export const POLICY_ATTACKS: readonly Attack[] = [
  keptForAttacker(
    9,
    "a Principal * statement scoped to a foreign aws:PrincipalOrgID is kept",
    "ForeignOrg",
    { StringEquals: { "aws:PrincipalOrgID": "o-attacker0001" } },
  ),
  keptForAttacker(
    9,
    "a Principal * statement scoped to a foreign aws:SourceVpce is kept",
    "ForeignVpce",
    { StringEquals: { "aws:SourceVpce": "vpce-0attacker00000001" } },
  ),
  keptForAttacker(
    9,
    "a Principal * statement scoped to aws:SourceIp 0.0.0.0/1 + 128.0.0.0/1 is kept",
    "HalfTheInternet",
    { IpAddress: { "aws:SourceIp": ["0.0.0.0/1", "128.0.0.0/1"] } },
  ),
  strippedLegitimate(
    4,
    "access-point delegation (s3:DataAccessPointAccount) is stripped: every access point breaks",
    "AccessPoints",
    (bucket) =>
      anyone(bucket, "AccessPoints", {
        StringEquals: { "s3:DataAccessPointAccount": ACCOUNT },
      }),
  ),
  strippedLegitimate(
    4,
    "a grant to the owner's own organisation by aws:PrincipalOrgPaths is stripped",
    "OwnOrgPaths",
    (bucket, organizationId) =>
      anyone(bucket, "OwnOrgPaths", {
        "ForAnyValue:StringLike": { "aws:PrincipalOrgPaths": `${organizationId}/*` },
      }),
  ),
  strippedLegitimate(
    4,
    "a policy-level finding strips the ELB log-delivery grant (ALB logs stop)",
    "ElbLogDelivery",
    (bucket) => ({
      Sid: "ElbLogDelivery",
      Effect: "Allow",
      Principal: { AWS: "arn:aws:iam::127311923021:root" },
      Action: "s3:PutObject",
      Resource: `arn:aws:s3:::${bucket}/AWSLogs/${ACCOUNT}/*`,
    }),
  ),
  strippedLegitimate(
    4,
    "a partner account's grant is stripped although stripExternalAccounts is not configured",
    "Partner",
    (bucket) => ({
      Sid: "Partner",
      Effect: "Allow",
      Principal: { AWS: "arn:aws:iam::444455556666:role/reader" },
      Action: "s3:GetObject",
      Resource: `arn:aws:s3:::${bucket}/*`,
    }),
  ),
  {
    item: 12,
    name: "the whole bucket policy goes out in the SNS/PagerDuty notification",
    async replay(endpoint) {
      const bucket = "internal-data";
      // A kept statement carrying what an alert channel should not: internal prefixes, ranges.
      const secret = "arn:aws:s3:::internal-data/payroll-exports-2026/*";
      const { world, outcome } = await fixPolicy(endpoint, bucket, () => [
        {
          Sid: "Office",
          Effect: "Allow",
          Principal: "*",
          Action: "s3:GetObject",
          Resource: secret,
          Condition: { IpAddress: { "aws:SourceIp": "10.42.0.0/16" } },
        },
      ]);
      const sent = world.notifier.sent.map(
        (n) => `${n.subject}\n${n.body}\n${JSON.stringify(n.details ?? {})}`,
      );
      const leaked = sent.filter(
        (text) => text.includes("payroll-exports-2026") || text.includes("10.42.0.0/16"),
      );
      return {
        blocked: sent.length > 0 && leaked.length === 0,
        detail: `outcome ${outcome.outcome}; ${sent.length} notification(s), ${leaked.length} carrying the policy`,
      };
    },
  },
];
