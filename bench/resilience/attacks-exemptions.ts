/**
 * Issue 14 item 3: exemptions an owner cannot grant himself, from the sources beyond the config
 * file. Replayed against moto through the real wiring (SSM is moto's; CloudTrail's LookupEvents
 * is not served by moto and is answered by a stand-in). Part of ATTACKS (attacks.ts), so the tests
 * and `npm run resilience` replay them.
 */
import { CloudTrailClient, LookupEventsCommand } from "@aws-sdk/client-cloudtrail";
import { PutBucketTaggingCommand } from "@aws-sdk/client-s3";
import { PutParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { mockClient } from "aws-sdk-client-mock";
import { ACCOUNT, clientConfig, configEvent, createWorld, publicBucket } from "./attack-world.ts";
import type { Attack } from "./attacks.ts";

export const EXEMPTION_ATTACKS: readonly Attack[] = [
  {
    item: 3,
    name: "an SSM exemption entry with no approver and no expiry, globbing every bucket, silences a public bucket",
    async replay(endpoint) {
      const world = await createWorld(endpoint, {
        defaultMode: "enforce",
        exemptions: { ssmPath: "/vigil/exemptions" },
      });
      // Whoever may write one parameter under the path (not the security team's approval).
      await new SSMClient(clientConfig(endpoint)).send(
        new PutParameterCommand({
          Name: "/vigil/exemptions/quick-fix",
          Type: "String",
          Value: JSON.stringify({ resource: "arn:aws:s3:::*", reason: "temporary, trust me" }),
        }),
      );
      await publicBucket(world, "team-share");
      const outcome = await world.handle(
        configEvent("s3-bucket-public-read-prohibited", "AWS::S3::Bucket", "team-share"),
      );
      const told = world.notifier.sent.some(
        (n) => n.subject.includes("exemption source") && /quick-fix ignored/.test(n.body),
      );
      return {
        blocked: outcome.outcome === "applied" && told,
        detail: `outcome ${outcome.outcome}: ${outcome.reason}; entry reported ${told}`,
      };
    },
  },
  {
    item: 3,
    name: "verified tag mode: the owner re-tags his public bucket vigil:exempt himself (CloudTrail stand-in: moto has no LookupEvents)",
    async replay(endpoint) {
      const world = await createWorld(endpoint, {
        defaultMode: "enforce",
        exemptions: {
          tags: "verified",
          tagSetters: [`arn:aws:iam::${ACCOUNT}:role/security-admin`],
        },
      });
      await publicBucket(world, "team-share");
      const tags = [
        { Key: "vigil:exempt", Value: "needed for the demo" },
        { Key: "vigil:exempt-until", Value: "2026-12-31" },
      ];
      await world.s3.send(
        new PutBucketTaggingCommand({ Bucket: "team-share", Tagging: { TagSet: tags } }),
      );
      // CloudTrail's history as AWS would keep it: the owner's PutBucketTagging is the newest.
      const trail = mockClient(CloudTrailClient);
      trail.on(LookupEventsCommand).resolves({
        Events: [
          {
            EventName: "PutBucketTagging",
            CloudTrailEvent: JSON.stringify({
              eventName: "PutBucketTagging",
              eventTime: "2026-11-20T09:50:00Z",
              userIdentity: { type: "IAMUser", arn: `arn:aws:iam::${ACCOUNT}:user/bucket-owner` },
              requestParameters: { bucketName: "team-share", Tagging: { TagSet: { Tag: tags } } },
            }),
          },
        ],
      });
      try {
        const outcome = await world.handle(
          configEvent("s3-bucket-public-read-prohibited", "AWS::S3::Bucket", "team-share"),
        );
        const told = world.notifier.sent.some((n) =>
          /Exemption NOT honoured: .*set by arn:aws:iam::\d+:user\/bucket-owner/.test(n.body),
        );
        return {
          blocked: outcome.outcome === "applied" && told,
          detail: `outcome ${outcome.outcome}: ${outcome.reason}; told who set the tag ${told}`,
        };
      } finally {
        trail.restore();
      }
    },
  },
];
